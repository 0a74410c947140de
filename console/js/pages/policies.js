// Shared by the traffic-governance pages (throttling policies, app quotas, access control): a form
// dialog built from a field list, a list page (create, edit, delete, a link to each item's page),
// the dialog that picks APIs published in one environment, and the parts of an item's page.
import { h, clear, table, attempt, modal, field, confirmAction, notify } from '../dom.js';
import { t } from '../i18n.js';
import { canWrite } from '../session.js';
import { kindLabel } from './instances.js';

export const UNITS = ['SECOND', 'MINUTE', 'HOUR', 'DAY'];
export const opts = (values) => values.map((v) => (Array.isArray(v) ? v : [v, v]));

const actions = (close, label) => h('div.actions', {},
  h('button', { type: 'button', onclick: () => close(undefined) }, t('cancel')),
  h('button.primary', { type: 'submit' }, label));

function inputFor(f, v) {
  if (f.kind === 'select')
    return h('select', { name: f.key }, opts(f.options).map(([value, label]) =>
      h('option', { value, selected: String(v ?? f.value) === String(value) }, label)));
  if (f.kind === 'textarea') {
    const ta = h('textarea', { name: f.key, rows: 3 });
    ta.value = Array.isArray(v) ? v.join('\n') : (v ?? '');
    return ta;
  }
  const int = f.kind === 'int';
  // An optional limit of 0 is "not set" (docs/compatibility.md#t2): shown empty.
  const shown = int && v === 0 && !f.required ? '' : (v ?? f.value ?? '');
  return h('input', { name: f.key, type: int ? 'number' : 'text', step: int ? 1 : null, value: shown, required: f.required });
}

// fields: [{key, label, kind: 'text'|'int'|'select'|'textarea'|'list', options, int, required,
// hint}]. Resolves the body (numbers parsed, empty optional numbers left out, a 'list' split on
// commas and new lines) or undefined when cancelled. The server validates: its error is shown.
export function formDialog(title, fields, values = {}, submitLabel = t('save')) {
  return modal(title, (close) => {
    const rows = fields.map((f) => ({ f, ...field(f.label, inputFor(f.kind === 'list' ? { ...f, kind: 'textarea' } : f, values[f.key]), f.hint) }));
    const submit = (e) => {
      e.preventDefault();
      const body = {};
      for (const { f, input } of rows) {
        const raw = input.value.trim();
        if (f.kind === 'int') { if (raw !== '') body[f.key] = Number(raw); }
        else if (f.kind === 'list') body[f.key] = raw.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);
        else if (f.int) body[f.key] = Number(raw);
        else body[f.key] = f.kind === 'textarea' ? input.value : raw;
      }
      close(body);
    };
    return h('form', { onsubmit: submit }, rows.map((r) => r.row), actions(close, submitLabel));
  });
}

// A list page: {title, lead, key (the answer's list), list(params), item(id), columns, row(x),
// name(x), fields, values(x) (item → form), toBody(form) (form → request), keep (fields an edit
// sends unchanged), createTitle, editTitle, createId, empty}.
export async function policyListPage(ctx, spec) {
  const { main, call } = ctx;
  const toBody = spec.toBody || ((b) => b);
  const box = h('div');
  async function load() {
    const res = await attempt(() => call('GET', spec.list({ limit: 100 })));
    if (!res) return;
    clear(box, table([...spec.columns, t('actions')], res[spec.key].map((x) => [...spec.row(x),
      canWrite() ? h('div.row-actions', {},
        h('button', { type: 'button', onclick: () => edit(x) }, t('edit')),
        h('button.danger', { type: 'button', onclick: () => remove(x) }, t('delete'))) : '']), spec.empty));
  }
  async function create() {
    const body = toBody(await formDialog(spec.createTitle, spec.fields));
    if (body && (await attempt(() => call('POST', spec.list(), body)))) { notify(t('created1', spec.name(body))); load(); }
  }
  async function edit(x) {
    const body = toBody(await formDialog(spec.editTitle, spec.fields, spec.values(x)));
    // PUT replaces the whole item: fields the form does not show are sent as they are.
    if (body) for (const k of spec.keep || []) if (x[k] !== undefined) body[k] = x[k];
    if (body && (await attempt(() => call('PUT', spec.item(spec.id(x)), body)))) { notify(t('saved')); load(); }
  }
  async function remove(x) {
    if (!(await confirmAction(t('confirmDelete', spec.name(x)), t('delete')))) return;
    if ((await attempt(() => call('DELETE', spec.item(spec.id(x))))) !== undefined) { notify(t('deleted')); load(); }
  }
  clear(main, h('h1', {}, spec.title, ' ', h('span.badge', {}, kindLabel(ctx.kind))),
    h('p.lead', {}, spec.lead),
    canWrite() ? h('div.toolbar', {}, h('button.primary', { type: 'button', id: spec.createId, onclick: create }, spec.createTitle)) : '',
    box);
  await load();
}

// Link to an item's page: #/i/<kind>/<instance>/<page>/<id>.
export const itemLink = (ctx, page, id, label) =>
  h('a', { href: `#/i/${ctx.kind}/${encodeURIComponent(ctx.instanceId)}/${page}/${encodeURIComponent(id)}` }, label);

// The top of an item's page: crumbs back to the list, the name, its properties [[label, value]].
export function itemHeader(ctx, page, listTitle, name, props) {
  return [
    h('p.crumbs', {}, h('a', { href: `#/i/${ctx.kind}/${encodeURIComponent(ctx.instanceId)}/${page}` }, listTitle), ' / ', name),
    h('h1', {}, name, ' ', h('span.badge', {}, kindLabel(ctx.kind))),
    h('section.card', { 'aria-label': t('settings') },
      h('dl.props', {}, props.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === '' || v === undefined ? '—' : v)]))),
  ];
}

// A card with a heading, an optional toolbar button and its content.
export function card(id, title, button, content) {
  return [h('h2', { id }, title), button && canWrite() ? h('div.toolbar', {}, button) : '', content];
}

// Confirms, calls DELETE on `path`, notifies and reloads.
export async function removeThen(call, message, label, path, reload) {
  if (!(await confirmAction(message, label))) return;
  if ((await attempt(() => call('DELETE', path))) !== undefined) { notify(t('deleted')); reload(); }
}

// Picks APIs published in one environment that `unbound(envId)` lists ({apis: [{publish_id,
// name, req_method, req_uri}]}); resolves their publish_ids or undefined.
export function bindApisDialog(call, title, envs, unbound) {
  return modal(title, (close) => {
    const env = field(t('env'), h('select', { name: 'env' }, envs.map((e) => h('option', { value: e.id }, e.name))));
    const list = h('div.checklist', { role: 'group', 'aria-label': t('apis') });
    const refresh = async () => {
      const res = await attempt(() => call('GET', unbound(env.input.value)));
      clear(list, (res && res.apis.length) ? res.apis.map((a) => h('label.check', {},
        h('input', { type: 'checkbox', value: a.publish_id }), ` ${a.name} (${a.req_method} ${a.req_uri})`))
        : h('p.empty', {}, t('noBindable')));
    };
    env.input.addEventListener('change', refresh);
    refresh();
    return h('form', { onsubmit: (e) => { e.preventDefault(); close([...list.querySelectorAll('input:checked')].map((i) => i.value)); } },
      env.row, list, actions(close, t('bind')));
  });
}

// Picks from a list of items [{value, label}]; resolves the chosen values or undefined.
export function pickDialog(title, items, submitLabel) {
  return modal(title, (close) => {
    const list = h('div.checklist', { role: 'group', 'aria-label': title }, items.length
      ? items.map((x) => h('label.check', {}, h('input', { type: 'checkbox', value: x.value }), ` ${x.label}`))
      : h('p.empty', {}, t('none')));
    return h('form', { onsubmit: (e) => { e.preventDefault(); close([...list.querySelectorAll('input:checked')].map((i) => i.value)); } },
      list, actions(close, submitLabel));
  });
}
