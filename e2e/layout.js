// Tasks first (issue 21, step 2): with 25 tasks, at least 10 rows fit whole in a
// 1280x800 window on first load and 6 on a 390x844 phone, with no sideways scrolling on
// the phone and tap targets of 24 px at least; without JavaScript, ticking a task off
// lands focus on its row (or the one that took its place) and adding one puts focus back
// in the quick-add field. Loaded by run.js, which passes its helpers.
'use strict';

const assert = require('node:assert/strict');

/** Adds a task with the quick-add box; `settle` waits for the page load or the script. */
async function quickAdd(page, text, settle) {
  await page.getByLabel('Quick add', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await settle(page);
}

/** How many task rows lie wholly inside the viewport, and the tallest row's height. */
async function rowsInView(page, viewport) {
  let inside = 0;
  let tallest = 0;
  for (const box of await Promise.all((await page.locator('li.task').all()).map((r) => r.boundingBox()))) {
    tallest = Math.max(tallest, box.height);
    if (box.y >= 0 && box.y + box.height <= viewport.height && box.x >= 0 && box.x + box.width <= viewport.width) inside += 1;
  }
  return { inside, tallest };
}

/** The id of the focused element, as the browser has it. */
async function focused(page) {
  const row = page.locator('li.task:focus');
  if (await row.count()) return row.getAttribute('id');
  const field = page.locator('input:focus');
  return (await field.count()) ? field.getAttribute('id') : null;
}

async function layout(browser, h) {
  const { context, page } = await h.open(browser);
  await h.signUp(page, 'ada-layout@example.com', 'Ada');
  await page.goto('/tasks');
  const words = ['tomorrow 5pm #work !high', 'fri #home', 'every mon #gym', 'today 8am !high', 'next week #errands', '', 'today 9am', 'in 3 days #reading #books'];
  for (let i = 1; i <= 24; i += 1) {
    await quickAdd(page, `Task ${String(i).padStart(2, '0')} ${words[i % words.length]}`, h.settle);
  }
  await quickAdd(page, `A very long title that goes on and on ${'and on '.repeat(20)}#long`, h.settle);
  assert.equal(await page.locator('.pager .position').textContent(), '1–20 of 25');

  // Desktop: the rows start on the first screen, ten of them at least, each one line.
  await page.goto('/tasks');
  const desktop = await rowsInView(page, h.DESKTOP);
  assert.ok(desktop.inside >= 10, `${desktop.inside} rows fit at 1280x800`);
  assert.ok(desktop.tallest <= 48, `rows are at most 48 px, the tallest is ${desktop.tallest}`);
  // By due, then priority, then newest: the latest 8am high-priority task leads.
  assert.match((await h.titles(page))[0], /^Task 19$/);
  await context.close();

  // Phone: six rows at least, nothing wider than the screen, targets of 24 px.
  const phone = await h.open(browser, { viewport: h.PHONE, isMobile: true, hasTouch: true });
  await phone.page.goto('/signin');
  await phone.page.getByLabel('Email').fill('ada-layout@example.com');
  await phone.page.getByLabel('Password').fill('correct horse battery');
  await phone.page.getByRole('button', { name: 'Sign in' }).click();
  await phone.page.waitForURL((u) => u.pathname === '/');
  await phone.page.goto('/tasks');
  const small = await rowsInView(phone.page, h.PHONE);
  assert.ok(small.inside >= 6, `${small.inside} rows fit at 390x844`);
  assert.ok(small.tallest <= 48, `rows are at most 48 px on a phone, the tallest is ${small.tallest}`);
  const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= h.PHONE.width, `the page is ${width} px wide on a 390 px phone`);
  // Nothing sticks out either, but what a box clips or scrolls on purpose (a long
  // title, the sidebar's lists).
  const outside = () => phone.page.evaluate((w) => {
    const clipped = (e) => {
      for (let a = e.parentElement; a; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return true;
      }
      return false;
    };
    return [...document.querySelectorAll('main *')]
      .filter((e) => e.checkVisibility() && e.getBoundingClientRect().right > w && !clipped(e))
      .map((e) => `${e.tagName}.${e.className}`);
  }, h.PHONE.width);
  assert.deepEqual(await outside(), [], 'nothing reaches past the right edge of a 390 px phone');
  // Nor with the filters and the whole task form unfolded.
  await phone.page.locator('details.filter-more > summary').click();
  await phone.page.locator('details.more-options > summary').click();
  assert.deepEqual(await outside(), [], 'the unfolded forms fit a 390 px phone');
  for (const target of await phone.page.locator('li.task button, li.task a.button').all()) {
    const box = await target.boundingBox();
    assert.ok(box.width >= 24 && box.height >= 24, `a ${box.width}x${box.height} target`);
  }
  await phone.page.emulateMedia({ colorScheme: 'dark' });
  assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth) <= h.PHONE.width);
  await phone.context.close();

  // Without JavaScript: a toggle lands on its row, an add in the quick-add field.
  const nojs = await h.open(browser, { javaScriptEnabled: false });
  await nojs.page.goto('/signin');
  await nojs.page.getByLabel('Email').fill('ada-layout@example.com');
  await nojs.page.getByLabel('Password').fill('correct horse battery');
  await nojs.page.getByRole('button', { name: 'Sign in' }).click();
  await nojs.page.waitForURL((u) => u.pathname === '/');
  await nojs.page.goto('/tasks?status=all');
  const rows = nojs.page.locator('li.task');
  const eighth = await rows.nth(7).getAttribute('id');
  await rows.nth(7).getByRole('button', { name: /^Mark “.*” as done$/ }).click();
  await nojs.page.waitForURL((u) => u.hash === `#${eighth}`);
  assert.match(await nojs.page.locator('.notice').textContent(), /^Marked as done\./);
  assert.equal(await focused(nojs.page), eighth, 'focus on the ticked row');
  const box = await nojs.page.locator(`#${eighth}`).boundingBox();
  assert.ok(box.y >= 0 && box.y + box.height <= h.DESKTOP.height, 'the row is in view');
  // In the default view the done task leaves; focus goes to the row that took its place.
  await nojs.page.goto('/tasks');
  const [first, second] = await Promise.all([rows.nth(0).getAttribute('id'), rows.nth(1).getAttribute('id')]);
  await rows.nth(0).getByRole('button', { name: /^Mark “.*” as done$/ }).click();
  await nojs.page.waitForURL((u) => u.hash === `#${second}`);
  assert.equal(await focused(nojs.page), second);
  assert.equal(await nojs.page.locator(`#${first}`).count(), 0);
  // Adding: focus is back in the box, ready for the next task.
  await quickAdd(nojs.page, 'One more thing #home', h.settle);
  assert.equal(new URL(nojs.page.url()).hash, '#quick-text');
  assert.equal(await focused(nojs.page), 'quick-text');
  await h.addTask(nojs.page, { title: 'And the whole form', tags: '#urgent' });
  assert.equal(await focused(nojs.page), 'quick-text');
  assert.match(await h.task(nojs.page, 'And the whole form').textContent(), /#urgent/);
  assert.doesNotMatch(await h.task(nojs.page, 'And the whole form').textContent(), /##urgent/);
  await nojs.context.close();
}

module.exports = { layout };
