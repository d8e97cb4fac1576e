// chart.js: the durations of a job's last runs as an inline SVG bar chart
// (built with DOM calls: no library, nothing parsed as markup). A failed
// run's bar is marked by a cross under it and its title, not by colour
// alone; the success rate is said in words beside it.
import {h} from './dom.js';
import {duration} from './time.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 140;
const BASE = 120; // the bars stand on this line; the crosses go under it

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

// durationChart(logs): LOGS newest first, as cron.logs gives them.
export function durationChart(logs) {
  const runs = logs.filter((l) => l.status !== 6).slice().reverse(); // skipped runs took no time
  if (!runs.length) return h('p', {class: 'chart-empty'}, 'No runs to chart yet.');
  const failed = runs.filter((l) => l.status !== 0).length;
  const rate = Math.round(((runs.length - failed) / runs.length) * 1000) / 10;
  const longest = Math.max(...runs.map((l) => l.executionTime || 0), 0.001);
  const step = W / runs.length;
  const width = Math.max(Math.min(step * 0.7, 40), 2);
  const chart = svg('svg', {viewBox: `0 0 ${W} ${H}`, class: 'duration-chart', role: 'img',
    'aria-label': `Durations of the last ${runs.length} runs, longest ${duration(longest)}; ` +
      `${failed} failed`});
  chart.appendChild(svg('line', {x1: 0, y1: BASE, x2: W, y2: BASE, class: 'axis'}));
  runs.forEach((l, i) => {
    const bad = l.status !== 0;
    const height = Math.max(((l.executionTime || 0) / longest) * (BASE - 10), 1);
    const x = i * step + (step - width) / 2;
    const what = `${new Date(l.time * 1000).toLocaleString()}: ${duration(l.executionTime)}` +
      (bad ? `, failed${l.httpStatus ? ' (HTTP ' + l.httpStatus + ')' : ''}` : ', success');
    const g = svg('g', {class: bad ? 'run failed' : 'run ok', 'data-status': l.status},
      svg('title', {}, what),
      svg('rect', {x: x.toFixed(1), y: (BASE - height).toFixed(1), width: width.toFixed(1),
        height: height.toFixed(1)}));
    if (bad) {
      const cx = x + width / 2;
      g.appendChild(svg('path', {class: 'cross',
        d: `M${(cx - 4).toFixed(1)} ${BASE + 6} l8 8 m0 -8 l-8 8`}));
    }
    chart.appendChild(g);
  });
  return h('figure', {class: 'chart'}, chart,
    h('figcaption', {},
      `Last ${runs.length} run${runs.length > 1 ? 's' : ''}: success rate ${rate} %` +
      (failed ? ` (${failed} failed, marked ✕)` : '') + `; longest ${duration(longest)}.`));
}

// upcomingTimeline(rows, now): the next 24 hours as a strip, one tick per
// run of cron.upcoming's ROWS ({id, name, time}), hours marked in the
// viewer's zone; the busiest hour said in words.
export function upcomingTimeline(rows, now) {
  const span = 24 * 3600;
  const left = 10;
  const right = W - 10;
  const x = (t) => left + (Math.min(Math.max(t - now, 0), span) / span) * (right - left);
  const perHour = new Map();
  const chart = svg('svg', {viewBox: `0 0 ${W} 60`, class: 'timeline', role: 'img',
    'aria-label': `${rows.length} run${rows.length === 1 ? '' : 's'} in the next 24 hours`});
  chart.appendChild(svg('line', {x1: left, y1: 30, x2: right, y2: 30, class: 'axis'}));
  const first = Math.ceil(now / 3600) * 3600;
  for (let t = first; t <= now + span; t += 3600) {
    const d = new Date(t * 1000);
    const major = d.getHours() % 6 === 0;
    chart.appendChild(svg('line', {x1: x(t).toFixed(1), y1: major ? 22 : 26, x2: x(t).toFixed(1), y2: 34,
      class: 'hour'}));
    if (major) {
      chart.appendChild(svg('text', {x: x(t).toFixed(1), y: 52, class: 'hour-label', 'text-anchor': 'middle'},
        `${String(d.getHours()).padStart(2, '0')}:00`));
    }
  }
  for (const r of rows) {
    const hour = Math.floor(r.time / 3600) * 3600;
    perHour.set(hour, (perHour.get(hour) || 0) + 1);
    chart.appendChild(svg('line', {x1: x(r.time).toFixed(1), y1: 8, x2: x(r.time).toFixed(1), y2: 30,
      class: 'tick', 'data-id': r.id},
    svg('title', {}, `${r.name || 'Job ' + r.id}: ${new Date(r.time * 1000).toLocaleString()}`)));
  }
  let busiest = null;
  for (const [hour, n] of perHour) if (!busiest || n > busiest[1]) busiest = [hour, n];
  const words = busiest
    ? `Busiest hour: ${String(new Date(busiest[0] * 1000).getHours()).padStart(2, '0')}:00 with ${busiest[1]} run${busiest[1] > 1 ? 's' : ''}.`
    : '';
  return h('figure', {class: 'chart'}, chart,
    h('figcaption', {}, `The next 24 hours: ${rows.length} run${rows.length === 1 ? '' : 's'}. ${words}`));
}
