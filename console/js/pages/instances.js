// Instances (APIG dedicated gateways and ROMA Connect instances) and the ModelArts view of apps.
import { h, clear, table, attempt, fmtTime } from '../dom.js';
import { t } from '../i18n.js';
import { project } from '../api.js';

const KEY = 'gatehouse.instance';

// The instance the instance-scoped pages work on: {kind: 'apigw'|'apic', id, name}.
export function currentInstance() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}
export function chooseInstance(kind, id, name) {
  sessionStorage.setItem(KEY, JSON.stringify({ kind, id, name: name || id }));
}

// Chooses the project's first APIG instance (else ROMA) when none is chosen yet.
export async function ensureInstance(call) {
  if (currentInstance()) return;
  const p = project();
  try {
    const apig = await call('GET', p.apigInstances());
    if (apig.instances.length) return chooseInstance('apigw', apig.instances[0].id, apig.instances[0].instance_name);
    const roma = await call('GET', p.romaInstances());
    if (roma.instances.length) chooseInstance('apic', roma.instances[0].id, roma.instances[0].name);
  } catch {
    // The page that follows shows the error of its own calls.
  }
}

export function kindLabel(kind) {
  return kind === 'apic' ? t('kindRoma') : t('kindApig');
}

export async function instancesPage({ main, call, go }) {
  const p = project();
  const [apig, roma] = await Promise.all([
    attempt(() => call('GET', p.apigInstances())),
    attempt(() => call('GET', p.romaInstances())),
  ]);
  const rows = [];
  for (const i of (apig && apig.instances) || []) rows.push(['apigw', i]);
  for (const i of (roma && roma.instances) || []) rows.push(['apic', i]);
  const open = (kind, i, page) => {
    chooseInstance(kind, i.id, i.instance_name || i.name);
    go(`#/i/${kind}/${encodeURIComponent(i.id)}/${page}`);
  };
  clear(main,
    h('h1', {}, t('instances')),
    h('p.lead', {}, t('instancesLead')),
    table([t('name'), t('kind'), 'ID', t('status'), t('created'), t('actions')],
      rows.map(([kind, i]) => [
        i.instance_name || i.name, h('span.badge', {}, kindLabel(kind)), h('code', {}, i.id), i.status,
        fmtTime(i.create_time),
        h('div.row-actions', {},
          h('button', { type: 'button', onclick: () => open(kind, i, 'apps') }, t('apps')),
          h('button', { type: 'button', onclick: () => open(kind, i, 'apis') }, t('apis'))),
      ])));
}

// ModelArts app-auth: the same apps, as ModelArts lists them (its own dialect, v1).
export async function modelartsPage({ main, call }) {
  const list = await attempt(() => call('GET', project().modelartsApps()));
  const apps = (list && list.apps) || [];
  clear(main,
    h('h1', {}, t('modelarts')),
    h('p.lead', {}, t('modelartsLead')),
    table([t('name'), 'AppKey', t('appType'), t('appCodes'), t('boundApis'), t('created')],
      apps.map((a) => [a.app_name, h('code', {}, a.app_key), a.app_type, String((a.app_codes || []).length),
        String(a.bounded_api_count ?? ''), fmtTime(a.created_at)])));
}
