// The management API, same origin. Every failure is thrown as an ApiError carrying the Huawei
// error_code and error_msg (Keystone-style IAM errors are mapped to code "IAM.<status>").
import { session, expire } from './session.js';

export class ApiError extends Error {
  constructor(status, code, message, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

const EXPIRED_CODES = new Set(['APIG.1000', 'APIG.1001', 'APIG.1002']);

async function toError(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const requestId = res.headers.get('X-Request-Id') || (body && body.request_id) || '';
  if (body && body.error_code) return new ApiError(res.status, body.error_code, body.error_msg, requestId);
  if (body && body.error && body.error.message)
    return new ApiError(res.status, `IAM.${body.error.code}`, body.error.message, requestId);
  return new ApiError(res.status, `HTTP.${res.status}`, res.statusText || 'Request failed', requestId);
}

// call('GET', '/v2/...') → parsed JSON (null for 204). Signs out on an expired/invalid token.
export async function call(method, path, body, { auth = true, raw = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const s = session();
  if (auth && s) headers['X-Auth-Token'] = s.token;
  let res;
  try {
    res = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit',
    });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', e.message || 'Network error', '');
  }
  if (!res.ok) {
    const err = await toError(res);
    if (auth && res.status === 401 && (EXPIRED_CODES.has(err.code) || err.code === 'IAM.401')) {
      err.expired = true;
      expire();
    }
    throw err;
  }
  if (raw) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export function signIn({ domain, user, password, project }) {
  return call('POST', '/v3/auth/tokens?nocatalog=true', {
    auth: {
      identity: { methods: ['password'], password: { user: { domain: { name: domain }, name: user, password } } },
      scope: { project: { name: project } },
    },
  }, { auth: false, raw: true });
}

const enc = encodeURIComponent;
const q = (params) => {
  const parts = Object.entries(params).filter(([, v]) => v !== undefined && v !== '' && v !== null)
    .map(([k, v]) => `${enc(k)}=${enc(v)}`);
  return parts.length ? `?${parts.join('&')}` : '';
};
export { q as query };

// Paths of one instance: kind 'apigw' (APIG) or 'apic' (ROMA Connect).
export function inst(kind, id) {
  const p = session().projectId;
  const base = `/v2/${enc(p)}/${kind}/instances/${enc(id)}`;
  return {
    base,
    apps: (params = {}) => `${base}/apps${q(params)}`,
    app: (appId) => `${base}/apps/${enc(appId)}`,
    secret: (appId) => `${base}/apps/secret/${enc(appId)}`,
    codes: (appId, params = {}) => `${base}/apps/${enc(appId)}/app-codes${q(params)}`,
    code: (appId, codeId) => `${base}/apps/${enc(appId)}/app-codes/${enc(codeId)}`,
    groups: (params = {}) => `${base}/api-groups${q(params)}`,
    envs: (params = {}) => `${base}/envs${q(params)}`,
    apis: (params = {}) => `${base}/apis${q(params)}`,
    api: (apiId) => `${base}/apis/${enc(apiId)}`,
    action: () => `${base}/apis/action`,
    publications: (apiId, envId) => `${base}/apis/publish/${enc(apiId)}${q({ env_id: envId })}`,
    auths: () => `${base}/app-auths`,
    auth: (authId) => `${base}/app-auths/${enc(authId)}`,
    bindedApis: (params) => `${base}/app-auths/binded-apis${q(params)}`,
    unbindedApis: (params) => `${base}/app-auths/unbinded-apis${q(params)}`,
    // Traffic governance (docs/compatibility.md#throttling, #app-quotas, #acls).
    throttles: (params = {}) => `${base}/throttles${q(params)}`,
    throttle: (id) => `${base}/throttles/${enc(id)}`,
    specials: (id, params = {}) => `${base}/throttles/${enc(id)}/throttle-specials${q(params)}`,
    special: (id, sid) => `${base}/throttles/${enc(id)}/throttle-specials/${enc(sid)}`,
    throttleBindings: (view, params = {}) => `${base}/throttle-bindings${view ? `/${view}` : ''}${q(params)}`,
    throttleBinding: (id) => `${base}/throttle-bindings/${enc(id)}`,
    quotas: (params = {}) => `${base}/app-quotas${q(params)}`,
    quota: (id, sub = '', params = {}) => `${base}/app-quotas/${enc(id)}${sub ? `/${sub}` : ''}${q(params)}`,
    boundQuota: (appId) => `${base}/apps/${enc(appId)}/bound-quota`,
    acls: (params = {}) => `${base}/acls${q(params)}`,
    acl: (id) => `${base}/acls/${enc(id)}`,
    aclBindings: (view, params = {}) => `${base}/acl-bindings${view ? `/${view}` : ''}${q(params)}`,
    aclBinding: (id) => `${base}/acl-bindings/${enc(id)}`,
    appAcl: (appId) => `${base}/apps/${enc(appId)}/app-acl`,
  };
}

export function project() {
  const p = enc(session().projectId);
  return {
    apigInstances: () => `/v2/${p}/apigw/instances`,
    romaInstances: () => `/v2/${p}/instances`,
    modelartsApps: () => `/v1/${p}/app-auth/apps`,
    audit: (params = {}) => `/v2/${p}/gatehouse/audit-events${q(params)}`,
    tryCall: () => `/v2/${p}/gatehouse/try-call`,
  };
}
