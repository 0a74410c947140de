// Access-control policies of one instance (docs/compatibility.md#acls): the list, and a policy's
// page with its bindings to published APIs.
import { h, clear, table, attempt, notify, fmtTime } from '../dom.js';
import { t } from '../i18n.js';
import { inst } from '../api.js';
import { canWrite } from '../session.js';
import { policyListPage, itemLink, itemHeader, card, removeThen, bindApisDialog } from './policies.js';

const fields = () => [
  { key: 'acl_name', label: t('name'), required: true, hint: t('policyNameRule') },
  { key: 'acl_type', label: t('aclType'), kind: 'select', options: [['PERMIT', t('permit')], ['DENY', t('deny')]] },
  { key: 'entity_type', label: t('entityType'), kind: 'select', options: [['IP', t('entityIp')], ['DOMAIN', t('entityDomain')], ['DOMAIN_ID', t('entityDomainId')]] },
  { key: 'acl_value', label: t('aclValues'), kind: 'textarea', required: true, hint: t('aclValuesHint') },
];
// The form takes one value a line; the API one comma-separated string.
const toBody = (b) => b && { ...b, acl_value: b.acl_value.split(/[\n,]/).map((x) => x.trim()).filter(Boolean).join(',') };
const values = (x) => ({ ...x, acl_value: x.acl_value.split(',').join('\n') });

export function aclsPage(ctx) {
  const p = inst(ctx.kind, ctx.instanceId);
  return policyListPage(ctx, {
    title: t('acls'), lead: t('aclsLead'), key: 'acls', list: p.acls, item: p.acl,
    id: (x) => x.id, name: (x) => x.acl_name, fields: fields(), values, toBody,
    createTitle: t('createAcl'), editTitle: t('editAcl'), createId: 'create-acl', empty: t('noAcls'),
    columns: [t('name'), t('aclType'), t('entityType'), t('aclValues'), t('boundApis')],
    row: (x) => [itemLink(ctx, 'acls', x.id, x.acl_name), x.acl_type, x.entity_type,
      h('code.values', {}, x.acl_value), String(x.bind_num)],
  });
}

export async function aclPage(ctx, id) {
  const { main, call } = ctx;
  const p = inst(ctx.kind, ctx.instanceId);
  const acl = await attempt(() => call('GET', p.acl(id)));
  if (!acl) return clear(main, h('h1', {}, t('acls')));
  const bindBox = h('section.card', { 'aria-labelledby': 'abind-h' });

  async function loadBindings() {
    const res = await attempt(() => call('GET', p.aclBindings('binded-apis', { acl_id: id, limit: 100 })));
    if (!res) return;
    clear(bindBox, card('abind-h', t('boundApis'),
      h('button.primary', { type: 'button', id: 'bind-apis', onclick: bind }, t('bindApis')),
      table([t('api'), t('group'), t('env'), t('method'), t('boundAt'), t('actions')], res.apis.map((a) => [
        a.api_name, a.group_name, a.env_name, a.req_method, fmtTime(a.bind_time),
        canWrite() ? h('button.danger', { type: 'button', onclick: () => removeThen(call, t('confirmUnbind', a.api_name, a.env_name), t('unbind'), p.aclBinding(a.bind_id), loadBindings) }, t('unbind')) : '',
      ]), t('noBoundApis'))));
  }
  async function bind() {
    const envs = await attempt(() => call('GET', p.envs({ limit: 100 })));
    if (!envs) return;
    const ids = await bindApisDialog(call, t('bindApis'), envs.envs,
      (env) => p.aclBindings('unbinded-apis', { acl_id: id, env_id: env, limit: 100 }));
    if (!ids || !ids.length) return;
    if (await attempt(() => call('POST', p.aclBindings(''), { acl_id: id, publish_ids: ids }))) { notify(t('bound')); loadBindings(); }
  }

  clear(main, itemHeader(ctx, 'acls', t('acls'), acl.acl_name, [
    ['ID', h('code', {}, acl.id)], [t('aclType'), acl.acl_type], [t('entityType'), acl.entity_type],
    [t('aclValues'), h('code.values', {}, acl.acl_value)], [t('updated'), fmtTime(acl.update_time)]]),
  bindBox);
  await loadBindings();
}
