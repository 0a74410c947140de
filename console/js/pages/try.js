// "Try it": one call through the gateway, made by the management API on the console's behalf
// (POST /v2/{project}/gatehouse/try-call): the gateway is another origin, which the console's CSP
// does not allow, and its certificate is often self-signed. The AppCode goes in the JSON body.
import { h, clear, modal, field, attempt } from '../dom.js';
import { t } from '../i18n.js';
import { project } from '../api.js';

// A path from the API's req_uri: {param} placeholders filled with "test".
function samplePath(uri) {
  return uri.replace(/\{[^}]+\}/g, 'test');
}

// opts: {api, stage, codes: [AppCode values] (a select) or none (a text field)}
export function tryDialog(call, { api, stage, codes }) {
  return modal(t('tryTitle', api.name), () => {
    const path = field(t('path'), h('input.mono', { name: 'path', value: samplePath(api.req_uri) }));
    const stageF = field(t('stage'), h('input', { name: 'stage', value: stage || 'RELEASE' }));
    const codeInput = codes && codes.length
      ? h('select.mono', { name: 'app_code' }, codes.map((c) => h('option', { value: c }, c.slice(0, 12) + '…')))
      : h('input.mono', { name: 'app_code', type: 'password', autocomplete: 'off' });
    const code = field(t('appCode'), codeInput, api.auth_type === 'APP' ? t('tryCodeHint') : t('tryNoAuth'));
    const out = h('div.try-result', { 'aria-live': 'polite' });
    const send = async (e) => {
      e.preventDefault();
      clear(out, h('p', {}, t('sending')));
      const res = await attempt(() => call('POST', project().tryCall(), {
        method: api.req_method === 'ANY' ? 'GET' : api.req_method, path: path.input.value,
        stage: stageF.input.value, app_code: code.input.value || undefined,
      }));
      if (!res) return clear(out);
      clear(out,
        h('p', {}, h('strong', {}, t('httpStatus')), ' ', h('span', { id: 'try-status' }, String(res.status))),
        Object.keys(res.headers).length ? h('pre.mono', {}, Object.entries(res.headers).map(([k, v]) => `${k}: ${v}`).join('\n')) : '',
        h('pre.mono', { id: 'try-body' }, res.body + (res.truncated ? '\n…' : '')));
    };
    return h('form', { onsubmit: send },
      h('p', {}, h('code', {}, `${api.req_method} ${api.req_uri}`)),
      path.row, stageF.row, code.row,
      h('div.actions', {},
        h('button', { type: 'button', onclick: () => document.getElementById('dialog').close() }, t('close')),
        h('button.primary', { type: 'submit', id: 'try-send' }, t('send'))),
      out);
  });
}
