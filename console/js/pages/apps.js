// Apps of one instance: search by name, paging, create, edit, delete (with confirmation).
import { h, clear, table, attempt, modal, field, confirmAction, notify, fmtTime } from '../dom.js';
import { t } from '../i18n.js';
import { inst } from '../api.js';
import { canWrite } from '../session.js';
import { kindLabel } from './instances.js';

const PAGE = 10;

// Create/edit form: resolves {name, remark} or undefined when cancelled.
export function appForm(title, app = {}) {
  return modal(title, (close) => {
    const name = field(t('name'), h('input', { name: 'name', value: app.name || '', required: true, maxlength: 64 }), t('appNameRule'));
    const remark = field(t('remark'), h('textarea', { name: 'remark', maxlength: 255 }));
    remark.input.value = app.remark || '';
    return h('form', {
      onsubmit: (e) => { e.preventDefault(); close({ name: name.input.value.trim(), remark: remark.input.value }); },
    }, name.row, remark.row, h('div.actions', {},
      h('button', { type: 'button', onclick: () => close(undefined) }, t('cancel')),
      h('button.primary', { type: 'submit' }, t('save'))));
  });
}

export async function appsPage(ctx) {
  const { main, call, kind, instanceId } = ctx;
  const paths = inst(kind, instanceId);
  const state = { name: '', offset: 0 };
  const listBox = h('div');
  const search = h('input', { type: 'search', name: 'search', placeholder: t('searchByName'), 'aria-label': t('searchByName') });

  async function load() {
    const res = await attempt(() => call('GET', paths.apps({ name: state.name, offset: state.offset, limit: PAGE })));
    if (!res) return;
    const pages = Math.max(1, Math.ceil(res.total / PAGE));
    const page = Math.floor(state.offset / PAGE) + 1;
    clear(listBox,
      table([t('name'), 'AppKey', t('remark'), t('boundApis'), t('created'), t('actions')],
        res.apps.map((a) => [
          h('a', { href: `#/i/${kind}/${encodeURIComponent(instanceId)}/apps/${encodeURIComponent(a.id)}` }, a.name),
          h('code', {}, a.app_key), a.remark, String(a.bind_num ?? 0), fmtTime(a.register_time),
          canWrite() ? h('div.row-actions', {},
            h('button', { type: 'button', onclick: () => edit(a) }, t('edit')),
            h('button.danger', { type: 'button', onclick: () => remove(a) }, t('delete'))) : '',
        ]), t('noApps')),
      h('div.pager', {},
        h('button', { type: 'button', disabled: page <= 1, onclick: () => { state.offset -= PAGE; load(); } }, t('prev')),
        h('span', { 'aria-live': 'polite' }, t('pageOf', page, pages, res.total)),
        h('button', { type: 'button', disabled: page >= pages, onclick: () => { state.offset += PAGE; load(); } }, t('next'))));
  }

  async function create() {
    const input = await appForm(t('createApp'));
    if (!input) return;
    const app = await attempt(() => call('POST', paths.apps(), input));
    if (app) {
      notify(t('created1', app.name));
      ctx.go(`#/i/${kind}/${encodeURIComponent(instanceId)}/apps/${encodeURIComponent(app.id)}`);
    }
  }
  async function edit(a) {
    const input = await appForm(t('editApp'), a);
    if (!input) return;
    if (await attempt(() => call('PUT', paths.app(a.id), input))) { notify(t('saved')); load(); }
  }
  async function remove(a) {
    if (!(await confirmAction(t('confirmDeleteApp', a.name), t('delete')))) return;
    if ((await attempt(() => call('DELETE', paths.app(a.id)))) !== undefined) { notify(t('deleted')); load(); }
  }

  clear(main,
    h('h1', {}, t('apps'), ' ', h('span.badge', {}, kindLabel(kind))),
    h('div.toolbar', {},
      h('form.search', { role: 'search', onsubmit: (e) => { e.preventDefault(); state.name = search.value.trim(); state.offset = 0; load(); } },
        search, h('button', { type: 'submit' }, t('search'))),
      canWrite() ? h('button.primary', { type: 'button', id: 'create-app', onclick: create }, t('createApp')) : ''),
    listBox);
  await load();
}
