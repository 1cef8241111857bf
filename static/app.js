// Taskward's optional script (docs/web.md "The script"). Every action is a plain form
// that works without it. With it, the task forms are sent with fetch and the page the
// server answers with (after its redirect) is swapped into <main> in place: no reload,
// the scroll position kept, focus put back where the user was. Anything unexpected falls
// back to the normal form submission. Plus keyboard shortcuts and their help dialog.
(function () {
  'use strict';
  if (!window.fetch || !window.DOMParser || !window.URLSearchParams || !window.FormData) return;

  var TASK_PATH = /^\/tasks\/([0-9a-fA-F-]{36})(?:\/([a-z-]+))?$/;
  var IN_PLACE = /^\/tasks\/([0-9a-fA-F-]{36})\/(edit|delete)$/;
  var queue = Promise.resolve();
  var busy = 0;
  var pushed = false;

  function main() { return document.getElementById('main'); }

  function setBusy(delta) {
    busy += delta;
    var m = main();
    if (!m) return;
    if (busy > 0) m.setAttribute('aria-busy', 'true');
    else m.removeAttribute('aria-busy');
  }

  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function pathOf(url) { return new URL(url, location.href); }

  // ---- Rows -------------------------------------------------------------------------

  function rows() {
    return Array.prototype.filter.call(document.querySelectorAll('main li.task'), function (r) {
      return r.getClientRects().length > 0;
    });
  }

  // A row's task id: its `id="task-<uuid>"`, else the id in one of its form actions or links.
  function rowId(row) {
    if (row.id && row.id.indexOf('task-') === 0) return row.id.slice(5);
    var el = row.querySelector('form[action^="/tasks/"], a[href^="/tasks/"]');
    var m = el && /^\/tasks\/([0-9a-fA-F-]{36})\//.exec(el.getAttribute('action') || el.getAttribute('href'));
    return m ? m[1] : null;
  }

  function findRow(id) {
    if (!id) return null;
    var row = document.getElementById('task-' + id);
    if (row && row.matches('li.task')) return row;
    var el = document.querySelector('main li.task [action^="/tasks/' + id + '/"], main li.task a[href^="/tasks/' + id + '/"]');
    return el ? el.closest('li.task') : null;
  }

  function currentRow() {
    var a = document.activeElement;
    return a && a.closest ? a.closest('main li.task') : null;
  }

  function focusEl(el, scroll) {
    if (!el) return false;
    if (!el.matches('a[href], button, input, select, textarea, [tabindex]')) el.setAttribute('tabindex', '-1');
    el.focus({ preventScroll: true });
    var r = el.getBoundingClientRect();
    if (scroll !== false && (r.top < 0 || r.bottom > window.innerHeight)) el.scrollIntoView({ block: 'nearest' });
    return document.activeElement === el;
  }

  function quickInput() {
    return document.querySelector('#quick-text') ||
      document.querySelector('main form[action="/tasks/quick"] input[name="text"]');
  }

  function undoButton() {
    return document.querySelector('main .notice button, main .notice a');
  }

  function visible(el) { return !!el && el.getClientRects().length > 0; }

  // ---- Sending a form ---------------------------------------------------------------

  function enhanced(form) {
    if (!(form instanceof HTMLFormElement)) return null;
    if ((form.getAttribute('method') || '').toLowerCase() !== 'post') return null;
    var url = pathOf(form.getAttribute('action') || location.href);
    if (url.origin !== location.origin) return null;
    if (form.closest('.notice') || /^\/tasks(\/|$)/.test(url.pathname)) return url;
    return null;
  }

  // What to restore after the swap, read before the request leaves.
  function context(form, url) {
    var m = TASK_PATH.exec(url.pathname);
    var kind = form.closest('.notice') ? 'undo'
      : url.pathname === '/tasks/quick' ? 'quick'
      : url.pathname === '/tasks' ? 'add'
      : m ? (m[2] || 'save') : 'other';
    var id = m ? m[1] : null;
    var row = findRow(id) || form.closest('li.task');
    var all = rows();
    var at = row ? all.indexOf(row) : -1;
    return {
      kind: kind,
      id: id || (row && rowId(row)),
      after: at < 0 ? [] : all.slice(at + 1).map(rowId),
      before: at < 0 ? [] : all.slice(0, at).map(rowId).reverse(),
      top: row ? row.getBoundingClientRect().top : null,
      scrollY: window.scrollY,
    };
  }

  function formBody(form, submitter) {
    var data;
    try {
      data = new FormData(form, submitter || undefined);
    } catch (e) {
      data = new FormData(form);
      if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    }
    return new URLSearchParams(data);
  }

  // The same form, posted the ordinary way (a new form, since the original may be gone).
  function fallback(job) {
    var f = document.createElement('form');
    f.method = 'post';
    f.action = job.url.href;
    f.hidden = true;
    job.body.forEach(function (value, name) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      f.appendChild(input);
    });
    document.body.appendChild(f);
    HTMLFormElement.prototype.submit.call(f);
  }

  async function send(job) {
    setBusy(1);
    try {
      var res, html;
      try {
        res = await fetch(job.url.href, {
          method: 'POST', body: job.body, credentials: 'same-origin', redirect: 'follow',
          headers: { Accept: 'text/html' },
        });
        if (!/^text\/html/.test(res.headers.get('content-type') || '')) throw new Error('not a page');
        html = await res.text();
      } catch (e) {
        fallback(job);
        return;
      }
      var doc = new DOMParser().parseFromString(html, 'text/html');
      var next = doc.getElementById('main');
      try {
        // Sent to sign in (the session ended): that page the ordinary way.
        if (res.redirected && /^\/sign(in|up)$/.test(pathOf(res.url).pathname)) throw new Error('signed out');
        if (!next) throw new Error('not a page of ours');
        await swap(doc, next, job.ctx, job);
      } catch (e) {
        // The form was accepted: show the answer without ever posting it again.
        if (res.redirected) location.assign(res.url);
        else document.replaceChild(document.adoptNode(doc.documentElement), document.documentElement);
        return;
      }
      // The address of the page shown, when it is one (an answer that was not redirected
      // is a form shown again with its errors: the address stays).
      if (res.redirected && res.url !== location.href.split('#')[0]) {
        if (pathOf(res.url).pathname !== location.pathname) {
          history.pushState({ taskward: true }, '', res.url);
          pushed = true;
        } else {
          history.replaceState(history.state, '', res.url);
        }
      }
    } finally {
      setBusy(-1);
    }
  }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    var url = !e.defaultPrevented && enhanced(form);
    if (!url) return;
    e.preventDefault();
    var job = { url: url, body: formBody(form, e.submitter), form: form, ctx: context(form, url) };
    queue = queue.then(function () { return send(job); }).catch(function () { /* shown by send */ });
  });

  window.addEventListener('popstate', function () { if (pushed) location.reload(); });

  // ---- Swapping the page ------------------------------------------------------------

  // Text the user is typing into the focused field, when it is not what was just sent.
  function typedText(job) {
    var a = document.activeElement;
    if (!a || !a.id || !main().contains(a) || !/^(INPUT|TEXTAREA)$/.test(a.tagName)) return null;
    var sent = job && job.form.contains(a) ? job.body.get(a.name) : a.defaultValue;
    if (a.value === sent || a.value === '') return null;
    return { id: a.id, value: a.value, start: a.selectionStart, end: a.selectionEnd };
  }

  // A folded section, known by its id or else its summary's words (the add form's "More").
  function detailsKey(d) {
    var summary = d.querySelector('summary');
    return d.id ? '#' + d.id : summary ? summary.textContent.trim() : '';
  }

  function openDetails() {
    return Array.prototype.filter.call(document.querySelectorAll('main details[open]'), function (d) {
      return !d.closest('.inplace');
    }).map(detailsKey).filter(Boolean);
  }

  async function swap(doc, next, ctx, job) {
    var cur = main();
    var typed = typedText(job);
    var open = openDetails();
    var nodes = Array.prototype.slice.call(next.childNodes).map(function (n) { return document.adoptNode(n); });
    var fresh = null;
    nodes.some(function (n) {
      fresh = n.nodeType === 1 ? (n.matches('.notice') ? n : n.querySelector('.notice')) : null;
      return !!fresh;
    });
    var live = cur.querySelector(':scope > .notice');
    var header = doc.querySelector('header.topbar');
    var oldHeader = document.querySelector('header.topbar');
    if (header && oldHeader) oldHeader.replaceWith(document.adoptNode(header));
    document.title = doc.title;
    closeEditors(false);
    if (fresh && live && nodes.indexOf(fresh) >= 0) {
      // The notice stays the same element, so screen readers announce its new text.
      Array.prototype.slice.call(cur.childNodes).forEach(function (c) { if (c !== live) c.remove(); });
      var at = nodes.indexOf(fresh);
      live.before.apply(live, nodes.slice(0, at));
      live.after.apply(live, nodes.slice(at + 1));
      Array.prototype.forEach.call(fresh.attributes, function (a) { live.setAttribute(a.name, a.value); });
      live.replaceChildren.apply(live, Array.prototype.slice.call(fresh.childNodes));
    } else if (fresh) {
      // A new live region is announced only once it is on the page: fill it a moment later.
      var content = Array.prototype.slice.call(fresh.childNodes);
      fresh.replaceChildren();
      cur.replaceChildren.apply(cur, nodes);
      await wait(80);
      fresh.replaceChildren.apply(fresh, content);
    } else {
      cur.replaceChildren.apply(cur, nodes);
    }
    Array.prototype.forEach.call(cur.querySelectorAll('details:not([open])'), function (d) {
      if (open.indexOf(detailsKey(d)) >= 0) d.open = true;
    });
    restore(ctx, typed);
  }

  function restore(ctx, typed) {
    // Keep the task the user acted on (or the one after it) where it was on the screen.
    var anchor = findRow(ctx.id);
    if (!anchor) ctx.after.some(function (id) { anchor = findRow(id); return !!anchor; });
    if (anchor && ctx.top !== null) {
      window.scrollTo(0, window.scrollY + anchor.getBoundingClientRect().top - ctx.top);
    } else {
      window.scrollTo(0, ctx.scrollY);
    }
    if (typed) {
      var field = document.getElementById(typed.id);
      if (field && /^(INPUT|TEXTAREA)$/.test(field.tagName)) {
        field.value = typed.value;
        focusEl(field);
        try { field.setSelectionRange(typed.start, typed.end); } catch (e) { /* not a text field */ }
        return;
      }
    }
    var errors = document.getElementById('errors');
    if (errors && focusEl(errors)) return;
    var invalid = document.querySelector('main [aria-invalid="true"]');
    if (invalid && focusEl(invalid)) return;
    var targets;
    var near = function (ids) { var r = null; ids.some(function (id) { r = findRow(id); return !!r; }); return r; };
    switch (ctx.kind) {
      case 'quick': targets = [quickInput()]; break;
      case 'add': targets = [document.querySelector('main form[action="/tasks"] input[name="title"]'), quickInput()]; break;
      case 'delete': targets = [near(ctx.after), undoButton(), near(ctx.before)]; break;
      case 'undo': targets = [findRow(ctx.id), undoButton()]; break;
      default: targets = [findRow(ctx.id), near(ctx.after), undoButton(), near(ctx.before)];
    }
    if (!targets.some(function (t) { return visible(t) && focusEl(t); })) focusEl(main(), false);
  }

  // ---- Editing (and deleting) in place ----------------------------------------------

  function closeEditors(focusRow) {
    Array.prototype.forEach.call(document.querySelectorAll('main .inplace'), function (box) {
      var row = box.closest('li.task');
      box.remove();
      if (row) {
        row.classList.remove('editing');
        if (focusRow) focusEl(row);
      }
    });
  }

  // Ids in a form taken from another page, prefixed so that they do not clash with the
  // list page's own (the add form has the same fields).
  function prefixIds(root, prefix) {
    Array.prototype.forEach.call(root.querySelectorAll('[id]'), function (el) { el.id = prefix + el.id; });
    Array.prototype.forEach.call(root.querySelectorAll('label[for]'), function (el) {
      el.htmlFor = prefix + el.htmlFor;
    });
    ['aria-describedby', 'aria-labelledby', 'aria-controls', 'list'].forEach(function (attr) {
      Array.prototype.forEach.call(root.querySelectorAll('[' + attr + ']'), function (el) {
        el.setAttribute(attr, el.getAttribute(attr).split(/\s+/).filter(Boolean).map(function (v) {
          return prefix + v;
        }).join(' '));
      });
    });
  }

  async function inPlace(row, url) {
    closeEditors(false);
    setBusy(1);
    try {
      var res = await fetch(url.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      var ok = res.ok && /^text\/html/.test(res.headers.get('content-type') || '') &&
        pathOf(res.url).pathname === url.pathname;
      var doc = ok && new DOMParser().parseFromString(await res.text(), 'text/html');
      var form = doc && doc.querySelector('#main form[method="post"][action^="/tasks/"]');
      if (!form || !row.isConnected) throw new Error('no form');
      var part = form.closest('section') || form;
      var box = document.createElement('div');
      box.className = 'inplace';
      box.setAttribute('role', 'group');
      prefixIds(part, 'inplace-');
      // The page's heading, one level under the list's.
      var heading = part.querySelector('h1, h2');
      if (heading) {
        var h3 = document.createElement('h3');
        h3.className = 'inplace-heading';
        h3.id = 'inplace-heading';
        h3.textContent = heading.textContent;
        heading.replaceWith(h3);
        box.setAttribute('aria-labelledby', 'inplace-heading');
      }
      box.appendChild(document.adoptNode(part));
      row.classList.add('editing');
      row.appendChild(box);
      var first = box.querySelector('input:not([type="hidden"]), textarea, select, button');
      focusEl(first);
    } catch (e) {
      location.assign(url.href);
    } finally {
      setBusy(-1);
    }
  }

  function inPlaceLink(row, kind) {
    var links = row.querySelectorAll('a[href]');
    for (var i = 0; i < links.length; i += 1) {
      var m = IN_PLACE.exec(pathOf(links[i].getAttribute('href')).pathname);
      if (m && m[2] === kind) return links[i];
    }
    return null;
  }

  document.addEventListener('click', function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    var a = e.target.closest && e.target.closest('main a[href]');
    if (!a) return;
    var url = pathOf(a.getAttribute('href'));
    var box = a.closest('.inplace');
    if (box && url.origin === location.origin && url.pathname === location.pathname) {
      // "Cancel" or "Keep it" leads back to this list: close the form instead.
      e.preventDefault();
      closeEditors(true);
      return;
    }
    var row = a.closest('li.task');
    if (!row || box || url.origin !== location.origin || !IN_PLACE.test(url.pathname)) return;
    e.preventDefault();
    inPlace(row, url);
  });

  // ---- Keyboard shortcuts -----------------------------------------------------------

  function typing(el) {
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function moveRow(step) {
    var all = rows();
    if (!all.length) return false;
    var at = all.indexOf(currentRow());
    var to = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    return focusEl(all[to]);
  }

  function toggleRow() {
    var row = currentRow();
    var button = row && row.querySelector('form[action$="/toggle"] button');
    if (!button) return false;
    if (button.form.requestSubmit) button.form.requestSubmit(button);
    else button.click();
    return true;
  }

  function editRow() {
    var row = currentRow();
    var link = row && !row.querySelector('.inplace') && inPlaceLink(row, 'edit');
    if (!link) return false;
    inPlace(row, pathOf(link.getAttribute('href')));
    return true;
  }

  function search() {
    var field = document.querySelector('#f-q') ||
      document.querySelector('main form[role="search"] input:not([type="hidden"])');
    if (!field) return false;
    for (var d = field.closest('details'); d; d = d.parentElement.closest('details')) d.open = true;
    if (!focusEl(field)) return false;
    field.select();
    return true;
  }

  var opener = null;

  function help() {
    var dialog = document.getElementById('keys-help');
    if (!dialog || !dialog.showModal) {
      location.assign('/help/keys');
      return true;
    }
    if (dialog.open) return true;
    opener = document.activeElement;
    dialog.showModal();
    return true;
  }

  document.addEventListener('close', function (e) {
    if (e.target.id !== 'keys-help') return;
    // Browsers put focus back themselves; this is for those that leave it on <body>.
    var lost = !document.activeElement || document.activeElement === document.body;
    if (lost && opener && opener.isConnected) opener.focus();
    opener = null;
  }, true);

  var KEYS = {
    q: function () { return focusEl(quickInput()); },
    '/': search,
    j: function () { return moveRow(1); },
    k: function () { return moveRow(-1); },
    x: toggleRow,
    e: editRow,
    '?': help,
  };

  document.addEventListener('keydown', function (e) {
    if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.altKey || e.metaKey) return;
    var t = e.target;
    if (e.key === 'Escape' && t.closest && t.closest('main .inplace')) {
      e.preventDefault();
      closeEditors(true);
      return;
    }
    if (typing(t) || document.querySelector('dialog[open]')) return;
    var action = Object.prototype.hasOwnProperty.call(KEYS, e.key) && KEYS[e.key];
    if (action && action()) e.preventDefault();
  });
}());
