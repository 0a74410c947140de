// Traffic governance in the console, in Chromium against a real gatehouse: a throttling policy
// with a special limit, bound to a published API; an app quota with a bound app; an access-control
// policy bound to the API; an app's ACL; a validation error shown with its Huawei code. Each step
// is checked in the page and through the management API.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse, apiLogin, createUser, launchBrowser, newPage, signIn, seriousViolations, screenshot } from './harness.js';

describe('console traffic governance', () => {
  let gh, admin, chrome, page, base, app, api;
  const RELEASE = 'DEFAULT_ENVIRONMENT_RELEASE_ID';

  before(async () => {
    gh = await startGatehouse();
    admin = await apiLogin(gh);
    const inst = (await admin.call('GET', `/v2/${admin.projectId}/apigw/instances`)).body.instances[0].id;
    base = `/v2/${admin.projectId}/apigw/instances/${inst}`;
    app = (await admin.call('POST', `${base}/apps`, { name: 'gov_app' })).body;
    const groups = (await admin.call('GET', `${base}/api-groups`)).body.groups;
    const r = await admin.call('POST', `${base}/apis`, {
      group_id: groups.find((g) => g.is_default === 1).id, name: 'gov_api', type: 1, req_protocol: 'BOTH',
      req_method: 'GET', req_uri: '/gov', auth_type: 'NONE', backend_type: 'MOCK', mock_info: { result_content: 'ok' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    api = r.body;
    const pub = await admin.call('POST', `${base}/apis/action`, { action: 'online', env_id: RELEASE, api_id: api.id });
    assert.equal(pub.status, 201);
    chrome = await launchBrowser();
    page = await newPage(chrome.browser, gh);
    await signIn(page);
  });
  after(async () => {
    if (chrome) await chrome.close();
    if (gh) await gh.stop();
  });

  const dlg = () => page.locator('dialog');
  const nav = (name) => page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
  const save = () => dlg().getByRole('button', { name: 'Save' }).click();

  it('creates a throttling policy, adds a special limit and binds it to a published API', async () => {
    await nav('Throttling');
    await page.locator('#create-throttle').click();
    await dlg().getByLabel('Name').fill('gov_throttle');
    await dlg().getByLabel('API limit').fill('100');
    await dlg().getByLabel('App limit').fill('10');
    await dlg().getByLabel('Period unit').selectOption('MINUTE');
    await save();
    await page.getByRole('link', { name: 'gov_throttle' }).click();
    await page.getByRole('heading', { level: 1, name: /gov_throttle/ }).waitFor();

    await page.locator('#add-special').click();
    await dlg().getByLabel('Applies to').selectOption('APP');
    await dlg().getByLabel('App', { exact: true }).selectOption({ label: 'gov_app' });
    await dlg().getByLabel('Call limit').fill('5');
    await dlg().getByRole('button', { name: 'Add' }).click();
    await page.locator('main tr', { hasText: 'gov_app' }).filter({ hasText: '5' }).waitFor();
    assert.equal(await page.locator('#special-count').textContent(), 'apps 1 of 30, accounts 0 of 30');

    await page.locator('#bind-apis').click();
    await dlg().locator('label', { hasText: 'gov_api' }).locator('input').check();
    await dlg().getByRole('button', { name: 'Bind' }).click();
    await page.locator('main tr', { hasText: 'gov_api' }).filter({ hasText: 'RELEASE' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'throttle');

    const list = (await admin.call('GET', `${base}/throttles?name=gov_throttle`)).body.throttles;
    assert.equal(list.length, 1);
    const th = list[0];
    assert.deepEqual([th.api_call_limits, th.app_call_limits, th.user_call_limits, th.time_unit, th.bind_num,
      th.is_inclu_special_throttle], [100, 10, 0, 'MINUTE', 1, 1]);
    const specials = (await admin.call('GET', `${base}/throttles/${th.id}/throttle-specials`)).body.throttle_specials;
    assert.deepEqual(specials.map((s) => [s.object_type, s.object_id, s.call_limits]), [['APP', app.id, 5]]);
    const bound = (await admin.call('GET', `${base}/throttle-bindings/binded-apis?throttle_id=${th.id}`)).body.apis;
    assert.deepEqual(bound.map((a) => [a.id, a.run_env_id]), [[api.id, RELEASE]]);
  });

  it('shows a validation error with its Huawei code and stores nothing', async () => {
    await nav('Throttling');
    await page.locator('#create-throttle').click();
    await dlg().getByLabel('Name').fill('gov_bad');
    await dlg().getByLabel('API limit').fill('10');
    await dlg().getByLabel('App limit').fill('20');
    await save();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /APIG\.2011.*app_call_limits/);
    assert.equal((await admin.call('GET', `${base}/throttles?name=gov_bad`)).body.total, 0);
  });

  it('edits a throttling policy from the list', async () => {
    await page.locator('main tr', { hasText: 'gov_throttle' }).getByRole('button', { name: 'Edit' }).click();
    assert.equal(await dlg().getByLabel('App limit').inputValue(), '10');
    assert.equal(await dlg().getByLabel('Account limit').inputValue(), '');  // 0 = not set
    await dlg().getByLabel('API limit').fill('200');
    await save();
    await page.locator('main tr', { hasText: 'gov_throttle' }).filter({ hasText: '200' }).waitFor();
  });

  it('creates an app quota and binds the app; the app page shows it', async () => {
    await nav('App quotas');
    await page.locator('#create-quota').click();
    await dlg().getByLabel('Name').fill('gov_quota');
    await dlg().getByLabel('Call limit').fill('1000');
    await dlg().getByLabel('Period unit').selectOption('DAY');
    await save();
    await page.getByRole('link', { name: 'gov_quota' }).click();
    await page.locator('#bind-apps').click();
    await dlg().locator('label', { hasText: 'gov_app' }).locator('input').check();
    await dlg().getByRole('button', { name: 'Bind' }).click();
    await page.locator('main tr', { hasText: 'gov_app' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    const q = (await admin.call('GET', `${base}/apps/${app.id}/bound-quota`)).body;
    assert.deepEqual([q.name, q.call_limits, q.time_unit, q.bound_app_num], ['gov_quota', 1000, 'DAY', 1]);
    await page.locator('main tr', { hasText: 'gov_app' }).getByRole('link', { name: 'gov_app' }).click();
    assert.match(await page.locator('#app-quota').textContent(), /gov_quota.*1000 calls per 1 DAY/);
  });

  it('creates an access-control policy and binds it to the API', async () => {
    await nav('Access control');
    await page.locator('#create-acl').click();
    await dlg().getByLabel('Name').fill('gov_acl');
    await dlg().getByLabel('Effect').selectOption('DENY');
    await dlg().getByLabel('Restricts').selectOption('IP');
    await dlg().getByLabel('Values').fill('10.1.0.0/16\n192.168.0.1');
    await save();
    await page.getByRole('link', { name: 'gov_acl' }).click();
    await page.locator('#bind-apis').click();
    await dlg().locator('label', { hasText: 'gov_api' }).locator('input').check();
    await dlg().getByRole('button', { name: 'Bind' }).click();
    await page.locator('main tr', { hasText: 'gov_api' }).filter({ hasText: 'RELEASE' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    const acls = (await admin.call('GET', `${base}/acls?name=gov_acl`)).body.acls;
    assert.deepEqual(acls.map((a) => [a.acl_type, a.entity_type, a.acl_value, a.bind_num]),
      [['DENY', 'IP', '10.1.0.0/16,192.168.0.1', 1]]);
  });

  it('sets, shows and removes an app ACL on the app page', async () => {
    await nav('Apps');
    await page.getByRole('link', { name: 'gov_app' }).click();
    await page.locator('#set-app-acl').click();
    await dlg().getByLabel('Effect').selectOption('PERMIT');
    await dlg().getByLabel('Values').fill('127.0.0.1\n10.0.0.0/8');
    await save();
    await page.locator('#app-acl', { hasText: '10.0.0.0/8' }).waitFor();
    const acl = (await admin.call('GET', `${base}/apps/${app.id}/app-acl`)).body;
    assert.deepEqual([acl.app_acl_type, acl.app_acl_values], ['PERMIT', ['127.0.0.1', '10.0.0.0/8']]);
    assert.deepEqual(await seriousViolations(page), []);
    // A malformed value: the server's error, nothing changed.
    await page.locator('#set-app-acl').click();
    await dlg().getByLabel('Values').fill('10.0.0.0/33');
    await save();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').textContent(), /APIG\.2011.*app_acl_values/);
    assert.deepEqual((await admin.call('GET', `${base}/apps/${app.id}/app-acl`)).body.app_acl_values, ['127.0.0.1', '10.0.0.0/8']);
    await page.locator('#remove-app-acl').click();
    await dlg().getByRole('button', { name: 'Remove app ACL' }).click();
    await page.getByText('No app ACL: the app may call from any address.').waitFor();
    assert.deepEqual((await admin.call('GET', `${base}/apps/${app.id}/app-acl`)).body.app_acl_values, []);
  });

  it('unbinds and deletes after confirmation', async () => {
    await nav('Throttling');
    await page.getByRole('link', { name: 'gov_throttle' }).click();
    await page.locator('main tr', { hasText: 'gov_api' }).getByRole('button', { name: 'Unbind' }).click();
    await dlg().getByRole('button', { name: 'Unbind' }).click();
    await page.getByText('Not bound to any API.').waitFor();
    await nav('App quotas');
    await page.locator('main tr', { hasText: 'gov_quota' }).getByRole('button', { name: 'Delete' }).click();
    await dlg().getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No app quotas yet.').waitFor();
    assert.equal((await admin.call('GET', `${base}/apps/${app.id}/bound-quota`)).body.error_code, 'APIG.3093');
  });

  it('shows a viewer the policies without write buttons', async () => {
    await createUser(admin, 'gov_viewer', 'Viewer-pw-12345', 'apig_viewer');
    const viewer = await newPage(chrome.browser, gh);
    await signIn(viewer, 'gov_viewer', 'Viewer-pw-12345');
    await viewer.getByRole('navigation').getByRole('link', { name: 'Throttling', exact: true }).click();
    await viewer.getByRole('link', { name: 'gov_throttle' }).click();
    await viewer.locator('main tr', { hasText: 'gov_app' }).waitFor();
    for (const id of ['#add-special', '#bind-apis']) assert.equal(await viewer.locator(id).count(), 0, id);
    assert.equal(await viewer.getByRole('button', { name: 'Delete' }).count(), 0);
    assert.deepEqual(viewer.problems, []);
    await viewer.context().close();
  });

  it('raised no script error and no CSP violation', () => {
    assert.deepEqual(page.problems, []);
  });
});
