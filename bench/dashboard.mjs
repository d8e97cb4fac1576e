// bench/dashboard.mjs: run by bench/dashboard (see there). Reuses the
// browser tests' harness for webcrond (tests/browser/harness.mjs) and their
// playwright-core; talks to 127.0.0.1 only.
import {createRequire} from 'node:module';
import path from 'node:path';
import {Daemon, CHROMIUM} from '../tests/browser/harness.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(path.join(here, '..', 'tests', 'browser', 'package.json'));
const {chromium} = require('playwright-core');

const quick = process.argv.includes('--quick');
const JOBS = Number(process.env.JOBS) || 1000;
const RUNS = Number(process.env.RUNS) || (quick ? 2 : 7);
const GOAL_BYTES = 150 * 1024;
const GOAL_MS = 1000;
const ROWS = Math.min(JOBS, 50);	// the first page of the jobs table

const say = (s) => console.log(s);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const SCHEDULES = ['*/15 * * * *', '0 3 * * *', '30 2 * * 1-5', '@hourly', '@daily', '0 */6 * * *',
  '15 4 1 * *', '@every 90m', '0 9 * * MON', '5 0 L * *'];

async function makeJobs(d, token) {
  const groups = [];
  for (const name of ['backups', 'reports', 'cache', 'mail']) {
    groups.push((await d.api(token, 'group.add', {name})).id);
  }
  // a few at a time: the account is made through the API as a user would
  for (let i = 0; i < JOBS; i += 10) {
    const batch = [];
    for (let k = i; k < Math.min(i + 10, JOBS); k++) {
      batch.push(d.api(token, 'cron.add', {
        name: `job ${String(k + 1).padStart(4, '0')}: ${['nightly backup', 'report', 'cache warm-up', 'mail queue'][k % 4]}`,
        // a port nothing listens on: the few runs that fall due fail fast
        url: `http://127.0.0.1:9/task/${k + 1}?kind=${k % 7}`,
        expression: SCHEDULES[k % SCHEDULES.length],
        group: groups[k % groups.length],
        status: k % 9 === 0 ? 1 : 0,
      }));
    }
    await Promise.all(batch);
  }
}

// A new context: empty cache and storage; off-origin requests blocked.
async function freshPage(browser, origin, offsite, errors) {
  const context = await browser.newContext({viewport: {width: 1280, height: 800}});
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === origin || url.startsWith(origin + '/')) return route.continue();
    offsite.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return {context, page};
}

// navigation start -> N rows of the jobs table laid out, in the page's clock
const rowsVisible = (page, n) => page.waitForFunction((want) => {
  const rows = document.querySelectorAll('main tbody tr');
  return rows.length >= want && rows[want - 1].getBoundingClientRect().height > 0 && performance.now();
}, n, {polling: 'raf', timeout: 20000}).then((h) => h.jsonValue());

async function main() {
  const d = new Daemon({limits: {max_jobs: 1000000}});
  const token = d.addUser('bench');
  await d.start();
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const offsite = [];
  const errors = [];
  let ok = true;
  try {
    const t0 = Date.now();
    await makeJobs(d, token);
    say(`bench/dashboard: ${JOBS} jobs made through the API in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
      `chromium ${browser.version()}, ${RUNS} cold loads each${quick ? ' (--quick)' : ''}`);

    // 1. the first visit: /jobs, the sign-in screen, the token, the table
    {
      const {context, page} = await freshPage(browser, d.origin, offsite, errors);
      const seen = [];
      page.on('requestfinished', (req) => seen.push(req));
      await page.goto(`${d.origin}/jobs`);
      await page.getByLabel('Token').fill(token);
      await page.getByRole('button', {name: 'Sign in'}).click();
      await rowsVisible(page, ROWS);
      await page.waitForLoadState('networkidle');
      let wire = 0;
      let plain = 0;
      let gzipped = 0;
      for (const req of seen) {
        const s = await req.sizes();
        wire += s.responseHeadersSize + s.responseBodySize;
        const res = await req.response();
        if (res && res.status() === 200) plain += (await res.body()).length;
        if (res && (await res.allHeaders())['content-encoding'] === 'gzip') gzipped++;
      }
      const pass = wire <= GOAL_BYTES;
      ok = ok && pass;
      say(`first visit: ${kb(wire)} transferred (headers included; ${gzipped} of ${seen.length} answers gzip), ` +
        `${kb(plain)} uncompressed, ${seen.length} requests; goal <= ${kb(GOAL_BYTES)}: ${pass ? 'met' : 'MISSED'}`);
      say(`bytes ratio to the goal: ${(wire / GOAL_BYTES).toFixed(2)}`);
      await context.close();
    }

    // 2. cold loads, signed in: navigation -> rows; the yardstick: the same
    // page and files without API data (the sign-in screen), loaded the same way
    const jobsMs = [];
    const shellMs = [];
    for (let i = 0; i < RUNS; i++) {
      {
        const {context, page} = await freshPage(browser, d.origin, offsite, errors);
        await page.goto(`${d.origin}/signin`, {waitUntil: 'commit'});
        shellMs.push(await page.waitForFunction(() => {
          const b = document.querySelector('form.signin button');
          return b && b.getBoundingClientRect().height > 0 && performance.now();
        }, null, {polling: 'raf', timeout: 20000}).then((h) => h.jsonValue()));
        await context.close();
      }
      {
        const {context, page} = await freshPage(browser, d.origin, offsite, errors);
        await context.addInitScript((t) => sessionStorage.setItem('webcron.token', t), token);
        await page.goto(`${d.origin}/jobs`, {waitUntil: 'commit'});
        jobsMs.push(await rowsVisible(page, ROWS));
        await context.close();
      }
    }
    const jm = median(jobsMs);
    const sm = median(shellMs);
    const pass = jm <= GOAL_MS;
    ok = ok && pass;
    say(`jobs table: ${jm.toFixed(0)} ms median (min ${Math.min(...jobsMs).toFixed(0)}, max ` +
      `${Math.max(...jobsMs).toFixed(0)}) from navigation to ${ROWS} rows visible; goal <= ${GOAL_MS} ms: ` +
      `${pass ? 'met' : 'MISSED'}`);
    say(`yardstick: sign-in screen ${sm.toFixed(0)} ms median (min ${Math.min(...shellMs).toFixed(0)}, max ` +
      `${Math.max(...shellMs).toFixed(0)}); jobs table / yardstick: ${(jm / sm).toFixed(2)}`);
  } finally {
    await browser.close();
    const code = await d.stop();
    if (code !== 0) { say(`webcrond exited ${code} on SIGTERM`); ok = false; process.exitCode = 1; }
    d.cleanup();
  }
  if (offsite.length) { say(`requests off the origin (blocked): ${offsite.join(' ')}`); process.exitCode = 1; }
  if (errors.length) { say(`errors in the page: ${errors.join('; ')}`); process.exitCode = 1; }
  if (!ok && !quick) process.exitCode = 1;
  say(`goals: ${ok ? 'met' : 'missed'}`);
}

main().catch((e) => { console.error(`bench/dashboard: ${e.stack || e}`); process.exit(1); });
