// Drives a running Gatehouse with Huawei's official Node.js SDK, unmodified:
//   (a) IAM KeystoneListProjects through the IAM SDK client;
//   (b) APIG v2 calls through the core SDK's generic machinery (ClientBuilder → HcClient, whose
//       BasicCredentials add X-Project-Id and sign with AKSKSigner), as the generated service
//       clients do: list instances, create an app, generate an AppCode, list AppCodes.
// Usage: node check.js ENDPOINT AK SK PROJECT_ID
// Prints one JSON document with every response; exits 1 (after printing the error) on failure.
'use strict';
const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core');
const { ClientBuilder } = require('@huaweicloud/huaweicloud-sdk-core/ClientBuilder');
// The package's main entry also loads v5, whose public-api.js requires a module that is not
// shipped ('./GlobalCredentials,BasicCredentials'); Huawei's own samples import v3 directly.
const iam = require('@huaweicloud/huaweicloud-sdk-iam/v3/public-api');

async function main() {
  const [endpoint, ak, sk, projectId] = process.argv.slice(2);
  if (!projectId) throw new Error('usage: node check.js ENDPOINT AK SK PROJECT_ID');
  const credentials = () =>
    new BasicCredentials().withAk(ak).withSk(sk).withProjectId(projectId);
  const out = {};

  const iamClient = iam.IamClient.newBuilder()
    .withCredential(credentials())
    .withEndpoint(endpoint)
    .build();
  const projects = await iamClient.keystoneListProjects(
    new iam.KeystoneListProjectsRequest().withName('default'));
  out.projects = projects.projects.map((p) => ({ id: p.id, name: p.name }));

  // The generic client, as a generated service client builds it.
  const hc = new ClientBuilder((client) => client)
    .withCredential(credentials())
    .withEndpoint(endpoint)
    .build();
  const call = (method, url, pathParams, data, queryParams) => {
    const options = {
      method,
      url,
      contentType: 'application/json',
      queryParams: queryParams || {},
      pathParams: pathParams || {},
      headers: {},
    };
    if (data !== undefined) options.data = data;
    return hc.sendRequest(options);
  };

  const instances = await call('GET', '/v2/{project_id}/apigw/instances', {}, undefined,
    { limit: 10, offset: 0 });
  out.instances = instances;
  const instanceId = instances.instances[0].id;
  const base = '/v2/{project_id}/apigw/instances/{instance_id}/apps';
  out.app = await call('POST', base, { instance_id: instanceId },
    { name: `sdk_app_${Date.now()}`, remark: 'made by the Huawei Node SDK' });
  const appPath = `${base}/{app_id}/app-codes`;
  const params = { instance_id: instanceId, app_id: out.app.id };
  out.code = await call('PUT', appPath, params);
  out.codes = await call('GET', appPath, params, undefined, { limit: 100, offset: 0 });
  out.instance_id = instanceId;
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
  const detail = {
    error: String(err && err.message ? err.message : err),
    status: err && err.httpStatusCode,
    error_code: err && err.errorCode,
    error_msg: err && err.errorMsg,
  };
  process.stdout.write(JSON.stringify(detail) + '\n');
  process.exit(1);
});
