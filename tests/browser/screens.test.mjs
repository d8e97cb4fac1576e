// The dashboard's other screens in a real browser against a real webcrond:
// keyboard operation of signing in and the nav, an admin making and
// suspending a user, groups (add, rename inline, move a job, delete),
// pause and enable, a failing run (the receiver answers 500) flagged in
// Failures and in the Jobs table with its HTTP code, the Account screen,
// and the 360 px layout (no sideways scrolling on the main screens).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {session} from './harness.mjs';

let d, rx, b, page, token;

const s = session({root: true});

before(async () => {
  await s.start();
  ({d, rx, b, page} = s);
  token = s.tokens['root'];
});

after(() => s.stop());

const api = (action, params) => d.api(token, action, params);
const nav = (name) => page.getByRole('navigation').getByRole('link', {name, exact: true});

// Tab (or Shift+Tab) until the focused element's text is TEXT.
async function tabTo(text, back = false, n = 25) {
  for (let i = 0; i < n; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const here = await page.evaluate(() => document.activeElement && document.activeElement.textContent.trim());
    if (here === text) return;
  }
  assert.fail(`Tab never reached “${text}”`);
}

test('signing in and the nav work from the keyboard alone', async () => {
  await page.goto(`${d.origin}/`);
  await page.getByRole('button', {name: 'Sign in'}).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), 'token', 'the token field has the focus');
  await page.keyboard.type(token);
  await tabTo('Sign in');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', {name: 'Overview'}).waitFor();
  await tabTo('Jobs');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', {name: 'Jobs'}).waitFor();
  assert.equal(new URL(page.url()).pathname, '/jobs');
  assert.equal(await nav('Jobs').getAttribute('aria-current'), 'page');
  await tabTo('Users', true);	// the focus is on main, after the nav
  await page.keyboard.press('Enter');
  await page.getByRole('heading', {name: 'Users'}).waitFor();
});

test('an admin makes a user, whose token then works, and suspends them', async () => {
  await page.getByLabel('Name', {exact: true}).fill('carol');
  await page.getByLabel('E-mail').fill('carol@example.org');
  await page.getByRole('button', {name: 'Add user'}).click();
  const out = page.locator('.token-out');
  await out.filter({hasText: 'Token of carol'}).waitFor();
  const newToken = (await out.textContent()).split(': ').pop().trim();
  assert.match(newToken, /^\S{32}$/);
  assert.equal((await d.api(newToken, 'account.get')).name, 'carol');
  await page.goto(`${d.origin}/users`);
  await page.getByRole('button', {name: 'Suspend carol'}).click();
  await page.getByRole('button', {name: 'Reactivate carol'}).waitFor();
  const carol = (await api('user.list')).find((u) => u.name === 'carol');
  assert.equal(carol.status, 1);
  assert.equal(await page.getByRole('button', {name: 'Suspend root'}).count(), 0, 'no button to suspend oneself');
});

let jobId;

test('groups: add, rename in place, move a job into it, delete', async () => {
  jobId = (await api('cron.add', {name: 'grouped job', url: `${rx.url}/ok`, expression: '0 4 * * *'})).id;
  await nav('Groups').click();
  await page.getByRole('heading', {name: 'Groups'}).waitFor();
  await page.getByText('No groups yet.').waitFor();
  await page.getByLabel('Name', {exact: true}).fill('nightly');
  await page.getByLabel('Description').fill('runs at night');
  await page.getByRole('button', {name: 'Add group'}).click();
  await page.getByRole('link', {name: 'nightly', exact: true}).waitFor();
  const [g] = await api('group.list');
  assert.equal(g.name, 'nightly');

  // rename: an inline form, no prompt()
  await page.getByRole('button', {name: 'Rename nightly'}).click();
  const to = page.getByLabel('New name for nightly');
  assert.equal(await to.inputValue(), 'nightly');
  await to.fill('backups');
  await page.getByRole('button', {name: 'Save name'}).click();
  await page.getByRole('link', {name: 'backups', exact: true}).waitFor();
  assert.equal((await api('group.list'))[0].name, 'backups');
  assert.ok(!b.dialogs.some((t) => t.startsWith('prompt')), 'no prompt()');

  // move the job into it through the job form
  await page.goto(`${d.origin}/jobs/${jobId}/edit`);
  await page.getByRole('heading', {name: /^Edit/}).waitFor();
  await page.getByLabel('Group', {exact: true}).selectOption({label: 'backups'});
  await page.getByRole('button', {name: 'Save'}).click();
  // the job's page, once the save is answered (not the form's own heading)
  await page.waitForURL(`${d.origin}/jobs/${jobId}`);
  await page.getByRole('heading', {name: 'grouped job'}).waitFor();
  assert.equal((await api('cron.get', {id: jobId})).group, g.id);
  await page.goto(`${d.origin}/jobs?group=${g.id}`);
  await page.getByRole('link', {name: 'grouped job'}).waitFor();
  await page.goto(`${d.origin}/groups`);
  await page.getByRole('cell', {name: '1', exact: true}).waitFor();

  await page.getByRole('button', {name: 'Delete backups'}).click();
  await page.getByText('No groups yet.').waitFor();
  assert.ok(b.dialogs.some((t) => t.startsWith('confirm: Delete the group “backups”')));
  assert.deepEqual(await api('group.list'), []);
  assert.equal((await api('cron.get', {id: jobId})).group, null, 'its job stays, ungrouped');
});

test('pause and resume, disable and enable, the switch in the jobs table', async () => {
  await page.goto(`${d.origin}/jobs/${jobId}`);
  await page.getByRole('heading', {name: 'grouped job'}).waitFor();
  await page.getByLabel('Pause for').selectOption({label: '1 day'});
  await page.getByRole('button', {name: 'Pause', exact: true}).click();
  await page.getByRole('button', {name: 'Resume'}).waitFor();
  await page.getByText('Paused until').waitFor();
  const paused = (await api('cron.get', {id: jobId})).pausedUntil;
  const now = Date.now() / 1000;
  assert.ok(paused > now + 86000 && paused < now + 86500, `paused for a day: ${paused - now}`);
  await page.getByRole('button', {name: 'Resume'}).click();
  await page.getByRole('button', {name: 'Pause', exact: true}).waitFor();
  assert.equal((await api('cron.get', {id: jobId})).pausedUntil, null);

  await page.getByRole('button', {name: 'Disable'}).click();
  await page.getByRole('button', {name: 'Enable'}).waitFor();
  assert.equal((await api('cron.get', {id: jobId})).status, 1);
  await page.getByRole('button', {name: 'Enable'}).click();
  await page.getByRole('button', {name: 'Disable'}).waitFor();
  assert.equal((await api('cron.get', {id: jobId})).status, 0);

  await nav('Jobs').click();
  const sw = page.getByRole('switch', {name: 'Enabled: grouped job'});
  assert.equal(await sw.isChecked(), true);
  await sw.uncheck();
  for (let i = 0; i < 50 && (await api('cron.get', {id: jobId})).status !== 1; i++) await page.waitForTimeout(100);
  assert.equal((await api('cron.get', {id: jobId})).status, 1);
  await sw.check();
  for (let i = 0; i < 50 && (await api('cron.get', {id: jobId})).status !== 0; i++) await page.waitForTimeout(100);
  assert.equal((await api('cron.get', {id: jobId})).status, 0);
});

test('a failing run (HTTP 500) is flagged in Failures, the Jobs table and the overview', async () => {
  const bad = await api('cron.add', {name: 'failing hook', url: `${rx.url}/fail/hook`, expression: '@manual'});
  await page.goto(`${d.origin}/jobs/${bad.id}`);
  await page.getByRole('button', {name: 'Run now'}).click();
  await rx.waitFor((r) => r.url === '/fail/hook');
  for (let i = 0; i < 100 && (await api('cron.get', {id: bad.id})).lastStatus === null; i++) await page.waitForTimeout(100);
  const job = await api('cron.get', {id: bad.id});
  assert.equal(job.lastStatus, 1);
  assert.equal(job.lastHttpStatus, 500);

  await nav('Failures').click();
  await page.getByRole('heading', {name: 'Failures'}).waitFor();
  const row = page.locator('main tbody tr', {hasText: 'failing hook'});
  await row.waitFor();
  assert.match(await row.textContent(), /500/);
  assert.match(await row.textContent(), /HTTP error/, 'in words, not colour alone');

  await nav('Jobs').click();
  const jobRow = page.locator('main tbody tr', {hasText: 'failing hook'});
  await jobRow.waitFor();
  const badge = jobRow.locator('.badge');
  assert.equal((await badge.textContent()).trim(), '500 HTTP error');
  assert.match(await badge.getAttribute('class'), /\bbad\b/);
  const okRow = page.locator('main tbody tr', {hasText: 'grouped job'});
  assert.match(await okRow.locator('.badge').textContent(), /Never run/);

  await nav('Overview').click();
  await page.getByRole('heading', {name: 'Recent failures'}).waitFor();
  const failing = page.locator('.stat', {hasText: 'Failing'});
  assert.equal((await failing.locator('.stat-value').textContent()).trim(), '1');
});

test('the Account screen shows usage and limits and saves the time zone', async () => {
  await nav('Account').click();
  await page.getByRole('heading', {name: 'Account', exact: true}).waitFor();
  const settings = page.locator('dl.settings');
  assert.match(await settings.textContent(), /Nameroot/);
  assert.match(await settings.textContent(), /Jobs2 of 100/);
  await page.getByLabel('Time zone', {exact: true}).fill('Mars/Olympus');
  await page.getByRole('button', {name: 'Save zone'}).click();
  await page.locator('.field-error:not([hidden])').waitFor();
  assert.equal(await page.getByLabel('Time zone', {exact: true}).getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Time zone', {exact: true}).fill('Europe/Berlin');
  await page.getByRole('button', {name: 'Save zone'}).click();
  await page.getByText('Time zone saved.').waitFor();
  assert.equal((await api('account.get')).timezone, 'Europe/Berlin');
});

test('at 360 px no main screen scrolls sideways', async () => {
  await page.setViewportSize({width: 360, height: 740});
  const wait = {'/overview': '.stats', '/jobs': 'main tbody tr', [`/jobs/${jobId}`]: '.history',
    '/jobs/new': 'form.job-form', '/failures': 'main tbody tr', '/upcoming': 'h1', '/groups': 'form.inline-form',
    '/account': 'dl.settings', '/users': 'main tbody tr'};
  for (const [path, sel] of Object.entries(wait)) {
    await page.goto(`${d.origin}${path}`);
    await page.locator(sel).first().waitFor();
    await page.waitForLoadState('networkidle');
    const [scroll, client] = await page.evaluate(() =>
      [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `${path}: ${scroll} px wide in a ${client} px window`);
  }
  // the jobs table's cells say which column they are (rows become cards)
  await page.goto(`${d.origin}/jobs`);
  const cell = page.locator('main tbody tr').first().locator('td').nth(4);
  assert.equal(await cell.getAttribute('data-label'), 'Last result');
  await page.setViewportSize({width: 1280, height: 800});
});

test('no request left the origin and nothing went wrong in the page', () => {
  assert.deepEqual(b.offsite, []);
  assert.deepEqual(b.errors, []);
});
