// app.js: the dashboard's entry: routing (history.pushState, so reload,
// back and bookmarks work), the nav bar and signing in and out.
import {h, clear} from './dom.js';
import * as api from './api.js';
import {navigate, setRouter, clearErrors, showError} from './ui.js';
import * as views from './views.js';
import {jobForm} from './jobform.js';
import {jobPage} from './jobpage.js';
import {accountHistory} from './changes.js';

// wanted: the screen asked for before signing in, to go on to after it
// (kept in memory only: a reload forgets it)
const state = {account: null, wanted: null};

const routes = [
  [/^\/signin$/, views.signIn, true],
  [/^\/overview$/, views.overview],
  [/^\/jobs$/, views.jobs],
  [/^\/jobs\/new$/, (main, m, ctx) => jobForm(main, null, ctx)],
  [/^\/jobs\/(\d+)$/, (main, m, ctx) => jobPage(main, Number(m[1]), ctx)],
  [/^\/jobs\/(\d+)\/edit$/, (main, m, ctx) => jobForm(main, Number(m[1]), ctx)],
  [/^\/failures$/, views.failures],
  [/^\/upcoming$/, views.upcoming],
  [/^\/groups$/, views.groups],
  [/^\/account$/, views.account],
  [/^\/users$/, views.users],
  [/^\/users\/(\d+)\/history$/, (main, m, ctx) => accountHistory(main, Number(m[1]), ctx)],
];

function navItems() {
  const items = [['/overview', 'Overview'], ['/jobs', 'Jobs'], ['/failures', 'Failures'],
    ['/upcoming', 'Upcoming'], ['/groups', 'Groups'], ['/account', 'Account']];
  if (state.account && state.account.admin) items.push(['/users', 'Users']);
  return items;
}

function renderNav() {
  const header = document.querySelector('header.top');
  const nav = document.getElementById('nav');
  clear(nav);
  if (!api.token()) {
    header.hidden = true;
    return;
  }
  header.hidden = false;
  const here = location.pathname;
  nav.appendChild(h('li', {class: 'brand'}, 'webcron'));
  for (const [path, text] of navItems()) {
    const current = here === path || (path !== '/' && here.startsWith(path + '/'));
    nav.appendChild(h('li', {}, h('a', {href: path, 'data-link': '', 'aria-current': current ? 'page' : null}, text)));
  }
  nav.appendChild(h('li', {class: 'signout'},
    h('button', {type: 'button', class: 'secondary', onclick: signOut}, 'Sign out')));
}

function signOut() {
  api.forget();
  state.account = null;
  clearErrors();
  navigate('/signin');
}

export async function signedIn(account) {
  state.account = account;
  const to = state.wanted || '/overview';
  state.wanted = null;
  navigate(to);
}

let renderSeq = 0;

async function route() {
  const seq = ++renderSeq;
  let path = location.pathname.replace(/(.)\/$/, '$1');
  const main = document.getElementById('main');
  if (path === '/') path = api.token() ? '/overview' : '/signin';
  if (!api.token() && path !== '/signin') {
    if (path !== '/') state.wanted = path + location.search;
    path = '/signin';
  }
  if (path !== location.pathname) history.replaceState(null, '', path);
  // the account (for the nav's Users link) is asked for alongside the
  // screen's own requests, not before them
  let accountWait = null;
  if (api.token() && !state.account) {
    accountWait = api.call('account.get').then((a) => { state.account = a; },
      (e) => { if (api.token()) showError(e); });
    accountWait.then(() => { if (seq === renderSeq && api.token()) renderNav(); });
  }
  const account = async () => { if (accountWait) await accountWait; return state.account; };
  renderNav();
  const found = routes.find(([re]) => re.test(path));
  clear(main);
  if (!found) {
    main.appendChild(h('h1', {}, 'Not found'));
    return;
  }
  try {
    await found[1](main, path.match(found[0]), {state, account, signedIn, isCurrent: () => seq === renderSeq});
  } catch (e) {
    if (seq === renderSeq && api.token()) showError(e);
  }
  if (seq === renderSeq) {
    const h1 = main.querySelector('h1');
    if (h1 && document.activeElement === document.body) h1.setAttribute('tabindex', '-1');
  }
}

api.whenSignedOut((err) => {
  state.account = null;
  clearErrors();
  showError(err.code === 12 ? 'This account is suspended.' : 'Your token is no longer valid: sign in again.');
  navigate('/signin', true);
});

setRouter(route);

document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a[data-link]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  ev.preventDefault();
  navigate(a.getAttribute('href'));
  document.getElementById('main').focus();
});
window.addEventListener('popstate', route);
route();
