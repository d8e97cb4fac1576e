// ui.js: what every screen shares: navigation, the error area, badges and
// the words for the API's status numbers.
import {h, clear} from './dom.js';

let router = () => {};
export function setRouter(fn) { router = fn; }

// Goes to PATH (same origin) without reloading: history.pushState.
export function navigate(path, replace) {
  if (replace) history.replaceState(null, '', path);
  else if (path !== location.pathname + location.search) history.pushState(null, '', path);
  router();
}

// A link inside the app (the router catches the click).
export function link(path, ...children) {
  return h('a', {href: path, 'data-link': ''}, ...children);
}

// Errors stay until dismissed.
export function showError(message) {
  const box = document.getElementById('errors');
  const text = message instanceof Error ? message.message : String(message);
  const item = h('div', {class: 'error-item'},
    h('p', {}, text),
    h('button', {type: 'button', class: 'secondary', onclick: () => item.remove()}, 'Dismiss'));
  box.appendChild(item);
}

export function clearErrors() {
  clear(document.getElementById('errors'));
}

export function notice(message) {
  const box = document.getElementById('errors');
  const item = h('div', {class: 'notice-item', role: 'status'},
    h('p', {}, message),
    h('button', {type: 'button', class: 'secondary', onclick: () => item.remove()}, 'Dismiss'));
  box.appendChild(item);
}

export const JOB_STATUS = ['Active', 'Disabled', 'Expired', 'Inactive (daily limit)', 'Failed'];
export const LOG_STATUS = ['Success', 'HTTP error', 'Timeout', 'Connection error', 'Pattern matched',
  'Destination blocked', 'Skipped', 'Task failed', 'Cancelled'];

// A coloured badge that also says in words what the colour means.
export function logBadge(status, httpStatus) {
  if (status === null || status === undefined) return h('span', {class: 'badge none'}, 'Never run');
  const kind = status === 0 ? 'ok' : status === 6 || status === 8 ? 'warn' : 'bad';
  const words = LOG_STATUS[status] || `Status ${status}`;
  return h('span', {class: `badge ${kind}`},
    httpStatus ? [h('span', {class: 'code'}, String(httpStatus)), ' '] : null, words);
}

export function jobBadge(status) {
  const kind = status === 0 ? 'ok' : status === 4 ? 'bad' : 'none';
  return h('span', {class: `badge ${kind}`}, JOB_STATUS[status] || `Status ${status}`);
}

export function pageTitle(text) {
  document.title = `${text} · webcron`;
  return h('h1', {}, text);
}

export function loading() {
  return h('p', {class: 'loading'}, 'Loading…');
}

// A schedule in words for the jobs table, without a request per row: the
// common shapes; anything else shows its expression (the job page asks
// cron.validate for the server's exact words).
export function scheduleWords(expr) {
  if (!expr) return '';
  const macros = {'@yearly': 'Once a year', '@annually': 'Once a year', '@monthly': 'Once a month',
    '@weekly': 'Once a week', '@daily': 'Every day at 00:00', '@midnight': 'Every day at 00:00',
    '@hourly': 'Every hour', '@manual': 'Only when run by hand'};
  if (macros[expr]) return macros[expr];
  if (expr.startsWith('@every ')) return `Every ${expr.slice(7)}`;
  if (expr.startsWith('@at ')) return `Once, at ${expr.slice(4)}`;
  let f = expr.trim().split(/\s+/);
  let sec = '0';
  if (f.length === 6) sec = f.shift();
  if (f.length !== 5) return expr;
  const [mi, ho, dom, mon, dow] = f;
  const every = (x) => x === '*' || x === '?';
  const n = (x) => /^\d+$/.test(x);
  const pad = (x) => String(x).padStart(2, '0');
  const days = every(dom) && every(mon);
  if (!days) return expr;
  const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
  const NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
  const one = /^[0-7]$/.test(dow) ? Number(dow) : NAMES.indexOf(dow.toUpperCase());
  const dayWords = every(dow) ? '' : dow === '1-5' || dow.toUpperCase() === 'MON-FRI' ? ' on weekdays'
    : one >= 0 ? ` on ${DAYS[one]}s` : null;
  if (dayWords === null) return expr;
  if (sec !== '0') {
    if (sec === '*' && every(mi) && every(ho)) return `Every second${dayWords}`;
    const m = /^\*\/(\d+)$/.exec(sec);
    if (m && every(mi) && every(ho)) return `Every ${m[1]} seconds${dayWords}`;
    return expr;
  }
  if (every(mi) && every(ho)) return `Every minute${dayWords}`;
  let m = /^\*\/(\d+)$/.exec(mi);
  if (m && every(ho)) return `Every ${m[1]} minutes${dayWords}`;
  if (n(mi) && every(ho)) return `Every hour at minute ${mi}${dayWords}`;
  m = /^\*\/(\d+)$/.exec(ho);
  if (m && n(mi)) return `Every ${m[1]} hours at minute ${mi}${dayWords}`;
  if (n(mi) && n(ho)) return `Every day at ${pad(ho)}:${pad(mi)}${dayWords}`.replace('Every day at', dayWords ? 'At' : 'Every day at');
  return expr;
}
