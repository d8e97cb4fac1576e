// time.js: times shown in the viewer's zone; the job's zone is given in
// the title (shown on hover) and beside where it differs.

const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function fmt(unix, zone, opts) {
  try {
    return new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'medium', timeZone: zone, ...opts})
      .format(new Date(unix * 1000));
  } catch (e) {
    return new Date(unix * 1000).toISOString();
  }
}

// A <time> element: local time as text, the job's zone on hover.
export function timeEl(unix, jobZone) {
  const el = document.createElement('time');
  if (unix === null || unix === undefined || unix === 0) {
    el.textContent = '—';
    return el;
  }
  el.dateTime = new Date(unix * 1000).toISOString();
  el.textContent = fmt(unix, viewerZone);
  const zone = jobZone && jobZone !== viewerZone ? jobZone : null;
  el.title = zone ? `${fmt(unix, zone)} (${zone})` : `${viewerZone}`;
  if (zone) {
    const small = document.createElement('span');
    small.className = 'zone';
    small.textContent = ` · ${fmt(unix, zone, {dateStyle: undefined, timeStyle: 'short'})} ${zone}`;
    el.appendChild(small);
  }
  return el;
}

export function relative(unix) {
  if (!unix) return '';
  const d = unix - Date.now() / 1000;
  const a = Math.abs(d);
  const rtf = new Intl.RelativeTimeFormat(undefined, {numeric: 'auto'});
  if (a < 60) return rtf.format(Math.round(d), 'second');
  if (a < 3600) return rtf.format(Math.round(d / 60), 'minute');
  if (a < 86400) return rtf.format(Math.round(d / 3600), 'hour');
  return rtf.format(Math.round(d / 86400), 'day');
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(2)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export {viewerZone};
