// On an app's page: its app ACL (set, replace, remove; docs/compatibility.md#app-acl) and the app
// quota it is bound to, if any (docs/compatibility.md#q3).
import { h, clear, attempt, notify, showError } from '../dom.js';
import { t } from '../i18n.js';
import { canWrite } from '../session.js';
import { card, formDialog, itemLink, removeThen } from './policies.js';

export function appGovernance(ctx, paths, appId) {
  const { call } = ctx;
  const aclBox = h('section.card', { 'aria-labelledby': 'appacl-h' });
  const quotaBox = h('section.card', { 'aria-labelledby': 'appquota-h' });

  async function loadAcl() {
    const acl = await attempt(() => call('GET', paths.appAcl(appId)));
    if (!acl) return;
    const set = acl.app_acl_values.length > 0;
    clear(aclBox, card('appacl-h', t('appAcl'),
      h('button.primary', { type: 'button', id: 'set-app-acl', onclick: () => edit(acl) }, t('setAppAcl')),
      set ? [h('dl.props', { id: 'app-acl' },
        h('dt', {}, t('aclType')), h('dd', {}, h('span.badge', {}, acl.app_acl_type === 'DENY' ? t('deny') : t('permit'))),
        h('dt', {}, t('aclValues')), h('dd', {}, acl.app_acl_values.map((v) => h('code.value', {}, v)))),
      canWrite() ? h('div.toolbar', {}, h('button.danger', { type: 'button', id: 'remove-app-acl', onclick: remove }, t('removeAppAcl'))) : '']
        : h('p.empty', {}, t('noAppAcl'))));
  }
  async function edit(acl) {
    const body = await formDialog(t('setAppAcl'), [
      { key: 'app_acl_type', label: t('aclType'), kind: 'select', options: [['PERMIT', t('permit')], ['DENY', t('deny')]] },
      { key: 'app_acl_values', label: t('aclValues'), kind: 'list', required: true, hint: t('appAclValuesHint') },
    ], { app_acl_type: acl.app_acl_type || 'PERMIT', app_acl_values: acl.app_acl_values });
    if (body && (await attempt(() => call('PUT', paths.appAcl(appId), body)))) { notify(t('saved')); loadAcl(); }
  }
  const remove = () => removeThen(call, t('confirmRemoveAppAcl'), t('removeAppAcl'), paths.appAcl(appId), loadAcl);

  async function loadQuota() {
    let quota = null;
    try {
      quota = await call('GET', paths.boundQuota(appId));
    } catch (err) {
      // APIG.3093: the app has no quota, which is no error here.
      if (err.code !== 'APIG.3093' && !err.expired) showError(err);
      if (err.code !== 'APIG.3093') return;
    }
    clear(quotaBox, card('appquota-h', t('appQuota'), null, quota
      ? h('p', { id: 'app-quota' }, itemLink(ctx, 'quotas', quota.app_quota_id, quota.name), ' — ',
        t('quotaSummary', quota.call_limits, `${quota.time_interval} ${quota.time_unit}`))
      : h('p.empty', {}, t('noAppQuota'))));
  }
  return { boxes: [aclBox, quotaBox], load: () => Promise.all([loadAcl(), loadQuota()]) };
}
