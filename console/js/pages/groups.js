// API groups and environments of one instance (list, create, delete).
import { h, clear, table, attempt, modal, field, confirmAction, notify, fmtTime } from '../dom.js';
import { t } from '../i18n.js';
import { inst } from '../api.js';
import { canWrite } from '../session.js';
import { kindLabel } from './instances.js';

function nameRemarkForm(title, nameHint) {
  return modal(title, (close) => {
    const name = field(t('name'), h('input', { name: 'name', required: true, maxlength: 64 }), nameHint);
    const remark = field(t('remark'), h('textarea', { name: 'remark', maxlength: 255 }));
    return h('form', { onsubmit: (e) => { e.preventDefault(); close({ name: name.input.value.trim(), remark: remark.input.value }); } },
      name.row, remark.row,
      h('div.actions', {}, h('button', { type: 'button', onclick: () => close(undefined) }, t('cancel')),
        h('button.primary', { type: 'submit' }, t('save'))));
  });
}

// A list page of one resource: {title, path(params), key, columns, row(item), createTitle, nameHint, item path}.
async function resourcePage(ctx, spec) {
  const { main, call } = ctx;
  const box = h('div');
  async function load() {
    const res = await attempt(() => call('GET', spec.list({ limit: 100 })));
    if (!res) return;
    clear(box, table([...spec.columns, t('actions')], res[spec.key].map((x) => [
      ...spec.row(x),
      canWrite() && spec.deletable(x) ? h('button.danger', { type: 'button', onclick: () => remove(x) }, t('delete')) : '',
    ])));
  }
  async function create() {
    const input = await nameRemarkForm(spec.createTitle, spec.nameHint);
    if (input && (await attempt(() => call('POST', spec.list(), input)))) { notify(t('created1', input.name)); load(); }
  }
  async function remove(x) {
    if (!(await confirmAction(t('confirmDelete', x.name), t('delete')))) return;
    if ((await attempt(() => call('DELETE', spec.item(x.id)))) !== undefined) { notify(t('deleted')); load(); }
  }
  clear(main, h('h1', {}, spec.title, ' ', h('span.badge', {}, kindLabel(ctx.kind))),
    canWrite() ? h('div.toolbar', {}, h('button.primary', { type: 'button', onclick: create }, spec.createTitle)) : '',
    box);
  await load();
}

export function groupsPage(ctx) {
  const p = inst(ctx.kind, ctx.instanceId);
  return resourcePage(ctx, {
    title: t('groups'), key: 'groups', list: p.groups, item: (id) => `${p.base}/api-groups/${encodeURIComponent(id)}`,
    columns: [t('name'), t('domain'), t('remark'), t('created')],
    row: (g) => [g.name + (g.is_default === 1 ? ` (${t('default')})` : ''), h('code', {}, g.sl_domain), g.remark, fmtTime(g.register_time)],
    deletable: (g) => g.is_default !== 1, createTitle: t('createGroup'), nameHint: t('groupNameRule'),
  });
}

export function envsPage(ctx) {
  const p = inst(ctx.kind, ctx.instanceId);
  return resourcePage(ctx, {
    title: t('envs'), key: 'envs', list: p.envs, item: (id) => `${p.base}/envs/${encodeURIComponent(id)}`,
    columns: [t('name'), 'ID', t('remark'), t('created')],
    row: (e) => [e.name, h('code', {}, e.id), e.remark, fmtTime(e.create_time)],
    deletable: (e) => e.id !== 'DEFAULT_ENVIRONMENT_RELEASE_ID', createTitle: t('createEnv'), nameHint: t('envNameRule'),
  });
}
