// What the browser tests share: the gateway binary started on the sample configuration with a
// private Redis in a temporary directory, Debian's Chromium through playwright-core, axe-core,
// checks that print one line each, and a run bounded in time that stops everything it started.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
// The running test's name, for its messages.
const NAME = path.basename(process.argv[1] || 'browser', '.mjs');
export const SOURCE_DIR = path.resolve(HERE, '..', '..');
export const CHROMIUM = process.env.OGW_CHROMIUM || '/usr/bin/chromium';
const RUN_LIMIT_MS = 4 * 60 * 1000;
// The server refuses forms sent less than 3 s after they were shown.
export const HUMAN_DELAY_MS = 3200;
export const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

// ---------------------------------------------------------------------------------------------
// Arguments, reporting

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '--gateway' || a === '--out') && i + 1 < argv.length) {
      args[a.slice(2)] = argv[++i];
    } else {
      usage(`unknown argument ${a}`);
    }
  }
  if (!args.gateway) usage('--gateway is required');
  if (!args.out) usage('--out is required');
  args.gateway = path.resolve(args.gateway);
  args.out = path.resolve(args.out);
  if (!fs.existsSync(args.gateway)) usage(`no gateway binary at ${args.gateway}`);
  return args;
}

function usage(problem) {
  console.error(`${NAME}: ${problem}`);
  console.error(`usage: node ${NAME}.mjs --gateway <outreach-gateway> --out <artifact dir>`);
  process.exit(2);
}

class CheckFailed extends Error {}

let passed = 0;
export function ok(text) {
  passed++;
  console.log(`ok ${passed} - ${text}`);
}
export function note(text) {
  console.log(`# ${text}`);
}
export function fail(text) {
  throw new CheckFailed(text);
}
export function expect(condition, text) {
  if (!condition) fail(text);
}
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const short = (value) => {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > 600 ? `${s.slice(0, 600)}…` : s;
};

// ---------------------------------------------------------------------------------------------
// The gateway process

export const state = { gateway: null, stopped: null, output: [], redisPid: 0, tempDir: '', browser: null, cleaned: null };

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The sample configuration with a free port, its own public URL and a private Redis in a fresh
// directory; everything else (the public rate limits included) as shipped.
function writeConfig(port) {
  const config = JSON.parse(fs.readFileSync(path.join(SOURCE_DIR, 'config', 'gateway.example.json'), 'utf8'));
  config.server.port = port;
  config.links.public_base_url = `http://127.0.0.1:${port}`;
  config.redis.url = '';
  config.redis.data_dir = path.join(state.tempDir, 'data');
  const file = path.join(state.tempDir, 'gateway.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

function startGateway(binary, configFile) {
  // Its own process group, so a gateway that ignores SIGTERM is killed with anything it started.
  const child = spawn(binary, ['--config', configFile, 'serve'], {
    cwd: state.tempDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  state.gateway = child;
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let buffered = '';
  return new Promise((resolve, reject) => {
    let base = '';
    const timer = setTimeout(() => reject(new CheckFailed('the gateway did not start within 90 s')), 90_000);
    const onData = (chunk) => {
      buffered += chunk.toString('utf8');
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        state.output.push(line);
        const redis = /started private redis-server \(pid (\d+)\)/.exec(line);
        if (redis) state.redisPid = Number(redis[1]);
        const listening = /outreach-gateway listening on (http:\/\/\S+)/.exec(line);
        if (listening) base = listening[1];
        const key = /first admin API key \(shown once, keep it safe\): (\S+)/.exec(line);
        if (key && base) {
          clearTimeout(timer);
          resolve({ base, key: key[1] });
        }
        if (/existing data loaded/.test(line)) {
          clearTimeout(timer);
          reject(new CheckFailed('the gateway found existing data in a fresh directory: no admin key'));
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CheckFailed(`cannot start ${binary}: ${e.message}`));
    });
    child.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new CheckFailed(`the gateway exited during start-up (code ${code}, signal ${signal})`));
    });
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopGateway() {
  const child = state.gateway;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const stopped = await Promise.race([child.exited, sleep(10_000).then(() => null)]);
  state.stopped = stopped;
  if (!stopped) {
    console.error(`${NAME}: the gateway did not stop within 10 s of SIGTERM; killing it`);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await Promise.race([child.exited, sleep(5_000)]);
    // The private redis-server runs in a session of its own; the gateway would have stopped it.
    if (state.redisPid && alive(state.redisPid)) process.kill(state.redisPid, 'SIGKILL');
  }
}

function cleanup() {
  if (!state.cleaned) {
    state.cleaned = (async () => {
      if (state.browser) await Promise.race([state.browser.close().catch(() => {}), sleep(10_000)]);
      await stopGateway();
      if (state.tempDir) fs.rmSync(state.tempDir, { recursive: true, force: true });
    })();
  }
  return state.cleaned;
}

function gatewayTail(lines = 40) {
  return state.output.slice(-lines).map((l) => `  | ${l}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// The API

export function makeApi(base, key) {
  async function call(method, route, body) {
    const response = await fetch(base + route, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON: left as text for the message below.
    }
    return { status: response.status, json, text };
  }
  return {
    call,
    async must(method, route, body, want = [200, 201]) {
      const r = await call(method, route, body);
      expect(want.includes(r.status), `${method} ${route} answered ${r.status}: ${short(r.text)}`);
      return r.json;
    },
  };
}

// Polls `probe` until it returns something truthy or `ms` pass.
export async function within(ms, probe, interval = 250) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) return null;
    await sleep(interval);
  }
}

// ---------------------------------------------------------------------------------------------
// The browser

// The gateway's origin once started (start()).
export let origin = '';
let axeSource = '';
export const allRequests = [];

// A fresh context that records every request its pages make; closeContext fails on any that
// left this machine's gateway.
export async function openContext(options = {}) {
  const context = await state.browser.newContext(options);
  context.requests = [];
  context.on('request', (request) => {
    context.requests.push(request.url());
    allRequests.push(request.url());
  });
  return context;
}

export function foreignRequests(urls) {
  return urls.filter((u) => {
    if (u.startsWith('data:') || u === 'about:blank') return false;
    try {
      return new URL(u).origin !== origin;
    } catch {
      return true;
    }
  });
}

export async function closeContext(context, what) {
  await context.close();
  const foreign = foreignRequests(context.requests);
  expect(foreign.length === 0, `${what}: requests to somewhere other than ${origin}: ${foreign.join(', ')}`);
}

export async function visit(page, url, want = 200) {
  const response = await page.goto(url, { waitUntil: 'load' });
  expect(response, `${url}: no response`);
  expect(response.status() === want, `${url} answered ${response.status()} (expected ${want})`);
  return response;
}

// Clicks a link or button that navigates, and returns the response of the new page.
export async function follow(page, selector, what) {
  const target = page.locator(selector).first();
  expect((await target.count()) > 0, `${what}: nothing matches ${selector} on ${page.url()}`);
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), target.click()]);
  expect(response, `${what}: no response after clicking ${selector}`);
  return response;
}

export async function htmlAttributes(page) {
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    mainDirection: getComputedStyle(document.querySelector('main') || document.body).direction,
  }));
}

export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.scrollWidth;
    // The widest element, to say what overflows.
    let widest = '';
    let right = 0;
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > right || r.left < -1) {
        right = Math.max(right, r.right);
        widest = `<${el.tagName.toLowerCase()}${el.className ? ` class="${el.className}"` : ''}> left ${Math.round(r.left)} right ${Math.round(r.right)}`;
      }
    }
    return { width, widest };
  });
}

// `strictPolicy`: the page's policy refuses inline scripts (the dashboard), so axe comes in
// through DevTools, which the policy does not govern.
export async function runAxe(page, what, { strictPolicy = false } = {}) {
  if (strictPolicy) {
    await page.evaluate(axeSource);
  } else {
    await page.addScriptTag({ content: axeSource });
  }
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.length === 0,
    `axe on ${what} (${page.url()}):\n` +
      bad.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n'),
  );
  const minor = result.map((v) => `${v.id}/${v.impact}`);
  return minor.length ? ` (minor or moderate: ${minor.join(', ')})` : '';
}

// Parses the arguments, starts the gateway and Chromium: the origin and the admin's API key.
export async function start() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.out, { recursive: true });
  axeSource = fs.readFileSync(path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  expect(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  state.tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ogw-browser-'));
  const port = await freePort();
  const { base, key } = await startGateway(args.gateway, writeConfig(port));
  origin = `http://127.0.0.1:${port}`;
  expect(base === origin, `the gateway listens on ${base}, not ${origin}`);
  ok(`gateway started on ${origin} with a private Redis`);
  // The signal handlers of run() stop the gateway too; Playwright's own would exit first.
  state.browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox'],
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  ok(`Chromium ${state.browser.version()} launched`);
  return { args, origin, key, api: makeApi(origin, key) };
}

// Runs `main` within the time limit; a failed check, a sanitizer report from the gateway or an
// unclean stop fails the run. Exits the process.

async function finish(code, message) {
  if (message) console.error(message);
  await cleanup();
  process.exit(code);
}

export function run(main) {
  const deadline = setTimeout(() => {
    finish(1, `FAIL - the run took longer than ${RUN_LIMIT_MS / 60000} minutes\n${gatewayTail()}`);
  }, RUN_LIMIT_MS);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => finish(1, `FAIL - interrupted by ${signal}`));
  }

  main().then(
    async () => {
      clearTimeout(deadline);
      await cleanup();
      // A sanitizer report from the gateway is a failure even when every page looked right.
      const report = state.output.find((l) => /ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer/.test(l));
      if (report) await finish(1, `FAIL - the gateway reported: ${report}\n${gatewayTail(80)}`);
      if (!state.stopped || state.stopped.code !== 0) {
        await finish(1, `FAIL - the gateway did not stop cleanly on SIGTERM: ${JSON.stringify(state.stopped)}\n${gatewayTail()}`);
      }
      ok('the gateway stopped cleanly on SIGTERM, with no sanitizer report');
      console.log(`all ${passed} checks passed`);
      process.exit(0);
    },
    async (error) => {
      clearTimeout(deadline);
      const text = error instanceof CheckFailed ? error.message : error.stack || String(error);
      await finish(1, `FAIL - ${text}\n(after ${passed} passing checks)\nthe gateway's last lines:\n${gatewayTail()}`);
    },
  );
}
