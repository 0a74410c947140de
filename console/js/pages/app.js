// One app: AppKey, AppSecret (hidden until revealed, copy, reset), its AppCodes (generate, add a
// custom one with live validation, copy, delete; "n of 5"), and the APIs it is authorized for
// (authorize / cancel per environment, "try it" through the gateway with one of its AppCodes), its
// app ACL and its quota (app_governance.js).
import { h, clear, table, attempt, modal, field, confirmAction, notify, copyText, fmtTime } from '../dom.js';
import { t } from '../i18n.js';
import { inst } from '../api.js';
import { canWrite } from '../session.js';
import { kindLabel } from './instances.js';
import { appForm } from './apps.js';
import { appCodeProblems, APP_CODE_LIMIT } from '../appcode_rules.js';
import { tryDialog } from './try.js';
import { appGovernance } from './app_governance.js';

function addCodeDialog() {
  return modal(t('addCustomCode'), (close) => {
    const input = h('textarea.mono', { name: 'app_code', rows: 3, 'aria-invalid': 'true' });
    const f = field(t('appCode'), input, t('codeRules'));
    const status = h('ul.checks', { 'aria-live': 'polite' });
    const counter = h('span.counter', {}, '0');
    const save = h('button.primary', { type: 'submit', disabled: true }, t('add'));
    const check = () => {
      const v = input.value;
      const problems = appCodeProblems(v);
      counter.textContent = t('chars', v.length);
      clear(status, ['codeRuleLength', 'codeRuleChars', 'codeRuleFirst'].map((k) =>
        h(problems.includes(k) ? 'li.bad' : 'li.good', {}, problems.includes(k) ? '✗ ' : '✓ ', t(k))));
      input.setAttribute('aria-invalid', problems.length ? 'true' : 'false');
      save.disabled = problems.length > 0;
    };
    input.addEventListener('input', check);
    check();
    return h('form', { onsubmit: (e) => { e.preventDefault(); close(input.value); } },
      f.row, counter, status,
      h('div.actions', {}, h('button', { type: 'button', onclick: () => close(undefined) }, t('cancel')), save));
  });
}

export async function appPage(ctx, appId) {
  const { main, call, kind, instanceId } = ctx;
  const paths = inst(kind, instanceId);
  const app = await attempt(() => call('GET', paths.app(appId)));
  if (!app) return clear(main, h('h1', {}, t('app')), h('p', {}, h('a', { href: `#/i/${kind}/${encodeURIComponent(instanceId)}/apps` }, t('backToApps'))));
  const writable = canWrite();
  let secretShown = false;
  const secretBox = h('code.secret', { id: 'app-secret' });
  const showSecret = () => { secretBox.textContent = secretShown ? app.app_secret : '•'.repeat(16); revealBtn.textContent = secretShown ? t('hide') : t('reveal'); };
  const revealBtn = h('button', { type: 'button', id: 'reveal-secret', onclick: () => { secretShown = !secretShown; showSecret(); } });
  showSecret();

  const codesBox = h('section.card', { 'aria-labelledby': 'codes-h' });
  const authBox = h('section.card', { 'aria-labelledby': 'auth-h' });
  const governance = appGovernance(ctx, paths, appId);
  let codes = [];

  async function loadCodes() {
    const res = await attempt(() => call('GET', paths.codes(appId, { limit: 50 })));
    if (!res) return;
    codes = res.app_codes;
    clear(codesBox,
      h('h2', { id: 'codes-h' }, t('appCodes'), ' ', h('span.badge', { id: 'code-count' }, t('nOfLimit', res.total, APP_CODE_LIMIT))),
      res.total >= APP_CODE_LIMIT ? h('p.hint', {}, t('codeLimitReached')) : '',
      writable ? h('div.toolbar', {},
        h('button.primary', { type: 'button', id: 'generate-code', onclick: generate }, t('generateCode')),
        h('button', { type: 'button', id: 'add-code', onclick: addCustom }, t('addCustomCode'))) : '',
      table([t('appCode'), t('created'), t('actions')], codes.map((c) => [
        h('code.mono.code-value', {}, c.app_code), fmtTime(c.create_time),
        h('div.row-actions', {},
          h('button', { type: 'button', class: 'copy-code', onclick: () => copyText(c.app_code) }, t('copy')),
          writable ? h('button.danger', { type: 'button', class: 'danger delete-code', onclick: () => removeCode(c) }, t('delete')) : ''),
      ]), t('noCodes')));
  }
  async function generate() {
    if (await attempt(() => call('PUT', paths.codes(appId), {}))) { notify(t('codeAdded')); loadCodes(); }
  }
  async function addCustom() {
    const value = await addCodeDialog();
    if (value === undefined) return;
    if (await attempt(() => call('POST', paths.codes(appId), { app_code: value }))) { notify(t('codeAdded')); loadCodes(); }
  }
  async function removeCode(c) {
    if (!(await confirmAction(t('confirmDeleteCode', c.app_code.slice(0, 8) + '…'), t('delete')))) return;
    if ((await attempt(() => call('DELETE', paths.code(appId, c.id)))) !== undefined) { notify(t('deleted')); loadCodes(); }
  }

  async function loadAuths() {
    const [bound, envs] = await Promise.all([
      attempt(() => call('GET', paths.bindedApis({ app_id: appId, limit: 100 }))),
      attempt(() => call('GET', paths.envs({ limit: 100 }))),
    ]);
    if (!bound || !envs) return;
    clear(authBox,
      h('h2', { id: 'auth-h' }, t('authorizedApis')),
      writable ? h('div.toolbar', {}, h('button.primary', { type: 'button', id: 'authorize', onclick: () => authorize(envs.envs) }, t('authorizeApis'))) : '',
      table([t('api'), t('group'), t('env'), t('authorizedAt'), t('actions')], bound.auths.map((a) => [
        a.api_name, a.group_name, a.env_name, fmtTime(a.auth_time),
        h('div.row-actions', {},
          h('button', { type: 'button', class: 'try-api', onclick: () => tryAuthorized(a) }, t('tryIt')),
          writable ? h('button.danger', { type: 'button', onclick: () => cancelAuth(a) }, t('cancelAuth')) : ''),
      ]), t('noAuths')));
  }
  async function authorize(envs) {
    const picked = await modal(t('authorizeApis'), (close) => {
      const env = field(t('env'), h('select', { name: 'env' }, envs.map((e) => h('option', { value: e.id }, e.name))));
      const list = h('div.checklist', { role: 'group', 'aria-label': t('apis') });
      const refresh = async () => {
        const res = await attempt(() => call('GET', paths.unbindedApis({ app_id: appId, env_id: env.input.value, limit: 100 })));
        clear(list, (res && res.apis.length) ? res.apis.map((a) => h('label.check', {},
          h('input', { type: 'checkbox', value: a.id }), ` ${a.name} (${a.req_method} ${a.req_uri})`)) : h('p.empty', {}, t('noUnbound')));
      };
      env.input.addEventListener('change', refresh);
      refresh();
      return h('form', {
        onsubmit: (e) => {
          e.preventDefault();
          close({ env: env.input.value, apis: [...list.querySelectorAll('input:checked')].map((i) => i.value) });
        },
      }, env.row, list, h('div.actions', {}, h('button', { type: 'button', onclick: () => close(undefined) }, t('cancel')),
        h('button.primary', { type: 'submit' }, t('authorize'))));
    });
    if (!picked || !picked.apis.length) return;
    const res = await attempt(() => call('POST', paths.auths(), { env_id: picked.env, app_ids: [appId], api_ids: picked.apis }));
    if (!res) return;
    for (const a of res.auths) {
      if (a.auth_result && a.auth_result.status === 'FAILED')
        notify(`${a.auth_result.error_code} ${a.auth_result.error_msg}`, 'error');
    }
    notify(t('authorized'));
    loadAuths();
  }
  async function cancelAuth(a) {
    if (!(await confirmAction(t('confirmCancelAuth', a.api_name, a.env_name), t('cancelAuth')))) return;
    if ((await attempt(() => call('DELETE', paths.auth(a.id)))) !== undefined) { notify(t('deleted')); loadAuths(); }
  }
  async function tryAuthorized(a) {
    const api = await attempt(() => call('GET', paths.api(a.api_id)));
    if (api) tryDialog(call, { api, stage: a.env_name, codes: codes.map((c) => c.app_code) });
  }

  async function resetSecret() {
    if (!(await confirmAction(t('confirmResetSecret', app.name), t('resetSecret')))) return;
    const updated = await attempt(() => call('PUT', paths.secret(appId), {}));
    if (updated) { app.app_secret = updated.app_secret; secretShown = false; showSecret(); notify(t('secretReset')); }
  }
  async function edit() {
    const input = await appForm(t('editApp'), app);
    if (input && (await attempt(() => call('PUT', paths.app(appId), input)))) { notify(t('saved')); ctx.render(); }
  }

  clear(main,
    h('p.crumbs', {}, h('a', { href: `#/i/${kind}/${encodeURIComponent(instanceId)}/apps` }, t('apps')), ' / ', app.name),
    h('h1', {}, app.name, ' ', h('span.badge', {}, kindLabel(kind)), app.roma_app_type ? h('span.badge', {}, app.roma_app_type) : ''),
    h('section.card', { 'aria-label': t('credentials') },
      h('dl.props', {},
        h('dt', {}, 'App ID'), h('dd', {}, h('code', {}, app.id)),
        h('dt', {}, t('remark')), h('dd', {}, app.remark || '—'),
        h('dt', {}, t('appType')), h('dd', {}, `${app.app_type} · ${kindLabel(kind)}`),
        h('dt', {}, 'AppKey'), h('dd', {}, h('code', { id: 'app-key' }, app.app_key), ' ',
          h('button', { type: 'button', onclick: () => copyText(app.app_key) }, t('copy'))),
        h('dt', {}, 'AppSecret'), h('dd', {}, secretBox, ' ', revealBtn, ' ',
          h('button', { type: 'button', id: 'copy-secret', onclick: () => copyText(app.app_secret) }, t('copy')),
          writable ? h('button.danger', { type: 'button', id: 'reset-secret', onclick: resetSecret }, t('resetSecret')) : ''),
        h('dt', {}, t('created')), h('dd', {}, fmtTime(app.register_time))),
      writable ? h('div.toolbar', {}, h('button', { type: 'button', onclick: edit }, t('edit'))) : ''),
    codesBox, authBox, governance.boxes);
  await loadCodes();
  await loadAuths();
  await governance.load();
}
