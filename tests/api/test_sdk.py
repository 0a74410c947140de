"""Huawei's official Node.js SDK, unmodified (tests/sdk: core 3.1.211 + IAM, pinned by
package-lock.json): IAM KeystoneListProjects and APIG v2 calls signed with BasicCredentials."""
import json
import os
import re
import subprocess

import pytest

from conftest import REPO, npm_installed

SDK_DIR = os.path.join(REPO, "tests", "sdk")


@pytest.fixture(scope="module")
def sdk():
    return npm_installed(SDK_DIR)


def run_check(node, server, ak, sk, project_id):
    r = subprocess.run([node, "check.js", f"http://{server.admin}", ak, sk, project_id],
                       cwd=SDK_DIR, capture_output=True, text=True, timeout=120)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, (r.returncode, r.stdout, r.stderr)
    return r.returncode, json.loads(lines[-1])


def test_official_sdk_end_to_end(sdk, admin):
    _, user = admin.new_user("apig_admin")
    cred = user.post("/v3.0/OS-CREDENTIAL/credentials", {"credential": {}}).json()["credential"]
    rc, out = run_check(sdk, admin.server, cred["access"], cred["secret"], user.project_id)
    assert rc == 0, out
    assert {"id": user.project_id, "name": "default"} in out["projects"]
    assert out["instances"]["httpStatusCode"] == 200
    assert out["instance_id"] == user.apig_instance
    app = out["app"]
    assert app["httpStatusCode"] == 201 and app["name"].startswith("sdk_app_")
    assert re.fullmatch(r"[0-9a-f]{32}", app["id"])
    code = out["code"]
    assert code["httpStatusCode"] == 201 and re.fullmatch(r"[0-9a-f]{64}", code["app_code"])
    assert code["app_id"] == app["id"]
    assert out["codes"]["total"] == 1 and out["codes"]["app_codes"][0]["id"] == code["id"]
    # What the SDK made is really there.
    seen = admin.get(admin.apig(f"/apps/{app['id']}/app-codes")).json()
    assert [c["app_code"] for c in seen["app_codes"]] == [code["app_code"]]


def test_official_sdk_sees_auth_failure(sdk, admin):
    _, user = admin.new_user("apig_admin")
    cred = user.post("/v3.0/OS-CREDENTIAL/credentials", {"credential": {}}).json()["credential"]
    rc, out = run_check(sdk, admin.server, cred["access"], "W" * 40, user.project_id)
    assert rc == 1 and out["status"] == 401, out
