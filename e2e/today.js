// The Today and Upcoming scenario (issue 16): quick add, the views by day, ticking a task
// off on Today, and the same without JavaScript. Loaded by run.js, which passes its helpers.
// The user's zone is the default, UTC, so `h.day(n)` (a UTC date) is their date.
'use strict';

const assert = require('node:assert/strict');
const { settle } = require('./script');

async function quickAdd(page, text) {
  const form = page.getByRole('form', { name: 'Quick add a task' });
  await form.getByLabel('Quick add', { exact: true }).fill(text);
  await form.getByRole('button', { name: 'Add', exact: true }).click();
  await settle(page);
}

/** The task titles of the section with `id` (a heading's section on Today or Upcoming). */
async function sectionTitles(page, id) {
  return page.locator(`section#${id} li.task .task-title`).allTextContents();
}

/** Ada quick-adds two tasks, finds them on Today and Upcoming, and ticks one off. */
async function today(browser, h) {
  const { context, page } = await h.open(browser);
  await h.signUp(page, 'ada-today@example.com', 'Ada');

  // Home is Today; a new account has nothing due, and says where to look and what to do.
  assert.equal(new URL(page.url()).pathname, '/');
  await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Today' }).getAttribute('aria-current'), 'page');
  await page.getByText('Nothing due today.').waitFor();

  await quickAdd(page, 'Water the plants every! 3 days #home');
  assert.equal(h.pathOf(page), '/today', 'back on Today');
  assert.equal(await page.locator('.notice').textContent(), 'Task added.');
  await quickAdd(page, 'Call mom tomorrow 5pm !high');
  assert.deepEqual(await sectionTitles(page, 'due-today'), ['Water the plants']);
  assert.equal(await page.locator('section#overdue').count(), 0);
  const plants = h.task(page, 'Water the plants');
  assert.match(await plants.textContent(), /#home/);
  assert.match(await plants.textContent(), /every 3 days/i);
  assert.deepEqual(await h.titles(page), ['Water the plants'], 'tomorrow is not today');
  await h.shot(page, 'today');

  // Upcoming: by day, today first, then "Tomorrow".
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upcoming' }).click();
  await page.getByRole('heading', { level: 1, name: 'Upcoming' }).waitFor();
  assert.deepEqual(await sectionTitles(page, `day-${h.day(0)}`), ['Water the plants']);
  assert.deepEqual(await sectionTitles(page, `day-${h.day(1)}`), ['Call mom']);
  assert.match(await page.locator(`section#day-${h.day(1)} h2`).textContent(), /^Tomorrow/);
  const mom = h.task(page, 'Call mom');
  assert.match(await mom.getAttribute('class'), /prio-high/);
  assert.match(await mom.textContent(), /17:00/);
  await h.shot(page, 'upcoming');

  // Ticked off on Today, the plants leave it (and come back in 3 days: it repeats).
  await page.goto('/today');
  await h.task(page, 'Water the plants').getByRole('button', { name: 'Mark “Water the plants” as done' }).click();
  await page.waitForURL('**/today');
  await settle(page);
  assert.match(await page.locator('.notice').textContent(), /^Marked as done\./);
  await page.getByText('Nothing due today.').waitFor();
  assert.deepEqual(await h.titles(page), []);
  await page.goto('/upcoming');
  assert.deepEqual(await sectionTitles(page, `day-${h.day(3)}`), ['Water the plants']);

  // The box is on the tasks page too.
  await page.goto('/tasks');
  await quickAdd(page, 'Buy stamps #errands');
  assert.equal(h.pathOf(page), '/tasks');
  assert.match(await h.task(page, 'Buy stamps').textContent(), /#errands/);
  assert.deepEqual(page.dialogs, []);
  await context.close();

  // Without JavaScript: a refusal keeps the text; quick add and ticking off still work.
  const nojs = await h.open(browser, { javaScriptEnabled: false });
  await nojs.page.goto('/signin');
  await nojs.page.getByLabel('Email').fill('ada-today@example.com');
  await nojs.page.getByLabel('Password').fill(h.PASSWORD);
  await nojs.page.getByRole('button', { name: 'Sign in' }).click();
  await nojs.page.waitForURL((u) => u.pathname === '/');
  const long = `${'Really '.repeat(40)}long title today`;
  await quickAdd(nojs.page, long);
  await nojs.page.locator('#quick-error').waitFor();
  assert.match(await nojs.page.locator('#quick-error').textContent(), /at most 200 characters/);
  assert.equal(await nojs.page.getByLabel('Quick add', { exact: true }).inputValue(), long);
  await quickAdd(nojs.page, 'Pay rent today');
  assert.deepEqual(await sectionTitles(nojs.page, 'due-today'), ['Pay rent']);
  await h.task(nojs.page, 'Pay rent').getByRole('button', { name: 'Mark “Pay rent” as done' }).click();
  await nojs.page.waitForURL(/\/today#task-/);
  await nojs.page.getByText('Nothing due today.').waitFor();
  await nojs.context.close();
}

module.exports = { today };
