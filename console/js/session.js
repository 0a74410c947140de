// The signed-in session: the IAM token and what the token body says about its user. Kept in
// sessionStorage only (gone when the tab closes), never in a URL or in localStorage.
const KEY = 'gatehouse.session';
let current = null;
let expiryTimer = null;
let onExpired = () => {};

export function session() {
  if (!current) {
    try {
      current = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    } catch {
      current = null;
    }
  }
  return current;
}

// From the answer of POST /v3/auth/tokens: token (X-Subject-Token) and body.token.
export function startSession(token, body) {
  current = {
    token,
    expiresAt: body.expires_at,
    user: body.user.name,
    domain: body.user.domain.name,
    projectId: body.project.id,
    projectName: body.project.name,
    roles: (body.roles || []).map((r) => r.name),
  };
  sessionStorage.setItem(KEY, JSON.stringify(current));
  armExpiry();
}

export function endSession() {
  current = null;
  sessionStorage.removeItem(KEY);
  clearTimeout(expiryTimer);
}

// Called once when the token expires (by the clock, or when the API answers that it has).
export function whenExpired(fn) {
  onExpired = fn;
  armExpiry();
}

export function expire() {
  if (!session()) return;
  endSession();
  onExpired();
}

function armExpiry() {
  clearTimeout(expiryTimer);
  const s = session();
  if (!s || !s.expiresAt) return;
  const ms = Date.parse(s.expiresAt) - Date.now();
  if (ms <= 0) return void setTimeout(expire, 0);
  expiryTimer = setTimeout(expire, Math.min(ms, 2 ** 31 - 1));
}

// Writes are offered to anyone holding a role other than apig_viewer (the API refuses anyway).
export function canWrite() {
  const s = session();
  if (!s) return false;
  return !(s.roles.length && s.roles.every((r) => r === 'apig_viewer'));
}
