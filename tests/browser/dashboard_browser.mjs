// A real-browser test of the officers' dashboard: starts the gateway binary on a temporary
// configuration with its own private Redis, has the admin invite an officer through the API,
// and in Debian's Chromium (driven by Playwright) follows the invitation link, sets a
// password, sees the officer's home, signs out and in again, in English on a desktop and in
// Arabic on a phone, with axe-core on every page.
//
//   node tests/browser/dashboard_browser.mjs --gateway build/test/gateway/outreach-gateway \
//     --out build/test/artifacts/browser
//
// Prints one line per check that passed; stops at the first failure with a non-zero exit.

import path from 'node:path';

import {
  allRequests,
  closeContext,
  DESKTOP,
  expect,
  foreignRequests,
  horizontalOverflow,
  htmlAttributes,
  ok,
  openContext,
  PHONE,
  run,
  runAxe,
  short,
  start,
  state,
  visit,
  within,
} from './harness.mjs';

const PASSWORD = 'trois mots du consulat';
// The dashboard runs only its own script: axe comes in through DevTools.
const STRICT = { strictPolicy: true };

// Every console error and uncaught exception of a page (a CSP refusal shows here too).
function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => {
    // The answers the pages expect and handle (not signed in yet, a wrong password, a used
    // invitation) are logged by Chromium as failed loads; anything else is an error.
    if (m.type() === 'error' && !/status of (401|404) \(/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

async function heading(page) {
  const h1 = page.locator('main h1');
  await h1.first().waitFor({ timeout: 10_000 });
  return (await h1.first().textContent()).trim();
}

// Waits for the page's heading to become `text` (the page renders after its API calls).
async function expectHeading(page, text, what) {
  await page.waitForFunction((t) => document.querySelector('main h1')?.textContent === t, text, {
    timeout: 10_000,
  }).catch(() => {});
  const shown = await heading(page);
  expect(shown === text, `${what}: heading "${shown}" (expected "${text}")`);
}

async function main() {
  const { args, origin, api } = await start();
  const post = (await api.must('POST', '/v1/posts', { name: 'Consulat de Lyon', country: 'FR' })).id;
  await api.must('POST', '/v1/posts', { name: 'Ambassade à Berlin', country: 'DE' });
  const officer = await api.must('POST', '/v1/officers', {
    name: 'Léa Martin',
    email: 'lea.martin@example.org',
    role: 'officer',
    posts: [post],
  });
  // --- 0. The first admin, as the README's quick start has them: the link printed at start --
  {
    const printed = await within(5_000, () => state.output.map((l) =>
      /dashboard: set the admin's password \(as (\S+)\) within 7 days at (\S+)/.exec(l)).find(Boolean));
    expect(printed, `the gateway printed no dashboard link for the admin:\n${short(state.output)}`);
    const [, adminEmail, link] = printed;
    expect(link.startsWith(`${origin}/ui/#invitation=`), `the admin's link ${link}`);
    const context = await openContext({ ...DESKTOP, locale: 'en-GB' });
    const page = await context.newPage();
    await visit(page, link);
    await expectHeading(page, 'Choose your password', 'the admin\'s invitation');
    await page.fill('#f-password', PASSWORD);
    await page.fill('#f-confirm', PASSWORD);
    await page.click('button[type="submit"]');
    await expectHeading(page, 'Signed in as Administrator', 'the admin\'s home');
    const posts = await page.locator('ul.posts li').allTextContents();
    expect(posts.length === 2, `the admin sees every post: ${short(posts)}`);
    await page.click('#sign-out');
    await expectHeading(page, 'Sign in', 'the admin signed out');
    await page.fill('#f-email', adminEmail);
    await page.fill('#f-password', PASSWORD);
    await page.click('button[type="submit"]');
    await expectHeading(page, 'Signed in as Administrator', 'the admin signed in again');
    await closeContext(context, 'the admin');
    ok(`the first admin sets a password through the link printed at start, sees every post, signs out and in as ${adminEmail}`);
  }

  const invitation = await api.must('POST', `/v1/officers/${officer.id}/invitation`, {});
  expect(invitation.url.startsWith(`${origin}/ui/#invitation=`), `invitation link ${invitation.url}`);
  ok('the admin invited an officer of one post through the API');

  // --- 1. The invitation, in English on a desktop -------------------------------------------
  {
    const context = await openContext({ ...DESKTOP, locale: 'en-GB' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await visit(page, invitation.url);
    await expectHeading(page, 'Choose your password', 'invitation page');
    const a = await htmlAttributes(page);
    expect(a.lang === 'en' && a.dir === 'ltr', `invitation page: html lang="${a.lang}" dir="${a.dir}"`);
    let minor = await runAxe(page, 'the invitation page', STRICT);
    ok(`invitation link opens "Choose your password" in English; axe: no serious or critical violation${minor}`);

    await page.fill('#f-password', PASSWORD);
    await page.fill('#f-confirm', `${PASSWORD}!`);
    await page.click('button[type="submit"]');
    await page.locator('#form-alert').waitFor({ timeout: 10_000 });
    const alert = await page.locator('#form-alert').textContent();
    expect(alert.includes('not the same'), `mismatched passwords: alert "${alert}"`);
    expect((await page.getAttribute('#f-confirm', 'aria-invalid')) === 'true', 'the repeated password is not marked invalid');
    ok('two different passwords are refused on the page, the field marked for screen readers');

    await page.fill('#f-password', PASSWORD);
    await page.fill('#f-confirm', PASSWORD);
    await page.click('button[type="submit"]');
    await expectHeading(page, 'Signed in as Léa Martin', 'after setting the password');
    expect(!page.url().includes('invitation'), `the token stays in the address bar: ${page.url()}`);
    const posts = await page.locator('ul.posts li').allTextContents();
    expect(posts.length === 1 && posts[0].includes('Consulat de Lyon'), `her posts: ${short(posts)}`);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'ogw_session');
    expect(session && session.httpOnly && session.sameSite === 'Strict', `session cookie: ${short(cookies)}`);
    minor = await runAxe(page, 'the home page', STRICT);
    await page.screenshot({ path: path.join(args.out, 'dashboard-en.png'), fullPage: true });
    ok(`password set: signed in, the token gone from the address, only her own post shown, HttpOnly SameSite=Strict cookie; axe clean${minor}`);

    // Reloaded: still signed in (the session, not the page, remembers).
    await page.reload({ waitUntil: 'load' });
    await expectHeading(page, 'Signed in as Léa Martin', 'after a reload');
    ok('a reload keeps the session');

    await page.click('#sign-out');
    await expectHeading(page, 'Sign in', 'after signing out');
    const status = await page.locator('main [role="status"]').textContent();
    expect(status.includes('signed out'), `after signing out: "${status}"`);
    expect(!(await context.cookies()).some((c) => c.name === 'ogw_session'), 'the cookie outlived sign-out');
    ok('sign-out ends the session and clears the cookie');

    await page.fill('#f-email', 'lea.martin@example.org');
    await page.fill('#f-password', 'not my password at all');
    await page.click('button[type="submit"]');
    await page.locator('#form-alert').waitFor({ timeout: 10_000 });
    const wrong = await page.locator('#form-alert').textContent();
    expect(wrong.includes('Wrong e-mail address or password'), `wrong password: "${wrong}"`);
    minor = await runAxe(page, 'the sign-in page with an error', STRICT);
    await page.fill('#f-password', PASSWORD);
    await page.click('button[type="submit"]');
    await expectHeading(page, 'Signed in as Léa Martin', 'after signing in');
    ok(`a wrong password is told on the page; the right one signs in; axe clean${minor}`);

    // The used link again: told, and offered the sign-in form.
    await page.click('#sign-out');
    await expectHeading(page, 'Sign in', 'after signing out again');
    await page.goto('about:blank');
    await visit(page, invitation.url);
    await expectHeading(page, 'Choose your password', 'the used invitation');
    await page.fill('#f-password', PASSWORD);
    await page.fill('#f-confirm', PASSWORD);
    await page.click('button[type="submit"]');
    await expectHeading(page, 'Sign in', 'after using an invitation twice');
    const used = await page.locator('main [role="status"]').textContent();
    expect(used.includes('not valid any more'), `the used invitation: "${used}"`);
    ok('an invitation used twice is told as no longer valid, with the sign-in form');
    expect(errors.length === 0, `console errors: ${short(errors)}`);
    await closeContext(context, 'English desktop');
    ok('no console error or refused script on any page');
  }

  // --- 2. Arabic on a phone ---------------------------------------------------------------------
  {
    const context = await openContext({ ...PHONE, locale: 'ar-EG' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await visit(page, `${origin}/ui/`);
    await expectHeading(page, 'تسجيل الدخول', 'Arabic sign-in page');
    const a = await htmlAttributes(page);
    expect(a.lang === 'ar' && a.dir === 'rtl' && a.mainDirection === 'rtl',
      `Arabic page: lang="${a.lang}" dir="${a.dir}" direction ${a.mainDirection}`);
    let minor = await runAxe(page, 'the Arabic sign-in page', STRICT);
    await page.fill('#f-email', 'lea.martin@example.org');
    await page.fill('#f-password', PASSWORD);
    await page.click('button[type="submit"]');
    await expectHeading(page, 'دخلت باسم Léa Martin', 'Arabic home');
    const overflow = await horizontalOverflow(page);
    expect(overflow.width <= 360, `Arabic home on a phone is ${overflow.width}px wide: ${overflow.widest}`);
    minor += await runAxe(page, 'the Arabic home page', STRICT);
    await page.screenshot({ path: path.join(args.out, 'dashboard-ar-phone.png'), fullPage: true });
    ok(`Arabic from the browser's language: right to left, signs in, fits 360 px; axe clean${minor}`);

    // The language chosen on the page wins, and is kept.
    await page.selectOption('#language', 'fr');
    await expectHeading(page, 'Connecté·e en tant que Léa Martin', 'French home');
    await page.reload({ waitUntil: 'load' });
    await expectHeading(page, 'Connecté·e en tant que Léa Martin', 'French home after a reload');
    expect(errors.length === 0, `console errors: ${short(errors)}`);
    await closeContext(context, 'Arabic phone');
    ok('the language chosen on the page replaces the browser\'s and is kept');
  }

  const foreign = foreignRequests(allRequests);
  expect(foreign.length === 0, `requests to somewhere other than ${origin}: ${foreign.join(', ')}`);
  ok(`no third-party request in the whole run: all ${allRequests.length} requests went to ${origin}`);
}

run(main);
