// dom.js: building elements without HTML strings. Every value is set as
// text (createTextNode / textContent) or as an attribute, never parsed as
// HTML, so what the API returns cannot become markup or script.

// h('a', {href: '/jobs', class: 'x', onclick: fn}, 'text', child, [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'value' || k === 'checked' || k === 'selected') {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix || 'f'}-${uid}`;
}

// A labelled field: {label, name, type, value, hint, options, rows}
// Returns {row, input, error}; error is where the API's message goes.
export function field(spec) {
  const id = nextId(spec.name);
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  let input;
  if (spec.options) {
    input = h('select', {id, name: spec.name},
      spec.options.map(([v, t]) => h('option', {value: v, selected: String(v) === String(spec.value ?? '')}, t)));
  } else if (spec.rows) {
    input = h('textarea', {id, name: spec.name, rows: spec.rows, spellcheck: 'false'});
    input.value = spec.value ?? '';
  } else if (spec.type === 'checkbox') {
    input = h('input', {id, name: spec.name, type: 'checkbox', checked: !!spec.value});
  } else {
    input = h('input', {id, name: spec.name, type: spec.type || 'text',
      autocomplete: spec.autocomplete || 'off', inputmode: spec.inputmode,
      min: spec.min, max: spec.max, placeholder: spec.placeholder, required: spec.required});
    input.value = spec.value ?? '';
  }
  const error = h('p', {class: 'field-error', id: errId, hidden: true});
  const hint = spec.hint ? h('p', {class: 'hint', id: hintId}, spec.hint) : null;
  input.setAttribute('aria-describedby', [hint ? hintId : '', errId].filter(Boolean).join(' '));
  const label = h('label', {for: id}, spec.label);
  const row = spec.type === 'checkbox'
    ? h('div', {class: 'field check'}, input, label, hint, error)
    : h('div', {class: 'field'}, label, input, hint, error);
  return {row, input, error};
}

export function showFieldError(f, message) {
  f.error.textContent = message || '';
  f.error.hidden = !message;
  if (message) f.input.setAttribute('aria-invalid', 'true');
  else f.input.removeAttribute('aria-invalid');
}
