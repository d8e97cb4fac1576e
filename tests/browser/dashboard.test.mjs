// The dashboard in a real browser against a real webcrond: signing in,
// making a job through the form that a local receiver then gets called by,
// its run in History, editing, a bad schedule, the text-not-HTML rule,
// deleting, the security headers, and no request off the page's origin.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import {session} from './harness.mjs';

let d, rx, b, page, token;
const EVIL = '<img src=x onerror=alert(1)>';

const s = session({alice: false});

before(async () => {
  await s.start();
  ({d, rx, b, page} = s);
  token = s.tokens['alice'];
});

after(() => s.stop());

// A raw GET, so that the headers are what webcrond sent.
function get(path, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(`${d.origin}${path}`, {headers}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks)}));
    }).on('error', reject);
  });
}

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function assertSafeHeaders(res, what) {
  assert.equal(res.headers['content-security-policy'], CSP, what);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
  assert.equal(res.headers['x-frame-options'], 'DENY', what);
}

test('the page and its assets carry the security and cache headers', async () => {
  const index = await get('/');
  assert.equal(index.status, 200);
  assertSafeHeaders(index, '/');
  assert.equal(index.headers['cache-control'], 'no-cache');
  assert.match(index.headers['content-type'], /^text\/html/);
  const html = index.body.toString();
  const m = /\/assets\/([0-9a-f]+)\/js\/app\.js/.exec(html);
  assert.ok(m, 'index.html loads /assets/<hash>/js/app.js');
  assert.doesNotMatch(html, /<script>|style=|@ASSETS@/, 'no inline script or style');
  for (const screen of ['/jobs', '/jobs/12', '/jobs/new', '/overview', '/account']) {
    const r = await get(screen);
    assert.equal(r.status, 200, screen);
    assertSafeHeaders(r, screen);
  }
  const js = await get(`/assets/${m[1]}/js/app.js`, {'Accept-Encoding': 'gzip, br'});
  assert.equal(js.status, 200);
  assertSafeHeaders(js, 'app.js');
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(js.headers['content-encoding'], 'gzip');
  assert.equal(js.headers['vary'], 'Accept-Encoding');
  assert.match(js.headers['content-type'], /^text\/javascript/);
  const plain = await get(`/assets/${m[1]}/js/app.js`);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(zlib.gunzipSync(js.body).toString(), plain.body.toString());
  assert.match((await get(`/assets/${m[1]}/app.css`)).headers['content-type'], /^text\/css/);
  assert.equal((await get('/assets/0000/js/app.js')).status, 404, 'another build’s hash');
  const unknown = await get('/no-such-page');
  assert.equal(unknown.status, 404);
  assert.equal(JSON.parse(unknown.body).code, 20, 'unknown paths keep the JSON 404');
});

test('a wrong token is refused plainly', async () => {
  await page.goto(`${d.origin}/jobs`);
  assert.equal(new URL(page.url()).pathname, '/signin');
  await page.getByLabel('Token').fill('A'.repeat(32));
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByText('Wrong token').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
});

test('signing in goes on to the screen asked for; the token is in sessionStorage only', async () => {
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'Jobs'}).waitFor();
  assert.equal(new URL(page.url()).pathname, '/jobs', 'the test asked for /jobs before signing in');
  assert.ok(!page.url().includes(token));
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  for (const name of ['Overview', 'Jobs', 'Failures', 'Upcoming', 'Groups', 'Account']) {
    await page.getByRole('navigation').getByRole('link', {name, exact: true}).waitFor();
  }
  assert.equal(await page.getByRole('link', {name: 'Users'}).count(), 0, 'not an admin');
  const cookies = await b.context.cookies();
  assert.equal(cookies.length, 0);
});

let jobId;

test('a job made through the form is called by the receiver after Run now', async () => {
  await page.getByRole('navigation').getByRole('link', {name: 'Jobs', exact: true}).click();
  await page.getByRole('link', {name: 'New job'}).click();
  await page.getByRole('heading', {name: 'New job'}).waitFor();
  await page.getByLabel('Name', {exact: true}).fill('ping the receiver');
  await page.getByLabel('URL', {exact: true}).fill(`${rx.url}/hook`);
  // a bad schedule shows the API's message under the field
  await page.getByLabel('Schedule', {exact: true}).fill('61 * * * *');
  await page.getByText(/61 is out of range/).waitFor();
  await page.getByLabel('Schedule', {exact: true}).fill('30 2 * * *');
  await page.locator('.next-runs li').nth(4).waitFor();
  assert.equal(await page.locator('.next-runs li').count(), 5);
  await page.getByLabel('Time zone', {exact: true}).fill('Europe/Berlin');
  await page.getByRole('button', {name: 'Save'}).click();
  await page.getByRole('heading', {name: 'ping the receiver'}).waitFor();
  jobId = Number(new URL(page.url()).pathname.split('/')[2]);
  assert.ok(jobId > 0);
  const job = await d.api(token, 'cron.get', {id: jobId});
  assert.equal(job.url, `${rx.url}/hook`);
  assert.equal(job.expression, '30 2 * * *');
  assert.equal(job.timezone, 'Europe/Berlin');

  await page.getByRole('button', {name: 'Run now'}).click();
  // Run now reloads the History itself 1.5 s after its answer: wait for
  // that reload, so that it replaces no table the test reads after it
  await page.getByText(/^Run started/).waitFor();
  const reloaded = page.waitForRequest((r) => r.url().endsWith('/api/cron.logs'));
  const hit = await rx.waitFor((r) => r.url === '/hook');
  assert.equal(hit.headers['x-webcron-job'], String(jobId));
  await reloaded;
  // History shows the run with HTTP status 200. Each list is read once it
  // is answered (rows, or none): a Refresh still on the way would add its
  // rows to the next one's table
  const answered = page.locator('.history tbody tr').first().or(page.locator('.history').getByText('No runs yet.'));
  for (let i = 0; i < 50; i++) {
    await answered.waitFor();
    if (await page.locator('.history td.http', {hasText: '200'}).count()) break;
    await page.waitForTimeout(200);
    await page.getByRole('button', {name: 'Refresh'}).click();
  }
  await page.locator('.history td.http', {hasText: '200'}).first().waitFor();
  await page.locator('.history summary').first().click();
  await page.locator('.history pre.result', {hasText: 'received by the test'}).waitFor();
});

test('a failed save names the field and keeps what was typed; an edit reaches the API', async () => {
  await page.getByRole('link', {name: 'Edit'}).click();
  await page.getByRole('heading', {name: /^Edit/}).waitFor();
  await page.getByLabel('Name', {exact: true}).fill('renamed job');
  await page.getByLabel('Timeout (seconds)').fill('-5');
  await page.getByRole('button', {name: 'Save'}).click();
  await page.locator('.field-error:not([hidden])').first().waitFor();
  assert.equal(await page.getByLabel('Name', {exact: true}).inputValue(), 'renamed job', 'nothing typed is lost');
  assert.equal(await page.getByLabel('Timeout (seconds)').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Timeout (seconds)').fill('45');
  await page.getByRole('button', {name: 'Save'}).click();
  await page.getByRole('heading', {name: 'renamed job'}).waitFor();
  const job = await d.api(token, 'cron.get', {id: jobId});
  assert.equal(job.name, 'renamed job');
  assert.equal(job.timeout, 45);
});

test('names are shown as text, never as HTML', async () => {
  const evil = await d.api(token, 'cron.add', {name: EVIL, url: `${rx.url}/evil`, expression: '@manual'});
  await page.goto(`${d.origin}/jobs`);
  const cell = page.getByRole('link', {name: EVIL, exact: true});
  await cell.waitFor();
  assert.equal(await cell.textContent(), EVIL);
  assert.equal(await page.locator('main img').count(), 0);
  await cell.click();
  await page.getByRole('heading', {name: EVIL}).waitFor();
  assert.equal(await page.locator('main img').count(), 0);
  await d.api(token, 'cron.delete', {id: evil.id});
});

test('delete asks first, then the job is gone', async () => {
  await page.goto(`${d.origin}/jobs/${jobId}`);
  await page.getByRole('button', {name: 'Delete'}).click();
  await page.getByRole('heading', {name: 'Jobs'}).waitFor();
  assert.ok(b.dialogs.some((t) => t.startsWith('confirm: Delete the job')));
  const list = await d.api(token, 'cron.list', {});
  assert.equal(list.filter((j) => j.id === jobId).length, 0);
});

test('reload and back keep the screen; sign out forgets the token', async () => {
  await page.reload();
  await page.getByRole('heading', {name: 'Jobs'}).waitFor();
  await page.goBack();
  await page.getByRole('heading', {name: 'renamed job'}).or(page.getByRole('heading', {name: 'Job'})).first().waitFor();
  await page.getByRole('button', {name: 'Sign out'}).click();
  await page.getByRole('button', {name: 'Sign in'}).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
});

test('no request left the origin and nothing went wrong in the page', () => {
  assert.deepEqual(b.offsite, []);
  assert.deepEqual(b.errors, []);
});
