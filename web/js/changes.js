// changes.js: the history of changes (Events of cron.history and
// account.history): who, when, from where, the action and each field's
// old -> new value; secrets only as "changed".
import {h, field} from './dom.js';
import * as api from './api.js';
import {timeEl} from './time.js';
import {showError} from './ui.js';

export const CHANGES_HEADS = ['When', 'Who', 'From', 'Action', 'Object', 'Changes'];

const show = (v) => v === null || v === undefined ? '—' : v === '' ? '(empty)'
  : typeof v === 'string' ? v : JSON.stringify(v);

// who made the change: the account (or the admin acting for it), with which
// key; or webcronctl with the local user
function who(e, names) {
  if (e.actor === 'webcronctl') return `webcronctl${e.user ? ` (${e.user})` : ''}`;
  const by = e.by === null || e.by === undefined ? 'unknown' : names[e.by] || `account ${e.by}`;
  const key = e.key && e.key !== 'token' ? `key “${e.key}”` : 'token';
  return h('span', {}, by, h('span', {class: 'trigger'}, `with ${key}${e.by !== e.account ? ' (as administrator)' : ''}`));
}

// each field as old → new; a new object's fields as their value, a deleted
// one's as what they were
function changeList(e) {
  const list = e.changes || [];
  if (!list.length) return h('span', {class: 'muted'}, 'no field changes');
  const values = list.filter((c) => !c.changed);
  const made = values.length && values.every((c) => c.old === null);
  const gone = values.length && values.every((c) => c.new === null);
  return h('ul', {class: 'changes'}, list.map((c) => h('li', {},
    h('span', {class: 'field-name'}, c.field), ': ',
    c.changed ? h('em', {}, 'changed')
      : made ? h('span', {class: 'new'}, show(c.new))
        : gone ? h('span', {class: 'old'}, show(c.old))
          : [h('span', {class: 'old'}, show(c.old)), ' → ', h('span', {class: 'new'}, show(c.new))])));
}

function objectText(e) {
  return e.object ? `${e.object}${e.objectId !== null && e.objectId !== undefined ? ' ' + e.objectId : ''}` : '—';
}

// A list of events in SECTION, read by LOAD(before) (newest first, PAGE at
// a time), with an `Older changes` button. NAMES: account id -> name.
// Returns {reload}.
export function eventList(section, load, names, pageSize, heads = CHANGES_HEADS) {
  const body = h('div', {});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, 'Older changes');
  section.append(body, more);
  let before = null;
  let tbody = null;
  const add = (events) => {
    for (const e of events) {
      const cells = {When: timeEl(e.time), Who: who(e, names), From: e.client || '—', Action: e.action,
        Object: objectText(e), Changes: changeList(e)};
      tbody.appendChild(h('tr', {}, heads.map((k) => h('td', {'data-label': k}, cells[k]))));
    }
  };
  const page = async () => {
    const events = await load(before);
    if (events.length) before = events[events.length - 1].id;
    add(events);
    more.hidden = events.length < pageSize;
    return events;
  };
  more.addEventListener('click', () => page().catch(showError));
  const reload = async () => {
    before = null;
    tbody = h('tbody', {});
    body.replaceChildren(h('div', {class: 'table-wrap'}, h('table', {class: 'events'},
      h('thead', {}, h('tr', {}, heads.map((t) => h('th', {scope: 'col'}, t)))), tbody)));
    const events = await page();
    if (!events.length) body.replaceChildren(h('p', {}, 'No changes recorded.'));
  };
  return {reload};
}

// The job page's Changes section (cron.history).
export function jobChanges(section, j, me) {
  const names = me ? {[me.id]: me.name || `account ${me.id}`} : {};
  const size = 20;
  return eventList(section, (before) => api.call('cron.history', {id: j.id, limit: size, ...(before ? {before} : {})}),
    names, size, ['When', 'Who', 'From', 'Action', 'Changes']);
}

// /users/ID/history: an admin reads an account's history, filtered by
// object and action (account.history with asUser).
export async function accountHistory(main, id, ctx) {
  const me = await ctx.account();
  if (!ctx.isCurrent()) return;
  const title = h('h1', {}, 'History');
  main.appendChild(title);
  if (!me || !me.admin) {
    main.appendChild(h('p', {}, 'Only administrators read other accounts\' history.'));
    return;
  }
  const users = await api.all('user.list', {});
  if (!ctx.isCurrent()) return;
  const names = Object.fromEntries(users.map((u) => [u.id, u.name || `account ${u.id}`]));
  const who_ = names[id] || `account ${id}`;
  title.textContent = `History of ${who_}`;
  document.title = `History of ${who_} · webcron`;
  const q = new URLSearchParams(location.search);
  const object = field({label: 'Object', name: 'object', value: q.get('object') || '',
    options: [['', 'Any object'], ['job', 'Jobs'], ['group', 'Groups'], ['account', 'The account']]});
  const action = field({label: 'Action', name: 'action', value: q.get('action') || '',
    placeholder: 'cron.edit, or cron', hint: 'An action (cron.edit) or a target (cron, group, account).'});
  const objectId = field({label: 'Object id', name: 'objectId', type: 'number', min: 1, value: q.get('objectId') || ''});
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Filter the history'},
    object.row, objectId.row, action.row, h('button', {type: 'submit', class: 'secondary'}, 'Filter'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    if (object.input.value) p.set('object', object.input.value);
    if (objectId.input.value) p.set('objectId', objectId.input.value);
    if (action.input.value.trim()) p.set('action', action.input.value.trim());
    const path = `/users/${id}/history${p.toString() ? '?' + p : ''}`;
    history.replaceState(null, '', path);
    list.reload().catch(showError);
  });
  main.append(h('p', {}, h('a', {href: '/users', 'data-link': ''}, 'Back to the users')), form);
  const section = h('section', {'aria-label': 'Changes'});
  main.appendChild(section);
  const size = 50;
  const list = eventList(section, (before) => {
    const params = {limit: size};
    if (id !== me.id) params.asUser = id;
    if (before) params.before = before;
    if (object.input.value) params.object = object.input.value;
    if (objectId.input.value) params.objectId = Number(objectId.input.value);
    if (action.input.value.trim()) params.action = action.input.value.trim();
    return api.call('account.history', params);
  }, names, size);
  await list.reload();
}
