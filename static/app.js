// Taskward's optional script: progressive enhancement over the plain forms (docs/web.md).
'use strict';
