// tasks.js: a job's tasks as an ordered list the user adds to, reorders
// and deletes from; saved whole, in the order shown, as the job's `tasks`.
import {h, nextId} from './dom.js';

// taskEditor(tasks) -> {el, value(), focusFirst()}
export function taskEditor(initial) {
  const list = h('ol', {class: 'task-list'});
  const status = h('p', {class: 'visually-hidden', 'aria-live': 'polite'});
  const empty = h('p', {class: 'hint'}, 'No tasks: the job calls its URL only.');

  const rows = () => [...list.children];
  const renumber = () => {
    const all = rows();
    all.forEach((li, i) => {
      li.querySelector('.task-title').textContent = `Task ${i + 1}`;
      li.querySelector('[data-move="up"]').disabled = i === 0;
      li.querySelector('[data-move="down"]').disabled = i === all.length - 1;
    });
    empty.hidden = all.length > 0;
  };

  const add = (t) => {
    const ids = {action: nextId('task-action'), payload: nextId('task-payload'),
      offset: nextId('task-offset'), cont: nextId('task-continue')};
    const action = h('input', {id: ids.action, name: 'taskAction', value: t.action || 'http',
      list: 'task-actions', autocomplete: 'off', spellcheck: 'false'});
    const payload = h('textarea', {id: ids.payload, name: 'taskPayload', rows: 2, spellcheck: 'false'});
    payload.value = t.payload || '';
    const offset = h('input', {id: ids.offset, name: 'taskOffset', type: 'number', min: 0, max: 900,
      value: String(t.timeOffset || 0)});
    const cont = h('input', {id: ids.cont, name: 'taskContinue', type: 'checkbox',
      checked: !!t.continueOnFailure});
    const title = h('h3', {class: 'task-title'}, 'Task');
    const li = h('li', {class: 'task'},
      title,
      h('div', {class: 'field'}, h('label', {for: ids.action}, 'Action'), action,
        h('p', {class: 'hint'}, 'http, or a task class of this server.')),
      h('div', {class: 'field'}, h('label', {for: ids.payload}, 'Payload'), payload,
        h('p', {class: 'hint'}, 'For http: a URL, or a JSON object with url, method, headers, body.')),
      h('div', {class: 'field'}, h('label', {for: ids.offset}, 'Seconds after the previous step'), offset),
      h('div', {class: 'field check'}, cont, h('label', {for: ids.cont}, 'Go on when this task fails')),
      h('div', {class: 'task-actions'},
        h('button', {type: 'button', class: 'secondary', 'data-move': 'up',
          onclick: () => move(li, -1)}, 'Move up'),
        h('button', {type: 'button', class: 'secondary', 'data-move': 'down',
          onclick: () => move(li, 1)}, 'Move down'),
        h('button', {type: 'button', class: 'danger', onclick: () => remove(li)}, 'Remove task')));
    li.read = () => ({action: action.value.trim(), payload: payload.value,
      timeOffset: Number(offset.value) || 0, continueOnFailure: cont.checked});
    list.appendChild(li);
    renumber();
    return li;
  };

  const move = (li, by) => {
    const all = rows();
    const i = all.indexOf(li);
    const j = i + by;
    if (j < 0 || j >= all.length) return;
    if (by < 0) list.insertBefore(li, all[j]);
    else list.insertBefore(all[j], li);
    renumber();
    status.textContent = `Task moved to position ${j + 1}.`;
    li.querySelector(`[data-move="${by < 0 ? 'up' : 'down'}"]`).focus();
    if (document.activeElement === document.body || document.activeElement.disabled) {
      li.querySelector('input').focus();
    }
  };

  const remove = (li) => {
    const all = rows();
    const i = all.indexOf(li);
    li.remove();
    renumber();
    status.textContent = 'Task removed.';
    const next = rows()[Math.min(i, rows().length - 1)];
    (next ? next.querySelector('input') : addButton).focus();
  };

  const addButton = h('button', {type: 'button', class: 'secondary', onclick: () => {
    add({}).querySelector('input').focus();
  }}, 'Add a task');
  const actions = h('datalist', {id: 'task-actions'}, h('option', {value: 'http'}));
  (initial || []).forEach(add);
  renumber();
  return {
    el: h('div', {class: 'tasks'}, empty, list, addButton, actions, status),
    value: () => rows().map((li) => li.read()),
    count: () => rows().length,
  };
}
