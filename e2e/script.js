// The optional script (static/app.js) with JavaScript on: actions in place without a
// page load, scroll and focus kept, editing and deleting in place, the keyboard
// shortcuts and their help, and no Content-Security-Policy violation on the way.
// Loaded by run.js, which passes its helpers.
'use strict';

const assert = require('node:assert/strict');

/** Waits until the script has no request in flight (and any navigation is done). */
async function settle(page) {
  await page.waitForLoadState();
  await page.waitForFunction(() => !document.querySelector('main[aria-busy]'));
}

/** Fails the scenario on any CSP violation, page error or console error. */
async function watch(page) {
  const problems = [];
  await page.exposeFunction('__cspViolation', (v) => problems.push(`CSP: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  return problems;
}

const marked = (page) => page.evaluate(() => window.__marker === 'still here');
const mark = (page) => page.evaluate(() => { window.__marker = 'still here'; });
const active = (page) => page.evaluate(() => {
  const a = document.activeElement;
  const row = a && a.closest('li.task');
  return {
    id: a ? a.id : '',
    tag: a ? a.tagName : '',
    row: row ? row.querySelector('.task-title').textContent : null,
    isRow: !!a && a.matches('li.task'),
    name: a ? a.getAttribute('name') : null,
  };
});

async function quickAdd(page, text) {
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await settle(page);
}

/** A row's delete: a form in the row, or the confirmation shown in place. */
async function deleteInPlace(page, row) {
  const control = row.getByRole('button', { name: /^Delete/ }).or(row.getByRole('link', { name: /^Delete/ })).first();
  await control.click();
  await settle(page);
  const confirm = row.locator('.inplace').getByRole('button', { name: 'Delete task' });
  if (await confirm.count()) {
    await confirm.click();
    await settle(page);
  }
}

async function script(browser, h) {
  const { context, page } = await h.open(browser);
  const problems = await watch(page);
  await h.signUp(page, 'ada-script@example.com', 'Ada');
  await page.goto('/tasks');
  const jsUrl = await page.locator('script[src]').getAttribute('src');
  assert.match(jsUrl, /^\/static\/app\.[0-9a-f]{16}\.js$/);
  await mark(page);

  // Three tasks with Enter in the quick add: no page load, focus stays in the box.
  await page.locator('#quick-text').focus();
  for (const title of ['Alpha', 'Beta', 'Gamma']) {
    await quickAdd(page, title);
    assert.ok(await marked(page), `no page load after adding ${title}`);
    assert.equal((await active(page)).id, 'quick-text', `focus in the quick add after ${title}`);
    assert.equal(await page.locator('#quick-text').inputValue(), '');
    assert.equal(await page.locator('.notice').textContent(), 'Task added.');
  }
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1);
  for (const title of ['Alpha', 'Beta', 'Gamma']) assert.equal(await h.task(page, title).count(), 1);
  assert.equal(h.pathOf(page), '/tasks');

  // The full add form: a folded section opened stays open, focus goes back to its title.
  const addForm = page.locator('form.task-form');
  await page.locator('details.more-options > summary').click();
  await addForm.locator('summary', { hasText: 'Remind me' }).click();
  await addForm.getByLabel('Title').fill('Delta');
  await addForm.getByRole('button', { name: 'Add task' }).click();
  await settle(page);
  assert.ok(await marked(page), 'no page load after the add form');
  assert.equal(await h.task(page, 'Delta').count(), 1);
  assert.equal(await addForm.locator('details.reminders').getAttribute('open'), '');
  assert.equal((await active(page)).name, 'title', 'focus in the add form');

  // Enough tasks to scroll; then tick one far down: it stays where it was, focused.
  await page.locator('#quick-text').focus();
  for (let i = 1; i <= 14; i += 1) await quickAdd(page, `Filler ${String(i).padStart(2, '0')}`);
  assert.ok(await marked(page));
  await page.goto('/tasks?status=all');
  await mark(page);
  await page.evaluate(() => {
    const row = [...document.querySelectorAll('li.task')].find((r) => r.textContent.includes('Filler 03'));
    window.scrollTo(0, row.getBoundingClientRect().top + window.scrollY - 300);
  });
  const before = await page.evaluate(() => window.scrollY);
  assert.ok(before > 200, `scrolled down (${before})`);
  const top = async (row) => (await row.boundingBox()).y;
  const scrollY = () => page.evaluate(() => window.scrollY);
  // The height the notice takes above the list (0 without one).
  const noticeHeight = () => page.evaluate(() => {
    const n = document.querySelector('.notice');
    if (!n) return 0;
    const s = getComputedStyle(n);
    return n.getBoundingClientRect().height + parseFloat(s.marginTop) + parseFloat(s.marginBottom);
  });
  /** Ticks or unticks `title`: no page load, the row keeps its place and focus. */
  async function tick(title, done) {
    const row = h.task(page, title);
    const [y, rowY, notice] = [await scrollY(), await top(row), await noticeHeight()];
    await row.getByRole('button', { name: `Mark “${title}” as ${done ? 'done' : 'not done'}` }).click();
    await settle(page);
    assert.ok(await marked(page), `no page load after ticking ${title}`);
    (done ? assert.match : assert.doesNotMatch)(await row.getAttribute('class'), /\bdone\b/);
    assert.equal((await active(page)).row, title, `focus on ${title}`);
    assert.ok(Math.abs((await top(row)) - rowY) <= 1, `${title} did not move on the screen`);
    // The page scrolls only by what the notice above the list grew, no more.
    const moved = (await scrollY()) - y;
    assert.ok(Math.abs(moved - ((await noticeHeight()) - notice)) <= 1, `scroll ${y} + ${moved}`);
    return moved;
  }
  await tick('Filler 03', true);
  assert.match(await page.locator('.notice').textContent(), /^Marked as done\./);
  // The same notice again: the scroll position does not change at all, and the notice
  // is the same live region with new content (so screen readers announce it).
  await page.locator('.notice').evaluate((n) => { n.probe = 'same element'; });
  assert.ok(Math.abs(await tick('Filler 04', true)) <= 1, 'scroll position unchanged');
  assert.equal(await page.locator('.notice[role="status"]').evaluate((n) => n.probe), 'same element');
  assert.match(await page.locator('.notice').textContent(), /^Marked as done\./);
  await tick('Filler 03', false);

  // Keyboard: j/k move over the rows, x ticks, e edits (Escape cancels), ? helps.
  await page.goto('/tasks?status=all&sort=title');
  await mark(page);
  const order = await h.titles(page);
  await page.keyboard.press('j');
  assert.equal((await active(page)).row, order[0]);
  assert.ok((await active(page)).isRow, 'the row itself has focus');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  assert.equal((await active(page)).row, order[2]);
  await page.keyboard.press('k');
  assert.equal((await active(page)).row, order[1]);
  await page.keyboard.press('x');
  await settle(page);
  assert.match(await h.task(page, order[1]).getAttribute('class'), /\bdone\b/);
  assert.equal((await active(page)).row, order[1], 'focus stays on the row after x');
  await page.keyboard.press('x');
  await settle(page);
  assert.doesNotMatch(await h.task(page, order[1]).getAttribute('class'), /\bdone\b/);
  // With Ctrl held, x is not ours.
  await page.keyboard.press('Control+x');
  await page.waitForTimeout(200);
  assert.doesNotMatch(await h.task(page, order[1]).getAttribute('class'), /\bdone\b/);
  await page.keyboard.press('e');
  await settle(page);
  const editor = h.task(page, order[1]).locator('.inplace');
  await editor.waitFor();
  assert.equal((await active(page)).name, 'title', 'focus in the title');
  assert.equal(await editor.getByLabel('Title').inputValue(), order[1]);
  await page.keyboard.press('Escape');
  assert.equal(await editor.count(), 0, 'Escape cancels');
  assert.equal((await active(page)).row, order[1]);
  await page.keyboard.press('?');
  const help = page.locator('dialog#keys-help');
  await help.waitFor();
  assert.match(await help.textContent(), /quick-add box/);
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'hidden' });
  assert.equal((await active(page)).row, order[1], 'focus back where it was');
  await page.keyboard.press('?');
  await help.getByRole('button', { name: 'Close' }).click();
  await help.waitFor({ state: 'hidden' });
  await page.keyboard.press('q');
  assert.equal((await active(page)).id, 'quick-text');
  // Typing in a field types: no shortcut fires.
  await page.keyboard.type('jkx?e/q');
  assert.equal(await page.locator('#quick-text').inputValue(), 'jkx?e/q');
  assert.equal(await help.isVisible(), false);
  assert.equal((await active(page)).id, 'quick-text');
  await page.locator('#quick-text').fill('');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('/');
  assert.equal((await active(page)).id, 'f-q', '/ goes to the search');
  assert.equal(await page.locator('#f-q').inputValue(), '', 'the slash is not typed');
  await page.keyboard.type('x');
  assert.equal(await page.locator('#f-q').inputValue(), 'x');
  await page.locator('#f-q').fill('');
  assert.ok(await marked(page), 'no page load for any shortcut');

  // Delete in place: the row goes, focus moves to the next one (or the Undo).
  await page.goto('/tasks?sort=title');
  await mark(page);
  const titlesBefore = await h.titles(page);
  const victim = titlesBefore.indexOf('Beta');
  await deleteInPlace(page, h.task(page, 'Beta'));
  assert.ok(await marked(page), 'no page load after deleting');
  assert.equal(await h.task(page, 'Beta').count(), 0);
  assert.match(await page.locator('.notice').textContent(), /Task deleted/);
  const focus = await active(page);
  assert.ok(focus.row === titlesBefore[victim + 1] || (await page.locator('.notice').evaluate((n) => n.contains(document.activeElement))),
    `focus on the next task or the Undo (${JSON.stringify(focus)})`);
  // Undo in the notice, in place too: the task is back, and has focus.
  const undo = page.locator('.notice').getByRole('button', { name: /^Undo/ });
  if (await undo.count()) {
    await undo.click();
    await settle(page);
    assert.ok(await marked(page), 'no page load after Undo');
    assert.equal(await h.task(page, 'Beta').count(), 1);
    assert.equal((await active(page)).row, 'Beta', 'focus on the restored task');
    await deleteInPlace(page, h.task(page, 'Beta'));
    assert.equal(await h.task(page, 'Beta').count(), 0);
  }

  // Edit in place: the form opens in the row; saving swaps the list back.
  await h.task(page, 'Gamma').getByRole('link', { name: /Edit/ }).click();
  await settle(page);
  const form = h.task(page, 'Gamma').locator('.inplace');
  await form.waitFor();
  assert.equal(h.pathOf(page), '/tasks?sort=title', 'still on the list');
  const dupes = await page.evaluate(() => {
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    return ids.filter((id, i) => ids.indexOf(id) !== i);
  });
  assert.deepEqual(dupes, [], 'no id twice on the page');
  await form.getByLabel('Title').fill('Gamma, edited');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await settle(page);
  assert.ok(await marked(page), 'no page load after saving');
  assert.equal(await page.locator('.notice').textContent(), 'Task saved.');
  assert.equal(await page.locator('.inplace').count(), 0);
  assert.equal((await active(page)).row, 'Gamma, edited', 'focus on the saved row');
  assert.equal(h.pathOf(page), '/tasks?sort=title');

  // The help page, for everyone, from the footer.
  await page.getByRole('contentinfo').getByRole('link', { name: 'Keyboard shortcuts' }).click();
  await page.waitForURL('**/help/keys');
  await page.getByRole('heading', { level: 1, name: 'Keyboard shortcuts' }).waitFor();

  assert.deepEqual(problems, [], 'no CSP violation, page error or console error');
  assert.deepEqual(page.dialogs, []);
  await context.close();
}

module.exports = { script, settle };
