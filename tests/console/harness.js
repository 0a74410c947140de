// Test harness for the console: a real `gatehouse serve` on OS-chosen ports in a temporary data
// dir (like tests/api/conftest.py), a tiny backend, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, openSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');
export const BINARY = process.env.GATEHOUSE_BINARY || join(REPO, 'build', 'gatehouse');
export const ADMIN_PASSWORD = 'Admin-console-pw-1';
export const SHOTS = join(REPO, 'docs', 'console');

// Starts gatehouse on its embedded SQLite store (the console does not depend on the store);
// resolves {admin, gateway, url(path), stop(), log()} once /health answers.
export async function startGatehouse(extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'gh-console-'));
  const dataDir = join(dir, 'data');
  const logPath = join(dir, 'gatehouse.log');
  const proc = spawn(BINARY, ['serve', '--data-dir', dataDir, '--admin-listen', '127.0.0.1:0',
    '--gateway-listen', '127.0.0.1:0', '--gateway-tls-listen', '127.0.0.1:0', ...extraArgs], {
    env: { ...process.env, GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ['ignore', openSync(logPath, 'a'), openSync(logPath, 'a')],
  });
  let exited = null;
  proc.on('exit', (code) => { exited = code; });
  const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`gatehouse exited with ${exited}:\n${log()}`);
    try {
      const ports = JSON.parse(readFileSync(join(dataDir, 'listen.json'), 'utf8'));
      const res = await fetch(`http://${ports.admin}/health`);
      if (res.ok) {
        return {
          admin: ports.admin, gateway: ports.gateway, url: (p) => `http://${ports.admin}${p}`, log,
          async stop() {
            if (exited === null) {
              proc.kill('SIGTERM');
              for (let i = 0; i < 200 && exited === null; i++) await sleep(50);
              if (exited === null) proc.kill('SIGKILL');
            }
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
    } catch { /* not up yet */ }
    await sleep(50);
  }
  proc.kill('SIGKILL');
  throw new Error(`gatehouse did not become healthy in 30 s:\n${log()}`);
}

// A backend the test APIs proxy to: answers JSON naming the path it was called with.
export async function startBackend() {
  const server = createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ backend: 'console-test-backend', path: req.url }));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { address: `127.0.0.1:${server.address().port}`, stop: () => new Promise((ok) => server.close(ok)) };
}

// A management client for setting things up outside the browser.
export async function apiLogin(gh, user = 'admin', password = ADMIN_PASSWORD) {
  const res = await fetch(gh.url('/v3/auth/tokens?nocatalog=true'), {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { domain: { name: 'default' }, name: user, password } } },
      scope: { project: { name: 'default' } } } }),
  });
  if (res.status !== 201) throw new Error(`login ${user}: ${res.status} ${await res.text()}`);
  const token = res.headers.get('x-subject-token');
  const body = (await res.json()).token;
  const call = async (method, path, json) => {
    const r = await fetch(gh.url(path), { method, headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
  };
  return { token, projectId: body.project.id, userId: body.user.id, call };
}

// Creates a user holding `role` in the default project.
export async function createUser(admin, name, password, role) {
  const u = await admin.call('POST', '/v3/users', { user: { name, password } });
  if (u.status !== 201) throw new Error(`create user: ${u.status} ${JSON.stringify(u.body)}`);
  const r = await admin.call('PUT', `/v3/projects/${admin.projectId}/users/${u.body.user.id}/roles/${role}`);
  if (r.status !== 204) throw new Error(`grant role: ${r.status}`);
}

// Debian's chromium (browsers cannot be downloaded here). playwright-core gives every launch a new
// empty profile (--user-data-dir in a fresh temporary directory, removed on close) and refuses
// one passed in `args`.
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { browser, close: () => browser.close() };
}

// A fresh page (own context: own sessionStorage) that fails the test on any console error or CSP
// violation the page reports.
export async function newPage(browser, gh, { locale = 'en-US' } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1200, height: 760 }, baseURL: gh.url('') });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gh.url('') });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Failed management calls are logged by Chromium as resource errors: those are expected.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.problems.push(`console: ${m.text()}`);
  });
  return page;
}

export async function signIn(page, user = 'admin', password = ADMIN_PASSWORD) {
  await page.goto('/console/');
  await page.getByLabel(/^User$|^用户名$/).fill(user);
  await page.getByLabel(/^Password$|^密码$/).fill(password);
  await page.getByRole('button', { name: /^Sign in$|^登录$/ }).click();
  await page.getByRole('heading', { name: /Instances|实例/ }).waitFor();
}

// Runs axe-core in the page; returns violations of impact serious or critical.
export async function seriousViolations(page) {
  const axeSource = readFileSync(join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  // Injected through the DevTools protocol, not a <script> tag, so the page's CSP stays intact.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}
