// A real-browser test of the public bulletin pages: starts the gateway binary on a temporary
// configuration with its own private Redis, publishes entries through the API, and reads the
// pages, forms and feeds in Debian's Chromium (driven by Playwright) the way people would: in
// French and Arabic, on a phone, without JavaScript, with axe-core for accessibility.
//
//   node tests/browser/bulletin_browser.mjs --gateway build/test/gateway/outreach-gateway \
//     --out build/test/artifacts/browser
//
// Prints one line per check that passed; stops at the first failure with a non-zero exit.

import fs from 'node:fs';
import path from 'node:path';

import {
  allRequests,
  closeContext,
  DESKTOP,
  expect,
  follow,
  foreignRequests,
  horizontalOverflow,
  htmlAttributes,
  HUMAN_DELAY_MS,
  note,
  ok,
  openContext,
  PHONE,
  run,
  runAxe,
  short,
  sleep,
  start,
  state,
  visit,
  within,
} from './harness.mjs';

// ---------------------------------------------------------------------------------------------
// The test

const LONG_WORD = 'Staatsangehörigkeitsfeststellungsverfahrensbescheinigungsantragsformular'.repeat(4);
const LONG_URL =
  'https://consulat.example.org/rendez-vous/passeports/formulaires/' +
  'demande-de-renouvellement-du-passeport-biometrique-pour-les-ressortissants-residant-a-l-etranger' +
  '?reference=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz&langue=fr&section=etat-civil';

async function seed(api) {
  const me = await api.must('GET', '/v1/me');
  const org = me.org_id;
  expect(org, `/v1/me has no org_id: ${short(me)}`);
  const post = (await api.must('POST', '/v1/posts', { name: 'Ambassade à Berlin', country: 'DE' })).id;
  const entry = async (body) => (await api.must('POST', '/v1/bulletins/entries', { post_id: post, ...body })).id;
  // The consular days are an event: its page shows when and where, with a calendar file.
  const event = (await api.must('POST', '/v1/events', {
    post_id: post,
    default_language: 'fr',
    texts: { fr: { title: 'Journées consulaires à Hambourg' }, ar: { title: 'أيام قنصلية في هامبورغ' } },
    time_zone: 'Europe/Berlin',
    starts_at: '2030-06-12T09:00',
    ends_at: '2030-06-12T17:00',
    place: 'Consulat, Hambourg',
    capacity: 200,
  })).id;
  const days = await entry({
    event_id: event,
    texts: {
      fr: {
        title: 'Journées consulaires à Hambourg',
        body: 'Les **12 et 13 juin**, de 9 h à 17 h, au consulat.\n\n- passeports\n- état civil\n\n[Prendre rendez-vous](https://consulat.example.org/rdv)',
      },
      ar: {
        title: 'أيام قنصلية في هامبورغ',
        body: 'يومي **12 و13 يونيو**، من الساعة 9 إلى 17، في القنصلية.\n\n- جوازات السفر\n- الأحوال المدنية',
      },
      en: {
        title: 'Consular days in Hamburg',
        body: 'On **12 and 13 June**, 9:00 to 17:00, at the consulate.\n\n- passports\n- civil status',
      },
    },
  });
  const long = await entry({
    texts: {
      fr: {
        title: `Formulaire ${LONG_WORD.slice(0, 120)}`,
        body: `Le formulaire ${LONG_WORD} se trouve ici : <${LONG_URL}>\n\nOu copiez ${LONG_URL}`,
      },
      ar: {
        title: `استمارة ${LONG_WORD.slice(0, 120)}`,
        body: `الاستمارة ${LONG_WORD} موجودة هنا: <${LONG_URL}>\n\nأو انسخوا ${LONG_URL}`,
      },
      en: {
        title: `Form ${LONG_WORD.slice(0, 120)}`,
        body: `The form ${LONG_WORD} is here: <${LONG_URL}>\n\nOr copy ${LONG_URL}`,
      },
    },
  });
  const pinned = await entry({
    pinned: true,
    texts: {
      fr: { title: 'Service des passeports fermé vendredi', body: 'Le service des passeports est **fermé** ce vendredi.' },
      ar: { title: 'قسم الجوازات مغلق يوم الجمعة', body: 'قسم الجوازات **مغلق** يوم الجمعة.' },
      en: { title: 'Passport office closed on Friday', body: 'The passport office is **closed** this Friday.' },
    },
  });
  return { org, post, days, long, pinned, entries: [days, long, pinned] };
}

async function main() {
  const { args, origin, api } = await start();
  const ids = await seed(api);
  const bulletin = `${origin}/b/${ids.org}/${ids.post}/`;
  const entryUrl = (id, lang) => `${origin}/b/${ids.org}/${ids.post}/${id}?lang=${lang}`;
  ok(`seeded post ${ids.post} with 3 entries (fr, ar, en; one long, one pinned)`);

  // --- 1. French ------------------------------------------------------------------------------
  {
    const context = await openContext({ ...DESKTOP });
    const page = await context.newPage();
    const index = await visit(page, `${bulletin}?lang=fr`);
    // Chromium takes gzip: the page comes compressed from the gateway's cache.
    const encoding = index.headers()['content-encoding'];
    expect(encoding === 'gzip', `French index: Content-Encoding ${encoding} (expected gzip)`);
    const a = await htmlAttributes(page);
    expect(a.lang === 'fr' && a.dir === 'ltr', `French index: html lang="${a.lang}" dir="${a.dir}"`);
    for (const l of ['fr', 'ar', 'en']) {
      const link = page.locator(`nav a[hreflang="${l}"][href*="lang=${l}"]`);
      expect((await link.count()) === 1, `French index: no language switch link to ${l}`);
    }
    expect(
      (await page.locator('nav a[hreflang="fr"][aria-current="page"]').count()) === 1,
      'French index: the switch does not mark French as the current language',
    );
    for (const [type, file] of [
      ['application/atom+xml', 'feed.atom'],
      ['application/feed+json', 'feed.json'],
    ]) {
      const href = await page.locator(`head link[rel="alternate"][type="${type}"]`).getAttribute('href').catch(() => null);
      expect(href && href.includes(`/${file}?lang=fr`), `French index: no <link rel=alternate type=${type}> to ${file}?lang=fr (got ${href})`);
      const feed = await context.request.get(href);
      expect(feed.status() === 200, `${href} answered ${feed.status()}`);
    }
    // Pinned first.
    const titles = await page.locator('main article h2').allTextContents();
    expect(titles[0] === 'Service des passeports fermé vendredi', `French index: the pinned entry is not first: ${short(titles)}`);
    ok('French index: gzip, html lang=fr dir=ltr, language switch to fr/ar/en, Atom and JSON feed links (both 200), pinned entry first');

    const response = await follow(page, `main a[href*="${ids.days}"]`, 'French index');
    expect(response.status() === 200, `French entry page answered ${response.status()}`);
    expect(page.url() === entryUrl(ids.days, 'fr'), `French entry link went to ${page.url()}`);
    const e = await htmlAttributes(page);
    expect(e.lang === 'fr' && e.dir === 'ltr', `French entry page: html lang="${e.lang}" dir="${e.dir}"`);
    expect(
      (await page.locator('main h2').first().textContent()) === 'Journées consulaires à Hambourg',
      'French entry page: not the French title',
    );
    for (const l of ['fr', 'ar', 'en']) {
      expect((await page.locator(`nav a[hreflang="${l}"]`).count()) === 1, `French entry page: no language switch link to ${l}`);
    }
    expect((await page.locator('head link[rel="alternate"][type="application/atom+xml"]').count()) === 1, 'French entry page: no Atom link');
    expect((await page.locator('head link[rel="alternate"][type="application/feed+json"]').count()) === 1, 'French entry page: no JSON feed link');
    // The switch leads to the same entry in Arabic.
    await follow(page, 'nav a[hreflang="ar"]', 'French entry page');
    const s = await htmlAttributes(page);
    expect(s.lang === 'ar' && s.dir === 'rtl' && page.url() === entryUrl(ids.days, 'ar'), `the Arabic switch led to ${page.url()} (lang ${s.lang}, dir ${s.dir})`);
    ok('French entry page: lang=fr dir=ltr, French title, language links and feed links; its Arabic link opens the entry in Arabic');
    await closeContext(context, 'French pages');
  }

  // --- 2. Arabic ------------------------------------------------------------------------------
  {
    const context = await openContext({ ...DESKTOP });
    const page = await context.newPage();
    for (const [url, what] of [
      [`${bulletin}?lang=ar`, 'Arabic index'],
      [entryUrl(ids.days, 'ar'), 'Arabic entry page'],
    ]) {
      await visit(page, url);
      const a = await htmlAttributes(page);
      expect(a.lang === 'ar', `${what}: html lang="${a.lang}"`);
      expect(a.dir === 'rtl', `${what}: document.documentElement.dir is "${a.dir}", not rtl`);
      expect(a.mainDirection === 'rtl', `${what}: computed direction of <main> is ${a.mainDirection}`);
      for (const l of ['fr', 'ar', 'en']) {
        expect((await page.locator(`nav a[hreflang="${l}"]`).count()) === 1, `${what}: no language switch link to ${l}`);
      }
      expect((await page.locator('head link[rel="alternate"][type="application/atom+xml"][href*="lang=ar"]').count()) === 1, `${what}: no Atom link in Arabic`);
      expect((await page.locator('head link[rel="alternate"][type="application/feed+json"][href*="lang=ar"]').count()) === 1, `${what}: no JSON feed link in Arabic`);
      const text = await page.locator('main').innerText();
      expect(text.includes('أيام قنصلية في هامبورغ'), `${what}: the Arabic title is missing`);
    }
    ok('Arabic index and entry page: html lang=ar, dir=rtl, computed direction of <main> rtl, Arabic text, language and feed links');
    await closeContext(context, 'Arabic pages');
  }

  // --- 3. Language from the browser -------------------------------------------------------------
  for (const [locale, want] of [
    ['ar', 'ar'],
    ['fr-CA', 'fr'],
  ]) {
    const context = await openContext({ ...DESKTOP, locale });
    const page = await context.newPage();
    const response = await visit(page, bulletin);
    const a = await htmlAttributes(page);
    expect(a.lang === want, `no ?lang=, browser locale ${locale}: page came in "${a.lang}", not ${want}`);
    expect(response.headers()['content-language'] === want, `browser locale ${locale}: Content-Language ${response.headers()['content-language']}`);
    if (want === 'ar') expect(a.dir === 'rtl', `browser locale ar: dir="${a.dir}"`);
    ok(`no ?lang=, browser locale ${locale} (Accept-Language): index in ${want}${want === 'ar' ? ', right to left' : ''}`);
    await closeContext(context, `locale ${locale}`);
  }

  // --- 4. Phone width: the bulletin pages -------------------------------------------------------
  async function phoneWidth(urls, what) {
    for (const lang of ['fr', 'ar']) {
      const context = await openContext({ ...PHONE, locale: lang });
      const page = await context.newPage();
      for (const [name, url] of urls(lang)) {
        await visit(page, url);
        const o = await horizontalOverflow(page);
        expect(o.width <= 360, `${name} (${lang}) at 360 px: scrollWidth ${o.width} > 360; widest: ${o.widest}`);
      }
      await closeContext(context, `${what} (${lang}) on a phone`);
    }
    ok(`phone 360x740: no horizontal overflow on ${what} in fr and ar`);
  }
  await phoneWidth(
    (lang) => [
      ['index', `${bulletin}?lang=${lang}`],
      ...ids.entries.map((id) => [`entry ${id}`, entryUrl(id, lang)]),
    ],
    'the index and all 3 entry pages (long word and long URL included)',
  );

  // --- 5. axe-core: the bulletin pages ----------------------------------------------------------
  // The pages forbid scripts (CSP default-src 'none'): only these contexts bypass it, to inject axe.
  async function axeOn(pages, options = {}) {
    const context = await openContext({ ...DESKTOP, bypassCSP: true, ...options });
    const page = await context.newPage();
    for (const [what, url] of pages) {
      await visit(page, url);
      const extra = await runAxe(page, what);
      ok(`axe: no serious or critical violation on ${what}${extra}`);
    }
    await closeContext(context, 'axe runs');
  }
  await axeOn([
    ['the index in English', `${bulletin}?lang=en`],
    ['the index in French', `${bulletin}?lang=fr`],
    ['the index in Arabic', `${bulletin}?lang=ar`],
    ['an entry page (French)', entryUrl(ids.days, 'fr')],
    ['the long entry page (Arabic)', entryUrl(ids.long, 'ar')],
  ]);
  await axeOn([['the index in French, dark colour scheme', `${bulletin}?lang=fr`]], { colorScheme: 'dark' });

  // The event's details and its calendar file, from the entry's page.
  {
    const context = await openContext(DESKTOP);
    const page = await context.newPage();
    await visit(page, entryUrl(ids.days, 'ar'));
    expect(await page.locator('section.event dt').count() >= 1, 'the event entry shows no when/where');
    const href = await page.locator('a[href*="/event.ics"]').getAttribute('href');
    expect(href, 'the event entry has no calendar link');
    const ics = await page.request.get(new URL(href, page.url()).toString());
    expect(ics.status() === 200, `the calendar file answers ${ics.status()}`);
    expect((ics.headers()['content-type'] || '').startsWith('text/calendar'), 'the calendar file is not text/calendar');
    const body = await ics.text();
    expect(body.includes('BEGIN:VEVENT') && body.includes('LANGUAGE=ar'), 'the calendar file is not the event in Arabic');
    await closeContext(context, 'event entry');
    ok('the event entry shows when and where, and its calendar file is the event in Arabic');
  }

  // --- 6. Nothing from elsewhere; readable without JavaScript -----------------------------------
  {
    const foreign = foreignRequests(allRequests);
    expect(foreign.length === 0, `requests to somewhere other than ${origin}: ${foreign.join(', ')}`);
    ok(`no third-party request: all ${allRequests.length} requests so far went to ${origin}`);

    const context = await openContext({ ...DESKTOP, javaScriptEnabled: false });
    const page = await context.newPage();
    await visit(page, `${bulletin}?lang=fr`);
    expect(await page.getByText('Journées consulaires à Hambourg').isVisible(), 'without JavaScript: the entry title is not visible on the index');
    await follow(page, `main a[href*="${ids.days}"]`, 'index without JavaScript');
    expect(await page.getByText('passeports', { exact: true }).isVisible(), 'without JavaScript: the entry text is not visible on its page');
    await closeContext(context, 'pages without JavaScript');
    ok('JavaScript disabled: index and entry page render, the entry title and text are visible');
  }

  // --- 9. Screenshots of the bulletin pages -----------------------------------------------------
  async function screenshot(options, url, file, prepare) {
    const context = await openContext(options);
    const page = await context.newPage();
    await visit(page, url);
    if (prepare) await prepare(page);
    const to = path.join(args.out, file);
    await page.screenshot({ path: to, fullPage: true });
    await closeContext(context, `screenshot ${file}`);
    ok(`screenshot ${to}`);
  }
  await screenshot({ ...DESKTOP }, `${bulletin}?lang=en`, 'bulletin-en.png');
  await screenshot({ ...DESKTOP }, `${bulletin}?lang=ar`, 'bulletin-ar.png');
  await screenshot({ ...PHONE }, entryUrl(ids.long, 'fr'), 'bulletin-phone-fr.png');

  // --- The forms ----------------------------------------------------------------------------------
  // The sample configuration's limits stay as shipped (bulletins.form_rate_limit: a burst of 10
  // posts per client address, then one every 20 s), so the run posts 10 forms in all (7 forms
  // and 3 posts of the SMS code page) over more than a minute: more would test the limit, not
  // the forms.
  // Their links, as the pages give them.
  async function formLinks() {
    const context = await openContext({ ...DESKTOP });
    const page = await context.newPage();
    await visit(page, entryUrl(ids.days, 'fr'));
    const reply = await page.locator('a[href*="/reply"]').first().getAttribute('href').catch(() => null);
    expect(reply, `the entry page ${page.url()} has no link to a reply form (a[href*="/reply"])`);
    const fromEntry = await page.locator('a[href*="/subscribe"]').first().getAttribute('href').catch(() => null);
    expect(fromEntry, `the entry page ${page.url()} has no link to the subscription form (a[href*="/subscribe"])`);
    await visit(page, `${bulletin}?lang=fr`);
    const subscribe = await page.locator('a[href*="/subscribe"]').first().getAttribute('href').catch(() => null);
    expect(subscribe, `the index ${page.url()} has no link to the subscription form (a[href*="/subscribe"])`);
    await closeContext(context, 'form links');
    const r = new URL(reply, origin);
    const s = new URL(subscribe, origin);
    expect(
      r.pathname === `/b/${ids.org}/${ids.post}/${ids.days}/reply` && r.searchParams.get('lang') === 'fr',
      `the reply link is ${reply}, not /b/${ids.org}/${ids.post}/${ids.days}/reply?lang=fr`,
    );
    expect(
      s.pathname === `/b/${ids.org}/${ids.post}/subscribe` && s.searchParams.get('lang') === 'fr',
      `the subscribe link is ${subscribe}, not /b/${ids.org}/${ids.post}/subscribe?lang=fr`,
    );
    ok('the entry page links its reply form and the subscription form; the index links the subscription form');
  }
  await formLinks();
  const replyUrl = (id, lang) => `${origin}/b/${ids.org}/${ids.post}/${id}/reply?lang=${lang}`;
  const subscribeUrl = (lang) => `${origin}/b/${ids.org}/${ids.post}/subscribe?lang=${lang}`;

  // --- 4. Phone width: the forms ----------------------------------------------------------------
  await phoneWidth(
    (lang) => [
      ['reply form', replyUrl(ids.days, lang)],
      ['reply form of the long entry', replyUrl(ids.long, lang)],
      ['subscription form', subscribeUrl(lang)],
    ],
    'the reply and subscription forms',
  );

  // Fills the reply form on `page` (already open) and submits it, waiting first unless `hurry`.
  async function submitReply(page, { message, email, name = '', hurry = false, honeypot = '' }) {
    await page.locator('textarea[name="message"]').fill(message);
    if (name) await page.locator('input[name="name"]').fill(name);
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="consent"]').check();
    if (honeypot) {
      await page.evaluate((value) => {
        document.querySelector('input[name="website"]').value = value;
      }, honeypot);
    }
    if (!hurry) await sleep(HUMAN_DELAY_MS);
    const [response] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.locator('form[method="post" i] button[type="submit"]').first().click(),
    ]);
    expect(response, 'no answer to the reply form');
    return response;
  }

  async function submitSubscription(page, { email, name = '' }) {
    if (name) await page.locator('input[name="name"]').fill(name);
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="channels"][value="email"]').check();
    await page.locator('input[name="consent"]').check();
    await sleep(HUMAN_DELAY_MS);
    const [response] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.locator('form[method="post" i] button[type="submit"]').first().click(),
    ]);
    expect(response, 'no answer to the subscription form');
    return response;
  }

  // --- 5. axe-core: the forms and the pages that answer them --------------------------------------
  {
    const context = await openContext({ ...DESKTOP, bypassCSP: true });
    const page = await context.newPage();
    for (const [what, url] of [
      ['the reply form (French)', replyUrl(ids.days, 'fr')],
      ['the reply form (Arabic)', replyUrl(ids.days, 'ar')],
      ['the subscription form (French)', subscribeUrl('fr')],
      ['the subscription form (Arabic)', subscribeUrl('ar')],
    ]) {
      await visit(page, url);
      ok(`axe: no serious or critical violation on ${what}${await runAxe(page, what)}`);
    }
    await visit(page, replyUrl(ids.days, 'fr'));
    let response = await submitReply(page, { message: 'Trop vite pour axe', email: 'axe-fast@example.org', hurry: true });
    expect(response.status() >= 400, `a reply sent at once answered ${response.status()}`);
    ok(`axe: no serious or critical violation on the reply form shown again with an error${await runAxe(page, 'the reply form with an error')}`);
    await visit(page, replyUrl(ids.days, 'fr'));
    response = await submitReply(page, { message: 'Question pour le test d’accessibilité', email: 'axe-reply@example.org' });
    expect(response.status() === 200, `the reply form answered ${response.status()}: ${short(await page.locator('body').innerText())}`);
    ok(`axe: no serious or critical violation on the reply's thank-you page${await runAxe(page, 'the reply thank-you page')}`);
    await visit(page, subscribeUrl('fr'));
    response = await submitSubscription(page, { email: 'axe-subscriber@example.org' });
    expect(response.status() === 200, `the subscription form answered ${response.status()}: ${short(await page.locator('body').innerText())}`);
    ok(`axe: no serious or critical violation on the subscription's thank-you page${await runAxe(page, 'the subscription thank-you page')}`);
    await closeContext(context, 'axe runs on the forms');
  }

  // --- 7. Reply form --------------------------------------------------------------------------
  const inbox = async () => (await api.must('GET', `/v1/inbox?post=${ids.post}&limit=100`)).items || [];
  const tooFast = `Envoyé trop vite ${Date.now()}`;
  const trapped = `Rempli par un robot ${Date.now()}`;
  {
    // Sent at once: refused, the form again with an error.
    const context = await openContext({ ...DESKTOP });
    const page = await context.newPage();
    await visit(page, replyUrl(ids.days, 'fr'));
    const response = await submitReply(page, { message: tooFast, email: 'presse@example.org', hurry: true });
    expect(response.status() !== 200 || (await page.locator('[role="status"]').count()) === 0, 'a reply sent at once was thanked for');
    expect((await page.locator('textarea[name="message"]').count()) === 1, `a reply sent at once: the form is not shown again (${response.status()})`);
    expect((await page.locator('[role="alert"]').count()) > 0, `a reply sent at once: no [role=alert] error (${response.status()})`);
    note(`sent at once: ${response.status()}, "${short((await page.locator('[role="alert"]').first().innerText()).trim().replace(/\s+/g, ' '))}"`);
    await closeContext(context, 'reply sent at once');
    ok(`reply sent under 3 s: answered ${response.status()} with the form again and an error`);
  }
  {
    // The honeypot filled: thanked, nothing kept.
    const context = await openContext({ ...DESKTOP });
    const page = await context.newPage();
    await visit(page, replyUrl(ids.days, 'fr'));
    const trap = page.locator('input[name="website"]');
    expect((await trap.count()) === 1, 'the reply form has no honeypot input[name=website]');
    const hidden = await trap.evaluate((el) => {
      // Not rendered at all (display:none on it or a parent), or rendered out of sight and
      // hidden from screen readers.
      const rendered = el.type !== 'hidden' && el.checkVisibility({ visibilityProperty: true });
      const r = el.getBoundingClientRect();
      const outOfSight = r.width * r.height <= 1 || r.right <= 0 || r.bottom <= 0 || r.left >= innerWidth;
      return { unseen: !rendered || outOfSight, unannounced: !rendered || !!el.closest('[aria-hidden="true"]') };
    });
    expect(hidden.unseen && hidden.unannounced, `the honeypot is not hidden from people: ${JSON.stringify(hidden)}`);
    const response = await submitReply(page, { message: trapped, email: 'robot@example.org', honeypot: 'https://spam.example.com' });
    expect(response.status() === 200, `the honeypot reply answered ${response.status()}`);
    expect((await page.locator('[role="status"]').count()) > 0, 'the honeypot reply shows no [role=status] thank-you');
    await closeContext(context, 'honeypot reply');
    ok('reply with the honeypot filled: the honeypot is hidden from people, the answer is a thank-you');
  }
  {
    const message = `Bonjour, faut-il un rendez-vous pour les journées consulaires ? ${Date.now()}`;
    const context = await openContext({ ...DESKTOP, locale: 'fr-FR' });
    const page = await context.newPage();
    await visit(page, entryUrl(ids.days, 'fr'));
    let response = await follow(page, 'a[href*="/reply"]', 'French entry page');
    expect(response.status() === 200, `the reply form answered ${response.status()}`);
    const form = 'form[method="post" i]';
    for (const field of [
      'textarea[name="message"]',
      'input[name="name"]',
      'input[name="email"][type="email"]',
      'input[name="phone"][type="tel"]',
      'input[name="consent"][type="checkbox"]',
      'input[name="website"]',
      'input[type="hidden"][name="token"]',
      'input[type="hidden"][name="lang"]',
      'button[type="submit"]',
    ]) {
      expect((await page.locator(`${form} ${field}`).count()) === 1, `the reply form has no ${field} in ${form}`);
    }
    expect((await page.locator('html').getAttribute('lang')) === 'fr', 'the reply form is not in French');
    response = await submitReply(page, { message, name: 'Amira Benali', email: 'amira.benali@example.org' });
    expect(response.status() === 200, `the reply form answered ${response.status()}: ${short(await page.locator('body').innerText())}`);
    expect(await page.locator('[role="status"]').first().isVisible(), 'the reply thank-you page has no visible [role=status]');
    await closeContext(context, 'reply form');
    ok('reply form from the French entry page: all fields present, sent after 3.2 s, thank-you with [role=status]');

    const item = await within(10_000, async () => (await inbox()).find((i) => i.text === message));
    expect(item, `the reply is not in GET /v1/inbox?post=${ids.post} within 10 s; the inbox: ${short(await inbox())}`);
    expect(
      item.bulletin_entry === ids.days,
      `the inbox item does not name the entry: bulletin_entry is ${JSON.stringify(item.bulletin_entry)}, expected ${ids.days}; the item: ${short(item)}`,
    );
    ok(`the reply is in the post's inbox with bulletin_entry ${ids.days} (channel ${item.channel}, from ${item.address})`);

    const items = await inbox();
    const kept = items.filter((i) => i.text === tooFast || i.text === trapped);
    expect(kept.length === 0, `refused replies were stored: ${short(kept)}`);
    for (const address of ['presse@example.org', 'robot@example.org']) {
      const r = await api.call('GET', `/v1/contacts/lookup?kind=email&value=${encodeURIComponent(address)}`);
      expect(r.status === 404, `a refused reply created a contact for ${address}: ${r.status} ${short(r.text)}`);
    }
    ok('neither the reply sent under 3 s nor the honeypot reply was stored (no inbox item, no contact)');
  }

  // --- 8. Subscription form -------------------------------------------------------------------
  {
    const email = `abonnee.${Date.now()}@example.org`;
    const context = await openContext({ ...DESKTOP });
    const page = await context.newPage();
    await visit(page, `${bulletin}?lang=fr`);
    let response = await follow(page, 'a[href*="/subscribe"]', 'French index');
    expect(response.status() === 200, `the subscription form answered ${response.status()}`);
    const form = 'form[method="post" i]';
    for (const field of [
      'input[name="name"]',
      'input[name="email"]',
      'input[name="phone"]',
      'input[name="channels"][value="email"][type="checkbox"]',
      'input[name="channels"][value="sms"][type="checkbox"]',
      'input[name="consent"][type="checkbox"]',
      'input[name="website"]',
      'input[type="hidden"][name="token"]',
      'input[type="hidden"][name="lang"]',
      'button[type="submit"]',
    ]) {
      expect((await page.locator(`${form} ${field}`).count()) === 1, `the subscription form has no ${field} in ${form}`);
    }
    response = await submitSubscription(page, { email, name: 'Léa Martin' });
    expect(response.status() === 200, `the subscription form answered ${response.status()}: ${short(await page.locator('body').innerText())}`);
    expect(await page.locator('[role="status"]').first().isVisible(), 'the subscription thank-you page has no visible [role=status]');
    await closeContext(context, 'subscription form');
    ok(`subscription form from the French index: sent after 3.2 s for ${email}, thank-you with [role=status]`);

    const mail = await within(15_000, async () => {
      const { items = [] } = await api.must('GET', '/v1/sandbox/messages?limit=500');
      return items.find((m) => m.channel === 'email' && String(m.to).toLowerCase().includes(email));
    });
    expect(mail, `no e-mail to ${email} in GET /v1/sandbox/messages within 15 s`);
    const links = `${mail.text || ''}\n${(mail.html || '').replaceAll('&amp;', '&')}`.match(/https?:\/\/[^\s"'<>]+\/c\/[^\s"'<>]+/g) || [];
    expect(links.length > 0, `the confirmation e-mail has no link with /c/: ${short(mail.text || mail.html)}`);
    const link = links[0].replace(/[).,;]+$/, '');
    expect(link.startsWith(`${origin}/c/`), `the confirmation link ${link} is not on ${origin}`);
    ok(`confirmation e-mail to ${email} with a link ${link.slice(0, origin.length + 8)}…`);

    const consentOf = async () => {
      const r = await api.call('GET', `/v1/contacts/lookup?kind=email&value=${encodeURIComponent(email)}`);
      if (r.status === 404) return { state: 'no contact', contact: null };
      expect(r.status === 200, `GET /v1/contacts/lookup for ${email} answered ${r.status}: ${short(r.text)}`);
      const address = (r.json.addresses || []).find((a) => a.kind === 'email' && a.value === email);
      expect(address, `contact ${r.json.id} has no e-mail address ${email}: ${short(r.json.addresses)}`);
      const consent = typeof address.consent === 'string' ? address.consent : address.consent?.state;
      return { state: consent, contact: r.json };
    };
    const before = await consentOf();
    expect(before.state !== 'granted', `consent for ${email} is granted before the link was opened`);
    ok(`before the link is opened, consent for ${email} is not granted (${before.state})`);

    const confirm = await openContext({ ...DESKTOP });
    const cpage = await confirm.newPage();
    response = await visit(cpage, link);
    // A link only shows a button (mail scanners follow links): pressing it confirms.
    if ((await cpage.locator('[role="status"]').count()) === 0 && (await cpage.locator('form[method="post" i] button').count()) > 0) {
      response = await follow(cpage, 'form[method="post" i] button', 'the confirmation page');
    }
    expect(response.status() === 200, `confirming answered ${response.status()}: ${short(await cpage.locator('body').innerText())}`);
    const said = (await cpage.locator('main, body').first().innerText()).trim().replace(/\s+/g, ' ');
    await closeContext(confirm, 'confirmation link');
    ok(`the confirmation link opened in the browser confirms: "${short(said)}"`);

    const after = await within(5_000, async () => {
      const c = await consentOf();
      return c.state === 'granted' ? c : null;
    });
    expect(after, `consent for ${email} is not granted after confirmation: ${(await consentOf()).state}`);
    if (after.contact.post_id !== ids.post) note(`the subscriber's contact is in post "${after.contact.post_id}", not ${ids.post}`);
    ok(`after confirmation, consent for ${email} is granted (contact ${after.contact.id}, post ${after.contact.post_id || '(none)'})`);
  }

  // --- 8b. Subscription by SMS, confirmed by the code the SMS carries --------------------------------
  {
    const phone = `+33655${String(Date.now()).slice(-6)}`;
    const context = await openContext({ ...PHONE, locale: 'ar', bypassCSP: true });
    const page = await context.newPage();
    await visit(page, subscribeUrl('ar'));
    await page.locator('input[name="phone"]').fill(phone);
    await page.locator('input[name="channels"][value="sms"]').check();
    await page.locator('input[name="consent"]').check();
    await sleep(HUMAN_DELAY_MS);
    const submit = async () => {
      const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.locator('form[method="post" i] button[type="submit"]').first().click(),
      ]);
      expect(response, 'no answer to the form');
      return response;
    };
    let response = await submit();
    expect(response.status() === 200, `the SMS subscription answered ${response.status()}: ${short(await page.locator('body').innerText())}`);
    const codeField = page.locator('input[name="code"]');
    expect((await codeField.count()) === 1, `the page after an SMS subscription has no code field: ${short(await page.locator('body').innerText())}`);
    const a = await htmlAttributes(page);
    expect(a.lang === 'ar' && a.dir === 'rtl', `the Arabic code page: html lang="${a.lang}" dir="${a.dir}"`);
    const overflow = await horizontalOverflow(page);
    expect(overflow.width <= PHONE.viewport.width, `the code page overflows 360 px: ${overflow.width} px, ${overflow.widest}`);
    ok(`SMS subscription in Arabic on a phone: the page asks for the code (rtl, no overflow)${await runAxe(page, 'the SMS code page (Arabic)')}`);

    const sms = await within(15_000, async () => {
      const { items = [] } = await api.must('GET', '/v1/sandbox/messages?limit=500');
      return items.find((m) => m.channel === 'sms' && m.to === phone);
    });
    expect(sms, `no SMS to ${phone} in GET /v1/sandbox/messages within 15 s`);
    const code = (String(sms.text).match(/[0-9]{6}/) || [])[0];
    expect(code, `the confirmation SMS holds no six-digit code: ${short(sms.text)}`);
    expect(!/https?:/.test(sms.text), `the confirmation SMS carries a link: ${short(sms.text)}`);
    ok(`the SMS to ${phone} carries a six-digit code and no link`);

    await codeField.fill(code === '000000' ? '111111' : '000000');
    response = await submit();
    expect(response.status() === 422, `a wrong code answered ${response.status()}`);
    expect((await page.locator('[role="alert"]').count()) > 0, 'a wrong code: no [role=alert]');
    expect((await page.locator('input[name="code"][aria-invalid="true"]').count()) === 1, 'a wrong code: the field is not marked aria-invalid');
    ok(`a wrong code is refused (422) with the field marked${await runAxe(page, 'the SMS code page with an error (Arabic)')}`);

    await page.locator('input[name="code"]').fill(code);
    response = await submit();
    expect(response.status() === 200, `the right code answered ${response.status()}: ${short(await page.locator('body').innerText())}`);
    expect(await page.locator('[role="status"]').first().isVisible(), 'the code accepted: no visible [role=status]');
    await closeContext(context, 'SMS code');
    const granted = await within(5_000, async () => {
      const r = await api.call('GET', `/v1/contacts/lookup?kind=phone&value=${encodeURIComponent(phone)}`);
      if (r.status !== 200) return null;
      const address = (r.json.addresses || []).find((x) => x.kind === 'phone' && x.value === phone);
      const state = typeof address?.consent === 'string' ? address.consent : address?.consent?.state;
      return state === 'granted' ? address : null;
    });
    expect(granted, `consent for ${phone} is not granted after the code`);
    ok(`the code typed in the browser grants consent for ${phone} (source ${granted.consent?.source || granted.consent})`);
  }

  // --- 9. Screenshot of a form ------------------------------------------------------------------
  await screenshot({ ...PHONE, locale: 'ar' }, entryUrl(ids.days, 'ar'), 'reply-form-ar.png', async (page) => {
    await follow(page, 'a[href*="/reply"]', 'Arabic entry page');
    const a = await htmlAttributes(page);
    expect(a.lang === 'ar' && a.dir === 'rtl', `the Arabic reply form: html lang="${a.lang}" dir="${a.dir}"`);
  });

  const foreign = foreignRequests(allRequests);
  expect(foreign.length === 0, `requests to somewhere other than ${origin}: ${foreign.join(', ')}`);
  ok(`no third-party request in the whole run: all ${allRequests.length} requests went to ${origin}`);
}

run(main);
