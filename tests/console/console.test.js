// The console end to end in Chromium against a real gatehouse: sign-in, apps, AppCodes up to the
// limit, copy, delete, an API published and authorized and called through the gateway from the
// page, the audit trail, languages, a viewer's read-only view, and an accessibility check.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startGatehouse, startBackend, apiLogin, createUser, launchBrowser, newPage, signIn,
  seriousViolations, screenshot,
} from './harness.js';

const CUSTOM_CODE = 'Cu5tom+/' + 'A1b2C3d4_!@#$%-='.repeat(5);  // 88 chars, Huawei's alphabet

describe('console', () => {
  let gh, backend, admin, chrome, page;
  const appName = 'console_app_1';

  before(async () => {
    gh = await startGatehouse();
    backend = await startBackend();
    admin = await apiLogin(gh);
    chrome = await launchBrowser();
    page = await newPage(chrome.browser, gh);
  });
  after(async () => {
    if (chrome) await chrome.close();
    if (backend) await backend.stop();
    if (gh) await gh.stop();
  });

  const codeCount = () => page.locator('#code-count').textContent();
  const alertText = () => page.getByRole('alert').last().textContent();
  const confirm = (label) => page.locator('dialog').getByRole('button', { name: label }).click();

  it('signs in with the IAM password method and lists the instances', async () => {
    await page.goto('/console/');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Sign in with your IAM user');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'signin');
    await signIn(page);
    const rows = page.locator('main table tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).textContent(), /APIG/);
    assert.match(await rows.nth(1).textContent(), /ROMA Connect/);
    // The token is kept in sessionStorage only, never in the URL.
    assert.doesNotMatch(page.url(), /gh1\./);
    assert.equal(await page.evaluate(() => Object.keys(localStorage).some((k) => /gh1\./.test(localStorage[k]))), false);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'instances');
  });

  it('shows a wrong password as the IAM error', async () => {
    const other = await newPage(chrome.browser, gh);
    await other.goto('/console/');
    await other.getByLabel('User').fill('admin');
    await other.getByLabel('Password').fill('wrong-password-1');
    await other.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await other.getByRole('alert').textContent(), /IAM\.401.*The username or password is wrong/);
    await other.context().close();
  });

  it('creates an app; its AppSecret is hidden until revealed', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Apps', exact: true }).click();
    await page.locator('#create-app').click();
    await page.locator('dialog').getByLabel('Name').fill(appName);
    await page.locator('dialog').getByLabel('Description').fill('made in the console');
    await page.locator('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(appName) }).waitFor();
    const secret = page.locator('#app-secret');
    assert.match(await secret.textContent(), /^•+$/);
    await page.locator('#reveal-secret').click();
    assert.match(await secret.textContent(), /^[0-9a-f]{32}$/);
    await page.locator('#reveal-secret').click();
    assert.match(await secret.textContent(), /^•+$/);
  });

  it('generates and adds AppCodes up to the limit; the sixth shows APIG.3131', async () => {
    for (let n = 1; n <= 3; n++) {
      await page.locator('#generate-code').click();
      await page.locator('#code-count', { hasText: `${n} of 5` }).waitFor();
    }
    // A custom AppCode, validated live against Huawei's rules before it is sent.
    await page.locator('#add-code').click();
    const input = page.locator('dialog').getByLabel('AppCode');
    const add = page.locator('dialog').getByRole('button', { name: 'Add' });
    await input.fill('~short');
    assert.equal(await add.isDisabled(), true);
    assert.equal(await page.locator('dialog li.bad').count(), 3);
    await input.fill(CUSTOM_CODE);
    assert.equal(await page.locator('dialog li.bad').count(), 0);
    assert.equal(await add.isDisabled(), false);
    await add.click();
    await page.locator('#code-count', { hasText: '4 of 5' }).waitFor();
    assert.equal(await page.locator('code.code-value', { hasText: CUSTOM_CODE }).count(), 1);
    await page.locator('#generate-code').click();
    await page.locator('#code-count', { hasText: '5 of 5' }).waitFor();
    await page.locator('#generate-code').click();
    await page.getByRole('alert').waitFor();
    assert.match(await alertText(), /APIG\.3131/);
    assert.match(await alertText(), /exceeds the maximum/);
    assert.equal(await codeCount(), '5 of 5');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'app');
  });

  it('copies an AppCode to the clipboard', async () => {
    const first = await page.locator('code.code-value').first().textContent();
    await page.locator('button.copy-code').first().click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).first().waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), first);
  });

  it('deletes an AppCode after confirmation', async () => {
    const first = await page.locator('code.code-value').first().textContent();
    await page.locator('button.delete-code').first().click();
    await confirm('Delete');
    await page.locator('#code-count', { hasText: '4 of 5' }).waitFor();
    assert.equal(await page.locator('code.code-value', { hasText: first }).count(), 0);
  });

  it('creates and publishes an API, authorizes the app and calls it through the gateway', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'APIs', exact: true }).click();
    await page.locator('#create-api').click();
    const dlg = page.locator('dialog');
    await dlg.getByLabel('Name').fill('console_hello');
    await dlg.getByLabel('Path', { exact: true }).fill('/hello-console/{name}');
    await dlg.getByLabel('Backend address (host:port)').fill(backend.address);
    await dlg.getByLabel('Backend path').fill('/greet/{name}');
    await dlg.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('main tr', { hasText: 'console_hello' });
    await row.waitFor();
    await row.locator('button.publish').click();
    await page.locator('dialog tr', { hasText: 'RELEASE' }).getByRole('button', { name: 'Publish' }).click();
    await page.locator('main tr', { hasText: 'console_hello' }).filter({ hasText: 'RELEASE' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'apis');

    await page.getByRole('navigation').getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('link', { name: appName }).click();
    await page.locator('#authorize').click();
    await page.locator('dialog label', { hasText: 'console_hello' }).locator('input').check();
    await page.locator('dialog').getByRole('button', { name: 'Authorize' }).click();
    const auth = page.locator('main tr', { hasText: 'console_hello' });
    await auth.waitFor();
    await auth.locator('button.try-api').click();
    assert.equal(await page.locator('dialog').getByLabel('Path').inputValue(), '/hello-console/test');
    await page.locator('#try-send').click();
    await page.locator('#try-status').waitFor();
    assert.equal(await page.locator('#try-status').textContent(), '200');
    const body = JSON.parse(await page.locator('#try-body').textContent());
    assert.deepEqual(body, { backend: 'console-test-backend', path: '/greet/test' });
    await page.locator('dialog').getByRole('button', { name: 'Close' }).click();
  });

  it('lists apps with search and paging; edits and deletes one after confirmation', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await admin.call('GET', `/v2/${admin.projectId}/apigw/instances`);
      const instance = r.body.instances[0].id;
      const c = await admin.call('POST', `/v2/${admin.projectId}/apigw/instances/${instance}/apps`, { name: `paged_app_${i}` });
      assert.equal(c.status, 201);
    }
    await page.getByRole('navigation').getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByText('Page 1 of 2 (11 in all)').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2 of 2 (11 in all)').waitFor();
    assert.equal(await page.locator('main tbody tr').count(), 1);
    await page.getByRole('searchbox').fill('paged_app_7');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('Page 1 of 1 (1 in all)').waitFor();
    const row = page.locator('main tbody tr');
    assert.equal(await row.count(), 1);
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.locator('dialog').getByLabel('Description').fill('edited remark');
    await page.locator('dialog').getByRole('button', { name: 'Save' }).click();
    await page.locator('main tbody tr', { hasText: 'edited remark' }).waitFor();
    await page.locator('main tbody tr').getByRole('button', { name: 'Delete' }).click();
    await confirm('Delete');
    await page.getByText('No apps match.').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('shows the audit trail and the ModelArts view', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Audit trail', exact: true }).click();
    await page.locator('main tbody tr').first().waitFor();
    assert.ok(await page.locator('main tbody tr').count() > 5);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'audit');
    await page.getByRole('navigation').getByRole('link', { name: 'ModelArts', exact: true }).click();
    await page.locator('main tr', { hasText: appName }).filter({ hasText: 'DEDICATE_APIG' }).waitFor();
  });

  it('manages the apps of a ROMA Connect instance as ROMA integration apps', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Instances', exact: true }).click();
    const ofKind = (kind) => page.locator('main tr').filter({ has: page.locator('span.badge', { hasText: kind }) });
    await ofKind('ROMA Connect').getByRole('button', { name: 'Apps' }).click();
    await page.getByRole('heading', { level: 1, name: /Apps.*ROMA Connect/ }).waitFor();
    await page.locator('#create-app').click();
    await page.locator('dialog').getByLabel('Name').fill('roma_console_app');
    await page.locator('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { level: 1, name: /roma_console_app/ }).waitFor();
    assert.match(await page.locator('main h1').textContent(), /ROMA Connect.*integration/);
    assert.match(page.url(), /#\/i\/apic\//);
    // Back to the APIG instance for the pages that follow.
    await page.getByRole('navigation').getByRole('link', { name: 'Instances', exact: true }).click();
    await ofKind(/^APIG$/).getByRole('button', { name: 'Apps' }).click();
    await page.getByRole('heading', { level: 1, name: /Apps.*APIG/ }).waitFor();
  });

  it('switches to Chinese and back', async () => {
    await page.locator('#lang').selectOption('zh');
    await page.getByRole('navigation').getByRole('link', { name: '应用', exact: true }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await page.locator('#lang').selectOption('en');
    await page.getByRole('navigation').getByRole('link', { name: 'Apps', exact: true }).waitFor();
  });

  it('picks Chinese from a Chinese browser', async () => {
    const zh = await newPage(chrome.browser, gh, { locale: 'zh-CN' });
    await zh.goto('/console/');
    await zh.getByRole('heading', { name: '使用 IAM 用户登录' }).waitFor();
    await zh.context().close();
  });

  it('shows a viewer no write buttons, and the API refuses the viewer anyway', async () => {
    await createUser(admin, 'console_viewer', 'Viewer-pw-12345', 'apig_viewer');
    const viewer = await newPage(chrome.browser, gh);
    await signIn(viewer, 'console_viewer', 'Viewer-pw-12345');
    await viewer.getByRole('navigation').getByRole('link', { name: 'Apps', exact: true }).click();
    await viewer.getByRole('link', { name: appName }).waitFor();
    assert.equal(await viewer.locator('#create-app').count(), 0);
    assert.equal(await viewer.getByRole('button', { name: 'Delete' }).count(), 0);
    await viewer.getByRole('link', { name: appName }).click();
    await viewer.locator('#code-count', { hasText: '4 of 5' }).waitFor();
    for (const id of ['#generate-code', '#add-code', '#reset-secret', '#authorize'])
      assert.equal(await viewer.locator(id).count(), 0, id);
    assert.equal(await viewer.locator('button.delete-code').count(), 0);
    const refused = await viewer.evaluate(async () => {
      const s = JSON.parse(sessionStorage.getItem('gatehouse.session'));
      const path = location.hash.slice(2).split('/');
      const r = await fetch(`/v2/${s.projectId}/apigw/instances/${path[2]}/apps/${path[4]}/app-codes`,
        { method: 'PUT', headers: { 'X-Auth-Token': s.token } });
      return [r.status, (await r.json()).error_code];
    });
    assert.deepEqual(refused, [403, 'APIG.1005']);
    assert.deepEqual(viewer.problems, []);
    await viewer.context().close();
  });

  it('signs out, and signs out with a message when the API says the token is no longer valid', async () => {
    await page.locator('#signout').click();
    await page.getByRole('heading', { name: 'Sign in with your IAM user' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gatehouse.session')), null);
    await signIn(page);
    await page.getByRole('navigation').getByRole('link', { name: 'Audit trail', exact: true }).click();
    await page.locator('main tbody tr').first().waitFor();
    await page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('gatehouse.session'));
      s.token = 'gh1.not-a-valid-token';
      sessionStorage.setItem('gatehouse.session', JSON.stringify(s));
    });
    // The console reads the stored session when the page loads, as after a reload.
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in with your IAM user' }).waitFor();
    assert.match(await page.getByRole('alert').textContent(), /Your session has expired/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gatehouse.session')), null);
  });

  it('raised no script error and no CSP violation', () => {
    assert.deepEqual(page.problems, []);
  });
});
