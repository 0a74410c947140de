// Entry point: the header (navigation, language, sign-out) and a hash router. Routes:
//   #/signin  #/instances  #/i/<kind>/<instance>/apps[/<app>]  #/i/<kind>/<instance>/groups
//   #/i/<kind>/<instance>/envs  #/i/<kind>/<instance>/apis  #/audit  #/modelarts
//   #/i/<kind>/<instance>/throttles[/<id>]  …/quotas[/<id>]  …/acls[/<id>]
import { h, clear, clearAlerts, notify } from './dom.js';
import { t, lang, setLang, languages } from './i18n.js';
import { session, endSession, whenExpired } from './session.js';
import { call } from './api.js';
import { signInPage } from './pages/signin.js';
import { instancesPage, modelartsPage, currentInstance, ensureInstance } from './pages/instances.js';
import { appsPage } from './pages/apps.js';
import { appPage } from './pages/app.js';
import { groupsPage, envsPage } from './pages/groups.js';
import { apisPage } from './pages/apis.js';
import { auditPage } from './pages/audit.js';
import { throttlesPage, throttlePage } from './pages/throttles.js';
import { quotasPage, quotaPage } from './pages/quotas.js';
import { aclsPage, aclPage } from './pages/acls.js';

const main = document.getElementById('main');

function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

export function signOut(reason) {
  // The token is forgotten (the IAM dialect has no revocation call); it lapses at its expiry.
  endSession();
  sessionStorage.setItem('gatehouse.signout', reason || 'signed-out');
  go('#/signin');
}

whenExpired(() => signOut('expired'));

function header() {
  const top = document.getElementById('top');
  const s = session();
  const inst = currentInstance();
  const base = inst ? `#/i/${inst.kind}/${encodeURIComponent(inst.id)}` : null;
  const link = (href, label) => h('a', { href, 'aria-current': location.hash.startsWith(href) ? 'page' : null }, label);
  const langSelect = h('select', { id: 'lang', 'aria-label': t('language'), onchange: (e) => { setLang(e.target.value); render(); } },
    languages.map(([code, name]) => h('option', { value: code, selected: code === lang() }, name)));
  clear(top,
    h('div.brand', {}, h('span.logo', { 'aria-hidden': 'true' }, '⌂'), ' Gatehouse'),
    s ? h('nav', { 'aria-label': t('navigation') },
      link('#/instances', t('instances')),
      base && link(`${base}/apps`, t('apps')),
      base && link(`${base}/groups`, t('groups')),
      base && link(`${base}/envs`, t('envs')),
      base && link(`${base}/apis`, t('apis')),
      base && link(`${base}/throttles`, t('throttles')),
      base && link(`${base}/quotas`, t('quotas')),
      base && link(`${base}/acls`, t('acls')),
      link('#/modelarts', t('modelarts')),
      link('#/audit', t('audit'))) : h('span'),
    h('div.who', {},
      langSelect,
      s && h('span.user', {}, `${s.user} @ ${s.projectName}`,
        s.roles.length ? h('span.badge', {}, s.roles.join(', ')) : ''),
      s && h('button', { type: 'button', id: 'signout', onclick: () => signOut() }, t('signOut'))));
}

async function render() {
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  const hash = location.hash || '#/instances';
  const parts = hash.slice(2).split('/').map(decodeURIComponent);
  clearAlerts();
  const dialog = document.getElementById('dialog');
  if (dialog.open) dialog.close();  // a dialog belongs to the page it was opened on
  if (!session() && parts[0] !== 'signin') return go('#/signin');
  if (session() && parts[0] !== 'signin') await ensureInstance(call);
  header();
  // Each render gets a fresh view: a page still loading when the user (or an expiry) moves on
  // writes into its own detached view, never over the next page.
  const view = h('div.view');
  clear(main, view);
  if (parts[0] === 'signin') {
    if (session()) return go('#/instances');
    const reason = sessionStorage.getItem('gatehouse.signout');
    sessionStorage.removeItem('gatehouse.signout');
    if (reason === 'expired') notify(t('expired'), 'error');
    return signInPage(view, () => go('#/instances'));
  }
  const ctx = { main: view, go, render, call };
  if (parts[0] === 'instances') return instancesPage(ctx);
  if (parts[0] === 'modelarts') return modelartsPage(ctx);
  if (parts[0] === 'audit') return auditPage(ctx);
  if (parts[0] === 'i' && parts.length >= 4) {
    const [, kind, id, page, sub] = parts;
    if (kind !== 'apigw' && kind !== 'apic') return notFound();
    ctx.kind = kind;
    ctx.instanceId = id;
    if (page === 'apps' && sub) return appPage(ctx, sub);
    if (page === 'apps') return appsPage(ctx);
    if (page === 'groups') return groupsPage(ctx);
    if (page === 'envs') return envsPage(ctx);
    if (page === 'apis') return apisPage(ctx);
    if (page === 'throttles') return sub ? throttlePage(ctx, sub) : throttlesPage(ctx);
    if (page === 'quotas') return sub ? quotaPage(ctx, sub) : quotasPage(ctx);
    if (page === 'acls') return sub ? aclPage(ctx, sub) : aclsPage(ctx);
  }
  return notFound();
}

function notFound() {
  clear(main, h('div.view', {}, h('h1', {}, t('notFound')), h('p', {}, h('a', { href: '#/instances' }, t('instances')))));
}

window.addEventListener('hashchange', render);
render();
