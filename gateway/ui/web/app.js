// The officers' dashboard: plain ES module, no framework. Every page reads and writes through
// the /v1 API with the session cookie, sending the session's CSRF token with each change, and
// writes data into the page with textContent only, so nothing a person typed is parsed as
// markup (docs/ARCHITECTURE.md, "The officers' dashboard").

const LANGUAGES = { en: 'English', fr: 'Français', ar: 'العربية', pt: 'Português' };
const RTL = new Set(['ar']);

const state = { words: {}, language: 'en', session: null };

// --- Words --------------------------------------------------------------------------------

function chooseLanguage() {
  const saved = localStorage.getItem('ogw-language');
  if (saved && LANGUAGES[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const primary = tag.toLowerCase().split('-')[0];
    if (LANGUAGES[primary]) return primary;
  }
  return 'en';
}

async function loadWords(language) {
  const answer = await fetch(`/ui/i18n/${language}.json`);
  state.words = answer.ok ? await answer.json() : {};
  state.language = language;
  document.documentElement.lang = language;
  document.documentElement.dir = RTL.has(language) ? 'rtl' : 'ltr';
  document.title = t('title');
}

// The word `key` in the interface's language.
function t(key) {
  return state.words[key] ?? key;
}

// The word `key` as nodes, its {name} isolated in <bdi>, so a Latin name keeps its place in
// an Arabic sentence and the other way round.
function tWithName(key, name) {
  const [before, after = ''] = (state.words[key] ?? key).split('{name}');
  return [before, el('bdi', {}, name), after];
}

// --- The page -----------------------------------------------------------------------------

// An element with attributes and children (strings become text nodes, never markup).
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

function show(...nodes) {
  const main = document.getElementById('app');
  main.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined));
  const heading = main.querySelector('h1');
  if (heading) heading.setAttribute('tabindex', '-1');
  (heading || main).focus();
}

function header() {
  const top = document.getElementById('top');
  const select = el(
    'select',
    { id: 'language', onchange: async (e) => {
      localStorage.setItem('ogw-language', e.target.value);
      await loadWords(e.target.value);
      await route();
    } },
    Object.entries(LANGUAGES).map(([code, name]) =>
      el('option', { value: code, lang: code, selected: code === state.language }, name)),
  );
  const parts = [
    el('p', { class: 'brand' }, t('title')),
    el('label', { for: 'language', class: 'visually-hidden' }, t('language')),
    select,
  ];
  if (state.session) {
    parts.push(el('button', { type: 'button', class: 'quiet', id: 'sign-out', onclick: signOut },
      t('sign_out')));
  }
  top.replaceChildren(...parts);
}

// A form's field: label, hint, error line and input, the error tied to the input for
// screen readers.
function field(name, label, attributes, hint) {
  const input = el('input', { id: `f-${name}`, name, ...attributes });
  const describedBy = [];
  const parts = [el('label', { for: `f-${name}` }, label)];
  if (hint) {
    parts.push(el('p', { class: 'hint', id: `h-${name}` }, hint));
    describedBy.push(`h-${name}`);
  }
  if (describedBy.length) input.setAttribute('aria-describedby', describedBy.join(' '));
  parts.push(input);
  return parts;
}

function alertBox(text) {
  return el('div', { class: 'alert', role: 'alert', id: 'form-alert' }, el('p', {}, text));
}

// --- The API ------------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.session) headers['X-CSRF-Token'] = state.session.csrf_token;
  let answer;
  try {
    answer = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    return { status: 0, json: null };
  }
  const text = await answer.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: answer.status, json };
}

// --- Pages --------------------------------------------------------------------------------

function signInPage(notice) {
  const form = el('form', { id: 'sign-in', novalidate: true },
    field('email', t('email'), { type: 'email', autocomplete: 'username', required: true,
      dir: 'ltr' }),
    field('password', t('password'), { type: 'password', autocomplete: 'current-password',
      required: true }),
    el('button', { type: 'submit' }, t('sign_in')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('POST', '/v1/session', {
      email: form.email.value,
      password: form.password.value,
    });
    if (answer.status === 201) {
      state.session = answer.json;
      await route();
      return;
    }
    const message = answer.status === 401 ? t('wrong')
      : answer.status === 429 ? t('locked') : t('try_again');
    form.password.value = '';
    show(el('h1', {}, t('sign_in_heading')), alertBox(message), form);
    form.email.setAttribute('aria-invalid', 'true');
    form.password.setAttribute('aria-invalid', 'true');
  });
  show(el('h1', {}, t('sign_in_heading')),
    notice ? el('p', { role: 'status' }, notice) : null, form);
}

function setPasswordPage(invitation) {
  const form = el('form', { id: 'set-password', novalidate: true },
    field('password', t('new_password'), { type: 'password', autocomplete: 'new-password',
      required: true, minlength: 10, maxlength: 256 }, t('password_hint')),
    field('confirm', t('confirm_password'), { type: 'password', autocomplete: 'new-password',
      required: true }),
    el('button', { type: 'submit' }, t('save_password')));
  const fail = (message, fieldName) => {
    show(el('h1', {}, t('set_password_heading')), alertBox(message), form);
    if (fieldName) form[fieldName].setAttribute('aria-invalid', 'true');
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.password.value !== form.confirm.value) {
      fail(t('mismatch'), 'confirm');
      return;
    }
    const answer = await api('POST', '/v1/session/password', {
      invitation,
      password: form.password.value,
    });
    if (answer.status === 201) {
      // The token has done its work: it leaves the address bar and the history.
      history.replaceState(null, '', '/ui/');
      state.session = answer.json;
      await route();
    } else if (answer.status === 422) {
      fail(`${t('password_hint')} (${answer.json?.detail ?? ''})`, 'password');
    } else if (answer.status === 404) {
      history.replaceState(null, '', '/ui/');
      signInPage(t('invitation_invalid'));
    } else if (answer.status === 409) {
      fail(t('email_taken'));
    } else {
      fail(t('try_again'));
    }
  });
  show(el('h1', {}, t('set_password_heading')), form);
}

async function homePage() {
  const officer = state.session.officer;
  const posts = await api('GET', '/v1/posts');
  const items = posts.status === 200 ? posts.json.items : [];
  const admin = officer.role === 'admin';
  show(
    el('h1', {}, tWithName('welcome', officer.name)),
    el('p', { id: 'role' }, t(`role_${officer.role}`)),
    el('h2', {}, t('your_posts')),
    admin ? el('p', {}, t('all_posts')) : null,
    el('ul', { class: 'posts' }, items.map((p) =>
      el('li', {}, el('bdi', {}, p.country ? `${p.name} (${p.country})` : p.name)))),
  );
}

async function signOut() {
  await api('DELETE', '/v1/session');
  state.session = null;
  header();
  signInPage(t('signed_out'));
}

// --- Routing ------------------------------------------------------------------------------

async function route() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const invitation = hash.get('invitation');
  if (invitation) {
    state.session = null;
    header();
    setPasswordPage(invitation);
    return;
  }
  if (!state.session) {
    const current = await api('GET', '/v1/session');
    if (current.status === 200) state.session = current.json;
  }
  header();
  if (!state.session) {
    signInPage();
    return;
  }
  await homePage();
}

// An invitation link pasted into an open dashboard.
window.addEventListener('hashchange', route);

await loadWords(chooseLanguage());
await route();
