"""Self-contained fixtures for the traffic-management black-box tests.

Starts `gatehouse serve` on OS-chosen ports in a temporary data dir, logs in as the bootstrap
admin (GATEHOUSE_ADMIN_PASSWORD) and finds the default project and its APIG and ROMA instances.
The binary is build/gatehouse unless GATEHOUSE_BIN says otherwise.
"""
import json
import os
import pathlib
import subprocess
import time

import pytest
import requests

from conftest import store_args

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("GATEHOUSE_BINARY", str(ROOT / "build" / "gatehouse"))
ADMIN_PASSWORD = "Traffic-Test-Pw-1"


class Admin:
    """A logged-in management client bound to one project."""

    def __init__(self, base, token, project_id, apig_id, roma_id):
        self.base = base
        self.token = token
        self.project_id = project_id
        self.apig_id = apig_id
        self.roma_id = roma_id

    def call(self, method, path, body=None, token=None, **params):
        headers = {"X-Auth-Token": token or self.token, "Content-Type": "application/json"}
        data = None if body is None else json.dumps(body)
        return requests.request(method, self.base + path, data=data, headers=headers,
                                params=params or None, timeout=10)

    def apig(self, method, path, body=None, **kw):
        return self.call(method, f"/v2/{self.project_id}/apigw/instances/{self.apig_id}{path}",
                         body, **kw)

    def roma(self, method, path, body=None, **kw):
        return self.call(method, f"/v2/{self.project_id}/apic/instances/{self.roma_id}{path}",
                         body, **kw)


def login(base, user, password, project="default"):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "password": password, "domain": {"name": "default"}}}},
        "scope": {"project": {"name": project, "domain": {"name": "default"}}}}}
    r = requests.post(base + "/v3/auth/tokens", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.headers["X-Subject-Token"], r.json()["token"]["project"]["id"]


@pytest.fixture(scope="module")
def gatehouse(tmp_path_factory):
    data = tmp_path_factory.mktemp("gh-traffic")
    env = dict(os.environ, GATEHOUSE_ADMIN_PASSWORD=ADMIN_PASSWORD)
    log = open(data / "server.log", "wb")  # a file, not a pipe nobody drains
    proc = subprocess.Popen([BIN, "serve", "--data-dir", str(data), "--admin-listen",
                             "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0",
                             "--gateway-tls-listen", "127.0.0.1:0",
                             "--group-domain-suffix", "groups.example.test",
                             *store_args(str(data))],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    listen = data / "listen.json"
    deadline = time.time() + 20
    while not listen.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    if not listen.exists():
        proc.kill()
        raise RuntimeError("gatehouse did not start: " + (data / "server.log").read_text())
    ports = json.loads(listen.read_text())
    base = "http://" + ports["admin"]
    yield {"base": base, "gateway": "http://" + ports["gateway"], "data": data}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def admin(gatehouse):
    base = gatehouse["base"]
    token, project_id = login(base, "admin", ADMIN_PASSWORD)
    h = {"X-Auth-Token": token}
    apig = requests.get(f"{base}/v2/{project_id}/apigw/instances", headers=h, timeout=10).json()
    roma = requests.get(f"{base}/v2/{project_id}/instances", headers=h, timeout=10).json()
    return Admin(base, token, project_id, apig["instances"][0]["id"], roma["instances"][0]["id"])
