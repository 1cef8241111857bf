// The account-recovery scenario (issue 20): "Forgot password?" on the sign-in page, the
// mail received by a real SMTP server (aiosmtpd, started by the Rust test, which passes
// its control URL as RECEIVERS_URL), its link opened in the browser, a new password set
// with JavaScript off; the session of another browser ends with it. Then the account
// page: the address counts as verified, and the other browser's session is signed out
// from the sessions list. Loaded by run.js, which passes its helpers.
'use strict';

const assert = require('node:assert/strict');

const NEW_PASSWORD = 'a brand new passphrase';

/** The text of the `n`th mail (from 1) to `to`, waiting for it (at most ~10 s). */
async function mailTo(to, n = 1) {
  for (let i = 0; i < 40; i += 1) {
    const res = await fetch(`${process.env.RECEIVERS_URL}/control/received`);
    const mails = (await res.json()).mail.filter((m) => m.rcpt_tos.includes(to));
    if (mails.length >= n) return mails[n - 1].text;
    await new Promise((r) => { setTimeout(r, 250); });
  }
  throw new Error(`no mail ${n} to ${to}`);
}

/** The link to `page` in a mail: on this server (its PUBLIC_URL), with a token. */
function linkIn(text, page) {
  const start = `${process.env.BASE_URL}${page}?token=`;
  const at = text.indexOf(start);
  assert.ok(at >= 0, `no link to ${start} in ${text}`);
  return text.slice(at).split(/\s/)[0];
}

async function recovery(browser, h) {
  const email = 'ada-recovery@example.com';
  // The laptop: signed in, JavaScript on.
  const laptop = await h.open(browser);
  await h.signUp(laptop.page, email, 'Ada');

  // The phone, JavaScript off: the password is forgotten.
  const phone = await h.open(browser, { javaScriptEnabled: false });
  const { page } = phone;
  await page.goto('/signin');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.waitForURL('**/forgot-password');
  await page.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await page.waitForURL('**/forgot-password?sent=1');
  assert.match(await page.locator('#sent').textContent(), /link to choose a new password is on its way/);
  await h.shot(page, 'forgot-password-sent');

  const link = linkIn(await mailTo(email), '/reset-password');
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
  await h.shot(page, 'reset-password');
  // (A short password never leaves the browser: the field has `minlength`; the server's
  // own refusal is tested over HTTP.)
  assert.equal(await page.getByLabel('New password').getAttribute('minlength'), '8');
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.waitForURL('**/signin');
  assert.match(await page.locator('.notice').textContent(), /every device signed out/);

  // The link worked once.
  await page.goto(link);
  await page.locator('#dead-link').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Ask for a new link' }).getAttribute('href'), '/forgot-password');

  // The old password no longer works, the new one does.
  await page.goto('/signin');
  await h.signIn(page, email);
  await page.locator('#errors').waitFor();
  await page.goto('/signin');
  await h.signIn(page, email, NEW_PASSWORD);
  await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/tasks');

  // The laptop's session ended with the reset.
  await laptop.page.goto('/tasks');
  await laptop.page.waitForURL('**/signin?next=%2Ftasks&expired=1');
  await h.signIn(laptop.page, email, NEW_PASSWORD);
  await laptop.page.waitForURL('**/tasks');

  // The reset proved the address: the account page says it is verified.
  await page.goto('/account');
  assert.equal(await page.locator('#email-state').textContent(), 'verified');
  assert.equal(await page.getByRole('button', { name: 'Send me a verification link' }).count(), 0);

  // Two sessions; the phone signs the laptop out.
  const sessions = page.locator('#sessions li');
  assert.equal(await sessions.count(), 2);
  assert.equal(await page.locator('#sessions').getByText('This device').count(), 1);
  await h.shot(page, 'account-sessions');
  await page.locator('#sessions').getByRole('button', { name: /^Sign out Chrome/ }).click();
  await page.waitForURL('**/account');
  assert.equal(await page.locator('.notice').textContent(), 'That device has been signed out.');
  assert.equal(await sessions.count(), 1);
  await laptop.page.goto('/tasks');
  await laptop.page.waitForURL('**/signin?next=%2Ftasks&expired=1');

  assert.deepEqual(page.dialogs, []);
  await phone.context.close();
  await laptop.context.close();
}

module.exports = { recovery };
