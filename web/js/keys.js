// keys.js: the account's API keys on the Account screen (account.keys,
// keyAdd, keyEdit, keyDelete): a list, a form to make one (its token shown
// once, with Copy), editing in a form below the list, and revoking.
import {h, field, showFieldError, nextId} from './dom.js';
import * as api from './api.js';
import {timeEl} from './time.js';
import {showError, notice} from './ui.js';
import {table} from './views.js';

const SCOPES = [['read', 'Read'], ['write', 'Write'], ['run', 'Run'], ['admin', 'Admin']];

// "2026-12-03T10:00" (datetime-local, the viewer's zone) <-> Unix seconds
function toLocalInput(unix) {
  if (!unix) return '';
  const d = new Date(unix * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
function fromLocalInput(text) {
  if (!text) return 0;
  const t = new Date(text).getTime();
  return Number.isFinite(t) ? Math.floor(t / 1000) : NaN;
}

// The fields a key has: scopes as checkboxes (admin only for admins), the
// group, the allow-list and the expiry. With KEY: its values.
function keyFields(account, groups, key) {
  const legendId = nextId('scopes');
  const boxes = {};
  const scopeSet = h('fieldset', {class: 'scopes', 'aria-describedby': `${legendId}-hint ${legendId}-err`},
    h('legend', {}, 'Scopes'),
    SCOPES.filter(([s]) => s !== 'admin' || account.admin || (key && key.scopes.includes('admin'))).map(([s, t]) => {
      const f = field({label: t, name: `scope-${s}`, type: 'checkbox', value: key ? key.scopes.includes(s) : false});
      boxes[s] = f.input;
      return f.row;
    }),
    h('p', {class: 'hint', id: `${legendId}-hint`},
      'Read: every action that reads. Write: change jobs, tasks, groups and the account. Run: Run now (cron.run).'
      + (account.admin ? ' Admin: the users and asUser.' : '')),
    h('p', {class: 'field-error', id: `${legendId}-err`, hidden: true}));
  const scopes = {row: scopeSet, input: Object.values(boxes)[0], error: scopeSet.querySelector('.field-error')};
  const group = field({label: 'Group', name: 'group', value: key && key.group ? key.group : '',
    options: [['', 'Every group'], ...groups.map((g) => [g.id, g.name])],
    hint: 'A key limited to a group acts on that group\'s jobs alone.'});
  const allow = field({label: 'Allowed addresses', name: 'allow', value: key ? key.allow.join(', ') : '',
    placeholder: '192.0.2.0/24, 2001:db8::1',
    hint: 'Addresses and CIDR ranges, separated by commas; empty: any address.'});
  const expires = field({label: 'Expires', name: 'expiresAt', type: 'datetime-local',
    value: key ? toLocalInput(key.expiresAt) : '', hint: 'In your time zone; empty: never.'});
  const values = () => ({
    scopes: Object.entries(boxes).filter(([, b]) => b.checked).map(([s]) => s),
    group: group.input.value ? Number(group.input.value) : 0,
    allow: allow.input.value.split(',').map((s) => s.trim()).filter(Boolean),
    expiresAt: fromLocalInput(expires.input.value),
  });
  const all = {scopes, group, allow, expiresAt: expires};
  const showApiError = (e, fallback) => {
    const f = all[e.field] || fallback;
    showFieldError(f, e.message);
    if (f === scopes) scopes.error.hidden = false;
    (f.input || scopes.input).focus();
  };
  const clearErrors = () => Object.values(all).forEach((f) => showFieldError(f, ''));
  return {rows: [scopeSet, group.row, allow.row, expires.row], values, all, showApiError, clearErrors};
}

// Copies TEXT; where the clipboard is not available (no secure context,
// permission refused) selects the text in EL for the user to copy.
async function copy(text, el, status) {
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch (e) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    status.textContent = 'Selected: press Ctrl+C (or ⌘C) to copy.';
  }
}

function tokenPanel(key, token, onDone) {
  const code = h('code', {class: 'token-value'}, token);
  const status = h('span', {class: 'copy-status', role: 'status'});
  const panel = h('div', {class: 'new-token', role: 'region', 'aria-label': `Token of the key ${key.name}`, tabindex: '-1'},
    h('p', {class: 'warning'}, h('strong', {}, `The token of “${key.name}”. `),
      'Copy it now: it will not be shown again. Only a digest of it is kept.'),
    h('p', {class: 'token-out'}, code),
    h('div', {class: 'actions'},
      h('button', {type: 'button', onclick: () => copy(token, code, status)}, 'Copy'),
      h('button', {type: 'button', class: 'secondary', onclick: () => { panel.remove(); onDone(); }}, 'Done'),
      status));
  return panel;
}

export async function keysSection(main, a, ctx) {
  const section = h('section', {class: 'keys', 'aria-labelledby': 'keys-h'}, h('h2', {id: 'keys-h'}, 'API keys'),
    h('p', {}, 'Named tokens with fewer rights than the account\'s token: for a CI job that only runs jobs, a script on one host, a reader.'));
  main.appendChild(section);
  let keys, groups;
  try {
    [keys, groups] = await Promise.all([api.call('account.keys'), api.call('group.list')]);
  } catch (e) {
    if (e.code !== 13) throw e;
    section.appendChild(h('p', {}, 'Keys are managed when signed in with the account\'s token, not with a key.'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const groupName = Object.fromEntries(groups.map((g) => [g.id, g.name]));
  const listBox = h('div', {});
  const editBox = h('div', {});
  const tokenBox = h('div', {});

  const reload = async () => {
    keys = await api.call('account.keys');
    draw();
  };
  const draw = () => {
    editBox.replaceChildren();
    listBox.replaceChildren(keys.length ? table(
      ['Name', 'Scopes', 'Group', 'Allowed addresses', 'Expires', 'Last used', ''],
      keys.map((k) => [
        k.name, k.scopes.join(', '),
        k.group ? (groupName[k.group] || `Group ${k.group}`) : 'Every group',
        k.allow.length ? k.allow.join(', ') : 'Any',
        k.expiresAt ? timeEl(k.expiresAt) : 'Never',
        k.lastUsedAt ? h('span', {}, timeEl(k.lastUsedAt),
          k.lastUsedFrom ? h('span', {class: 'trigger'}, `from ${k.lastUsedFrom}`) : null) : 'Never',
        h('span', {class: 'actions'},
          h('button', {type: 'button', class: 'secondary', 'aria-label': `Edit ${k.name}`, onclick: () => editForm(k)}, 'Edit'),
          h('button', {type: 'button', class: 'danger', 'aria-label': `Revoke ${k.name}`, onclick: () => revoke(k)}, 'Revoke')),
      ]), 'The account\'s keys') : h('p', {}, 'No keys yet.'));
  };
  const revoke = async (k) => {
    if (!confirm(`Revoke the key “${k.name}”? Its token stops working at once.`)) return;
    try {
      await api.call('account.keyDelete', {id: k.id});
      notice(`Revoked the key “${k.name}”.`);
      await reload();
    } catch (e) { showError(e); }
  };
  const editForm = (k) => {
    const f = keyFields(a, groups, k);
    const cancel = () => { editBox.replaceChildren(); };
    const form = h('form', {class: 'inline-form key-form', novalidate: true},
      h('h3', {}, `Edit the key “${k.name}”`), f.rows,
      h('div', {class: 'form-actions'}, h('button', {type: 'submit'}, 'Save key'),
        h('button', {type: 'button', class: 'secondary', onclick: cancel}, 'Cancel')));
    form.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') cancel(); });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      f.clearErrors();
      const v = f.values();
      if (Number.isNaN(v.expiresAt)) { showFieldError(f.all.expiresAt, 'Not a date and time.'); return; }
      if (!v.scopes.length) { f.showApiError({message: 'Tick at least one scope.'}, f.all.scopes); return; }
      try {
        await api.call('account.keyEdit', {id: k.id, ...v});
        notice(`Saved the key “${k.name}”.`);
        await reload();
      } catch (e) { f.showApiError(e, f.all.scopes); }
    });
    editBox.replaceChildren(form);
    f.all.scopes.input.focus();
  };

  const name = field({label: 'Name', name: 'name', hint: 'What the key is for, e.g. “ci”.'});
  const f = keyFields(a, groups, null);
  const add = h('form', {class: 'inline-form key-form', novalidate: true}, h('h3', {}, 'Make a key'),
    name.row, f.rows, h('button', {type: 'submit'}, 'Make key'));
  add.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showFieldError(name, '');
    f.clearErrors();
    const v = f.values();
    if (!name.input.value.trim()) { showFieldError(name, 'Give the key a name.'); name.input.focus(); return; }
    if (Number.isNaN(v.expiresAt)) { showFieldError(f.all.expiresAt, 'Not a date and time.'); return; }
    if (!v.scopes.length) { f.showApiError({message: 'Tick at least one scope.'}, f.all.scopes); return; }
    try {
      const r = await api.call('account.keyAdd', {name: name.input.value.trim(), ...v});
      add.reset();
      const panel = tokenPanel(r.key, r.token, () => name.input.focus());
      tokenBox.replaceChildren(panel);
      await reload();
      panel.focus();
    } catch (e) {
      if (e.field === 'name') { showFieldError(name, e.message); name.input.focus(); } else f.showApiError(e, f.all.scopes);
    }
  });
  section.append(listBox, editBox, tokenBox, add);
  draw();
}
