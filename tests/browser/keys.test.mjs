// API keys and the history of changes in a real browser against a real
// webcrond: a key limited to `run` made on the Account screen (its token
// shown once), checked through the API (it runs a job, cron.add is code
// 13), edited, revoked (refused at once); a job renamed in the form shows
// old and new name and who did it in its Changes; an admin reads an
// account's history on the Users screen, filtered; 360 px.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {session} from './harness.mjs';

let d, rx, b, page, token, daveToken, jobId, keyToken;

const s = session({root: true, dave: false});

before(async () => {
  await s.start();
  ({d, rx, b, page} = s);
  token = s.tokens['root'];
  daveToken = s.tokens['dave'];
  jobId = (await d.api(token, 'cron.add', {name: 'first name', url: `${rx.url}/ping`, expression: '@hourly'})).id;
});

after(() => s.stop());

// an API call that may fail: the whole envelope
async function raw(tok, action, params = {}) {
  const res = await fetch(`${d.origin}/api/${action}`, {method: 'POST',
    headers: {'Authorization': `Bearer ${tok}`, 'Content-Type': 'application/json'}, body: JSON.stringify(params)});
  return res.json();
}

const keys = page_ => page_.locator('section.keys');

test('a key limited to run is made on the Account screen; its token is shown once', async () => {
  await page.goto(`${d.origin}/signin`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'Overview'}).waitFor();
  await page.goto(`${d.origin}/account`);
  const k = keys(page);
  await k.getByRole('heading', {name: 'API keys'}).waitFor();
  await k.getByText('No keys yet.').waitFor();
  assert.equal(await k.getByLabel('Admin', {exact: true}).count(), 1, 'an admin is offered the admin scope');
  await k.getByLabel('Name', {exact: true}).fill('runner');
  await k.getByLabel('Run', {exact: true}).check();
  await k.getByRole('button', {name: 'Make key'}).click();
  const panel = k.locator('.new-token');
  await panel.waitFor();
  assert.match(await panel.textContent(), /will not be shown again/);
  keyToken = (await panel.locator('.token-value').textContent()).trim();
  assert.match(keyToken, /^\S{32}$/);
  await panel.getByRole('button', {name: 'Copy'}).click();
  await panel.getByText(/Copied\.|Selected/).waitFor();
  const row = k.locator('tbody tr', {hasText: 'runner'});
  await row.waitFor();
  assert.equal(await row.locator('td[data-label="Scopes"]').textContent(), 'run');
  assert.equal(await row.locator('td[data-label="Group"]').textContent(), 'Every group');

  // through the API, from the test: the key runs a job, and may not add one
  const run = await raw(keyToken, 'cron.run', {id: jobId});
  assert.equal(run.code, 0, JSON.stringify(run));
  await rx.waitFor((r) => r.url === '/ping');
  const add = await raw(keyToken, 'cron.add', {name: 'x', url: `${rx.url}/x`, expression: '@hourly'});
  assert.equal(add.code, 13, JSON.stringify(add));

  // shown once: a reload does not show it again, the list shows its last use
  await page.reload();
  await keys(page).locator('tbody tr', {hasText: 'runner'}).waitFor();
  assert.equal(await page.locator('.new-token').count(), 0);
  assert.ok(!(await page.content()).includes(keyToken), 'the token is gone after a reload');
  assert.match(await keys(page).locator('tbody tr', {hasText: 'runner'}).locator('td[data-label="Last used"]').textContent(),
    /from 127\.0\.0\.1/);
});

test('a key is edited (scopes, allow-list) and revoked, refused at once', async () => {
  const k = keys(page);
  await k.getByRole('button', {name: 'Edit runner'}).click();
  const form = k.locator('form', {has: page.getByRole('heading', {name: 'Edit the key “runner”'})});
  await form.getByLabel('Read', {exact: true}).check();
  await form.getByLabel('Allowed addresses').fill('127.0.0.1, 192.0.2.0/24');
  await form.getByRole('button', {name: 'Save key'}).click();
  await page.getByText('Saved the key “runner”.').waitFor();
  const [key] = await d.api(token, 'account.keys');
  assert.deepEqual(key.scopes.sort(), ['read', 'run']);
  assert.deepEqual(key.allow, ['127.0.0.1', '192.0.2.0/24']);
  assert.equal((await raw(keyToken, 'cron.get', {id: jobId})).code, 0, 'the new scope applies at once');

  await k.getByRole('button', {name: 'Revoke runner'}).click();
  await page.getByText('Revoked the key “runner”.').waitFor();
  assert.ok(b.dialogs.some((m) => /Revoke the key “runner”/.test(m)), 'it asked first');
  await k.getByText('No keys yet.').waitFor();
  const refused = await raw(keyToken, 'cron.run', {id: jobId});
  assert.equal(refused.code, 11, JSON.stringify(refused));
});

test('a job renamed in the form shows old and new name and who in its Changes', async () => {
  await page.goto(`${d.origin}/jobs/${jobId}/edit`);
  await page.getByLabel('Name', {exact: true}).fill('second name');
  await page.getByRole('button', {name: 'Save'}).click();
  await page.getByRole('heading', {name: 'second name'}).waitFor();
  const changes = page.locator('section.changes-section');
  const row = changes.locator('tbody tr', {hasText: 'cron.edit'}).first();
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /name: first name → second name/);
  assert.match(text, /root/);
  assert.match(text, /with token/);
  assert.match(await row.locator('td[data-label="From"]').textContent(), /127\.0\.0\.1/);
  await changes.locator('tbody tr', {hasText: 'cron.add'}).waitFor();
});

test('an admin reads an account\'s history on the Users screen, filtered', async () => {
  const dave = (await d.api(token, 'user.list')).find((u) => u.name === 'dave');
  await page.goto(`${d.origin}/users`);
  await page.getByRole('link', {name: 'History of root'}).click();
  await page.getByRole('heading', {name: 'History of root'}).waitFor();
  const rows = page.locator('table.events tbody tr');
  await rows.first().waitFor();
  // newest first: the rename, then the revoke, the edit and the make of the key
  assert.match(await rows.first().textContent(), /cron\.edit/);
  assert.ok(await page.locator('table.events', {hasText: 'account.keyDelete'}).count());
  await page.getByLabel('Object', {exact: true}).selectOption('job');
  await page.getByLabel('Action').fill('cron.add');
  await page.getByRole('button', {name: 'Filter'}).click();
  // the list is emptied while the filtered page loads: wait for its rows,
  // not for an empty table (every row of none is cron.add)
  await page.waitForFunction(() => {
    const trs = [...document.querySelectorAll('table.events tbody tr')];
    return trs.length > 0 && trs.every((tr) => tr.textContent.includes('cron.add'));
  });
  assert.equal(await rows.count(), 1);
  assert.match(new URL(page.url()).search, /action=cron\.add/);
  // another account's history (asUser): made by webcronctl
  await page.goto(`${d.origin}/users/${dave.id}/history`);
  await page.getByRole('heading', {name: 'History of dave'}).waitFor();
  await rows.first().waitFor();
  assert.match(await rows.first().textContent(), /webcronctl/);
  assert.match(await rows.first().textContent(), /user\.add/);
});

test('at 360 px the Account screen with keys and the history do not scroll sideways', async () => {
  await d.api(token, 'account.keyAdd', {name: 'a rather long name for a key', scopes: ['read', 'write', 'run'],
    allow: ['2001:db8:1234:5678::/64', '192.0.2.0/24'], expiresAt: Math.floor(Date.now() / 1000) + 86400});
  await page.setViewportSize({width: 360, height: 740});
  for (const [path, sel] of [['/account', 'section.keys tbody tr'], [`/jobs/${jobId}`, 'table.events tbody tr'],
    ['/users/1/history', 'table.events tbody tr']]) {
    await page.goto(`${d.origin}${path}`);
    await page.locator(sel).first().waitFor();
    await page.waitForLoadState('networkidle');
    const [scroll, client] = await page.evaluate(() =>
      [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `${path}: ${scroll} px wide in a ${client} px window`);
  }
  await page.setViewportSize({width: 1280, height: 800});
});

test('a user who is not an admin is not offered the admin scope', async () => {
  await page.getByRole('button', {name: 'Sign out'}).click();
  await page.getByLabel('Token').fill(daveToken);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'Overview'}).waitFor();
  await page.goto(`${d.origin}/account`);
  await keys(page).getByLabel('Run', {exact: true}).waitFor();
  assert.equal(await keys(page).getByLabel('Admin', {exact: true}).count(), 0);
  await page.goto(`${d.origin}/users/1/history`);
  await page.getByText('Only administrators read other accounts').waitFor();
});

test('no request left the origin and nothing went wrong in the page', () => {
  assert.deepEqual(b.offsite, []);
  assert.deepEqual(b.errors, []);
});
