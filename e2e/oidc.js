// Single sign-on with a real OpenID provider (node oidc-provider, started by
// tests/api/browser.rs) in Chromium (issue 20): "Sign in with Test provider" on the sign-in
// page, the provider's own login and consent pages, and back in Taskward signed in, in a new
// account; an existing account is linked by its email only when the provider vouches for
// it. Then the attacks: an answer with a forged state, a code replayed with the flow's own
// cookie, and an ID token made for another nonce are all refused, and nobody is signed
// in. Loaded by run.js; OIDC_ISSUER names the provider.
'use strict';

const assert = require('node:assert/strict');

const ISSUER = process.env.OIDC_ISSUER;

/** From the sign-in page to the provider's login: its login form, filled as `login`. */
async function atProvider(page, login, { alter, atLogin } = {}) {
  if (alter) {
    // The start, without following its redirect (the flow cookie lands in the browser):
    // the authorization request is changed before the browser takes it to the provider.
    const start = await page.request.get('/auth/oidc/start', { maxRedirects: 0 });
    assert.equal(start.status(), 303);
    const to = new URL(start.headers().location);
    alter(to);
    await page.goto(to.href);
  } else {
    await page.goto('/signin');
    await page.getByRole('link', { name: 'Sign in with Test provider' }).click();
  }
  await page.waitForURL((u) => u.href.startsWith(ISSUER));
  if (atLogin) await atLogin();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('anything');
  let before = page.url();
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((u) => u.href !== before);
  // The provider's consent ("Continue"), when it asks, then back to Taskward.
  if (page.url().startsWith(ISSUER) && (await page.locator('button[type="submit"]').count()) > 0) {
    before = page.url();
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.href !== before);
  }
}

/** A new context whose requests to Taskward's callback are recorded. */
async function watched(browser, h) {
  const { context, page } = await h.open(browser);
  const callbacks = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/auth/oidc/callback') callbacks.push(r.url());
  });
  return { context, page, callbacks };
}

async function signedInAs(page) {
  await page.goto('/account');
  assert.equal(new URL(page.url()).pathname, '/account', 'signed in');
  return page.locator('main').innerText();
}

async function refusedWith(page, url, words) {
  const res = await page.goto(url);
  assert.equal(res.status(), 400, `${url} was not refused`);
  const text = await page.locator('main').innerText();
  assert.match(text, /Signing in with Test provider did not work/);
  assert.match(text, words);
  await page.goto('/account');
  assert.equal(new URL(page.url()).pathname, '/signin', 'nobody is signed in');
}

async function oidc(browser, h) {
  assert.ok(ISSUER, 'OIDC_ISSUER is set');
  // A new person: a new account, signed in, landing where they were going.
  const a = await watched(browser, h);
  await atProvider(a.page, 'newcomer@example.com');
  await a.page.waitForURL((u) => u.origin === h.BASE && !u.pathname.startsWith('/auth/'));
  assert.match(await signedInAs(a.page), /newcomer@example\.com/);
  const cookie = (await a.context.cookies()).find((c) => c.name === 'taskward_oidc');
  assert.equal(cookie, undefined, 'the flow cookie is gone after the callback');
  await a.context.close();

  // An existing account: linked, as the provider vouches for its email (OIDC_LINK_BY_EMAIL
  // is on here); an unverified email is not enough.
  for (const email of ['kept@example.com', 'unverified-kept@example.com']) {
    const res = await fetch(`${h.BASE}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: h.PASSWORD, name: 'Has a password' }),
    });
    assert.equal(res.status, 201);
  }
  const b = await watched(browser, h);
  await atProvider(b.page, 'kept@example.com');
  await b.page.waitForURL((u) => u.origin === h.BASE && !u.pathname.startsWith('/auth/'));
  assert.match(await signedInAs(b.page), /kept@example\.com/);
  assert.equal(await b.page.getByLabel('Display name', { exact: true }).inputValue(), 'Has a password', 'the existing account, linked');
  await b.context.close();
  const c = await watched(browser, h);
  await atProvider(c.page, 'unverified-kept@example.com');
  await c.page.waitForURL((u) => u.pathname === '/auth/oidc/callback');
  const text = await c.page.locator('main').innerText();
  assert.match(text, /already exists/);
  await c.context.close();

  // A forged state: a sign-in is under way (its flow cookie set) when the browser is sent
  // to the callback with someone else's code and state (login CSRF): refused.
  const d = await watched(browser, h);
  await d.page.goto('/signin');
  await d.page.getByRole('link', { name: 'Sign in with Test provider' }).click();
  await d.page.waitForURL((u) => u.href.startsWith(ISSUER));
  assert.ok((await d.context.cookies()).some((k) => k.name === 'taskward_oidc'), 'a flow is under way');
  await refusedWith(d.page, '/auth/oidc/callback?code=the-attackers-code&state=the-attackers-state', /does not belong to this sign-in/);
  await d.context.close();

  // A replayed code: a sign-in completes; its callback sent again with the flow's own
  // cookie (put back) reaches the provider, which refuses the code a second time.
  const e = await watched(browser, h);
  let flowCookie = null;
  const keep = async () => {
    flowCookie = (await e.context.cookies()).find((k) => k.name === 'taskward_oidc');
  };
  await atProvider(e.page, 'replayer@example.com', { atLogin: keep });
  await e.page.waitForURL((u) => u.origin === h.BASE && !u.pathname.startsWith('/auth/'));
  assert.ok(flowCookie, 'the flow cookie was set when the sign-in started');
  assert.equal(e.callbacks.length, 1);
  const replay = await h.open(browser);
  await replay.context.addCookies([flowCookie]);
  await refusedWith(replay.page, e.callbacks[0], /code was used already or has expired/);
  await replay.context.close();
  await e.context.close();

  // Another nonce: the authorization request is changed on its way to the provider, whose
  // ID token then carries a nonce this sign-in did not send.
  const f = await watched(browser, h);
  await atProvider(f.page, 'nonce@example.com', {
    alter: (url) => url.searchParams.set('nonce', 'a-nonce-of-the-attacker'),
  });
  await f.page.waitForURL((u) => u.pathname === '/auth/oidc/callback');
  assert.match(await f.page.locator('main').innerText(), /could not be verified/);
  await f.page.goto('/account');
  assert.equal(new URL(f.page.url()).pathname, '/signin', 'nobody is signed in');
  await f.context.close();
}

module.exports = { oidc };
