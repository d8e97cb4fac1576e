// views.js: the screens other than a job's own (jobpage.js, jobform.js).
import {h, clear, field, showFieldError} from './dom.js';
import * as api from './api.js';
import {timeEl, duration, relative} from './time.js';
import {link, navigate, showError, notice, logBadge, jobBadge, pageTitle, loading,
  scheduleWords, JOB_STATUS} from './ui.js';
import {keysSection} from './keys.js';
import {upcomingTimeline} from './chart.js';

export function signIn(main, m, ctx) {
  const tok = field({label: 'Token', name: 'token', type: 'password', autocomplete: 'current-password',
    hint: 'The 32-character API token your operator gave you (webcronctl user add).'});
  const remember = field({label: 'Remember me', name: 'remember', type: 'checkbox',
    hint: 'Keep the token in this browser after the tab is closed.'});
  const button = h('button', {type: 'submit'}, 'Sign in');
  const form = h('form', {class: 'signin', novalidate: true}, pageTitle('Sign in'), tok.row, remember.row, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showFieldError(tok, '');
    const value = tok.input.value.trim();
    if (!value) {
      showFieldError(tok, 'Enter your token.');
      tok.input.focus();
      return;
    }
    button.disabled = true;
    try {
      const account = await api.call('account.get', {}, value);
      api.setToken(value, remember.input.checked);
      await ctx.signedIn(account);
    } catch (e) {
      showFieldError(tok, e.code === 11 || e.code === 10 ? 'Wrong token: no account has this token.'
        : e.code === 12 ? 'This account is suspended.' : e.message);
      tok.input.focus();
    } finally {
      button.disabled = false;
    }
  });
  main.appendChild(form);
  tok.input.focus();
}

function stat(label, value, path) {
  return h('div', {class: 'stat'}, h('span', {class: 'stat-value'}, String(value)),
    path ? link(path, label) : h('span', {}, label));
}

export async function overview(main, m, ctx) {
  main.appendChild(pageTitle('Overview'));
  const body = main.appendChild(loading());
  const [jobs, upcoming, failures] = await Promise.all([
    api.all('cron.list', {}), api.call('cron.upcoming', {hours: 24, limit: 20}),
    api.call('cron.failures', {limit: 5})]);
  if (!ctx.isCurrent()) return;
  const count = (f) => jobs.filter(f).length;
  body.replaceWith(h('section', {class: 'stats', 'aria-label': 'Counts'},
    stat('Active', count((j) => j.status === 0), '/jobs?status=0'),
    stat('Disabled', count((j) => j.status === 1), '/jobs?status=1'),
    stat('Failing', count((j) => j.status === 4 || j.fail > 0), '/failures'),
    stat('Expired', count((j) => j.status === 2), '/jobs?status=2'),
    stat('Running now', count((j) => j.isProcessing))));
  const zone = Object.fromEntries(jobs.map((j) => [j.id, j.timezone]));
  const last = jobs.filter((j) => j.lastRun).sort((a, b) => b.lastRun - a.lastRun).slice(0, 10);
  main.appendChild(h('section', {}, h('h2', {}, 'Last runs'),
    last.length ? table(['Job', 'When', 'Duration', 'Result'], last.map((j) => [
      link(`/jobs/${j.id}`, j.name || `Job ${j.id}`), timeEl(j.lastRun, j.timezone),
      duration(j.lastDuration), logBadge(j.lastStatus, j.lastHttpStatus)])) : h('p', {}, 'No job has run yet.')));
  main.appendChild(h('section', {}, h('h2', {}, 'Next 24 hours'),
    upcoming.length ? table(['Job', 'When', ''], upcoming.map((u) => [
      link(`/jobs/${u.id}`, u.name || `Job ${u.id}`), timeEl(u.time, zone[u.id]), relative(u.time)]))
      : h('p', {}, 'Nothing is due in the next 24 hours.')));
  main.appendChild(h('section', {}, h('h2', {}, 'Recent failures'),
    failures.length ? failureTable(failures, zone, jobs) : h('p', {}, 'No failures.')));
}

export function table(heads, rows, caption) {
  return h('div', {class: 'table-wrap'}, h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, heads.map((t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => h('td', {'data-label': heads[i] || null}, c)))))));
}

function failureTable(logs, zone, jobs) {
  const names = Object.fromEntries((jobs || []).map((j) => [j.id, j.name]));
  return table(['Job', 'When', 'Result', 'Error'], logs.map((l) => [
    link(`/jobs/${l.jobId}`, names[l.jobId] || `Job ${l.jobId}`), timeEl(l.time, zone[l.jobId]),
    logBadge(l.status, l.httpStatus), l.error || '']));
}

const PAGE = 50;

export async function jobs(main, m, ctx) {
  const q = new URLSearchParams(location.search);
  const page = Math.max(1, Number(q.get('page')) || 1);
  main.appendChild(h('div', {class: 'title-row'}, pageTitle('Jobs'),
    h('a', {href: '/jobs/new', 'data-link': '', class: 'button'}, 'New job')));
  const params = {page, limit: PAGE};
  for (const k of ['keyword', 'group', 'status']) if (q.get(k) !== null && q.get(k) !== '') params[k] = q.get(k);
  // one request for the page's jobs, at the same time as the groups
  const [groups, rows] = await Promise.all([api.call('group.list'), api.call('cron.list', params)]);
  if (!ctx.isCurrent()) return;
  const search = field({label: 'Search', name: 'keyword', type: 'search', value: q.get('keyword') || '',
    placeholder: 'name, URL or id'});
  const group = field({label: 'Group', name: 'group', value: q.get('group') || '',
    options: [['', 'All groups'], ...groups.map((g) => [g.id, g.name])]});
  const status = field({label: 'Status', name: 'status', value: q.get('status') ?? '',
    options: [['', 'Any status'], ...JOB_STATUS.map((t, i) => [i, t])]});
  const form = h('form', {class: 'filters', role: 'search'}, search.row, group.row, status.row,
    h('button', {type: 'submit', class: 'secondary'}, 'Filter'));
  const apply = (ev) => {
    if (ev) ev.preventDefault();
    const p = new URLSearchParams();
    if (search.input.value.trim()) p.set('keyword', search.input.value.trim());
    if (group.input.value) p.set('group', group.input.value);
    if (status.input.value !== '') p.set('status', status.input.value);
    navigate(`/jobs${p.toString() ? '?' + p : ''}`);
  };
  form.addEventListener('submit', apply);
  group.input.addEventListener('change', apply);
  status.input.addEventListener('change', apply);
  main.appendChild(form);
  if (!rows.length) {
    main.appendChild(h('p', {}, page > 1 ? 'No more jobs.' : 'No jobs yet. Make one with New job.'));
  } else {
    main.appendChild(table(['Name', 'Target', 'Schedule', 'Next run', 'Last result', 'Enabled'],
      rows.map((j) => [
        link(`/jobs/${j.id}`, j.name || `Job ${j.id}`),
        h('span', {class: 'target'}, j.url || `${(j.tasks || []).length} task(s)`),
        h('span', {title: j.expression}, scheduleWords(j.expression)),
        j.nextRun ? timeEl(j.nextRun, j.timezone) : '—',
        logBadge(j.lastStatus, j.lastHttpStatus),
        enableSwitch(j)])));
  }
  const nav = h('nav', {class: 'pager', 'aria-label': 'Pages'});
  const to = (p) => { const s = new URLSearchParams(q); s.set('page', p); return `/jobs?${s}`; };
  if (page > 1) nav.appendChild(link(to(page - 1), 'Previous page'));
  nav.appendChild(h('span', {}, `Page ${page}`));
  if (rows.length === PAGE) nav.appendChild(link(to(page + 1), 'Next page'));
  main.appendChild(nav);
}

export function enableSwitch(j) {
  const box = h('input', {type: 'checkbox', role: 'switch', checked: j.status === 0,
    'aria-label': `Enabled: ${j.name || 'job ' + j.id}`});
  box.addEventListener('change', async () => {
    box.disabled = true;
    try {
      const updated = await api.call(box.checked ? 'cron.enable' : 'cron.disable', {id: j.id});
      box.checked = updated.status === 0;
    } catch (e) {
      box.checked = !box.checked;
      showError(e);
    } finally {
      box.disabled = false;
    }
  });
  return box;
}

export async function failures(main, m, ctx) {
  main.appendChild(pageTitle('Failures'));
  const [logs, jobs] = await Promise.all([api.call('cron.failures', {limit: 100}), api.all('cron.list', {})]);
  if (!ctx.isCurrent()) return;
  const zone = Object.fromEntries(jobs.map((j) => [j.id, j.timezone]));
  main.appendChild(logs.length ? failureTable(logs, zone, jobs) : h('p', {}, 'No failures.'));
}

export async function upcoming(main, m, ctx) {
  main.appendChild(pageTitle('Upcoming'));
  const rows = await api.call('cron.upcoming', {hours: 24, limit: 1000});
  if (!ctx.isCurrent()) return;
  if (rows.length) main.appendChild(upcomingTimeline(rows, Date.now() / 1000));
  main.appendChild(rows.length ? table(['Job', 'When', '', 'Schedule'], rows.map((u) => [
    link(`/jobs/${u.id}`, u.name || `Job ${u.id}`), timeEl(u.time), relative(u.time),
    h('span', {title: u.expression || ''}, scheduleWords(u.expression))]))
    : h('p', {}, 'Nothing is due in the next 24 hours.'));
}

export async function groups(main, m, ctx) {
  main.appendChild(pageTitle('Groups'));
  const list = await api.call('group.list');
  if (!ctx.isCurrent()) return;
  const name = field({label: 'Name', name: 'name'});
  const desc = field({label: 'Description', name: 'description'});
  const form = h('form', {class: 'inline-form'}, h('h2', {}, 'Add a group'), name.row, desc.row,
    h('button', {type: 'submit'}, 'Add group'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showFieldError(name, '');
    try {
      await api.call('group.add', {name: name.input.value, description: desc.input.value});
      navigate('/groups', true);
    } catch (e) {
      if (e.field === 'description') showFieldError(desc, e.message);
      else showFieldError(name, e.message);
    }
  });
  main.appendChild(list.length ? table(['Name', 'Description', 'Jobs', ''], list.map((g) => [
    link(`/jobs?group=${g.id}`, g.name), g.description || '', String(g.jobCount),
    groupActions(g)])) : h('p', {}, 'No groups yet.'));
  main.appendChild(form);
}

// Rename (an inline form in place of the buttons) and Delete (asks first).
function groupActions(g) {
  const box = h('span', {class: 'actions'});
  const buttons = () => box.replaceChildren(
    h('button', {type: 'button', class: 'secondary', 'aria-label': `Rename ${g.name}`, onclick: renameForm}, 'Rename'),
    h('button', {type: 'button', class: 'danger', 'aria-label': `Delete ${g.name}`, onclick: async () => {
      if (!confirm(`Delete the group “${g.name}”? Its jobs stay, without a group.`)) return;
      try { await api.call('group.delete', {id: g.id}); navigate('/groups', true); } catch (e) { showError(e); }
    }}, 'Delete'));
  function renameForm() {
    const to = field({label: `New name for ${g.name}`, name: 'name', value: g.name});
    const form = h('form', {class: 'rename'}, to.row,
      h('span', {class: 'actions'}, h('button', {type: 'submit'}, 'Save name'),
        h('button', {type: 'button', class: 'secondary', onclick: buttons}, 'Cancel')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      showFieldError(to, '');
      try {
        await api.call('group.edit', {id: g.id, name: to.input.value});
        navigate('/groups', true);
      } catch (e) { showFieldError(to, e.message); to.input.focus(); }
    });
    form.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') buttons(); });
    box.replaceChildren(form);
    to.input.focus();
    to.input.select();
  }
  buttons();
  return box;
}

export async function account(main, m, ctx) {
  main.appendChild(pageTitle('Account'));
  const a = await api.call('account.get');
  if (!ctx.isCurrent()) return;
  const l = a.limits || {};
  const u = a.usage || {};
  main.appendChild(h('dl', {class: 'settings'},
    h('dt', {}, 'Name'), h('dd', {}, a.name || ''),
    h('dt', {}, 'Account id'), h('dd', {}, String(a.id)),
    h('dt', {}, 'Jobs'), h('dd', {}, `${u.jobs ?? 0} of ${l.maxJobs ?? '?'}`),
    h('dt', {}, 'Runs today'), h('dd', {}, `${u.executionsToday ?? 0}${l.dailyExecutions ? ' of ' + l.dailyExecutions : ' (no daily limit)'}`),
    h('dt', {}, 'Shortest interval'), h('dd', {}, `${l.minInterval ?? '?'} s`),
    h('dt', {}, 'Longest timeout'), h('dd', {}, `${l.maxTimeout ?? '?'} s`),
    h('dt', {}, 'Tasks per job'), h('dd', {}, String(l.maxTasks ?? '?')),
    h('dt', {}, 'Runs kept per job'), h('dd', {}, String(l.logRetention ?? '?'))));
  const zone = field({label: 'Time zone', name: 'timezone', value: a.timezone || 'UTC',
    hint: 'IANA name, e.g. Europe/Berlin: jobs without their own zone run in it.'});
  const save = h('form', {class: 'inline-form'}, h('h2', {}, 'Time zone'), zone.row, h('button', {type: 'submit'}, 'Save zone'));
  save.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showFieldError(zone, '');
    try { await api.call('account.edit', {timezone: zone.input.value.trim()}); notice('Time zone saved.'); } catch (e) { showFieldError(zone, e.message); }
  });
  main.appendChild(save);
  const out = h('p', {class: 'token-out', hidden: true});
  main.appendChild(h('section', {}, h('h2', {}, 'Token'),
    h('p', {}, 'A new token replaces this one at once: scripts that use the old one stop working.'),
    h('button', {type: 'button', class: 'danger', onclick: async () => {
      if (!confirm('Make a new token? The current one stops working at once.')) return;
      try {
        const r = await api.call('account.token');
        api.setToken(r.token, !!localStorage.getItem('webcron.token'));
        out.textContent = `New token (shown once; copy it now): ${r.token}`;
        out.hidden = false;
      } catch (e) { showError(e); }
    }}, 'Rotate token'), out));
  await keysSection(main, a, ctx);
}

export async function users(main, m, ctx) {
  main.appendChild(pageTitle('Users'));
  const me = await ctx.account();
  if (!ctx.isCurrent()) return;
  if (!me || !me.admin) {
    main.appendChild(h('p', {}, 'Only administrators see the users.'));
    return;
  }
  const list = await api.all('user.list', {});
  if (!ctx.isCurrent()) return;
  main.appendChild(table(['Id', 'Name', 'E-mail', 'Admin', 'Status', 'Jobs', ''], list.map((a) => [
    String(a.id), a.name || '', a.email || '', a.admin ? 'yes' : 'no', a.status === 1 ? 'Suspended' : 'Active',
    String((a.usage || {}).jobs ?? 0),
    h('span', {class: 'actions'}, h('a', {href: `/users/${a.id}/history`, 'data-link': '', class: 'button secondary',
      'aria-label': `History of ${a.name || 'account ' + a.id}`}, 'History'),
    a.id === me.id ? '' : h('button', {type: 'button', class: 'secondary', onclick: async () => {
      try { await api.call('user.edit', {id: a.id, status: a.status === 1 ? 0 : 1}); navigate('/users', true); } catch (e) { showError(e); }
    }}, a.status === 1 ? `Reactivate ${a.name}` : `Suspend ${a.name}`))])));
  const name = field({label: 'Name', name: 'name'});
  const email = field({label: 'E-mail', name: 'email', type: 'email'});
  const admin = field({label: 'Administrator', name: 'admin', type: 'checkbox'});
  const out = h('p', {class: 'token-out', hidden: true});
  const form = h('form', {class: 'inline-form'}, h('h2', {}, 'Add a user'), name.row, email.row, admin.row,
    h('button', {type: 'submit'}, 'Add user'), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showFieldError(name, ''); showFieldError(email, '');
    try {
      const r = await api.call('user.add', {name: name.input.value, email: email.input.value || undefined, admin: admin.input.checked});
      out.textContent = `Token of ${r.account.name} (shown once; give it to them): ${r.token}`;
      out.hidden = false;
    } catch (e) { showFieldError(e.field === 'email' ? email : name, e.message); }
  });
  main.appendChild(form);
}
