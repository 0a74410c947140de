// APIs of one instance: create/edit a simple HTTP or MOCK API, publish/offline per environment,
// "try it" through the gateway.
import { h, clear, table, attempt, modal, field, confirmAction, notify } from '../dom.js';
import { t } from '../i18n.js';
import { inst } from '../api.js';
import { canWrite } from '../session.js';
import { kindLabel } from './instances.js';
import { tryDialog } from './try.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'ANY'];
const options = (values, selected) => values.map((v) => h('option', { value: v, selected: v === selected }, v));

function apiForm(title, groups, api = {}) {
  const be = api.backend_api || {};
  return modal(title, (close) => {
    const f = {
      group: field(t('group'), h('select', { name: 'group_id', disabled: !!api.id }, groups.map((g) => h('option', { value: g.id, selected: api.id ? g.id === api.group_id : g.is_default === 1 }, g.name)))),
      name: field(t('name'), h('input', { name: 'name', value: api.name || '', required: true })),
      method: field(t('method'), h('select', { name: 'req_method' }, options(METHODS, api.req_method || 'GET'))),
      uri: field(t('path'), h('input.mono', { name: 'req_uri', value: api.req_uri || '/', required: true }), t('uriHint')),
      auth: field(t('authType'), h('select', { name: 'auth_type' }, options(['APP', 'NONE', 'IAM'], api.auth_type || 'APP'))),
      backend: field(t('backendType'), h('select', { name: 'backend_type' }, options(['HTTP', 'MOCK'], api.backend_type || 'HTTP'))),
      url: field(t('backendUrl'), h('input.mono', { name: 'url_domain', value: be.url_domain || '', placeholder: '127.0.0.1:8000' })),
      beUri: field(t('backendPath'), h('input.mono', { name: 'backend_req_uri', value: be.req_uri || '/' })),
      mock: field(t('mockBody'), h('textarea.mono', { name: 'mock' })),
    };
    f.mock.input.value = (api.mock_info && api.mock_info.result_content) || '';
    const sync = () => {
      const mock = f.backend.input.value === 'MOCK';
      f.url.row.hidden = f.beUri.row.hidden = mock;
      f.mock.row.hidden = !mock;
    };
    f.backend.input.addEventListener('change', sync);
    sync();
    const submit = (e) => {
      e.preventDefault();
      const v = (k) => f[k].input.value;
      const body = {
        group_id: api.group_id || v('group'), name: v('name').trim(), type: 1, req_protocol: 'BOTH',
        req_method: v('method'), req_uri: v('uri').trim(), auth_type: v('auth'),
        auth_opt: { app_code_auth_type: v('auth') === 'APP' ? 'HEADER' : 'DISABLE' },
        backend_type: v('backend'),
      };
      if (body.backend_type === 'MOCK') body.mock_info = { result_content: v('mock') };
      else body.backend_api = { url_domain: v('url').trim(), req_protocol: 'HTTP', req_method: v('method') === 'ANY' ? 'GET' : v('method'), req_uri: v('beUri').trim(), timeout: 5000 };
      close(body);
    };
    return h('form', { onsubmit: submit }, Object.values(f).map((x) => x.row),
      h('div.actions', {}, h('button', { type: 'button', onclick: () => close(undefined) }, t('cancel')),
        h('button.primary', { type: 'submit' }, t('save'))));
  });
}

function publishDialog(api, envs) {
  const online = new Set((api.run_env_id || '').split('|').filter(Boolean));
  return modal(t('publishTitle', api.name), (close) => h('div', {},
    table([t('env'), t('status'), t('actions')], envs.map((e) => [e.name,
      online.has(e.id) ? h('span.badge.ok', {}, t('online')) : h('span.badge', {}, t('offline')),
      online.has(e.id)
        ? h('button.danger', { type: 'button', onclick: () => close({ action: 'offline', env: e }) }, t('takeOffline'))
        : h('button.primary', { type: 'button', onclick: () => close({ action: 'online', env: e }) }, t('publish'))])),
    h('div.actions', {}, h('button', { type: 'button', onclick: () => close(undefined) }, t('close')))));
}

export async function apisPage(ctx) {
  const { main, call, kind, instanceId } = ctx;
  const p = inst(kind, instanceId);
  const box = h('div');
  let groups = [];
  let envs = [];
  async function load() {
    const [g, e, a] = await Promise.all([
      attempt(() => call('GET', p.groups({ limit: 100 }))),
      attempt(() => call('GET', p.envs({ limit: 100 }))),
      attempt(() => call('GET', p.apis({ limit: 100 }))),
    ]);
    if (!g || !e || !a) return;
    groups = g.groups;
    envs = e.envs;
    clear(box, table([t('name'), t('group'), t('request'), t('authType'), t('backendType'), t('publishedIn'), t('actions')],
      a.apis.map((x) => [x.name, x.group_name, h('code', {}, `${x.req_method} ${x.req_uri}`), x.auth_type, x.backend_type,
        x.run_env_name || '—',
        h('div.row-actions', {},
          canWrite() ? h('button', { type: 'button', onclick: () => edit(x) }, t('edit')) : '',
          canWrite() ? h('button', { type: 'button', class: 'publish', onclick: () => publish(x) }, t('publish')) : '',
          h('button', { type: 'button', onclick: () => tryDialog(call, { api: x, stage: (x.run_env_name || 'RELEASE').split('|')[0] }) }, t('tryIt')),
          canWrite() ? h('button.danger', { type: 'button', onclick: () => remove(x) }, t('delete')) : '')]), t('noApis')));
  }
  async function create() {
    await loaded;
    const body = await apiForm(t('createApi'), groups);
    if (body && (await attempt(() => call('POST', p.apis(), body)))) { notify(t('created1', body.name)); load(); }
  }
  async function edit(x) {
    await loaded;
    const full = await attempt(() => call('GET', p.api(x.id)));
    if (!full) return;
    const body = await apiForm(t('editApi'), groups, full);
    if (body && (await attempt(() => call('PUT', p.api(x.id), body)))) { notify(t('saved')); load(); }
  }
  async function publish(x) {
    const choice = await publishDialog(x, envs);
    if (!choice) return;
    const done = await attempt(() => call('POST', p.action(), { action: choice.action, env_id: choice.env.id, api_id: x.id }));
    if (done !== undefined) { notify(choice.action === 'online' ? t('published', choice.env.name) : t('unpublished', choice.env.name)); load(); }
  }
  async function remove(x) {
    if (!(await confirmAction(t('confirmDelete', x.name), t('delete')))) return;
    if ((await attempt(() => call('DELETE', p.api(x.id)))) !== undefined) { notify(t('deleted')); load(); }
  }
  clear(main, h('h1', {}, t('apis'), ' ', h('span.badge', {}, kindLabel(kind))),
    canWrite() ? h('div.toolbar', {}, h('button.primary', { type: 'button', id: 'create-api', onclick: create }, t('createApi'))) : '',
    box);
  const loaded = load();  // groups and environments, which the forms offer
  await loaded;
}
