// The audit trail (GET /v2/{project}/gatehouse/audit-events), newest first, paged.
import { h, clear, table, attempt, fmtTime } from '../dom.js';
import { t } from '../i18n.js';
import { project } from '../api.js';

const PAGE = 20;

export async function auditPage({ main, call }) {
  let offset = 0;
  const box = h('div');
  async function load() {
    const res = await attempt(() => call('GET', project().audit({ offset, limit: PAGE })));
    if (!res) return;
    const pages = Math.max(1, Math.ceil(res.total / PAGE));
    const page = Math.floor(offset / PAGE) + 1;
    clear(box,
      table([t('time'), t('user'), t('action'), t('target'), t('result'), t('detail')], res.events.map((e) => [
        fmtTime(e.time), e.user_name, h('code', {}, e.action), `${e.target_type} ${e.target_id}`,
        h(e.result === 'success' ? 'span.badge.ok' : 'span.badge', {}, e.result), e.detail])),
      h('div.pager', {},
        h('button', { type: 'button', disabled: page <= 1, onclick: () => { offset -= PAGE; load(); } }, t('prev')),
        h('span', {}, t('pageOf', page, pages, res.total)),
        h('button', { type: 'button', disabled: page >= pages, onclick: () => { offset += PAGE; load(); } }, t('next'))));
  }
  clear(main, h('h1', {}, t('audit')), h('p.lead', {}, t('auditLead')), box);
  await load();
}
