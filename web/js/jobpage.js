// jobpage.js: one job: its settings, what can be done to it, and its
// history of runs (cron.logs, newest first, paged by `before`).
import {h} from './dom.js';
import * as api from './api.js';
import {timeEl, duration} from './time.js';
import {navigate, showError, notice, logBadge, jobBadge, pageTitle, loading, link} from './ui.js';
import {jobChanges} from './changes.js';
import {durationChart} from './chart.js';

const HISTORY_PAGE = 20;
const CHART_RUNS = 50;
const HISTORY_HEADS = ['Scheduled', 'Started', 'Duration', 'HTTP status', 'Result', 'Details'];
const TRIGGERS = {schedule: 'Schedule', manual: 'Run now', retry: 'Retry', catchup: 'Catch-up'};

export async function jobPage(main, id, ctx) {
  main.appendChild(pageTitle('Job'));
  const wait = main.appendChild(loading());
  const [j, next] = await Promise.all([api.call('cron.get', {id}), api.call('cron.next', {id, count: 5})]);
  if (!ctx.isCurrent()) return;
  wait.remove();
  main.querySelector('h1').textContent = j.name || `Job ${j.id}`;
  document.title = `${j.name || 'Job ' + j.id} · webcron`;

  const act = (text, fn, cls) => h('button', {type: 'button', class: cls || 'secondary', onclick: async (ev) => {
    const button = ev.currentTarget;
    button.disabled = true;
    try { await fn(); } catch (e) { showError(e); } finally { button.disabled = false; }
  }}, text);
  main.appendChild(h('div', {class: 'actions'},
    act('Run now', async () => {
      const r = await api.call('cron.run', {id});
      notice(`Run started (execution ${r.execution}).`);
      setTimeout(() => { if (ctx.isCurrent()) history_.reload(); }, 1500);
    }, 'primary'),
    h('a', {href: `/jobs/${id}/edit`, 'data-link': '', class: 'button secondary'}, 'Edit'),
    act(j.status === 0 ? 'Disable' : 'Enable', async () => {
      await api.call(j.status === 0 ? 'cron.disable' : 'cron.enable', {id});
      navigate(`/jobs/${id}`, true);
    }),
    pauseControl(j, act),
    act('Duplicate', async () => {
      const copy = await api.call('cron.duplicate', {id});
      navigate(`/jobs/${copy.id}`);
    }),
    act('Delete', async () => {
      if (!confirm(`Delete the job “${j.name || j.id}” with its history? This cannot be undone.`)) return;
      await api.call('cron.delete', {id});
      notice(`Deleted “${j.name || j.id}”.`);
      navigate('/jobs');
    }, 'danger')));

  const row = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
  main.appendChild(h('section', {}, h('h2', {}, 'Settings'), h('dl', {class: 'settings'},
    row('Status', [jobBadge(j.status), paused(j) ? [' ', h('span', {class: 'badge warn'}, 'Paused until ',
      timeEl(j.pausedUntil, j.timezone))] : null]),
    row('URL', j.url || '—'),
    row('Method', j.httpMethod || 'GET'),
    row('Schedule', h('code', {}, j.expression || '')),
    row('In words', h('span', {class: 'describe'}, '…')),
    row('Time zone', j.timezone || ''),
    row('Next runs', next.length ? h('ol', {class: 'next-runs'}, next.map((t) => h('li', {}, timeEl(t, j.timezone)))) : 'none'),
    row('Last run', j.lastRun ? [timeEl(j.lastRun, j.timezone), ' ', logBadge(j.lastStatus, j.lastHttpStatus)] : 'never'),
    row('Failures in a row', String(j.fail ?? 0)),
    row('Timeout', `${j.timeout} s`),
    row('Retries', `${j.retries} (delay ${j.retryDelay} s)`),
    j.description ? row('Description', j.description) : [],
    (j.tasks || []).length ? row('Tasks', h('ol', {}, j.tasks.map((t) => h('li', {}, `${t.action}: ${typeof t.payload === 'string' ? t.payload : JSON.stringify(t.payload)}`)))) : [])));
  api.call('cron.validate', {expression: j.expression, timezone: j.timezone, count: 1})
    .then((r) => { const el = main.querySelector('.describe'); if (el) el.textContent = r.description; })
    .catch(() => { const el = main.querySelector('.describe'); if (el) el.textContent = ''; });

  const section = h('section', {class: 'history'}, h('h2', {}, 'History'));
  main.appendChild(section);
  const history_ = historyList(section, j);
  const changes = h('section', {class: 'changes-section', 'aria-labelledby': 'changes-h'}, h('h2', {id: 'changes-h'}, 'Changes'));
  main.appendChild(changes);
  const me = await ctx.account();
  if (!ctx.isCurrent()) return;
  await Promise.all([history_.reload(), jobChanges(changes, j, me).reload()]);
}

const paused = (j) => j.pausedUntil && j.pausedUntil > Date.now() / 1000;

// Pause for a while (cron.pause: the job keeps its status, its runs wait),
// or Resume a paused job.
function pauseControl(j, act) {
  if (paused(j)) {
    return act('Resume', async () => {
      await api.call('cron.pause', {id: j.id, for: 0});
      navigate(`/jobs/${j.id}`, true);
    });
  }
  const id = `pause-for-${j.id}`;
  const span = h('select', {id, name: 'for'},
    [[3600, '1 hour'], [86400, '1 day'], [604800, '1 week']].map(([v, t]) => h('option', {value: v}, t)));
  return h('span', {class: 'pause'}, act('Pause', async () => {
    await api.call('cron.pause', {id: j.id, for: Number(span.value)});
    navigate(`/jobs/${j.id}`, true);
  }), h('label', {for: id, class: 'visually-hidden'}, 'Pause for'), span);
}

function historyList(section, j) {
  const body = h('div', {});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, 'Older runs');
  const refresh = h('button', {type: 'button', class: 'secondary'}, 'Refresh');
  const chart = h('div', {class: 'chart-box'});
  section.append(refresh, chart, body, more);
  let before = null;
  let tbody = null;

  const add = (logs) => {
    for (const l of logs) {
      const details = h('details', {},
        h('summary', {}, 'Response'),
        l.error ? h('p', {class: 'run-error'}, l.error) : null,
        h('pre', {class: 'result'}, l.result || '(nothing kept)'),
        (l.tasks || []).length ? h('ol', {}, l.tasks.map((t) => h('li', {},
          `${t.action}: `, logBadge(t.status), ' ', t.error || '', t.output ? h('pre', {class: 'result'}, t.output) : null))) : null);
      const tr = tbody.appendChild(h('tr', {},
        h('td', {}, timeEl(l.time, j.timezone)),
        h('td', {}, l.startTime ? timeEl(Math.floor(l.startTime), j.timezone) : '—'),
        h('td', {}, duration(l.executionTime)),
        h('td', {class: 'http'}, l.httpStatus ? String(l.httpStatus) : '—'),
        h('td', {}, logBadge(l.status, l.httpStatus),
          h('span', {class: 'trigger'}, TRIGGERS[l.trigger] || l.trigger || '')),
        h('td', {}, details)));
      [...tr.children].forEach((td, i) => td.setAttribute('data-label', HISTORY_HEADS[i]));
    }
  };
  const page = async () => {
    const params = {id: j.id, limit: HISTORY_PAGE};
    if (before) params.before = before;
    const logs = await api.call('cron.logs', params);
    if (logs.length) before = logs[logs.length - 1].id;
    add(logs);
    more.hidden = logs.length < HISTORY_PAGE;
    return logs;
  };
  more.addEventListener('click', () => page().catch(showError));
  const reload = async () => {
    before = null;
    tbody = h('tbody', {});
    body.replaceChildren(h('div', {class: 'table-wrap'}, h('table', {},
      h('thead', {}, h('tr', {}, HISTORY_HEADS.map((t) => h('th', {scope: 'col'}, t)))),
      tbody)));
    const [logs, last] = await Promise.all([page(), api.call('cron.logs', {id: j.id, limit: CHART_RUNS})]);
    chart.replaceChildren(durationChart(last));
    if (!logs.length) body.replaceChildren(h('p', {}, 'No runs yet.'));
  };
  refresh.addEventListener('click', () => reload().catch(showError));
  return {reload};
}
