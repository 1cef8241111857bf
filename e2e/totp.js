// The two-factor scenario (issue 20): TOTP turned on from the account page in Chromium,
// the secret read from the page and its codes computed here by a small RFC 6238
// implementation of its own (node:crypto's HMAC-SHA-1: independent of the server's
// totp-rs), the QR code an SVG image drawn on the server that the page's CSP lets load;
// then, with JavaScript off, signing out and back in with a code and, in another browser,
// with a recovery code; last, turning it off. Loaded by run.js, which passes its helpers.
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The bytes of an RFC 4648 base32 string (spaces ignored). */
function base32(text) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/\s+/g, '').replace(/=+$/, '').toUpperCase()) {
    const i = ALPHABET.indexOf(c);
    assert.ok(i >= 0, `not base32: ${text}`);
    value = ((value << 5) | i) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 with HMAC-SHA-1, 6 digits, 30-second steps: the code of `secret` at `seconds`. */
function totp(secret, seconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[at] & 0x7f) << 24) | (mac[at + 1] << 16) | (mac[at + 2] << 8) | mac[at + 3];
  return String(bin % 1000000).padStart(6, '0');
}

// RFC 6238 appendix B (SHA-1), cut to 6 digits: the implementation above is right.
assert.equal(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59), '287082');
assert.equal(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1111111109), '081804');

/** Unix seconds now, waiting for the next step when fewer than 8 seconds of this one are left. */
async function freshNow() {
  let now = Math.floor(Date.now() / 1000);
  if (now % 30 >= 22) {
    await new Promise((r) => { setTimeout(r, (30 - (now % 30)) * 1000 + 200); });
    now = Math.floor(Date.now() / 1000);
  }
  return now;
}

/**
 * Turns two-factor sign-in on from the account page of `page` (signed in): the secret as
 * shown and the recovery codes. The first code is the previous step's, so the steps from
 * now on are free for signing in. `audit` (a11y.js) checks the pages on the way.
 */
async function turnOn(page, password, audit) {
  await page.goto('/account');
  await page.getByLabel('Password, to set it up').fill(password);
  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  await page.waitForURL('**/account/2fa');
  const secret = (await page.locator('#totp-secret').textContent()).replace(/\s+/g, '');
  assert.equal(secret.length, 32, secret);
  if (audit) {
    await audit.check(page, 'two-factor set-up');
    await page.getByLabel('The 6-digit code the app shows now').fill('000000');
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.locator('#code-error').waitFor();
    await audit.check(page, 'two-factor set-up, wrong code');
  }
  const now = await freshNow();
  await page.getByLabel('The 6-digit code the app shows now').fill(totp(secret, now - 30));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Two-factor sign-in is on' }).waitFor();
  const codes = await page.locator('#recovery-codes code').allTextContents();
  assert.equal(codes.length, 10);
  if (audit) await audit.check(page, 'two-factor recovery codes');
  return { secret, codes };
}

async function twoFactor(browser, h) {
  const email = 'ada-totp@example.com';
  const laptop = await h.open(browser);
  const cspErrors = [];
  laptop.page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  await h.signUp(laptop.page, email, 'Ada');
  await laptop.page.goto('/account');
  assert.equal(await laptop.page.locator('#two-factor-state').textContent(), 'Off');
  await laptop.page.getByLabel('Password, to set it up').fill(h.PASSWORD);
  await laptop.page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  await laptop.page.waitForURL('**/account/2fa');
  // The QR code is an image the browser drew: a data: SVG the CSP allows.
  const qr = laptop.page.locator('img#totp-qr');
  assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml;base64,/);
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth >= 240), 'the QR code is drawn');
  await h.shot(laptop.page, 'two-factor-setup');
  const { secret, codes } = await turnOn(laptop.page, h.PASSWORD);
  await laptop.page.getByRole('link', { name: 'I have saved them' }).click();
  await laptop.page.waitForURL('**/account');
  assert.equal(await laptop.page.locator('#two-factor-state').textContent(), 'On');
  assert.match(await laptop.page.locator('#two-factor-heading + p').textContent(), /10 of 10 recovery codes left/);
  assert.deepEqual(cspErrors, []);

  // The phone, JavaScript off: the password, then a wrong code, then the right one.
  const phone = await h.open(browser, { javaScriptEnabled: false });
  await phone.page.goto('/signin?next=%2Faccount');
  await h.signIn(phone.page, email);
  await phone.page.waitForURL('**/signin/2fa?next=%2Faccount');
  const now = await freshNow();
  await phone.page.getByLabel('Code').fill(totp(secret, now + 3600));
  await phone.page.getByRole('button', { name: 'Sign in' }).click();
  await phone.page.locator('#code-error').waitFor();
  await h.shot(phone.page, 'two-factor-signin');
  await phone.page.getByLabel('Code').fill(totp(secret, now));
  await phone.page.getByRole('button', { name: 'Sign in' }).click();
  await phone.page.waitForURL('**/account');
  assert.equal(await phone.page.locator('#two-factor-state').textContent(), 'On');

  // A third browser, with a recovery code (typed in capitals, without its dash).
  const other = await h.open(browser, { javaScriptEnabled: false });
  await other.page.goto('/signin');
  await h.signIn(other.page, email);
  await other.page.waitForURL('**/signin/2fa');
  await other.page.getByRole('link', { name: 'Use a recovery code' }).click();
  await other.page.waitForURL('**/signin/2fa?recovery=1');
  await other.page.getByLabel('Recovery code').fill(codes[0].replace('-', '').toUpperCase());
  await other.page.getByRole('button', { name: 'Sign in' }).click();
  await other.page.waitForURL((u) => u.pathname === '/' || u.pathname === '/tasks');
  await other.page.goto('/account');
  assert.match(await other.page.locator('#two-factor-heading + p').textContent(), /9 of 10 recovery codes left/);

  // The laptop turns it off with the password and a recovery code; then the password
  // alone signs in.
  await laptop.page.goto('/account');
  await laptop.page.getByLabel('Password, to turn it off').fill(h.PASSWORD);
  await laptop.page.getByLabel('Code from your app, or a recovery code').fill(codes[1]);
  await laptop.page.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
  await laptop.page.getByText('Two-factor sign-in is off').waitFor();
  assert.equal(await laptop.page.locator('#two-factor-state').textContent(), 'Off');
  const last = await h.open(browser, { javaScriptEnabled: false });
  await last.page.goto('/signin');
  await h.signIn(last.page, email);
  await last.page.waitForURL((u) => u.pathname === '/' || u.pathname === '/tasks');
  for (const c of [laptop, phone, other, last]) await c.context.close();
}

module.exports = { totp, freshNow, turnOn, twoFactor };
