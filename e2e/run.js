// Browser scenarios for the Taskward web app, driven by playwright-core against Debian's
// Chromium. Started by tests/api/browser.rs (`cargo test`), which spawns the server and
// passes BASE_URL; run one scenario with `node run.js <scenario>`.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { a11y } = require('./a11y');
const { sharing } = require('./lists');
const { oauth } = require('./oauth');
const { oidc } = require('./oidc');
const { prg } = require('./prg');
const { recovery } = require('./recovery');
const { reminders } = require('./reminders');
const { script, settle } = require('./script');
const { today } = require('./today');
const { twoFactor } = require('./totp');
const { undo } = require('./undo');
const { layout } = require('./layout');

const BASE = process.env.BASE_URL;
const SHOTS = process.env.SCREENSHOT_DIR || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'correct horse battery';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

function log(...args) {
  console.log('[e2e]', ...args);
}

async function launch() {
  // launch() gives each run a fresh temporary profile (--user-data-dir) of its own.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** A new isolated browser context (its own cookies) and a page that fails on dialogs. */
async function open(browser, options = {}) {
  const context = await browser.newContext({ baseURL: BASE, viewport: DESKTOP, ...options });
  const page = await context.newPage();
  page.dialogs = [];
  page.on('dialog', async (d) => { page.dialogs.push(d.message()); await d.dismiss(); });
  page.setDefaultTimeout(10000);
  return { context, page };
}

async function shot(page, name) {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

function pathOf(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

async function signUp(page, email, name) {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(email);
  if (name) await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/tasks');
}

async function signIn(page, email, password = PASSWORD) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens a `<details>` (by its class) unless it is open. */
async function unfold(page, cls) {
  const details = page.locator(`details.${cls}`);
  if ((await details.getAttribute('open')) === null) await details.locator(':scope > summary').click();
}

/** The whole task form, behind "More options" on the tasks page. */
async function addTask(page, { title, priority, due, tags, notes }) {
  await unfold(page, 'more-options');
  const form = page.locator('form.task-form');
  await form.getByLabel('Title').fill(title);
  if (priority) await form.getByLabel('Priority').selectOption(priority);
  if (due) await form.getByLabel('Due date').fill(due);
  if (tags) await form.getByLabel('Tags').fill(tags);
  if (notes) await form.getByLabel('Notes').fill(notes);
  await form.getByRole('button', { name: 'Add task' }).click();
  await settle(page);
}

const task = (page, title) => page.locator('li.task', { has: page.locator('.task-title', { hasText: title }) });

function day(offset) {
  const d = new Date(Date.now() + offset * 86400000);
  return d.toISOString().slice(0, 10);
}

async function titles(page) {
  return page.locator('li.task .task-title').allTextContents();
}

/** Sign-up, tasks (add, edit, toggle, delete, filters, paging), escaping, account, sign-out. */
async function mainFlow(browser, { js }) {
  const { context, page } = await open(browser, { javaScriptEnabled: js });
  const email = `ada-${js ? 'js' : 'nojs'}@example.com`;

  // A protected page sends a visitor without a session to sign in, remembering the page.
  await page.goto('/tasks?status=pending');
  assert.equal(pathOf(page), '/signin?next=%2Ftasks%3Fstatus%3Dpending');
  await shot(page, 'signin');
  await page.getByRole('link', { name: 'Create one' }).click();
  assert.equal(new URL(page.url()).pathname, '/signup');

  // Inline errors keep what was typed, never the password.
  await page.getByLabel('Email').fill('not-an-email@nowhere');
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#email-error').waitFor();
  assert.match(await page.locator('#email-error').textContent(), /email address/);
  assert.equal(await page.getByLabel('Email').inputValue(), 'not-an-email@nowhere');
  assert.equal(await page.getByLabel('Name').inputValue(), 'Ada');
  assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
  await shot(page, 'signup-error');

  // Sign-up lands on `next` with an empty state that says what to do.
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/tasks?status=pending');
  await page.goto('/tasks');
  await page.getByText('Nothing to do yet.').waitFor();
  await shot(page, 'tasks-empty');

  // Add tasks; overdue and high priority stand out.
  await addTask(page, { title: 'Buy milk', priority: 'high', due: day(-2), tags: 'Home, errands' });
  assert.equal(await page.locator('.notice').textContent(), 'Task added.');
  await addTask(page, { title: 'Write report', due: day(5), tags: 'work', notes: 'Quarterly numbers' });
  await addTask(page, { title: '<script>alert(1)</script>', priority: 'low' });
  // Overdue first, then by due, then the tasks without one.
  assert.deepEqual(await titles(page), ['Buy milk', 'Write report', '<script>alert(1)</script>']);
  const milk = task(page, 'Buy milk');
  assert.match(await milk.getAttribute('class'), /overdue/);
  assert.match(await milk.getAttribute('class'), /prio-high/);
  assert.match(await milk.textContent(), /Overdue/);
  assert.match(await milk.textContent(), /High priority/);
  assert.match(await milk.textContent(), /#home/);
  // A title with markup is shown as text and runs nothing.
  assert.equal(await page.locator('li.task script').count(), 0);
  assert.deepEqual(page.dialogs, []);

  // A title of spaces is refused inline, keeping the other fields.
  await addTask(page, { title: '   ', tags: 'kept, typed' });
  await page.locator('#title-error').waitFor();
  assert.equal(await page.locator('#title-error').textContent(), 'The title must not be empty.');
  assert.equal(await page.locator('form.task-form').getByLabel('Tags').inputValue(), 'kept, typed');
  await page.goto('/tasks');
  await shot(page, 'tasks');
  if (SHOTS) {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(500); // let the colour transitions finish
    await shot(page, 'tasks-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  }

  // Edit: with JavaScript in the task's row, without it on its own page.
  await task(page, 'Write report').getByRole('link', { name: /Edit/ }).click();
  await settle(page);
  const editor = js ? task(page, 'Write report').locator('.inplace') : page.locator('main');
  if (!js) assert.match(new URL(page.url()).pathname, /^\/tasks\/[0-9a-f-]+\/edit$/);
  assert.equal(await editor.getByLabel('Title').inputValue(), 'Write report');
  assert.equal(await editor.getByLabel('Due date').inputValue(), day(5));
  await shot(page, 'task-edit');
  await editor.getByLabel('Title').fill('Write the report');
  await editor.getByLabel('Priority').selectOption('high');
  await editor.getByRole('button', { name: 'Save changes' }).click();
  await page.waitForURL('**/tasks');
  await settle(page);
  assert.equal(await page.locator('.notice').textContent(), 'Task saved.');
  assert.match(await task(page, 'Write the report').getAttribute('class'), /prio-high/);

  // Toggle done: done tasks are hidden until "Show completed".
  await task(page, 'Buy milk').getByRole('button', { name: 'Mark “Buy milk” as done' }).click();
  await settle(page);
  assert.match(await page.locator('.notice').textContent(), /^Marked as done\.\s*Undo marking as done\s*$/);
  assert.deepEqual(await titles(page), ['Write the report', '<script>alert(1)</script>']);
  await page.getByRole('link', { name: 'Show completed' }).click();
  await page.waitForURL(/status=all/);
  assert.match(await task(page, 'Buy milk').getAttribute('class'), /\bdone\b/);
  assert.doesNotMatch(await task(page, 'Buy milk').getAttribute('class'), /overdue/);
  await page.getByRole('link', { name: 'Hide completed' }).click();
  await page.waitForURL((url) => !url.search.includes('status='));
  assert.deepEqual(await titles(page), ['Write the report', '<script>alert(1)</script>']);

  // Filters: status, priority, tag, text, sort (all but the search folded under "Filter").
  await unfold(page, 'filter-more');
  await page.getByLabel('Show').selectOption('pending');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/status=pending/);
  assert.deepEqual(await titles(page), ['Write the report', '<script>alert(1)</script>']);
  await unfold(page, 'filter-more');
  await page.getByLabel('Show').selectOption('completed');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/status=completed/);
  assert.deepEqual(await titles(page), ['Buy milk']);
  await task(page, 'Buy milk').getByRole('button', { name: 'Mark “Buy milk” as not done' }).click();
  await settle(page);
  // Back to the same filters: the task is no longer done, so the list is empty.
  assert.match(pathOf(page), /status=completed/);
  await page.getByText('No tasks match these filters.').waitFor();
  await page.goto('/tasks?priority=high');
  assert.deepEqual(await titles(page), ['Buy milk', 'Write the report']);
  await page.goto('/tasks');
  await unfold(page, 'filter-more');
  await page.getByLabel('Tag', { exact: true }).fill('#wo');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/tag=%23wo/);
  assert.deepEqual(await titles(page), ['Write the report']);
  await page.goto('/tasks');
  await page.getByLabel('Search').fill('QUARTERLY');
  await unfold(page, 'filter-more');
  await page.getByLabel('Sort by').selectOption('title');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/q=QUARTERLY/);
  assert.deepEqual(await titles(page), ['Write the report']);
  await page.goto('/tasks?sort=title');
  assert.deepEqual(await titles(page), ['<script>alert(1)</script>', 'Buy milk', 'Write the report']);
  await task(page, 'Buy milk').locator('a.tag', { hasText: '#errands' }).click();
  await page.waitForURL(/tag=errands/);
  assert.deepEqual(await titles(page), ['Buy milk']);
  await page.goto('/tasks?sort=-priority&status=all');
  await shot(page, 'tasks-filtered');

  // Delete is at once, with Undo in the notice (e2e/undo.js clicks it); the old
  // confirmation page still works for old links.
  await page.goto('/tasks');
  await task(page, '<script>').getByRole('button', { name: /Delete/ }).click();
  await page.waitForURL('**/tasks');
  await settle(page);
  assert.match(await page.locator('.notice').textContent(), /^Task deleted\.\s*Undo the delete\s*$/);
  assert.deepEqual(await titles(page), ['Buy milk', 'Write the report']);

  // Paging with the cursor: 25 tasks make two pages of 20, there and back.
  for (let i = 1; i <= 23; i += 1) {
    await addTask(page, { title: `Chore ${String(i).padStart(2, '0')}` });
  }
  await page.goto('/tasks?sort=title');
  assert.equal(await page.locator('li.task').count(), 20);
  assert.equal(await page.locator('.pager .position').textContent(), '1–20 of 25');
  await page.getByRole('link', { name: 'Next »' }).click();
  await page.waitForURL(/cursor=/);
  assert.deepEqual(await titles(page), ['Chore 20', 'Chore 21', 'Chore 22', 'Chore 23', 'Write the report']);
  assert.equal(await page.locator('.pager .position').textContent(), '21–25 of 25');
  assert.equal(await page.getByRole('link', { name: 'Next »' }).count(), 0);
  await page.getByRole('link', { name: '« Previous' }).click();
  await page.waitForURL(/before=/);
  assert.equal((await titles(page))[0], 'Buy milk');
  assert.equal(await page.locator('.pager .position').textContent(), '1–20 of 25');

  // Account: rename, a wrong current password, a real change.
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  await shot(page, 'account');
  assert.equal(await page.getByLabel('Time zone', { exact: true }).inputValue(), 'UTC');
  // An unknown zone is refused inline, keeping both fields as typed.
  await page.getByLabel('Display name').fill('Ada Lovelace');
  await page.getByLabel('Time zone', { exact: true }).fill('Mars/Olympus');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('#timezone-error').waitFor();
  assert.equal(await page.getByLabel('Display name').inputValue(), 'Ada Lovelace');
  await page.getByLabel('Time zone', { exact: true }).fill('europe/berlin');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL('**/account');
  assert.equal(await page.locator('.notice').textContent(), 'Your name and time zone have been saved.');
  assert.equal(await page.getByLabel('Display name').inputValue(), 'Ada Lovelace');
  assert.equal(await page.getByLabel('Time zone', { exact: true }).inputValue(), 'Europe/Berlin');
  await page.getByLabel('Current password').fill('wrong password');
  await page.getByLabel('New password').fill('a brand new secret');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('#current-error').waitFor();
  assert.equal(await page.locator('#current-error').textContent(), 'The password is wrong.');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password').fill('a brand new secret');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.waitForURL('**/account');
  assert.match(await page.locator('.notice').textContent(), /password has been changed/);

  // Sign out; the pages are closed again.
  await page.locator('header').getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin');
  assert.equal(await page.locator('.notice').textContent(), 'You have been signed out.');
  await page.goto('/account');
  assert.equal(pathOf(page), '/signin?next=%2Faccount');
  assert.equal(await page.locator('#expired').count(), 0);

  // A wrong password keeps the email, not the password; the right one lands on `next`.
  await signIn(page, email, PASSWORD);
  await page.locator('#email-error').waitFor();
  assert.equal(await page.locator('#email-error').textContent(), 'The email or password is wrong.');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'errors');
  assert.equal(await page.getByLabel('Email').inputValue(), email);
  assert.equal(await page.getByLabel('Password').inputValue(), '');
  await shot(page, 'signin-error');
  await signIn(page, email, 'a brand new secret');
  await page.waitForURL('**/account');

  // An open redirect through `next` lands at home instead.
  await page.locator('header').getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin');
  await page.goto('/signin?next=//evil.example/steal');
  await signIn(page, email, 'a brand new secret');
  await page.waitForURL((u) => u.pathname === '/');
  assert.equal(new URL(page.url()).host, new URL(BASE).host);

  // Delete the account (it asks for the password).
  await page.goto('/account');
  await page.getByLabel('Your password, to confirm').fill('a brand new secret');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.waitForURL('**/signup');
  assert.match(await page.locator('.notice').textContent(), /account and all its tasks have been deleted/);
  await page.goto('/this/page/does/not/exist');
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await shot(page, 'not-found');

  assert.deepEqual(page.dialogs, []);
  await context.close();
}

/** "Sign out everywhere" in one browser ends the session in another. */
async function everywhere(browser) {
  const a = await open(browser);
  await signUp(a.page, 'grace@example.com', 'Grace');
  const b = await open(browser);
  await b.page.goto('/signin');
  await signIn(b.page, 'grace@example.com');
  await b.page.waitForURL((u) => u.pathname === '/');
  await b.page.goto('/account');
  assert.equal(new URL(b.page.url()).pathname, '/account');

  await a.page.goto('/account');
  await a.page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await a.page.waitForURL('**/signin');
  assert.equal(await a.page.locator('.notice').textContent(), 'You have been signed out on every device.');

  await b.page.goto('/account');
  assert.equal(pathOf(b.page), '/signin?next=%2Faccount&expired=1');
  await b.page.locator('#expired').waitFor();
  assert.deepEqual(await b.context.cookies().then((cs) => cs.filter((c) => c.name.includes('access') || c.name.includes('refresh'))), []);
  await a.context.close();
  await b.context.close();
}

async function sessionCookies(context) {
  const cookies = await context.cookies();
  const get = (n) => (cookies.find((c) => c.name === n) || {}).value;
  return { access: get('taskward_access'), refresh: get('taskward_refresh') };
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

/** Short token lifetimes (set by the Rust test): silent renewal once, then the message. */
async function expiry(browser) {
  const { context, page } = await open(browser);
  await signUp(page, 'linus@example.com');
  const first = await sessionCookies(context);
  assert.ok(first.access && first.refresh, 'both session cookies are set');

  await sleep(Number(process.env.ACCESS_TTL_MS) + 1000);
  assert.equal((await sessionCookies(context)).access, undefined, 'the access cookie expired');
  await page.goto('/tasks');
  assert.equal(pathOf(page), '/tasks', 'renewed without the user noticing');
  const renewed = await sessionCookies(context);
  assert.ok(renewed.access && renewed.refresh, 'new cookies');
  assert.notEqual(renewed.refresh, first.refresh, 'the refresh token rotated');
  await page.goto('/account');
  assert.equal(pathOf(page), '/account');
  assert.equal((await sessionCookies(context)).refresh, renewed.refresh, 'renewed only once');

  await sleep(Number(process.env.REFRESH_TTL_MS) + 1000);
  await page.goto('/tasks');
  assert.equal(pathOf(page), '/signin?next=%2Ftasks&expired=1');
  assert.equal(await page.locator('#expired').textContent(), 'Your session expired, please sign in again.');
  await shot(page, 'signin-expired');
  await signIn(page, 'linus@example.com');
  await page.waitForURL('**/tasks');
  await context.close();
}

const scenarios = {
  main: (b) => mainFlow(b, { js: true }),
  nojs: (b) => mainFlow(b, { js: false }),
  everywhere,
  expiry,
  sharing: (b) => sharing(b, { open, signUp, addTask, task, titles, pathOf, shot, settle }),
  layout: (b) => layout(b, { open, signUp, addTask, task, titles, day, settle, DESKTOP, PHONE }),
  today: (b) => today(b, { open, signUp, task, titles, pathOf, shot, day, PASSWORD }),
  reminders: (b) => reminders(b, { open, signUp, task, shot, day, settle, PASSWORD }),
  undo: (b) => undo(b, { open, signUp, addTask, task, titles, shot }),
  script: (b) => script(b, { open, signUp, task, titles, pathOf }),
  a11y: (b) => a11y(b, { open, signUp, signIn, day, PASSWORD }),
  prg: (b) => prg(b, { open, signUp, titles, shot, unfold, PASSWORD }),
  oauth: (b) => oauth(b, { open, signIn, shot, PASSWORD, BASE }),
  oidc: (b) => oidc(b, { open, PASSWORD, BASE }),
  recovery: (b) => recovery(b, { open, signUp, signIn, shot }),
  totp: (b) => twoFactor(b, { open, signUp, signIn, shot, PASSWORD }),
};

(async () => {
  const name = process.argv[2];
  // A hung browser must not hang `cargo test` (axe on every page takes longer).
  const minutes = name === 'a11y' ? 6 : 3;
  setTimeout(() => { console.error(`[e2e] gave up after ${minutes} minutes`); process.exit(1); }, minutes * 60000).unref();
  const scenario = scenarios[name];
  if (!BASE || !scenario) {
    console.error(`usage: BASE_URL=http://127.0.0.1:8000 node run.js <${Object.keys(scenarios).join('|')}>`);
    process.exit(2);
  }
  const browser = await launch();
  try {
    await scenario(browser);
    log(`${name}: passed`);
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
