"""Fixtures for data-plane tests: a recording echo backend and a Gatehouse with one published API
set-up helper. Self-contained (starts its own server) so it does not depend on other fixtures."""
import http.server
import json
import os
import socket
import subprocess
import tempfile
import threading
import time

import requests
import urllib3

urllib3.disable_warnings()

BINARY = os.environ.get("GATEHOUSE_BINARY", os.path.join(os.path.dirname(__file__), "..", "..",
                                                          "build", "gatehouse"))
PASSWORD = "Gatehouse-Test-1"


class EchoBackend:
    """HTTP/1.1 keep-alive backend on a free port. Records every request it receives.
    GET /slow?ms=N sleeps N ms before answering (bounded to 5 s); a path with "hop" is answered
    with a field named in the answer's Connection field (X-Backend-Hop) and one that is not."""

    def __init__(self):
        self.received = []
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                record = {"method": self.command, "path": self.path,
                          "headers": {k.lower(): v for k, v in self.headers.items()},
                          "body": body.decode("latin-1")}
                backend.received.append(record)
                if self.path.startswith("/slow"):
                    ms = int(self.path.split("ms=")[1]) if "ms=" in self.path else 2000
                    time.sleep(min(ms, 5000) / 1000)
                out = json.dumps(record).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.send_header("X-Backend", "echo")
                if "hop" in self.path:  # fields a proxy must drop (named in Connection)
                    self.send_header("Connection", "X-Backend-Hop")
                    self.send_header("X-Backend-Hop", "1")
                    self.send_header("X-Backend-Kept", "yes")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def last(self):
        return self.received[-1] if self.received else None

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gatehouse:
    def __init__(self, extra_args=(), store_args=None):
        """store_args: conftest.store_args (PostgreSQL when GATEHOUSE_TEST_PG is set)."""
        self.dir = tempfile.mkdtemp(prefix="gh-gw-")
        store_args = store_args(self.dir) if store_args else []
        env = dict(os.environ, GATEHOUSE_ADMIN_PASSWORD=PASSWORD)
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--data-dir", self.dir, "--admin-listen", "127.0.0.1:0",
             "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", "127.0.0.1:0",
             "--gateway-threads", "2", *store_args, *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        try:
            self._wait_ready()
            self.login()
        except BaseException:
            self.stop()  # never leave a server behind when set-up fails
            raise

    def _wait_ready(self):
        listen = os.path.join(self.dir, "listen.json")
        deadline = time.time() + 20
        while time.time() < deadline:
            if os.path.exists(listen):
                with open(listen) as f:
                    ports = json.load(f)
                self.admin = "http://" + ports["admin"]
                self.gateway = "http://" + ports["gateway"]
                self.gateway_tls = "https://" + ports["gateway_tls"]
                try:
                    if requests.get(self.admin + "/health", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
            if self.proc.poll() is not None:
                raise RuntimeError("gatehouse exited: " + open(self.log.name).read())
            time.sleep(0.05)
        else:
            raise RuntimeError("gatehouse did not become ready")

    def login(self):
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "domain": {"name": "default"}, "name": "admin", "password": PASSWORD}}},
            "scope": {"project": {"name": "default"}}}}
        r = requests.post(self.admin + "/v3/auth/tokens", json=body, timeout=10)
        assert r.status_code == 201, r.text
        self.token = r.headers["X-Subject-Token"]
        self.project = r.json()["token"]["project"]["id"]
        instances = self.get(f"/v2/{self.project}/apigw/instances").json()["instances"]
        self.instance = instances[0]["id"]
        roma = self.get(f"/v2/{self.project}/instances").json()["instances"]
        self.roma_instance = roma[0]["id"]

    # ---- management helpers
    def call(self, method, path, body=None, expect=None):
        r = requests.request(method, self.admin + path, json=body, timeout=10,
                             headers={"X-Auth-Token": self.token})
        if expect is not None:
            assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r

    def get(self, path, expect=200):
        return self.call("GET", path, expect=expect)

    def base(self, roma=False):
        kind, inst = ("apic", self.roma_instance) if roma else ("apigw", self.instance)
        return f"/v2/{self.project}/{kind}/instances/{inst}"

    def default_group(self, roma=False):
        groups = self.get(self.base(roma) + "/api-groups?limit=500").json()["groups"]
        return next(g for g in groups if g.get("is_default") == 1)

    def create_group(self, name, roma=False):
        return self.call("POST", self.base(roma) + "/api-groups", {"name": name},
                         expect=201).json()

    def create_api(self, group_id, name, uri, roma=False, **fields):
        body = {"group_id": group_id, "name": name, "type": 1, "req_protocol": "BOTH",
                "req_method": "GET", "req_uri": uri, "auth_type": "APP",
                "auth_opt": {"app_code_auth_type": "HEADER"}, "backend_type": "HTTP",
                "backend_api": {"url_domain": "127.0.0.1:1", "req_protocol": "HTTP",
                                "req_method": "GET", "req_uri": "/echo", "timeout": 5000}}
        for k, v in fields.items():
            if isinstance(v, dict) and isinstance(body.get(k), dict):
                body[k] = {**body[k], **v}
            else:
                body[k] = v
        if body["auth_type"] != "APP":
            body.pop("auth_opt", None)
        return self.call("POST", self.base(roma) + "/apis", body, expect=201).json()

    def publish(self, api_id, env_id="DEFAULT_ENVIRONMENT_RELEASE_ID", roma=False, action="online"):
        return self.call("POST", self.base(roma) + "/apis/action",
                         {"action": action, "env_id": env_id, "api_id": api_id}, expect=None)

    def create_app(self, name, roma=False):
        return self.call("POST", self.base(roma) + "/apps", {"name": name}, expect=201).json()

    def add_code(self, app_id, roma=False):
        return self.call("PUT", self.base(roma) + f"/apps/{app_id}/app-codes",
                         expect=201).json()

    def authorize(self, app_id, api_id, env_id="DEFAULT_ENVIRONMENT_RELEASE_ID", roma=False):
        r = self.call("POST", self.base(roma) + "/app-auths",
                      {"env_id": env_id, "app_ids": [app_id], "api_ids": [api_id]}, expect=201)
        return r.json()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    def log_text(self):
        with open(self.log.name, "rb") as f:
            return f.read().decode("utf-8", "replace")


def gateway_with_backend(extra_args=(), store_args=None):
    """A started Gatehouse (`extra_args`) and an EchoBackend, as one object with .gh and .backend;
    a generator for module fixtures: both are stopped when it resumes."""
    backend = EchoBackend()
    try:
        gh = Gatehouse(extra_args=extra_args, store_args=store_args)
    except BaseException:
        backend.stop()
        raise
    try:
        yield type("Env", (), {"gh": gh, "backend": backend})()
    finally:
        gh.stop()
        backend.stop()
