// harness.mjs: what the browser tests start: a real webcrond on 127.0.0.1
// port 0 with a fresh data directory (as tests/e2e/webcron.py does), a
// local HTTP receiver for the jobs to call, and Debian's chromium,
// headless, with a fresh profile, driven by playwright-core. Only loopback
// is ever contacted.
import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';

const here = path.dirname(new URL(import.meta.url).pathname);
const builddir = process.env.WEBCRON_BUILDDIR || path.join(here, '..', '..', 'build');
export const WEBCROND = process.env.WEBCROND || path.join(builddir, 'webcrond');
export const WEBCRONCTL = process.env.WEBCRONCTL || path.join(builddir, 'webcronctl');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function ini(sections) {
  return Object.entries(sections).map(([s, keys]) =>
    `[${s}]\n${Object.entries(keys).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`).join('\n');
}

export class Daemon {
  constructor(config = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webcron-browser-'));
    this.conf = path.join(this.dir, 'webcrond.conf');
    this.portFile = path.join(this.dir, 'port');
    const sections = {
      server: {listen: '127.0.0.1:0', port_file: this.portFile, data_dir: path.join(this.dir, 'data')},
      // the receiver is on loopback; the dashboard may make a burst of calls
      api: {rate_limit: 1000, rate_burst: 1000},
      jobs: {allow_private_targets: 'yes'},
      limits: {min_interval: 1},
    };
    for (const [s, keys] of Object.entries(config)) sections[s] = {...(sections[s] || {}), ...keys};
    fs.writeFileSync(this.conf, ini(sections));
  }

  addUser(name, admin) {
    const out = execFileSync(WEBCRONCTL, ['-f', this.conf, 'user', 'add', name, ...(admin ? ['--admin'] : [])],
      {encoding: 'utf8'});
    return out.trim().split('\n').pop();
  }

  async start() {
    this.log = fs.openSync(path.join(this.dir, 'webcrond.log'), 'a');
    this.proc = spawn(WEBCROND, ['-d', '-f', this.conf], {stdio: ['ignore', this.log, this.log]});
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, sig) => resolve({code, sig})));
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`webcrond exited: ${this.logText()}`);
      try {
        const text = fs.readFileSync(this.portFile, 'utf8');
        if (text.endsWith('\n')) {
          this.port = Number(text);
          this.origin = `http://127.0.0.1:${this.port}`;
          return this;
        }
      } catch (e) { /* not yet */ }
      await sleep(10);
    }
    throw new Error(`webcrond wrote no port file: ${this.logText()}`);
  }

  logText() {
    try { return fs.readFileSync(path.join(this.dir, 'webcrond.log'), 'utf8'); } catch (e) { return ''; }
  }

  // an API call from the test itself, to check what the dashboard did
  async api(token, action, params = {}) {
    const res = await fetch(`${this.origin}/api/${action}`, {method: 'POST',
      headers: {'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json'},
      body: JSON.stringify(params)});
    const body = await res.json();
    if (body.code !== 0) throw new Error(`${action}: ${JSON.stringify(body)}`);
    return body.data;
  }

  // SIGTERM, as an operator would; webcrond must exit 0
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return this.proc ? this.proc.exitCode : 0;
    this.proc.kill('SIGTERM');
    const {code} = await this.exited;
    fs.closeSync(this.log);
    return code;
  }

  cleanup() {
    fs.rmSync(this.dir, {recursive: true, force: true});
  }
}

// A local HTTP server that records every request and answers 200, or 500
// to a path that starts with /fail.
export async function receiver() {
  const seen = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({method: req.method, url: req.url, headers: req.headers, body});
      const failing = req.url.startsWith('/fail');
      res.writeHead(failing ? 500 : 200, {'Content-Type': 'text/plain'});
      res.end(failing ? 'failing on purpose\n' : 'received by the test\n');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url, seen, close: () => new Promise((r) => server.close(r)),
    async waitFor(pred, ms = 10000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = seen.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`the receiver got no such request: ${JSON.stringify(seen)}`);
        await Promise.race([new Promise((r) => waiters.push(r)), sleep(200)]);
      }
    },
  };
}

// chromium, headless, with a fresh profile. Every request that does not
// start with ORIGIN is blocked and recorded in `offsite`; console errors and
// page errors are recorded in `errors`.
export async function browser(origin) {
  const {chromium} = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'webcron-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const offsite = [];
  const errors = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === origin || url.startsWith(origin + '/')) return route.continue();
    offsite.push(url);
    return route.abort('blockedbyclient');
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
  page.on('response', (res) => { if (res.status() >= 400) errors.push(`HTTP ${res.status()}: ${res.url()}`); });
  page.on('pageerror', (err) => errors.push(`page: ${err.message}`));
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    if (d.type() === 'alert') errors.push(`alert: ${d.message()}`);
    await d.accept();
  });
  return {
    context, page, offsite, errors, dialogs,
    async close() {
      await context.close();
      fs.rmSync(profile, {recursive: true, force: true});
    },
  };
}

// What each test file's before() and after() make and undo: a started
// webcrond with the accounts NAMES ({name: admin?}), a receiver and a
// browser on the daemon's origin. start() fills the object as it goes, so
// that stop() undoes what a failing start() made. stop() fails the file
// unless webcrond exits 0 on SIGTERM.
export function session(accounts) {
  const s = {tokens: {}};
  s.start = async () => {
    s.d = new Daemon();
    for (const [name, admin] of Object.entries(accounts)) s.tokens[name] = s.d.addUser(name, admin);
    await s.d.start();
    s.rx = await receiver();
    s.b = await browser(s.d.origin);
    s.page = s.b.page;
    s.page.setDefaultTimeout(10000);
    return s;
  };
  s.stop = async () => {
    if (s.b) await s.b.close();
    if (s.rx) await s.rx.close();
    if (s.d) {
      const code = await s.d.stop();
      s.d.cleanup();
      if (code !== 0) throw new Error(`webcrond exited ${code} on SIGTERM, not 0`);
    }
  };
  return s;
}
