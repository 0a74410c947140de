// Request throttling policies of one instance (docs/compatibility.md#throttling): the list, and a
// policy's page with its special limits per app or account and its bindings to published APIs.
import { h, clear, table, attempt, modal, field, notify, fmtTime } from '../dom.js';
import { t } from '../i18n.js';
import { inst } from '../api.js';
import { canWrite } from '../session.js';
import {
  UNITS, formDialog, policyListPage, itemLink, itemHeader, card, removeThen, bindApisDialog,
} from './policies.js';

const fields = () => [
  { key: 'name', label: t('name'), required: true, hint: t('policyNameRule') },
  { key: 'api_call_limits', label: t('apiLimit'), kind: 'int', required: true },
  { key: 'user_call_limits', label: t('userLimit'), kind: 'int', hint: t('optionalLimit') },
  { key: 'app_call_limits', label: t('appLimit'), kind: 'int', hint: t('optionalLimit') },
  { key: 'ip_call_limits', label: t('ipLimit'), kind: 'int', hint: t('optionalLimit') },
  { key: 'time_interval', label: t('interval'), kind: 'int', required: true, value: 1 },
  { key: 'time_unit', label: t('unit'), kind: 'select', options: UNITS, value: 'MINUTE' },
  { key: 'type', label: t('policyType'), kind: 'select', int: true, options: [[1, t('typeExclusive')], [2, t('typeShared')]], value: 1 },
  { key: 'remark', label: t('remark'), kind: 'textarea' },
];
// Huawei's quota, which the server enforces (403 APIG.3100): 30 apps and 30 accounts per policy.
const SPECIALS_PER_TYPE = 30;
const limit = (n) => (n ? String(n) : '—');
const period = (x) => `${x.time_interval} ${x.time_unit}`;

export function throttlesPage(ctx) {
  const p = inst(ctx.kind, ctx.instanceId);
  return policyListPage(ctx, {
    title: t('throttles'), lead: t('throttlesLead'), key: 'throttles', list: p.throttles, item: p.throttle,
    id: (x) => x.id, name: (x) => x.name, fields: fields(), values: (x) => x, keep: ['enable_adaptive_control'],
    createTitle: t('createThrottle'), editTitle: t('editThrottle'), createId: 'create-throttle', empty: t('noThrottles'),
    columns: [t('name'), t('apiLimit'), t('userLimit'), t('appLimit'), t('ipLimit'), t('period'), t('boundApis')],
    row: (x) => [itemLink(ctx, 'throttles', x.id, x.name), limit(x.api_call_limits), limit(x.user_call_limits),
      limit(x.app_call_limits), limit(x.ip_call_limits), period(x), String(x.bind_num)],
  });
}

function specialDialog(apps) {
  return modal(t('addSpecial'), (close) => {
    const type = field(t('objectType'), h('select', { name: 'object_type' },
      h('option', { value: 'APP' }, t('specialApp')), h('option', { value: 'USER' }, t('specialUser'))));
    const app = field(t('app'), h('select', { name: 'app' }, apps.map((a) => h('option', { value: a.id }, a.name))));
    const account = field(t('accountId'), h('input.mono', { name: 'account' }), t('accountIdHint'));
    const limits = field(t('callLimits'), h('input', { name: 'call_limits', type: 'number', step: 1, required: true }));
    const sync = () => { app.row.hidden = type.input.value !== 'APP'; account.row.hidden = !app.row.hidden; };
    type.input.addEventListener('change', sync);
    sync();
    const submit = (e) => {
      e.preventDefault();
      const isApp = type.input.value === 'APP';
      close({ object_type: type.input.value, object_id: isApp ? app.input.value : account.input.value.trim(),
        call_limits: Number(limits.input.value) });
    };
    return h('form', { onsubmit: submit }, type.row, app.row, account.row, limits.row,
      h('div.actions', {}, h('button', { type: 'button', onclick: () => close(undefined) }, t('cancel')),
        h('button.primary', { type: 'submit' }, t('add'))));
  });
}

export async function throttlePage(ctx, id) {
  const { main, call } = ctx;
  const p = inst(ctx.kind, ctx.instanceId);
  const th = await attempt(() => call('GET', p.throttle(id)));
  if (!th) return clear(main, h('h1', {}, t('throttles')));
  const specialsBox = h('section.card', { 'aria-labelledby': 'specials-h' });
  const bindBox = h('section.card', { 'aria-labelledby': 'tbind-h' });

  async function loadSpecials() {
    const res = await attempt(() => call('GET', p.specials(id, { limit: 100 })));
    if (!res) return;
    const count = (type) => res.throttle_specials.filter((x) => x.object_type === type).length;
    clear(specialsBox, card('specials-h', [t('specials'), ' ', h('span.badge', { id: 'special-count' },
      t('specialCount', count('APP'), count('USER'), SPECIALS_PER_TYPE))],
      h('button.primary', { type: 'button', id: 'add-special', onclick: addSpecial }, t('addSpecial')),
      table([t('objectType'), t('object'), t('callLimits'), t('created'), t('actions')], res.throttle_specials.map((x) => [
        x.object_type, x.object_name, String(x.call_limits), fmtTime(x.apply_time),
        canWrite() ? h('div.row-actions', {},
          h('button', { type: 'button', onclick: () => editSpecial(x) }, t('edit')),
          h('button.danger', { type: 'button', onclick: () => removeThen(call, t('confirmDelete', x.object_name), t('delete'), p.special(id, x.id), loadSpecials) }, t('delete'))) : '',
      ]), t('noSpecials'))));
  }
  async function addSpecial() {
    const apps = await attempt(() => call('GET', p.apps({ limit: 100 })));
    if (!apps) return;
    const body = await specialDialog(apps.apps);
    if (body && (await attempt(() => call('POST', p.specials(id), body)))) { notify(t('saved')); loadSpecials(); }
  }
  async function editSpecial(x) {
    const body = await formDialog(t('editSpecial'), [{ key: 'call_limits', label: t('callLimits'), kind: 'int', required: true }], x);
    if (body && (await attempt(() => call('PUT', p.special(id, x.id), body)))) { notify(t('saved')); loadSpecials(); }
  }

  async function loadBindings() {
    const res = await attempt(() => call('GET', p.throttleBindings('binded-apis', { throttle_id: id, limit: 100 })));
    if (!res) return;
    clear(bindBox, card('tbind-h', t('boundApis'),
      h('button.primary', { type: 'button', id: 'bind-apis', onclick: bind }, t('bindApis')),
      table([t('api'), t('group'), t('env'), t('request'), t('boundAt'), t('actions')], res.apis.map((a) => [
        a.name, a.group_name, a.run_env_name, h('code', {}, `${a.req_method} ${a.req_uri}`), fmtTime(a.apply_time),
        canWrite() ? h('button.danger', { type: 'button', onclick: () => removeThen(call, t('confirmUnbind', a.name, a.run_env_name), t('unbind'), p.throttleBinding(a.throttle_apply_id), loadBindings) }, t('unbind')) : '',
      ]), t('noBoundApis'))));
  }
  async function bind() {
    const envs = await attempt(() => call('GET', p.envs({ limit: 100 })));
    if (!envs) return;
    const ids = await bindApisDialog(call, t('bindApis'), envs.envs,
      (env) => p.throttleBindings('unbinded-apis', { throttle_id: id, env_id: env, limit: 100 }));
    if (!ids || !ids.length) return;
    if (await attempt(() => call('POST', p.throttleBindings(''), { strategy_id: id, publish_ids: ids }))) { notify(t('bound')); loadBindings(); }
  }

  clear(main, itemHeader(ctx, 'throttles', t('throttles'), th.name, [
    ['ID', h('code', {}, th.id)], [t('apiLimit'), limit(th.api_call_limits)], [t('userLimit'), limit(th.user_call_limits)],
    [t('appLimit'), limit(th.app_call_limits)], [t('ipLimit'), limit(th.ip_call_limits)], [t('period'), period(th)],
    [t('policyType'), th.type === 2 ? t('typeShared') : t('typeExclusive')], [t('remark'), th.remark]]),
  specialsBox, bindBox);
  await loadSpecials();
  await loadBindings();
}
