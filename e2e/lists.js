// The lists scenario: two people in two real browser sessions share a list (issue 15).
// Loaded by run.js, which passes its helpers.
'use strict';

const assert = require('node:assert/strict');

/** The sidebar's entries as [name, count]. */
async function sidebar(page) {
  const links = page.locator('nav.sidebar li a');
  const out = [];
  for (let i = 0; i < await links.count(); i += 1) {
    const link = links.nth(i);
    out.push([
      (await link.locator('.list-name').textContent()).trim(),
      Number((await link.locator('.count').textContent()).trim()),
    ]);
  }
  return out;
}

/** Ada makes a list and shares it with Bob; both work in it; Bob leaves; Ada deletes it. */
async function sharing(browser, h) {
  const ada = await h.open(browser);
  const bob = await h.open(browser);
  await h.signUp(ada.page, 'ada-lists@example.com', 'Ada');
  await h.signUp(bob.page, 'bob-lists@example.com', 'Bob');

  // Ada creates a list; its page is the tasks page narrowed to it.
  await ada.page.goto('/lists');
  await ada.page.getByLabel('Name', { exact: true }).fill('Groceries');
  await ada.page.getByLabel(/Colour/).fill('#33AA66');
  await ada.page.getByRole('button', { name: 'Create list' }).click();
  await ada.page.waitForURL(/\/tasks\?list=/);
  const listUrl = h.pathOf(ada.page);
  const listId = new URL(ada.page.url()).searchParams.get('list');
  assert.match(await ada.page.locator('.notice').textContent(), /List created/);
  assert.equal(await ada.page.locator('h1').textContent(), 'Groceries');
  assert.equal(await ada.page.locator('nav.sidebar circle').nth(1).getAttribute('fill'), '#33aa66');
  await h.addTask(ada.page, { title: 'Milk' });
  assert.equal(h.pathOf(ada.page), listUrl, 'back on the list after adding');
  await h.addTask(ada.page, { title: 'Eggs' });
  assert.deepEqual(await sidebar(ada.page), [['All tasks', 2], ['Inbox', 0], ['Groceries', 2]]);

  // Ada shares it with Bob as an editor: pending until Bob's next page.
  await ada.page.getByRole('link', { name: /List settings/ }).click();
  await ada.page.getByLabel('Share with (email)').fill('Bob-Lists@example.com');
  await ada.page.getByLabel('Role').selectOption('editor');
  await ada.page.getByRole('button', { name: 'Share' }).click();
  await ada.page.waitForURL(`**/lists/${listId}`);
  const bobRow = ada.page.locator('li.member', { hasText: 'bob-lists@example.com' });
  assert.match(await bobRow.textContent(), /editor · pending/);
  await h.shot(ada.page, 'list-settings');

  // Bob's next page shows the list, what is in it, and whose it is.
  await bob.page.goto('/tasks');
  assert.deepEqual(await sidebar(bob.page), [['All tasks', 2], ['Inbox', 0], ['Groceries', 2]]);
  await bob.page.locator('nav.sidebar').getByRole('link', { name: /Groceries/ }).click();
  await bob.page.waitForURL(/\/tasks\?list=/);
  assert.deepEqual(await h.titles(bob.page), ['Eggs', 'Milk']);
  assert.match(await bob.page.locator('.list-about').textContent(), /Shared with ada-lists@example\.com · you are editor/);
  await h.addTask(bob.page, { title: 'Bread' });
  await h.task(bob.page, 'Milk').getByRole('button', { name: 'Mark “Milk” as done' }).click();
  await h.settle(bob.page);
  await h.shot(bob.page, 'list-shared');

  // Ada sees Bob's work, and Bob now active in the member list.
  await ada.page.goto(`${listUrl}&status=all`);
  assert.deepEqual(await h.titles(ada.page), ['Bread', 'Eggs', 'Milk']);
  assert.match(await h.task(ada.page, 'Milk').getAttribute('class'), /\bdone\b/);
  await ada.page.goto(listUrl);
  assert.deepEqual(await h.titles(ada.page), ['Bread', 'Eggs'], 'done tasks are hidden');
  assert.deepEqual((await sidebar(ada.page))[2], ['Groceries', 2]);
  await ada.page.goto(`/lists/${listId}`);
  assert.match(await bobRow.textContent(), /editor · active/);

  // Ada renames it and makes Bob a viewer: Bob sees the name, and may no longer change.
  await ada.page.getByLabel('Name', { exact: true }).fill('Weekly shop');
  await ada.page.getByRole('button', { name: 'Save list' }).click();
  await ada.page.waitForURL(`**/lists/${listId}`);
  await ada.page.getByLabel('Share with (email)').fill('bob-lists@example.com');
  await ada.page.getByLabel('Role').selectOption('viewer');
  await ada.page.getByRole('button', { name: 'Share' }).click();
  await ada.page.waitForURL(`**/lists/${listId}`);
  assert.match(await bobRow.textContent(), /viewer · active/);
  await bob.page.goto(listUrl);
  assert.equal(await bob.page.locator('h1').textContent(), 'Weekly shop');
  await h.task(bob.page, 'Eggs').getByRole('button', { name: 'Mark “Eggs” as done' }).click();
  await h.settle(bob.page);
  assert.match(await bob.page.locator('h1').textContent(), /not allowed|Forbidden/i);

  // Bob leaves: the list is gone from his sidebar and its page is not found.
  await bob.page.goto(`/lists/${listId}`);
  await bob.page.getByRole('button', { name: 'Leave list' }).click();
  await bob.page.waitForURL('**/tasks');
  assert.equal(await bob.page.locator('.notice').textContent(), 'You have left the list.');
  assert.deepEqual(await sidebar(bob.page), [['All tasks', 0], ['Inbox', 0]]);
  const gone = await bob.page.goto(`/lists/${listId}`);
  assert.equal(gone.status(), 404);

  // Ada archives it (hidden from the sidebar, kept), restores it, then deletes it.
  await ada.page.goto(`/lists/${listId}`);
  await ada.page.getByRole('button', { name: 'Archive list' }).click();
  await ada.page.waitForURL(`**/lists/${listId}`);
  await ada.page.goto('/tasks');
  assert.deepEqual((await sidebar(ada.page)).map((e) => e[0]), ['All tasks', 'Inbox']);
  await ada.page.goto(`/lists/${listId}`);
  await ada.page.getByRole('button', { name: 'Restore to the sidebar' }).click();
  await ada.page.waitForURL(`**/lists/${listId}`);
  await ada.page.getByRole('link', { name: 'Delete list' }).click();
  await ada.page.locator('p.quote', { hasText: 'Weekly shop' }).waitFor();
  await ada.page.getByRole('button', { name: 'Delete list' }).click();
  await ada.page.waitForURL('**/lists');
  assert.equal(await ada.page.locator('.notice').textContent(), 'List deleted, with its tasks.');
  await ada.page.goto('/tasks');
  assert.deepEqual(await sidebar(ada.page), [['All tasks', 0], ['Inbox', 0]]);
  assert.deepEqual(ada.page.dialogs, []);
  await ada.context.close();
  await bob.context.close();
}

module.exports = { sharing };
