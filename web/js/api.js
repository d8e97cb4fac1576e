// api.js: the one way the dashboard talks to webcrond: POST /api/<action>
// with a JSON body and Authorization: Bearer <token>. The token is kept in
// sessionStorage (this tab), or localStorage when "Remember me" was ticked;
// never in a URL, a cookie or a log line.

const KEY = 'webcron.token';

export class ApiError extends Error {
  constructor(code, message, field) {
    super(message);
    this.code = code;
    this.field = field || null;
  }
}

export function token() {
  return sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || '';
}

export function setToken(value, remember) {
  forget();
  (remember ? localStorage : sessionStorage).setItem(KEY, value);
}

export function forget() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

let onSignedOut = () => {};
export function whenSignedOut(fn) { onSignedOut = fn; }

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// call('cron.list', {page: 1}) -> data, or throws ApiError.
// tokenOverride: for signing in with a token not stored yet.
export async function call(action, params, tokenOverride) {
  const t = tokenOverride ?? token();
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await fetch(`/api/${action}`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json', 'Authorization': `Bearer ${t}`},
        body: JSON.stringify(params || {}),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(-1, 'The server cannot be reached. Check your connection and try again.');
    }
    let body = null;
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    // the rate limit: wait as told (a little) and try again
    if (res.status === 503 && body && body.code === 50 && attempt < 3) {
      const after = Math.min(Number(res.headers.get('Retry-After')) || 1, 5);
      await sleep(after * 1000);
      continue;
    }
    if (!body || typeof body.code !== 'number') {
      throw new ApiError(-1, `The server answered HTTP ${res.status} without an API answer.`);
    }
    if (body.code !== 0) {
      const err = new ApiError(body.code, body.message || `error ${body.code}`, body.field);
      // once: the other requests in flight with the same token fail too
      if ((body.code === 10 || body.code === 11 || body.code === 12) && tokenOverride === undefined && token()) {
        forget();
        onSignedOut(err);
      }
      throw err;
    }
    return body.data;
  }
}

// Every page of a list action (limit 1000 a page), for small accounts.
export async function all(action, params) {
  const out = [];
  for (let page = 1; page <= 100; page++) {
    const rows = await call(action, {...params, page, limit: 1000});
    out.push(...rows);
    if (rows.length < 1000) break;
  }
  return out;
}
