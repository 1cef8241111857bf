// OAuth for MCP clients in a real browser (issue 19): a client registers, the user (signed
// out) is sent to sign in and back to the consent page, reads what the application asks,
// and allows; Chromium follows the answer to the client's redirect URI, which the page's
// Content-Security-Policy (`form-action`) must allow. The code gives tokens that work at
// /mcp; the application is listed on the Access tokens page and disconnected there.
// Denying, without JavaScript, answers `access_denied`. Loaded by run.js (and by a11y.js,
// which checks the consent page with axe).
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');

/** The client's redirect URI. Nothing listens there: the test answers the browser's
 * request to it (`page.route`), after Chromium's CSP checks let it through. */
const CALLBACK = 'http://127.0.0.1:9/callback';

async function register(base, name) {
  const res = await fetch(`${base}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none' }),
  });
  assert.equal(res.status, 201);
  return (await res.json()).client_id;
}

/** Registers a client named `name` and goes to its consent page with PKCE (S256). */
async function openConsent(page, base, name) {
  const client = await register(base, name);
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const state = crypto.randomUUID();
  const query = new URLSearchParams({
    response_type: 'code', client_id: client, redirect_uri: CALLBACK, code_challenge: challenge,
    code_challenge_method: 'S256', state, scope: 'tasks:read tasks:write',
  });
  const res = await page.goto(`/oauth/authorize?${query}`);
  return { client, verifier, state, res };
}

/** Clicks `button` on the consent page: the query of the request the browser then sent to
 * the client's redirect URI. */
async function answerConsent(page, button) {
  let reached = null;
  await page.route(`${new URL(CALLBACK).origin}/**`, async (route) => {
    reached = new URL(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Connected</title><p>Back in the app.</p>' });
  });
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.waitForURL((u) => u.href.startsWith(CALLBACK));
  await page.unroute(`${new URL(CALLBACK).origin}/**`);
  assert.ok(reached, 'the browser reached the redirect URI');
  return reached.searchParams;
}

/** The tokens for `code`. */
async function exchange(base, client, code, verifier) {
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, client_id: client, code_verifier: verifier }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

/** The status of a `tools/list` call at /mcp with `token`. */
async function mcpStatus(base, token) {
  const res = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  return res.status;
}

async function oauth(browser, h) {
  const base = h.BASE;
  const res = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada-oauth@example.com', password: h.PASSWORD }),
  });
  assert.equal(res.status, 201);

  const { context, page } = await h.open(browser);
  const cspErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  // Signed out: sign in first, then the consent page.
  const c = await openConsent(page, base, 'Claude');
  assert.equal(new URL(page.url()).pathname, '/signin');
  await h.signIn(page, 'ada-oauth@example.com');
  await page.waitForURL((u) => u.pathname === '/oauth/authorize');
  await page.getByRole('heading', { name: 'Connect “Claude” to your tasks?' }).waitFor();
  const text = await page.locator('main').innerText();
  assert.match(text, /chosen by the application itself/);
  assert.match(text, /Signed in as ada-oauth@example\.com/);
  assert.match(text, /Add, change, complete and delete tasks/);
  assert.match(text, /an application on this computer/);
  await h.shot(page, 'oauth-consent');

  const q = await answerConsent(page, 'Allow');
  assert.equal(q.get('state'), c.state);
  assert.equal(q.get('iss'), base);
  const tokens = await exchange(base, c.client, q.get('code'), c.verifier);
  assert.equal(await mcpStatus(base, tokens.access_token), 200);

  // Listed with the tokens; disconnected there, its token stops at once.
  await page.goto('/tokens');
  const row = page.locator('tr.app', { hasText: 'Claude' });
  await row.waitFor();
  await row.getByRole('button', { name: /Disconnect/ }).click();
  await page.getByText('Application disconnected').waitFor();
  assert.equal(await page.locator('tr.app').count(), 0);
  assert.equal(await mcpStatus(base, tokens.access_token), 401);
  assert.deepEqual(cspErrors, [], 'the consent page broke its Content-Security-Policy');
  await context.close();

  // Without JavaScript, the user says no: the client hears access_denied, with its state.
  const nojs = await h.open(browser, { javaScriptEnabled: false });
  await nojs.page.goto('/signin');
  await h.signIn(nojs.page, 'ada-oauth@example.com');
  await nojs.page.waitForURL((u) => u.pathname !== '/signin');
  const d = await openConsent(nojs.page, base, 'Some tool');
  assert.equal(d.res.status(), 200);
  const denied = await answerConsent(nojs.page, 'Deny');
  assert.equal(denied.get('error'), 'access_denied');
  assert.equal(denied.get('state'), d.state);
  assert.equal(denied.get('code'), null);
  await nojs.context.close();
}

module.exports = { oauth, openConsent, answerConsent, exchange };
