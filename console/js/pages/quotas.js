// App (credential) quotas of one instance (docs/compatibility.md#app-quotas): the list, and a
// quota's page with the apps bound to it (an app has at most one quota).
import { h, clear, table, attempt, notify, fmtTime } from '../dom.js';
import { t } from '../i18n.js';
import { inst } from '../api.js';
import { canWrite } from '../session.js';
import { UNITS, policyListPage, itemLink, itemHeader, card, removeThen, pickDialog } from './policies.js';

const fields = () => [
  { key: 'name', label: t('name'), required: true, hint: t('quotaNameRule') },
  { key: 'call_limits', label: t('callLimits'), kind: 'int', required: true },
  { key: 'time_interval', label: t('interval'), kind: 'int', required: true, value: 1 },
  { key: 'time_unit', label: t('unit'), kind: 'select', options: UNITS, value: 'DAY' },
  { key: 'reset_time', label: t('resetTime'), hint: t('resetTimeHint') },
  { key: 'remark', label: t('remark'), kind: 'textarea' },
];
const period = (x) => `${x.time_interval} ${x.time_unit}`;

export function quotasPage(ctx) {
  const p = inst(ctx.kind, ctx.instanceId);
  return policyListPage(ctx, {
    title: t('quotas'), lead: t('quotasLead'), key: 'quotas', list: p.quotas, item: (id) => p.quota(id),
    id: (x) => x.app_quota_id, name: (x) => x.name, fields: fields(), values: (x) => x,
    createTitle: t('createQuota'), editTitle: t('editQuota'), createId: 'create-quota', empty: t('noQuotas'),
    columns: [t('name'), t('callLimits'), t('period'), t('resetTime'), t('boundApps')],
    row: (x) => [itemLink(ctx, 'quotas', x.app_quota_id, x.name), String(x.call_limits), period(x), x.reset_time || '—',
      String(x.bound_app_num)],
  });
}

export async function quotaPage(ctx, id) {
  const { main, call } = ctx;
  const p = inst(ctx.kind, ctx.instanceId);
  const quota = await attempt(() => call('GET', p.quota(id)));
  if (!quota) return clear(main, h('h1', {}, t('quotas')));
  const appsBox = h('section.card', { 'aria-labelledby': 'qapps-h' });

  async function loadApps() {
    const res = await attempt(() => call('GET', p.quota(id, 'bound-apps', { limit: 100 })));
    if (!res) return;
    clear(appsBox, card('qapps-h', t('boundApps'),
      h('button.primary', { type: 'button', id: 'bind-apps', onclick: bind }, t('bindApps')),
      table([t('app'), 'AppKey', t('boundAt'), t('actions')], res.apps.map((a) => [
        itemLink(ctx, 'apps', a.app_id, a.name), h('code', {}, a.app_key), fmtTime(a.bound_time),
        canWrite() ? h('button.danger', { type: 'button', onclick: () => removeThen(call, t('confirmUnbindApp', a.name), t('unbind'), p.quota(id, `bound-apps/${encodeURIComponent(a.app_id)}`), loadApps) }, t('unbind')) : '',
      ]), t('noBoundApps'))));
  }
  async function bind() {
    const res = await attempt(() => call('GET', p.quota(id, 'bindable-apps', { limit: 100 })));
    if (!res) return;
    const ids = await pickDialog(t('bindApps'), res.apps.map((a) => ({ value: a.app_id, label: a.name })), t('bind'));
    if (!ids || !ids.length) return;
    if (await attempt(() => call('POST', p.quota(id, 'binding-apps'), { app_ids: ids }))) { notify(t('bound')); loadApps(); }
  }

  clear(main, itemHeader(ctx, 'quotas', t('quotas'), quota.name, [
    ['ID', h('code', {}, quota.app_quota_id)], [t('callLimits'), String(quota.call_limits)], [t('period'), period(quota)],
    [t('resetTime'), quota.reset_time], [t('remark'), quota.remark]]),
  appsBox);
  await loadApps();
}
