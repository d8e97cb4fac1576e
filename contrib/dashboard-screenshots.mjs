// contrib/dashboard-screenshots.mjs: run by contrib/dashboard-screenshots
// (see there). Reuses the browser tests' harness (tests/browser/) for
// webcrond, the receiver and playwright-core; talks to 127.0.0.1 only.
import {createRequire} from 'node:module';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {Daemon, receiver, CHROMIUM} from '../tests/browser/harness.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(path.join(here, '..', 'tests', 'browser', 'package.json'));
const {chromium} = require('playwright-core');
const out = process.argv[2];

async function demo(d, token, rx) {
  const api = (action, params) => d.api(token, action, params);
  await api('account.edit', {timezone: 'Europe/Berlin'});
  const g = {};
  for (const [name, description] of [['backups', 'Nightly copies'], ['reports', 'Mail and PDFs'], ['shop', 'The web shop']]) {
    g[name] = (await api('group.add', {name, description})).id;
  }
  const jobs = [
    ['Nightly database backup', '/ok/backup', '30 2 * * *', 'backups', 'Europe/Berlin'],
    ['Weekly report', '/ok/report', '0 8 * * 1', 'reports', 'UTC'],
    ['Warm the shop cache', '/ok/cache', '*/15 * * * *', 'shop', ''],
    ['Sitemap ping', '/fail/sitemap', '@hourly', 'shop', ''],
    ['Sync the price list', '/ok/prices', '0 */6 * * *', 'shop', 'America/New_York'],
    ['Expire old sessions', '/ok/sessions', '5 0 * * *', '', ''],
    ['Month-end invoices', '/ok/invoices', '0 6 L * *', 'reports', ''],
    ['Legacy FTP import', '/ok/ftp', '0 4 * * 1-5', '', ''],
  ];
  const ids = [];
  for (const [name, p, expression, group, timezone] of jobs) {
    const j = await api('cron.add', {name, url: rx.url + p, expression, group: group ? g[group] : 0,
      ...(timezone ? {timezone} : {}), description: name === 'Nightly database backup' ? 'pg_dump of the shop database, kept 30 days' : ''});
    ids.push(j.id);
  }
  // the backup checks its copy and tells the monitoring: two tasks
  await api('cron.edit', {id: ids[0], tasks: [
    {action: 'http', payload: rx.url + '/ok/verify-backup', timeOffset: 0},
    {action: 'http', payload: rx.url + '/ok/heartbeat', timeOffset: 0, continueOnFailure: true}]});
  await api('cron.disable', {id: ids[7]});
  await api('cron.pause', {id: ids[5], for: 7200});
  // runs: a few each, the sitemap ping failing (500)
  for (const id of [ids[0], ids[0], ids[0], ids[1], ids[2], ids[3], ids[3], ids[4], ids[6]]) {
    await api('cron.run', {id});
    await sleep(150);
  }
  for (let i = 0; i < 100; i++) {
    const logs = await api('cron.logs', {id: ids[3]});
    const first = await api('cron.logs', {id: ids[0]});
    if (logs.length >= 2 && first.length >= 3) break;
    await sleep(100);
  }
  d.addUser('carol');
  d.addUser('dave');
  return ids;
}

async function main() {
  const d = new Daemon();
  const token = d.addUser('demo', true);
  await d.start();
  const rx = await receiver();
  const browser = await chromium.launch({executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']});
  const offsite = [];
  const errors = [];
  try {
    const ids = await demo(d, token, rx);
    const shoot = async (name, {width = 1280, height = 800, dark = false, signedIn = true, full = false}, go) => {
      const context = await browser.newContext({viewport: {width, height}, colorScheme: dark ? 'dark' : 'light',
        timezoneId: 'Europe/London', locale: 'en-GB'});
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url === d.origin || url.startsWith(d.origin + '/')) return route.continue();
        offsite.push(url);
        return route.abort('blockedbyclient');
      });
      if (signedIn) await context.addInitScript((t) => sessionStorage.setItem('webcron.token', t), token);
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(`${name}: ${m.text()}`); });
      await go(page);
      await page.waitForLoadState('networkidle');
      await page.evaluate(() => document.activeElement && document.activeElement.blur());
      await page.screenshot({path: path.join(out, `${name}.png`), fullPage: full});
      const wide = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
      if (wide) errors.push(`${name}: the page scrolls sideways at ${width} px`);
      await context.close();
      console.log(`${name}.png`);
    };
    const at = (p, wait) => async (page) => { await page.goto(d.origin + p); await page.locator(wait).first().waitFor(); };
    await shoot('signin', {signedIn: false, height: 520}, at('/signin', 'form.signin'));
    await shoot('overview', {}, at('/overview', 'main table'));
    await shoot('jobs', {}, at('/jobs', 'main tbody tr'));
    await shoot('job-form', {full: true}, async (page) => {
      await page.goto(`${d.origin}/jobs/${ids[0]}/edit`);
      await page.locator('.next-runs li').nth(4).waitFor();
    });
    await shoot('job', {full: true}, async (page) => {
      await page.goto(`${d.origin}/jobs/${ids[0]}`);
      await page.locator('.history tbody tr').first().waitFor();
      await page.locator('.history summary').first().click();
    });
    await shoot('failures', {height: 520}, at('/failures', 'main tbody tr'));
    await shoot('groups', {height: 600}, at('/groups', 'main tbody tr'));
    await shoot('account', {}, at('/account', 'dl.settings'));
    await shoot('users', {}, at('/users', 'main tbody tr'));
    await shoot('jobs-360', {width: 360, height: 740}, at('/jobs', 'main tbody tr'));
    await shoot('job-360', {width: 360, height: 740}, at(`/jobs/${ids[3]}`, '.history tbody tr'));
    await shoot('overview-dark', {dark: true}, at('/overview', 'main table'));
    await shoot('jobs-dark-360', {width: 360, height: 740, dark: true}, at('/jobs', 'main tbody tr'));
  } finally {
    await browser.close();
    await rx.close();
    await d.stop();
    d.cleanup();
  }
  if (offsite.length || errors.length) {
    console.error(`problems: ${[...offsite, ...errors].join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => { console.error(e.stack || e); process.exit(1); });
