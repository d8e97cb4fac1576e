// curl.js: a curl command line, as people paste it from documentation or
// a browser's "Copy as cURL", read into the parts of a job's request.
// Only reading: nothing here runs or fetches anything.

// The words of a POSIX shell line: '…' literal, "…" with \" \\ \$ \`
// escapes, \x outside quotes, backslash-newline joining lines (also
// "^\n" of Windows' cmd is not understood: a clear error instead).
export function shellWords(text) {
  const words = [];
  let word = null;
  let i = 0;
  const add = (s) => { word = (word ?? '') + s; };
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      if (text[i + 1] === '\n') { i += 2; continue; }
      if (text[i + 1] === '\r' && text[i + 2] === '\n') { i += 3; continue; }
      if (i + 1 >= text.length) throw new Error('The line ends with a lone backslash.');
      add(text[i + 1]);
      i += 2;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error('A single quote (\') is not closed.');
      add(text.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= text.length) throw new Error('A double quote (") is not closed.');
        const d = text[j];
        if (d === '"') break;
        if (d === '\\' && '"\\$`\n'.includes(text[j + 1])) {
          if (text[j + 1] !== '\n') s += text[j + 1];
          j += 2;
          continue;
        }
        s += d;
        j += 1;
      }
      add(s);
      i = j + 1;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (word !== null) words.push(word);
      word = null;
      i += 1;
    } else {
      add(c);
      i += 1;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

// Options that take a value, and those that take none and do not matter
// to a job (output, progress, TLS and connection details curl alone uses).
const WITH_VALUE = new Set(['-X', '--request', '-H', '--header', '-d', '--data', '--data-raw',
  '--data-binary', '--data-ascii', '--data-urlencode', '--json', '-u', '--user', '-A', '--user-agent',
  '--url', '-e', '--referer', '-b', '--cookie', '-m', '--max-time', '--connect-timeout', '-o',
  '--output', '-w', '--write-out', '--retry', '--retry-delay']);
const IGNORED = new Set(['-s', '--silent', '-S', '--show-error', '-v', '--verbose', '-i', '--include',
  '-L', '--location', '-k', '--insecure', '--compressed', '-f', '--fail', '-g', '--globoff',
  '-#', '--progress-bar', '-N', '--no-buffer', '-o', '--output', '-w', '--write-out', '--http1.1',
  '--http2', '-m', '--max-time', '--connect-timeout', '--retry', '--retry-delay']);

// parseCurl("curl -X POST -H 'A: b' -d x https://…") ->
// {url, method, headers: ['A: b'], body, username, password, userAgent,
//  followRedirects, sslVerify, timeout}; throws an Error saying what is wrong.
export function parseCurl(text) {
  const words = shellWords(String(text).trim());
  if (words[0] === '$') words.shift();
  if (words.length === 0 || words[0] !== 'curl') {
    throw new Error('Paste a command that starts with curl.');
  }
  const out = {url: '', method: '', headers: [], body: null, username: '', password: '',
    userAgent: '', followRedirects: null, sslVerify: null, timeout: null};
  const data = [];
  let get = false; // -G: the data goes into the query string
  for (let i = 1; i < words.length; i++) {
    let w = words[i];
    let value = null;
    // --opt=value and -Xvalue
    if (w.startsWith('--') && w.includes('=')) {
      value = w.slice(w.indexOf('=') + 1);
      w = w.slice(0, w.indexOf('='));
    } else if (/^-[A-Za-z]./.test(w) && WITH_VALUE.has(w.slice(0, 2))) {
      value = w.slice(2);
      w = w.slice(0, 2);
    }
    if (!w.startsWith('-') || w === '-') {
      if (out.url) throw new Error(`Two URLs: ${out.url} and ${w}. A job calls one.`);
      out.url = w;
      continue;
    }
    if (WITH_VALUE.has(w) && value === null) {
      if (i + 1 >= words.length) throw new Error(`${w} needs a value.`);
      value = words[++i];
    }
    switch (w) {
      case '-X': case '--request': out.method = value.toUpperCase(); break;
      case '-H': case '--header':
        if (!value.includes(':')) throw new Error(`The header "${value}" has no colon.`);
        if (/^user-agent\s*:/i.test(value)) out.userAgent = value.slice(value.indexOf(':') + 1).trim();
        else out.headers.push(value);
        break;
      case '-d': case '--data': case '--data-raw': case '--data-binary': case '--data-ascii':
      case '--data-urlencode':
        if (value.startsWith('@') && w !== '--data-raw') {
          throw new Error(`${w} ${value} reads a file, which a job cannot: paste the body itself.`);
        }
        data.push(value);
        break;
      case '--json':
        data.push(value);
        out.headers.push('Content-Type: application/json', 'Accept: application/json');
        break;
      case '-u': case '--user': {
        const colon = value.indexOf(':');
        out.username = colon < 0 ? value : value.slice(0, colon);
        out.password = colon < 0 ? '' : value.slice(colon + 1);
        break;
      }
      case '-A': case '--user-agent': out.userAgent = value; break;
      case '--url': out.url = value; break;
      case '-e': case '--referer': out.headers.push(`Referer: ${value}`); break;
      case '-b': case '--cookie': out.headers.push(`Cookie: ${value}`); break;
      case '-L': case '--location': out.followRedirects = true; break;
      case '-k': case '--insecure': out.sslVerify = false; break;
      case '-m': case '--max-time': out.timeout = Math.ceil(Number(value)) || null; break;
      case '-G': case '--get': get = true; break;
      default:
        if (!IGNORED.has(w)) throw new Error(`The option ${w} is not understood here.`);
    }
  }
  if (!out.url) throw new Error('The command has no URL.');
  if (!/^https?:\/\//i.test(out.url)) out.url = `http://${out.url}`;
  if (data.length && get) {
    out.url += (out.url.includes('?') ? '&' : '?') + data.join('&');
    out.method = out.method || 'GET';
  } else if (data.length) {
    out.body = data.join('&');
    if (!out.method) out.method = 'POST';
    if (!out.headers.some((x) => /^content-type\s*:/i.test(x))) {
      out.headers.push('Content-Type: application/x-www-form-urlencoded');
    }
  }
  if (!out.method) out.method = 'GET';
  return out;
}
