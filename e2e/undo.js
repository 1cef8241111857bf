// The Undo scenario (issue 21, step 3), with JavaScript off: a task deleted from its row
// is gone at once with "Task deleted." and an Undo button, which brings it back in its
// place; ticking a task off answers with an Undo too. Loaded by run.js with its helpers.
'use strict';

const assert = require('node:assert/strict');

/** The notice's own sentence (the Undo button's text follows it). */
async function notice(page) {
  const text = await page.locator('.notice').textContent();
  return text.replace(/\s*Undo (the delete|marking as done)\s*$/, '').trim();
}

async function undo(browser, h) {
  const { context, page } = await h.open(browser, { javaScriptEnabled: false });
  await h.signUp(page, 'ada-undo@example.com', 'Ada');
  await page.goto('/tasks');
  for (const title of ['Call the bank', 'Water the plants', 'Buy stamps']) {
    await h.addTask(page, { title, priority: 'high', tags: 'home' });
  }
  const before = await h.titles(page);
  assert.deepEqual(before, ['Buy stamps', 'Water the plants', 'Call the bank']);

  // Delete asks nothing: the row goes, the notice offers Undo.
  await h.task(page, 'Water the plants').getByRole('button', { name: 'Delete “Water the plants”' }).click();
  await page.waitForURL('**/tasks');
  assert.equal(await notice(page), 'Task deleted.');
  assert.deepEqual(await h.titles(page), ['Buy stamps', 'Call the bank']);
  const status = page.getByRole('status');
  await h.shot(page, 'task-deleted-undo');

  // Undo: the task is back in its place, as it was.
  await status.getByRole('button', { name: 'Undo the delete' }).click();
  await page.waitForURL('**/tasks');
  assert.equal(await notice(page), 'Task restored.');
  assert.deepEqual(await h.titles(page), before);
  const plants = h.task(page, 'Water the plants');
  assert.match(await plants.getAttribute('class'), /prio-high/);
  assert.match(await plants.textContent(), /#home/);

  // Ticking off answers with Undo too, which makes it not done again.
  await h.task(page, 'Call the bank').getByRole('button', { name: 'Mark “Call the bank” as done' }).click();
  await page.waitForURL(/\/tasks#task-/);
  assert.equal(await notice(page), 'Marked as done.');
  assert.deepEqual(await h.titles(page), ['Buy stamps', 'Water the plants']);
  await page.getByRole('status').getByRole('button', { name: 'Undo marking as done' }).click();
  await page.waitForURL('**/tasks');
  assert.equal(await notice(page), 'Undone: the task is back as it was.');
  assert.deepEqual(await h.titles(page), before);
  assert.deepEqual(page.dialogs, []);
  await context.close();
}

module.exports = { undo };
