// The reminders scenario (issue 17): reminders set in the task form, the bell on the list,
// channels on the notifications page (a webhook's secret shown once, an email channel),
// "Send a test" and its delivery; then a reminder changed with JavaScript off. Loaded by
// run.js, which passes its helpers. The server may reach 127.0.0.1 (OUTBOUND_ALLOW_HOSTS,
// set by the Rust test) and has no SMTP_URL, so mail goes to its log.
'use strict';

const assert = require('node:assert/strict');

/** The notifications page, reloaded until `pattern` is in the deliveries (at most ~10 s). */
async function deliveriesUntil(page, pattern) {
  for (let i = 0; i < 40; i += 1) {
    await page.goto('/notifications');
    const text = await page.locator('#deliveries').textContent();
    if (pattern.test(text)) return text;
    await page.waitForTimeout(250);
  }
  throw new Error(`the deliveries never showed ${pattern}`);
}

async function reminders(browser, h) {
  const { context, page } = await h.open(browser);
  await h.signUp(page, 'ada-remind@example.com', 'Ada');

  // A task due in three days at 09:00, reminded 30 minutes before and the evening before.
  await page.goto('/tasks');
  await page.locator('details.more-options > summary').click();
  const form = page.locator('form.task-form');
  await form.getByLabel('Title').fill('Dentist');
  await form.getByLabel('Due date').fill(h.day(3));
  await form.getByLabel(/^Time/).fill('09:00');
  await form.locator('summary', { hasText: 'Remind me' }).click();
  await form.getByLabel('Reminder 1', { exact: true }).selectOption('PT30M');
  await form.getByLabel('Reminder 2', { exact: true }).selectOption('at');
  await form.getByLabel(/^Date and time of reminder 2/).fill(`${h.day(2)}T18:00`);
  await form.getByRole('button', { name: 'Add task' }).click();
  await h.settle(page);
  assert.equal(await page.locator('.notice').textContent(), 'Task added.');

  // The bell on the list: how many, and what they are in its title.
  const bell = h.task(page, 'Dentist').locator('.reminds');
  assert.match(await bell.textContent(), /🔔 2/);
  assert.equal(
    await bell.getAttribute('title'),
    `Reminders: 30 minutes before; at ${dayWords(2)}, 18:00`,
  );
  await h.shot(page, 'tasks-reminders');

  // The edit page shows them again, the section open (its own page: the script would
  // open the form in the row, next to the add form's fields of the same names).
  await page.goto(await h.task(page, 'Dentist').getByRole('link', { name: /Edit/ }).getAttribute('href'));
  assert.equal(await page.locator('details.reminders').getAttribute('open'), '');
  assert.equal(await page.getByLabel('Reminder 1', { exact: true }).inputValue(), 'PT30M');
  assert.equal(await page.getByLabel('Reminder 2', { exact: true }).inputValue(), 'at');
  assert.equal(await page.getByLabel(/^Date and time of reminder 2/).inputValue(), `${h.day(2)}T18:00`);
  assert.equal(await page.getByLabel('Reminder 3', { exact: true }).inputValue(), '');
  await h.shot(page, 'task-reminders');

  // Channels: a webhook (its secret shown once), and email to the account's address.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click();
  await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
  await page.getByText('No channels yet').waitFor();
  await page.locator('#mail-note').waitFor();
  await page.getByLabel('Kind').selectOption('webhook');
  await page.getByLabel('Address or URL').fill('https://10.0.0.7/hook');
  await page.getByRole('button', { name: 'Add channel' }).click();
  await page.locator('#target-error').waitFor();
  assert.match(await page.locator('#target-error').textContent(), /private/);
  assert.equal(await page.getByLabel('Address or URL').inputValue(), 'https://10.0.0.7/hook');
  await page.getByLabel('Address or URL').fill('http://127.0.0.1:9/hook');
  await page.getByRole('button', { name: 'Add channel' }).click();
  await page.locator('#webhook-secret').waitFor();
  const secret = await page.locator('#webhook-secret').textContent();
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]{32}$/);
  await h.shot(page, 'notifications-secret');
  await page.goto('/notifications');
  assert.equal(await page.locator('#webhook-secret').count(), 0, 'shown once');
  await page.getByLabel('Kind').selectOption('email');
  await page.getByRole('button', { name: 'Add channel' }).click();
  await page.waitForURL('**/notifications');
  assert.equal(await page.locator('.notice').textContent(), 'Channel added: your reminders go there too.');
  assert.equal(await page.locator('li.channel').count(), 2);

  // "Send a test" through email: on its way, then delivered (to the server's log).
  await page.getByRole('button', { name: 'Send a test to ada-remind@example.com' }).click();
  await page.waitForURL('**/notifications');
  assert.equal(await page.locator('.notice').textContent(), 'A test notification is on its way; see its delivery below.');
  const shown = await deliveriesUntil(page, /Delivered/);
  assert.match(shown, /Email: ada-remind@example\.com/);
  assert.match(shown, /Test/);
  await h.shot(page, 'notifications');

  // Deleting the webhook asks first.
  await page.getByRole('link', { name: /Delete Webhook channel/ }).click();
  await page.getByRole('heading', { name: 'Delete this channel?' }).waitFor();
  await page.getByRole('button', { name: 'Delete channel' }).click();
  await page.waitForURL('**/notifications');
  assert.equal(await page.locator('.notice').textContent(), 'Channel deleted.');
  assert.equal(await page.locator('li.channel').count(), 1);
  assert.deepEqual(page.dialogs, []);
  await context.close();

  // Without JavaScript the form works the same: one reminder left, a day before.
  const nojs = await h.open(browser, { javaScriptEnabled: false });
  await nojs.page.goto('/signin');
  await nojs.page.getByLabel('Email').fill('ada-remind@example.com');
  await nojs.page.getByLabel('Password').fill(h.PASSWORD);
  await nojs.page.getByRole('button', { name: 'Sign in' }).click();
  await nojs.page.waitForURL((u) => u.pathname === '/');
  await nojs.page.goto('/tasks');
  await h.task(nojs.page, 'Dentist').getByRole('link', { name: /Edit/ }).click();
  await nojs.page.getByLabel('Reminder 1', { exact: true }).selectOption('P1D');
  await nojs.page.getByLabel('Reminder 2', { exact: true }).selectOption('');
  await nojs.page.getByRole('button', { name: 'Save changes' }).click();
  await nojs.page.waitForURL('**/tasks');
  assert.equal(await nojs.page.locator('.notice').textContent(), 'Task saved.');
  assert.match(await h.task(nojs.page, 'Dentist').locator('.reminds').textContent(), /🔔 1 day before/);
  await nojs.context.close();
}

/** "Fri 4 Dec 2026": the date `offset` days from today (UTC, the user's zone), as rows say it. */
function dayWords(offset) {
  const d = new Date(Date.now() + offset * 86400000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${days[d.getUTCDay()]} ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

module.exports = { reminders };
