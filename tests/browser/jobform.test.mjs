// The job form's helpers in a real browser against a real webcrond: a
// pasted curl command line fills the request, a preset fills the
// schedule, tasks are added, reordered and removed and saved in the order
// shown (and run in that order), the SetCronJob field arrays make the
// schedule, and the job page charts its runs' durations with the failures
// marked and the success rate said; Upcoming draws a timeline.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {session} from './harness.mjs';

let d, rx, b, page, token;

const s = session({form: false});

before(async () => {
  await s.start();
  ({d, rx, b, page} = s);
  token = s.tokens['form'];
  await page.goto(`${d.origin}/jobs/new`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'New job'}).waitFor();
});

after(() => s.stop());

const api = (action, params) => d.api(token, action, params);
let jobId;

test('a bad curl line says why; a good one fills the request', async () => {
  await page.getByText('Paste a curl command').click();
  const line = page.getByLabel('curl command line');
  await line.fill(`curl -X POST 'https://example.org/x' -d 'a=1' --data-binary @file.json`);
  await page.getByRole('button', {name: 'Fill in from curl'}).click();
  await page.getByText('reads a file, which a job cannot').waitFor();
  assert.equal(await page.getByLabel('URL', {exact: true}).inputValue(), '', 'nothing filled');
  await line.fill(`curl -X PUT \\\n  -H 'X-One: 1' -H "Content-Type: application/json" \\\n` +
    `  --data-raw '{"a": "b c"}' -u 'user:pa:ss' -A "agent/1 \\"q\\"" ${rx.url}/curl`);
  await page.getByRole('button', {name: 'Fill in from curl'}).click();
  await page.getByText(/^Filled in: PUT/).waitFor();
  assert.equal(await page.getByLabel('URL', {exact: true}).inputValue(), `${rx.url}/curl`);
  assert.equal(await page.getByLabel('Method').inputValue(), 'PUT');
  assert.equal(await page.getByLabel('Headers').inputValue(), 'X-One: 1\nContent-Type: application/json');
  assert.equal(await page.getByLabel('Body').inputValue(), '{"a": "b c"}');
  assert.equal(await page.getByLabel('User name').inputValue(), 'user');
  assert.equal(await page.getByLabel('Password').inputValue(), 'pa:ss');
  assert.equal(await page.getByLabel('User-Agent').inputValue(), 'agent/1 "q"');
});

test('a preset fills the schedule and its next runs appear', async () => {
  // yearly: the job is saved with it and must not fire on its own while
  // the tests below count its runs (every_minute, the first, would)
  const presets = await api('cron.presets');
  const yearly = presets.find((p) => p.name === 'yearly');
  assert.ok(yearly, `a yearly preset: ${JSON.stringify(presets.map((p) => p.name))}`);
  await page.getByLabel('Presets').selectOption(yearly.expression);
  assert.equal(await page.getByLabel('Schedule', {exact: true}).inputValue(), yearly.expression);
  await page.locator('.next-runs li').nth(4).waitFor();
  assert.doesNotMatch(await page.locator('.schedule-preview').textContent(), /null|undefined/);
});

test('tasks are added, reordered and removed, and saved in the order shown', async () => {
  await page.getByLabel('Name', {exact: true}).fill('curl and tasks');
  for (const n of [1, 2, 3]) {
    await page.getByRole('button', {name: 'Add a task'}).click();
    await page.getByLabel('Payload').nth(n - 1).fill(`${rx.url}/t${n}`);
  }
  // task 3 up (1, 3, 2), then task 1 out (3, 2), by keyboard for one
  await page.getByRole('button', {name: 'Move up'}).nth(2).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.getByLabel('Payload').nth(1).inputValue(), `${rx.url}/t3`);
  await page.getByRole('button', {name: 'Remove task'}).first().click();
  assert.equal(await page.locator('.task').count(), 2);
  assert.deepEqual(await page.locator('.task-title').allTextContents(), ['Task 1', 'Task 2']);
  assert.equal(await page.getByRole('button', {name: 'Move up'}).first().isDisabled(), true);
  await page.getByRole('button', {name: 'Save'}).click();
  await page.getByRole('heading', {name: 'curl and tasks'}).waitFor();
  jobId = Number(new URL(page.url()).pathname.split('/')[2]);
  const job = await api('cron.get', {id: jobId});
  assert.equal(job.url, `${rx.url}/curl`);
  assert.equal(job.httpMethod, 'PUT');
  assert.match(job.httpHeaders, /X-One: 1/);
  assert.equal(job.postData, '{"a": "b c"}');
  assert.equal(job.username, 'user');
  assert.equal(job.userAgent, 'agent/1 "q"');
  assert.deepEqual(job.tasks.map((t) => t.payload), [`${rx.url}/t3`, `${rx.url}/t2`]);
  // a run calls them so: the URL with the request pasted, then t3, then t2
  await api('cron.run', {id: jobId});
  await rx.waitFor((r) => r.url === '/t2');
  const order = rx.seen.map((r) => r.url).filter((u) => ['/curl', '/t3', '/t2'].includes(u));
  assert.deepEqual(order, ['/curl', '/t3', '/t2']);
  const call = rx.seen.find((r) => r.url === '/curl');
  assert.equal(call.method, 'PUT');
  assert.equal(call.body, '{"a": "b c"}');
  assert.equal(call.headers['x-one'], '1');
  assert.equal(call.headers.authorization, `Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
});

test('the field arrays make the schedule', async () => {
  await page.getByRole('link', {name: 'Edit'}).click();
  await page.getByRole('heading', {name: 'Edit curl and tasks'}).waitFor();
  await page.locator('.task').nth(1).waitFor();
  assert.equal(await page.locator('.task').count(), 2, 'the tasks are in the edit form');
  await page.getByLabel('Give the schedule as fields').check();
  await page.getByLabel('Minutes').fill('0, 30');
  await page.getByLabel('Hours').fill('2');
  await page.getByLabel('Weekdays').fill('1');
  await page.locator('.schedule-preview code', {hasText: '0,30 2 * * 1'}).waitFor();
  // a value out of range: the API's message, under the schedule
  await page.getByLabel('Hours').fill('25');
  await page.getByRole('button', {name: 'Save'}).click();
  await page.locator('.field-error:not([hidden])', {hasText: /25/}).first().waitFor();
  await page.getByLabel('Hours').fill('2');
  await page.getByRole('button', {name: 'Save'}).click();
  // the job's page, once the save is answered: the form's own heading
  // "Edit curl and tasks" would match the name too
  await page.waitForURL(`${d.origin}/jobs/${jobId}`);
  await page.getByRole('heading', {name: 'curl and tasks', exact: true}).waitFor();
  const job = await api('cron.get', {id: jobId});
  assert.equal(job.expression, '0,30 2 * * 1');
  assert.equal(job.tasks.length, 2, 'the tasks stay');
});

// Waits until N runs of the job have their log written. The receiver
// having a run's request does not mean webcrond is done with the run, and
// a job that may not overlap itself refuses Run now until it is.
async function finishedRuns(n) {
  let logs = [];
  for (let i = 0; i < 50 && logs.length < n; i++) {
    logs = (await api('cron.logs', {id: jobId})).filter((l) => l.status !== undefined && l.executionTime !== null);
    if (logs.length < n) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(logs.length >= n, `${n} finished runs: ${JSON.stringify(logs)}`);
}

test('the job page charts its runs with the failures marked and the success rate', async () => {
  // two more runs: one of them against a URL that answers 500
  await api('cron.edit', {id: jobId, tasks: []});
  await finishedRuns(1);
  await api('cron.run', {id: jobId});
  await rx.waitFor((r) => r.url === '/curl' && rx.seen.filter((x) => x.url === '/curl').length >= 2);
  await api('cron.edit', {id: jobId, url: `${rx.url}/fail`});
  await finishedRuns(2);
  await api('cron.run', {id: jobId});
  await rx.waitFor((r) => r.url === '/fail');
  await finishedRuns(3);
  const logs = await api('cron.logs', {id: jobId});
  assert.deepEqual(logs.map((l) => l.trigger), ['manual', 'manual', 'manual'],
    `the three runs made here, and no other: ${JSON.stringify(logs)}`);
  await page.goto(`${d.origin}/jobs/${jobId}`);
  await page.locator('svg.duration-chart').waitFor();
  assert.equal(await page.locator('svg.duration-chart g.run').count(), 3, 'one bar per run');
  assert.equal(await page.locator('svg.duration-chart g.run.failed').count(), 1);
  assert.equal(await page.locator('svg.duration-chart g.run.failed path.cross').count(), 1,
    'a failure is marked by a cross, not by colour alone');
  const caption = await page.locator('figure.chart figcaption').textContent();
  assert.match(caption, /Last 3 runs: success rate 66\.7 % \(1 failed, marked ✕\)/);
  assert.match(await page.locator('svg.duration-chart').getAttribute('aria-label'), /1 failed/);
});

test('Upcoming draws the next 24 hours as a timeline, a tick per run', async () => {
  await api('cron.add', {name: 'hourly tick', url: `${rx.url}/hourly`, expression: '@hourly'});
  const rows = await api('cron.upcoming', {hours: 24, limit: 1000});
  assert.ok(rows.length >= 24, `an hourly job runs 24 times a day: ${rows.length}`);
  await page.getByRole('navigation').getByRole('link', {name: 'Upcoming', exact: true}).click();
  await page.locator('svg.timeline').waitFor();
  assert.equal(await page.locator('svg.timeline line.tick').count(), rows.length);
  assert.equal(await page.locator('main tbody tr').count(), rows.length);
  assert.match(await page.locator('svg.timeline + figcaption').textContent(),
    new RegExp(`The next 24 hours: ${rows.length} runs\\. Busiest hour: \\d\\d:00`));
});

test('no request left the origin and nothing went wrong in the page', () => {
  assert.deepEqual(b.offsite, []);
  // the one 4xx/5xx the page saw is none: the API answers 200 envelopes
  assert.deepEqual(b.errors, []);
});
