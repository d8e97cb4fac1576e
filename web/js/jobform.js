// jobform.js: the form that makes or edits a job. The schedule is checked
// by cron.validate as it is typed; a failed save shows the API's message
// next to the field the envelope names, and keeps everything typed.
import {h, field, showFieldError} from './dom.js';
import * as api from './api.js';
import {timeEl, viewerZone} from './time.js';
import {navigate, showError, pageTitle, loading, link} from './ui.js';
import {parseCurl} from './curl.js';
import {taskEditor} from './tasks.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
// The SetCronJob field arrays, the other way to give a schedule.
const FIELDS = [['minute', 'Minutes', '0-59'], ['hour', 'Hours', '0-23'], ['day', 'Days of the month', '1-31'],
  ['month', 'Months', '1-12'], ['weekday', 'Weekdays', '0-7, 0 and 7 = Sunday']];

// "0, 15,30" -> [0, 15, 30]; "" -> null (every); anything else stays text
// for the API to name.
function fieldArray(text) {
  const t = text.trim();
  if (!t) return null;
  const parts = t.split(/[\s,]+/).filter(Boolean);
  return parts.every((x) => /^\d+$/.test(x)) ? parts.map(Number) : parts;
}

function toLocalInput(unix) {
  if (!unix) return '';
  const d = new Date(unix * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function fromLocalInput(text) {
  if (!text) return 0;
  const t = new Date(text).getTime();
  return Number.isFinite(t) ? Math.floor(t / 1000) : text;
}

export async function jobForm(main, id, ctx) {
  main.appendChild(pageTitle(id ? 'Edit job' : 'New job'));
  const wait = main.appendChild(loading());
  const [job, groups, presets] = await Promise.all([
    id ? api.call('cron.get', {id}) : Promise.resolve(null), api.call('group.list'),
    api.call('cron.presets').catch(() => [])]);
  wait.remove();
  const j = job || {httpMethod: 'GET', timeout: 30, followRedirects: true, sslVerify: true, single: true,
    retries: 0, retryDelay: 60, failureThreshold: 10, notify: 0, notifyEvery: 1, catchUp: 'once',
    successCodes: '200-299', status: 0};
  if (job) main.querySelector('h1').textContent = `Edit ${job.name || 'job ' + job.id}`;

  // name in the API -> field; the envelope's `field` finds its input here
  const f = {
    name: field({label: 'Name', name: 'name', value: j.name, required: true}),
    url: field({label: 'URL', name: 'url', type: 'url', value: j.url, inputmode: 'url',
      placeholder: 'https://example.org/cron', hint: 'http or https: what to call at each run.'}),
    expression: field({label: 'Schedule', name: 'expression', value: j.expression,
      placeholder: '*/5 * * * *', hint: 'A cron expression (minute hour day month weekday; 6 fields = seconds first) or @hourly, @daily, @every 90m…'}),
    timezone: field({label: 'Time zone', name: 'timezone', value: job ? j.timezone : '',
      placeholder: 'the account’s zone', hint: `IANA name, e.g. Europe/Berlin. Empty: the account’s. Your browser: ${viewerZone}.`}),
    group: field({label: 'Group', name: 'group', value: j.group || '',
      options: [['', 'No group'], ...groups.map((g) => [g.id, g.name])]}),
    description: field({label: 'Description', name: 'description', value: j.description, rows: 2}),
    status: field({label: 'Enabled', name: 'status', type: 'checkbox', value: j.status === 0}),
    httpMethod: field({label: 'Method', name: 'httpMethod', value: j.httpMethod || 'GET', options: METHODS.map((m) => [m, m])}),
    httpHeaders: field({label: 'Headers', name: 'httpHeaders', value: j.httpHeaders, rows: 3, hint: 'One “Name: value” a line.'}),
    postData: field({label: 'Body', name: 'postData', value: j.postData, rows: 4, hint: 'Sent with POST, PUT and PATCH.'}),
    username: field({label: 'User name', name: 'username', value: j.username, hint: 'HTTP basic authentication.'}),
    password: field({label: 'Password', name: 'password', type: 'password', autocomplete: 'new-password',
      hint: j.hasPassword ? 'A password is set; leave empty to keep it.' : ''}),
    userAgent: field({label: 'User-Agent', name: 'userAgent', value: job ? j.userAgent : ''}),
    timeout: field({label: 'Timeout (seconds)', name: 'timeout', type: 'number', min: 1, value: j.timeout}),
    followRedirects: field({label: 'Follow redirects', name: 'followRedirects', type: 'checkbox', value: j.followRedirects}),
    sslVerify: field({label: 'Verify TLS certificates', name: 'sslVerify', type: 'checkbox', value: j.sslVerify}),
    successCodes: field({label: 'Success codes', name: 'successCodes', value: j.successCodes, hint: 'Statuses and ranges, e.g. 200-299,304.'}),
    pattern: field({label: 'Failure pattern', name: 'pattern', value: j.pattern, hint: 'A run fails when the response body contains this text.'}),
    ignoreHttpStatus: field({label: 'Ignore the HTTP status', name: 'ignoreHttpStatus', type: 'checkbox', value: j.ignoreHttpStatus}),
    retries: field({label: 'Retries', name: 'retries', type: 'number', min: 0, max: 5, value: j.retries}),
    retryDelay: field({label: 'Retry delay (seconds)', name: 'retryDelay', type: 'number', min: 0, value: j.retryDelay}),
    failureThreshold: field({label: 'Disable after this many failures in a row (0: never)', name: 'failureThreshold', type: 'number', min: 0, max: 100, value: j.failureThreshold}),
    single: field({label: 'Never overlap (skip a run while the previous one lasts)', name: 'single', type: 'checkbox', value: j.single}),
    notify: field({label: 'Notify', name: 'notify', value: j.notify,
      options: [[0, 'Never'], [1, 'On failure'], [2, 'After every run'], [3, 'Only when disabled']]}),
    notifyEvery: field({label: 'Notify on every Nth failure', name: 'notifyEvery', type: 'number', min: 1, value: j.notifyEvery}),
    startsAt: field({label: 'Starts at', name: 'startsAt', type: 'datetime-local', value: toLocalInput(j.startsAt), hint: `In your zone (${viewerZone}); empty: now.`}),
    expiresAt: field({label: 'Ends at', name: 'expiresAt', type: 'datetime-local', value: toLocalInput(j.expiresAt), hint: 'Empty: never.'}),
    catchUp: field({label: 'After downtime', name: 'catchUp', value: j.catchUp,
      options: [['none', 'Skip missed runs'], ['once', 'Run the latest missed run once'], ['all', 'Run every missed run']]}),
  };
  const preview = h('div', {class: 'schedule-preview', 'aria-live': 'polite'});

  // presets fill the schedule
  const presetId = 'schedule-preset';
  const presetSelect = h('select', {id: presetId, name: 'preset'},
    h('option', {value: ''}, 'Choose a preset…'),
    presets.map((p) => h('option', {value: p.expression}, `${p.name}: ${p.description || p.expression}`)));
  presetSelect.addEventListener('change', () => {
    if (!presetSelect.value) return;
    useFields(false);
    f.expression.input.value = presetSelect.value;
    presetSelect.value = '';
    check();
    f.expression.input.focus();
  });
  const presetRow = h('div', {class: 'field'}, h('label', {for: presetId}, 'Presets'), presetSelect);

  // or the SetCronJob field arrays
  const fieldInputs = {};
  const fieldsBox = h('div', {class: 'schedule-fields', hidden: true},
    h('p', {class: 'hint'}, 'Each field: numbers separated by commas; empty means every.'),
    FIELDS.map(([name, label, range]) => {
      const x = field({label, name, hint: range});
      fieldInputs[name] = x;
      x.input.addEventListener('input', () => soon());
      return x.row;
    }));
  const fieldsToggle = h('input', {type: 'checkbox', id: 'schedule-by-fields', name: 'byFields'});
  let byFields = false;
  const useFields = (on) => {
    byFields = on;
    fieldsToggle.checked = on;
    fieldsBox.hidden = !on;
    f.expression.input.disabled = on;
  };
  fieldsToggle.addEventListener('change', () => { useFields(fieldsToggle.checked); check(); });
  const fieldsRow = h('div', {class: 'field check'}, fieldsToggle,
    h('label', {for: 'schedule-by-fields'}, 'Give the schedule as fields (minute, hour, day, month, weekday)'));
  f.expression.row.append(presetRow, fieldsRow, fieldsBox, preview);
  const schedule = () => {
    if (!byFields) return {expression: f.expression.input.value.trim()};
    const out = {};
    for (const [name] of FIELDS) {
      const v = fieldArray(fieldInputs[name].input.value);
      if (v) out[name] = v;
    }
    if (!Object.keys(out).length) out.minute = ['*'];
    return out;
  };

  // pasting a curl command line fills the request
  const curlId = 'curl-line';
  const curlInput = h('textarea', {id: curlId, name: 'curl', rows: 2, spellcheck: 'false',
    placeholder: "curl -X POST -H 'Content-Type: application/json' -d '{\"a\":1}' https://example.org/hook"});
  const curlError = h('p', {class: 'field-error', id: `${curlId}-err`, hidden: true});
  const curlDone = h('p', {class: 'hint', 'aria-live': 'polite'});
  const fillFromCurl = () => {
    curlError.hidden = true;
    curlDone.textContent = '';
    let r;
    try {
      r = parseCurl(curlInput.value);
    } catch (e) {
      curlError.textContent = e.message;
      curlError.hidden = false;
      curlInput.focus();
      return;
    }
    f.url.input.value = r.url;
    f.httpMethod.input.value = METHODS.includes(r.method) ? r.method : 'GET';
    f.httpHeaders.input.value = r.headers.join('\n');
    f.postData.input.value = r.body ?? '';
    f.username.input.value = r.username;
    f.password.input.value = r.password;
    if (r.userAgent) f.userAgent.input.value = r.userAgent;
    if (r.followRedirects !== null) f.followRedirects.input.checked = r.followRedirects;
    if (r.sslVerify !== null) f.sslVerify.input.checked = r.sslVerify;
    if (r.timeout) f.timeout.input.value = r.timeout;
    curlDone.textContent = `Filled in: ${r.method} ${r.url}` +
      (r.headers.length ? `, ${r.headers.length} header${r.headers.length > 1 ? 's' : ''}` : '') +
      (r.body !== null ? ', a body' : '') + (r.username ? ', basic auth' : '') + '.';
  };
  const curlBox = h('details', {class: 'curl-paste'},
    h('summary', {}, 'Paste a curl command'),
    h('div', {class: 'field'}, h('label', {for: curlId}, 'curl command line'), curlInput,
      h('p', {class: 'hint'}, 'Fills URL, method, headers, body, basic auth and user agent below.'), curlError),
    h('button', {type: 'button', class: 'secondary', onclick: fillFromCurl}, 'Fill in from curl'),
    curlDone);
  curlInput.setAttribute('aria-describedby', `${curlId}-err`);

  const tasks = taskEditor(j.tasks || []);

  const section = (title, ...names) => h('fieldset', {}, h('legend', {}, title), names.map((n) => f[n].row));
  const saveButton = h('button', {type: 'submit'}, 'Save');
  const form = h('form', {class: 'job-form', novalidate: true},
    section('Job', 'name', 'url', 'expression', 'timezone', 'group', 'description', 'status'),
    h('fieldset', {}, h('legend', {}, 'Request'), curlBox,
      ['httpMethod', 'httpHeaders', 'postData', 'username', 'password', 'userAgent', 'timeout', 'followRedirects', 'sslVerify'].map((n) => f[n].row)),
    h('fieldset', {class: 'task-fieldset'}, h('legend', {}, 'Tasks (after the URL, in this order)'), tasks.el),
    section('Success', 'successCodes', 'pattern', 'ignoreHttpStatus'),
    section('Retries', 'retries', 'retryDelay', 'failureThreshold', 'single'),
    section('Notices', 'notify', 'notifyEvery'),
    section('Start and end', 'startsAt', 'expiresAt', 'catchUp'),
    h('div', {class: 'form-actions'}, saveButton, link(id ? `/jobs/${id}` : '/jobs', 'Cancel')));
  main.appendChild(form);

  // the schedule, checked as it is typed
  let timer = null;
  let asked = 0;
  const check = async () => {
    const sched = schedule();
    const seq = ++asked;
    if (!byFields && !sched.expression) {
      preview.replaceChildren();
      showFieldError(f.expression, '');
      return;
    }
    const params = {...sched, count: 5};
    const zone = f.timezone.input.value.trim();
    if (zone) params.timezone = zone;
    try {
      const r = await api.call('cron.validate', params);
      if (seq !== asked) return;
      showFieldError(f.expression, '');
      if (r.timezone) showFieldError(f.timezone, '');
      preview.replaceChildren(...[h('p', {class: 'words'}, r.description || ''),
        byFields ? h('p', {class: 'hint'}, 'As an expression: ', h('code', {}, r.expression || '')) : null].filter(Boolean),
        h('p', {class: 'hint'}, 'Next runs:'),
        h('ol', {class: 'next-runs'}, (r.nextRuns || []).map((t) => h('li', {}, timeEl(t, r.timezone)))));
    } catch (e) {
      if (seq !== asked) return;
      preview.replaceChildren();
      if (e.field === 'timezone' || e.code === 24) showFieldError(f.timezone, e.message);
      else showFieldError(f.expression, e.message);
    }
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(check, 400); };
  f.expression.input.addEventListener('input', soon);
  f.timezone.input.addEventListener('input', soon);
  if (j.expression) check();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const x of Object.values(f)) showFieldError(x, '');
    const v = (n) => f[n].input.value;
    const body = {
      name: v('name'), url: v('url').trim(), ...schedule(), timezone: v('timezone').trim(),
      group: v('group') ? Number(v('group')) : 0, description: v('description'),
      status: f.status.input.checked ? 0 : 1,
      httpMethod: v('httpMethod'), httpHeaders: v('httpHeaders'), postData: v('postData'),
      username: v('username'), userAgent: v('userAgent'), timeout: v('timeout'),
      followRedirects: f.followRedirects.input.checked, sslVerify: f.sslVerify.input.checked,
      successCodes: v('successCodes'), pattern: v('pattern'), ignoreHttpStatus: f.ignoreHttpStatus.input.checked,
      retries: v('retries'), retryDelay: v('retryDelay'), failureThreshold: v('failureThreshold'),
      single: f.single.input.checked, notify: v('notify'), notifyEvery: v('notifyEvery'),
      startsAt: fromLocalInput(v('startsAt')), expiresAt: fromLocalInput(v('expiresAt')), catchUp: v('catchUp'),
    };
    if (v('password')) body.password = v('password');
    if (tasks.count() || (job && (job.tasks || []).length)) body.tasks = tasks.value();
    if (!job && !body.url) delete body.url;
    for (const k of ['timeout', 'retries', 'retryDelay', 'failureThreshold', 'notifyEvery', 'userAgent']) {
      if (body[k] === '') delete body[k];
    }
    if (!body.timezone && !job) delete body.timezone;
    saveButton.disabled = true;
    try {
      const saved = await api.call(job ? 'cron.edit' : 'cron.add', job ? {id: job.id, ...body} : body);
      navigate(`/jobs/${saved.id}`);
    } catch (e) {
      const named = ['second', 'minute', 'hour', 'day', 'month', 'weekday', 'rules'].includes(e.field) ? 'expression' : e.field;
      const target = named && f[named] ? f[named]
        : e.code === 23 ? f.expression : e.code === 24 ? f.timezone : e.code === 25 ? f.url : null;
      if (target) {
        showFieldError(target, e.message);
        target.input.focus();
      } else {
        showError(e);
      }
    } finally {
      saveButton.disabled = false;
    }
  });
  f.name.input.focus();
}
