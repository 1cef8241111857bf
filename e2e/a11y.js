// The accessibility scenario (issue 21, step 7): axe-core checks every page of the web app,
// in a realistic state, in light and dark colour schemes at desktop and phone sizes, and
// the run fails at the end with every violation found. Loaded by run.js, which passes its
// helpers. The state is made through the JSON API (fast, and not what is tested here); the
// pages are visited in a browser context that keeps the page CSP, and axe is injected with
// `page.evaluate` (CDP Runtime.evaluate, which CSP does not govern), so no policy is relaxed.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { answerConsent, exchange, openConsent } = require('./oauth');
const { freshNow, totp, turnOn } = require('./totp');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
// WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices (landmarks, one h1,
// heading order, unique landmark names...), which the pages meet too.
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice'];
const VIEWPORTS = [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]];
const SCHEMES = ['light', 'dark'];

/** The JSON API, with a bearer token if given: `api(base, token)('POST', '/api/tasks', {...})`. */
function api(base, token) {
  return async (method, path, body) => {
    const res = await fetch(new URL(path, base), {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** Ends every CSS transition at once, so the contrast check sees the final colours. */
async function settle(page) {
  await page.evaluate(async () => {
    for (const a of document.getAnimations()) {
      try { a.finish(); } catch { /* an endless animation cannot finish: leave it */ }
    }
    await new Promise((r) => { requestAnimationFrame(() => requestAnimationFrame(r)); });
  });
}

/** Collects axe's violations for the page as it is now, in every viewport and colour scheme. */
class Audit {
  constructor() {
    this.found = new Map(); // "page|rule|target" -> violation, with the variants it is in
    this.pages = [];
    this.cspErrors = [];
  }

  watch(page) {
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) {
        this.cspErrors.push(`${page.url()}: ${m.text()}`);
      }
    });
  }

  async check(page, name) {
    this.pages.push(name);
    console.log(`[e2e] axe: ${name}`);
    for (const [size, viewport] of VIEWPORTS) {
      await page.setViewportSize(viewport);
      for (const colorScheme of SCHEMES) {
        await page.emulateMedia({ colorScheme });
        await settle(page);
        if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
        const result = await page.evaluate((values) => window.axe.run(document, {
          runOnly: { type: 'tag', values },
          resultTypes: ['violations'],
        }), TAGS);
        for (const v of result.violations) {
          for (const node of v.nodes) {
            const target = node.target.map((t) => (Array.isArray(t) ? t.join(' >> ') : t)).join(' ');
            const key = `${name}|${v.id}|${target}`;
            const seen = this.found.get(key) || {
              page: name,
              url: new URL(page.url()).pathname + new URL(page.url()).search,
              rule: v.id,
              impact: node.impact || v.impact,
              help: v.help,
              target,
              summary: (node.failureSummary || '').replace(/\s+/g, ' ').trim(),
              variants: [],
            };
            seen.variants.push(`${size}/${colorScheme}`);
            this.found.set(key, seen);
          }
        }
      }
    }
    await page.setViewportSize(VIEWPORTS[0][1]);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  /** Fails with every violation, one paragraph each: page, rule, impact, target, why. */
  report() {
    const all = [...this.found.values()];
    console.log(`[e2e] axe checked ${this.pages.length} page states x ${VIEWPORTS.length * SCHEMES.length} variants: ${all.length} violation(s)`);
    const lines = all.map((v) => [
      `- ${v.page} (${v.url}) [${v.variants.join(', ')}]`,
      `  ${v.rule} (${v.impact}): ${v.help}`,
      `  target: ${v.target}`,
      `  ${v.summary}`,
    ].join('\n'));
    assert.deepEqual(this.cspErrors, [], 'the pages broke their Content-Security-Policy');
    assert.equal(all.length, 0, `axe found ${all.length} violation(s):\n${lines.join('\n')}`);
  }
}

/** A page that must exist, checked by axe under `name`. */
async function visit(audit, page, path, name, status = 200) {
  const res = await page.goto(path);
  assert.equal(res.status(), status, `${path} answered ${res.status()}`);
  await audit.check(page, name);
}

/** Ada (tasks of every kind, a list shared with Bob, Bob's list shared with her, a channel). */
async function makeState(base, h) {
  const anon = api(base);
  const ada = api(base, (await anon('POST', '/api/auth/signin', { email: 'ada-a11y@example.com', password: h.PASSWORD })).access_token);
  const bob = api(base, (await anon('POST', '/api/auth/signup', { email: 'bob-a11y@example.com', password: h.PASSWORD, name: 'Bob' })).access_token);

  const groceries = await ada('POST', '/api/lists', { name: 'Groceries', color: '#33aa66' });
  await ada('PUT', `/api/lists/${groceries.id}/members/bob-a11y@example.com`, { role: 'editor' });
  const garden = await bob('POST', '/api/lists', { name: 'Garden', color: '#aa5533' });
  await bob('PUT', `/api/lists/${garden.id}/members/ada-a11y@example.com`, { role: 'viewer' });
  await bob('POST', '/api/tasks', { title: 'Cut the hedge', list_id: garden.id, due_date: h.day(2), tags: ['outside'] });

  const now = Date.now();
  const at = (hours) => new Date(now + hours * 3600000).toISOString().replace(/\.\d+Z$/, 'Z');
  // Twenty chores first, so that the tasks of interest are on page 1 (newest first).
  for (let i = 1; i <= 20; i += 1) {
    await ada('POST', '/api/tasks', { title: `Chore ${String(i).padStart(2, '0')}`, priority: 'low' });
  }
  await ada('POST', '/api/tasks', { title: 'Milk', list_id: groceries.id, tags: ['errands'] });
  await ada('POST', '/api/tasks', { title: 'Throw out the old paint', due_date: h.day(9) });
  await ada('POST', '/api/tasks', {
    title: 'Pay the electricity bill', priority: 'high', due_date: h.day(-2), tags: ['home', 'money'],
    description: 'The account number is on the last letter.',
  });
  await ada('POST', '/api/tasks', {
    title: 'Call the dentist', due_at: at(3), reminders: [{ before: 'PT30M' }, { at: at(2) }], tags: ['health'],
  });
  const plants = await ada('POST', '/api/tasks', {
    title: 'Water the plants', due_date: h.day(0), tags: ['home'],
    recurrence: { rule: 'FREQ=DAILY;INTERVAL=3', from: 'completion' }, reminders: [{ before: 'PT0S' }],
  });
  await ada('PATCH', `/api/tasks/${plants.id}/complete`, { completed: true }); // "Done before"
  const report = await ada('POST', '/api/tasks', {
    title: 'Write the quarterly report', due_date: h.day(4), tags: ['work'], priority: 'high',
  });
  const old = await ada('POST', '/api/tasks', { title: 'Return the library books', tags: ['errands'] });
  await ada('PATCH', `/api/tasks/${old.id}/complete`, { completed: true });
  await ada('POST', '/api/tasks', { title: 'مرحبا بالعالم!', priority: 'low', due_date: h.day(1) });

  const channel = await ada('POST', '/api/notifications/channels', { kind: 'email', target: 'ada-a11y@example.com' });
  await ada('POST', `/api/notifications/channels/${channel.id}/test`);
  await ada('POST', '/api/feeds', { list_id: groceries.id });
  return { ada, groceries, garden, plants, report, channel };
}

async function a11y(browser, h) {
  const base = process.env.BASE_URL;
  const audit = new Audit();
  const { context, page } = await h.open(browser);
  audit.watch(page);

  // Signed out: sign-in, sign-up, their errors, a 404.
  await visit(audit, page, '/signin', 'sign-in');
  await h.signIn(page, 'nobody-a11y@example.com', 'wrong password');
  await page.locator('#errors').waitFor();
  await audit.check(page, 'sign-in, wrong password');
  await visit(audit, page, '/signup', 'sign-up');
  await page.getByLabel('Email').fill('not-an-email@nowhere');
  await page.getByLabel('Password', { exact: true }).fill(h.PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#email-error').waitFor();
  await audit.check(page, 'sign-up, refused');
  await visit(audit, page, '/no/such/page', 'not found, signed out', 404);
  await visit(audit, page, '/forgot-password', 'forgot password');
  await visit(audit, page, '/forgot-password?sent=1', 'forgot password, sent');
  await visit(audit, page, '/reset-password?token=used', 'reset link, used or expired', 400);

  // A new account: the empty states.
  await h.signUp(page, 'ada-a11y@example.com', 'Ada');
  await audit.check(page, 'home (today), new account');
  await visit(audit, page, '/tasks', 'tasks, empty');
  await visit(audit, page, '/upcoming', 'upcoming, empty');
  await visit(audit, page, '/lists', 'lists, none');
  await visit(audit, page, '/notifications', 'notifications, none');
  await visit(audit, page, '/calendars', 'calendars, none');
  await visit(audit, page, '/tokens', 'access tokens, none');
  // A refused token form: its errors on the page.
  await page.getByLabel('Name', { exact: true }).fill('   ');
  await page.getByRole('button', { name: 'New token' }).click();
  await page.locator('#errors').waitFor();
  await audit.check(page, 'access tokens, refused');

  // A full account.
  const s = await makeState(base, h);
  await visit(audit, page, '/tasks', 'tasks');
  await visit(audit, page, '/tasks?status=all&priority=high&sort=due_at', 'tasks, filtered');
  await visit(audit, page, '/tasks?tag=nothing-has-this', 'tasks, no match');
  await page.goto('/tasks?sort=title');
  await page.getByRole('link', { name: /Next/ }).first().click();
  await page.waitForURL(/cursor=/);
  await audit.check(page, 'tasks, page 2');
  await visit(audit, page, `/tasks?list=${s.groceries.id}`, 'list (owner)');
  await visit(audit, page, `/tasks?list=${s.garden.id}`, 'list (shared, viewer)');
  await visit(audit, page, `/lists/${s.groceries.id}`, 'list settings (owner, shared)');
  await visit(audit, page, `/lists/${s.garden.id}`, 'list settings (member)');
  await visit(audit, page, '/lists', 'lists');
  await visit(audit, page, '/', 'home (today)');
  await visit(audit, page, '/today', 'today');
  await visit(audit, page, '/upcoming', 'upcoming');
  await visit(audit, page, `/tasks/${s.plants.id}/edit`, 'task edit (recurring, reminders, history)');
  await visit(audit, page, `/tasks/${s.report.id}/edit`, 'task edit');
  await visit(audit, page, '/notifications', 'notifications');
  await visit(audit, page, '/calendars', 'calendars');
  // A new feed: its URL shown once, in a read-only field.
  await page.getByRole('button', { name: 'New feed' }).click();
  await page.locator('#feed-url').waitFor();
  await audit.check(page, 'calendars, new feed');
  // A new access token: shown once, in a read-only field, over the table of tokens.
  await visit(audit, page, '/tokens', 'access tokens');
  await page.getByLabel('Name', { exact: true }).fill('Thunderbird');
  await page.getByRole('button', { name: 'New token' }).click();
  await page.locator('#new-token').waitFor();
  await audit.check(page, 'access tokens, new token');
  // An MCP client asks to connect: the consent page; allowed, it is listed with the tokens.
  const consent = await openConsent(page, base, 'Claude');
  await audit.check(page, 'connect an application (consent)');
  const answer = await answerConsent(page, 'Allow');
  await exchange(base, consent.client, answer.get('code'), consent.verifier);
  await visit(audit, page, '/tokens', 'access tokens, a connected application');
  await visit(audit, page, '/account', 'account');
  await visit(audit, page, '/help/keys', 'keyboard shortcuts');
  await page.goto('/tasks');
  await page.keyboard.press('?');
  await page.waitForSelector('dialog[open]');
  await audit.check(page, 'tasks, shortcuts dialog open');
  await page.keyboard.press('Escape');
  await visit(audit, page, '/no/such/page', 'not found, signed in', 404);
  await visit(audit, page, `/tasks/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/edit`, 'task not found', 404);

  // The notices with Undo (a task ticked off, a task deleted), then the old confirmation
  // pages, where they still exist (Undo replaced some of them, issue 21 step 3).
  await page.goto('/tasks');
  await page.getByRole('button', { name: 'Mark “Milk” as done' }).click();
  await page.getByRole('status').getByRole('button', { name: /^Undo/ }).waitFor();
  await audit.check(page, 'tasks, done with Undo');
  await page.getByRole('button', { name: 'Delete “Throw out the old paint”' }).click();
  await page.getByRole('status').getByRole('button', { name: /^Undo/ }).waitFor();
  await audit.check(page, 'tasks, deleted with Undo');
  for (const [path, name] of [
    [`/tasks/${s.report.id}/delete`, 'task delete confirmation'],
    [`/lists/${s.groceries.id}/delete`, 'list delete confirmation'],
    [`/notifications/channels/${s.channel.id}/delete`, 'channel delete confirmation'],
  ]) {
    const res = await page.goto(path);
    if (res.status() === 404) {
      console.log(`[e2e] ${path} no longer exists: skipped`);
    } else {
      assert.equal(res.status(), 200, `${path} answered ${res.status()}`);
      await audit.check(page, name);
    }
  }

  // Refused forms: the task form's title of spaces, a quick add too long, a bad time zone.
  await page.goto('/tasks');
  await page.locator('form.task-form [name="title"]').evaluate((el) => {
    el.value = '   ';
    el.form.requestSubmit();
  });
  await page.locator('#title-error').waitFor();
  await audit.check(page, 'tasks, add form refused');
  await page.goto('/today');
  await page.getByLabel('Quick add', { exact: true }).fill(`${'Really '.repeat(40)}long`);
  await page.getByRole('form', { name: 'Quick add a task' }).getByRole('button', { name: 'Add', exact: true }).click();
  await page.locator('#quick-error').waitFor();
  await audit.check(page, 'today, quick add refused');
  await page.goto('/account');
  await page.getByLabel('Time zone', { exact: true }).fill('Mars/Olympus');
  await page.getByLabel('Time zone', { exact: true }).press('Enter');
  await page.locator('[aria-invalid="true"]').first().waitFor();
  await audit.check(page, 'account, refused');

  // A stale edit: the user's changes beside the version saved meanwhile.
  await page.goto(`/tasks/${s.report.id}/edit`);
  await s.ada('PATCH', `/api/tasks/${s.report.id}`, { title: 'Write the yearly report' });
  await page.locator('#edit-form [name="description"]').evaluate((el) => {
    el.value = 'Figures from finance';
    el.form.requestSubmit();
  });
  await page.locator('#conflict').waitFor();
  await audit.check(page, 'task edit, conflict');

  // Two-factor sign-in: the set-up (QR code, a wrong code), the recovery codes, the
  // account page with it on; then the second step of signing in, in another browser.
  const { secret } = await turnOn(page, h.PASSWORD, audit);
  await visit(audit, page, '/account', 'account, two-factor sign-in on');
  const second = await h.open(browser);
  audit.watch(second.page);
  await second.page.goto('/signin');
  await h.signIn(second.page, 'ada-a11y@example.com');
  await second.page.waitForURL('**/signin/2fa');
  await audit.check(second.page, 'two-factor sign-in');
  await second.page.getByLabel('Code').fill(totp(secret, (await freshNow()) + 3600));
  await second.page.getByRole('button', { name: 'Sign in' }).click();
  await second.page.locator('#code-error').waitFor();
  await audit.check(second.page, 'two-factor sign-in, wrong code');
  await visit(audit, second.page, '/signin/2fa?recovery=1', 'two-factor sign-in, recovery code');
  await second.context.close();

  assert.deepEqual(page.dialogs, []);
  await context.close();
  audit.report();
}

module.exports = { a11y };
