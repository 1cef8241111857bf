//! The CalDAV face (issue 18): WebDAV and CalDAV under `/dav/`. [`xml`] reads the request
//! bodies into small typed requests and writes the multistatus answers.

pub mod xml;
