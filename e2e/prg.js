// Post/redirect/get after a refused form (issue 21), without JavaScript: the answer to a
// refused add is a redirect to the page at its error summary, which takes focus; Back
// and Forward load pages with GET only (no "Confirm Form Resubmission"), and the kept
// form is shown once; a task typed when the session ended is back after sign-in; error
// pages keep the navigation. Loaded by run.js, which passes its helpers.
'use strict';

const assert = require('node:assert/strict');

const focused = (page) => page.evaluate(() => (document.activeElement ? document.activeElement.id : ''));

/** Ada's add is refused (eleven tags), with JavaScript off. */
async function prg(browser, h) {
  const { context, page } = await h.open(browser, { javaScriptEnabled: false });
  await h.signUp(page, 'ada-prg@example.com');
  await page.goto('/tasks');
  const loads = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest()) loads.push(`${r.method()} ${new URL(r.url()).pathname}`);
  });

  const form = page.locator('form.task-form');
  await h.unfold(page, 'more-options');
  await form.getByLabel('Title').fill('Pack for the trip');
  await form.getByLabel(/^Tags/).fill('a, b, c, d, e, f, g, h, i, j, k');
  await form.getByRole('button', { name: 'Add task' }).click();
  await page.waitForURL('**/tasks#errors');
  await page.locator('#errors').waitFor();
  assert.deepEqual(loads, ['POST /tasks', 'GET /tasks'], 'the POST is answered by a redirect');
  assert.equal(await focused(page), 'errors', 'the error summary has focus');
  assert.equal(await page.locator('#errors h2').textContent(), 'There is a problem');
  assert.equal(await page.locator('#errors').getAttribute('role'), 'alert');
  assert.equal(await form.getByLabel('Title').inputValue(), 'Pack for the trip', 'what was typed is kept');
  assert.equal(await form.getByLabel(/^Tags/).getAttribute('aria-invalid'), 'true');
  assert.deepEqual(await h.titles(page), [], 'nothing added');
  await h.shot(page, 'error-summary');

  // Back: the page before the form, loaded with GET; no resubmission prompt.
  loads.length = 0;
  await page.goBack();
  await page.getByLabel('Quick add', { exact: true }).waitFor();
  assert.deepEqual(loads, ['GET /tasks'], 'Back loads with GET');
  assert.equal(await page.locator('#errors').count(), 0);
  // Forward: the redirect's page again, with GET; the kept form was shown once.
  loads.length = 0;
  await page.goForward();
  await page.getByLabel('Quick add', { exact: true }).waitFor();
  assert.deepEqual(loads, ['GET /tasks'], 'Forward loads with GET');
  assert.equal(await page.locator('#errors').count(), 0, 'shown once');
  assert.equal(await form.getByLabel('Title').inputValue(), '');
  assert.deepEqual(page.dialogs, []);

  // A summary link leads to its field.
  await h.unfold(page, 'more-options');
  await form.getByLabel('Title').fill('Pack for the trip');
  await form.getByLabel(/^Tags/).fill('a, b, c, d, e, f, g, h, i, j, k');
  await form.getByRole('button', { name: 'Add task' }).click();
  await page.waitForURL('**/tasks#errors');
  await page.locator('#errors a[href="#tags"]').click();
  assert.equal(await focused(page), 'tags');

  // The session ends while a task is typed: after signing in, it is back, filled in,
  // and not added until it is sent again.
  await page.goto('/tasks');
  await h.unfold(page, 'more-options');
  await form.getByLabel('Title').fill('Call the plumber');
  await context.clearCookies({ name: 'taskward_access' });
  await context.clearCookies({ name: 'taskward_refresh' });
  await form.getByRole('button', { name: 'Add task' }).click();
  await page.waitForURL((u) => u.pathname === '/signin');
  await page.locator('#kept').waitFor();
  await page.getByLabel('Email').fill('ada-prg@example.com');
  await page.getByLabel('Password').fill(h.PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/tasks');
  assert.equal((await page.locator('.notice').textContent()).trim(), 'You were signed out; your task is kept below: check it and save.');
  assert.equal(await form.getByLabel('Title').inputValue(), 'Call the plumber');
  assert.deepEqual(await h.titles(page), []);
  await form.getByRole('button', { name: 'Add task' }).click();
  await page.waitForURL((u) => u.pathname === '/tasks');
  assert.deepEqual(await h.titles(page), ['Call the plumber']);

  // Error pages keep the navigation.
  const missing = await page.goto('/tasks/0190d7a8-0000-7000-8000-000000000000/edit');
  assert.equal(missing.status(), 404);
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
  await page.getByLabel('Quick add', { exact: true }).waitFor();
  await context.close();
}

module.exports = { prg };
