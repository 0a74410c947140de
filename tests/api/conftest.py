"""Black-box fixtures: start the real `gatehouse` binary on OS-chosen ports in a temporary data
directory, log in through IAM, and hand tests a small HTTP client.

- `server` / `admin`: one server for the whole session (fast); tests on it must not depend on
  global counts (use unique names, filter by id).
- `server_factory`: function-scoped; starts isolated servers (own data dir, own store), stops them
  at teardown. Use it for restarts, kill -9, quotas, operator settings.
- `store_args(tmp_dir)`: the one place that chooses the store (SQLite in the data dir, or a fresh
  PostgreSQL database when GATEHOUSE_TEST_PG is set). Every server start goes through it.
"""
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("GATEHOUSE_BINARY") or os.path.join(REPO, "build", "gatehouse")
ADMIN_PASSWORD = "Admin-test-pw-1"
START_TIMEOUT = 30.0
HTTP_TIMEOUT = 15.0


def uniq(prefix="t"):
    """A unique, valid app/user name (letter first, [A-Za-z0-9_])."""
    return f"{prefix}_{secrets.token_hex(5)}"


def store_args(tmp_dir):
    """Store selection for a server whose data dir is `tmp_dir`.

    GATEHOUSE_TEST_PG unset: [] (the embedded SQLite store in the data dir).
    GATEHOUSE_TEST_PG=postgresql://user@host:port/db: creates a fresh database gh_<hex> through
    psql and returns ['--store', <the same URL naming that database>].
    """
    url = os.environ.get("GATEHOUSE_TEST_PG")
    if not url:
        return []
    name = "gh_" + secrets.token_hex(8)
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", f"CREATE DATABASE {name}"],
                   check=True, timeout=60, capture_output=True)
    parts = urllib.parse.urlsplit(url)
    return ["--store", urllib.parse.urlunsplit(parts._replace(path="/" + name))]


class Server:
    """One gatehouse process. Restarts reuse the data dir and the store chosen at construction."""

    def __init__(self, data_dir, extra_args=(), env=None, admin_password=ADMIN_PASSWORD,
                 store=None):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.env = dict(os.environ)
        self.env.pop("GATEHOUSE_MASTER_KEY", None)
        if admin_password is not None:
            self.env["GATEHOUSE_ADMIN_PASSWORD"] = admin_password
        else:
            self.env.pop("GATEHOUSE_ADMIN_PASSWORD", None)
        self.env.update(env or {})
        self.store = store_args(data_dir) if store is None else store
        self.proc = None
        self.log_path = os.path.join(os.path.dirname(data_dir.rstrip("/")),
                                     os.path.basename(data_dir.rstrip("/")) + ".log")
        self.admin = self.gateway = None

    def command(self):
        return [BINARY, "serve", "--data-dir", self.data_dir, "--admin-listen", "127.0.0.1:0",
                "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", "127.0.0.1:0",
                *self.store, *self.extra_args]

    def start(self, command=None):
        listen = os.path.join(self.data_dir, "listen.json")
        if os.path.exists(listen):
            os.unlink(listen)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(command or self.command(), env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gatehouse exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with open(listen) as f:
                    ports = json.load(f)
                self.admin, self.gateway = ports["admin"], ports["gateway"]
                if requests.get(self.url("/health"), timeout=2).status_code == 200:
                    return self
            except (OSError, ValueError, KeyError, requests.RequestException):
                pass
            time.sleep(0.05)
        self.kill9()
        raise RuntimeError(f"gatehouse did not become healthy in {START_TIMEOUT}s:\n{self.log()}")

    def url(self, path):
        return f"http://{self.admin}{path}"

    def alive(self):
        """The process runs and answers /health."""
        if self.proc is None or self.proc.poll() is not None:
            return False
        try:
            return requests.get(self.url("/health"), timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Sends `sig` and waits; returns the exit code (kills and raises on timeout)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise AssertionError(f"gatehouse did not exit within {timeout}s of signal {sig}")

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self):
        self.stop()
        return self.start()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer")


def assert_no_sanitizer_report(server):
    """Under `scripts/test --sanitize` the binary reports memory/UB errors on its output."""
    log = server.log()
    for mark in SANITIZER_MARKS:
        assert mark not in log, f"sanitizer report in {server.log_path}:\n" + log[
            max(0, log.find(mark) - 200):][:4000]


class Client:
    """An authenticated management client (X-Auth-Token) bound to one project."""

    def __init__(self, server, token, project_id, user_id, apig_instance=None, roma_instance=None):
        self.server = server
        self.token = token
        self.project_id = project_id
        self.user_id = user_id
        self.apig_instance = apig_instance
        self.roma_instance = roma_instance
        self.http = requests.Session()

    # ---- raw calls
    def call(self, method, path, json_body=None, data=None, headers=None, token=True, **kw):
        h = {}
        if token is True and self.token:
            h["X-Auth-Token"] = self.token
        elif isinstance(token, str):
            h["X-Auth-Token"] = token
        if json_body is not None or data is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        body = json.dumps(json_body) if json_body is not None else data
        return self.http.request(method, self.server.url(path), data=body, headers=h,
                                 timeout=HTTP_TIMEOUT, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, json_body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, json_body=body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    # ---- paths
    def apig(self, rest="", instance=None):
        return f"/v2/{self.project_id}/apigw/instances/{instance or self.apig_instance}{rest}"

    def apic(self, rest="", instance=None):
        return f"/v2/{self.project_id}/apic/instances/{instance or self.roma_instance}{rest}"

    def roma(self, rest="", instance=None):
        return f"/v2/{self.project_id}/instances/{instance or self.roma_instance}{rest}"

    def ma(self, rest=""):
        return f"/v1/{self.project_id}/app-auth/apps{rest}"

    # ---- helpers
    def create_app(self, name=None, dialect="apig", **fields):
        body = {"name": name or uniq("app"), **fields}
        path = {"apig": self.apig("/apps"), "apic": self.apic("/apps"),
                "roma": self.roma("/apps")}[dialect]
        r = self.post(path, body)
        assert r.status_code == 201, (r.status_code, r.text)
        return r.json()

    def generate_code(self, app_id, dialect="apig"):
        base = self.apig if dialect == "apig" else self.apic
        r = self.put(base(f"/apps/{app_id}/app-codes"))
        assert r.status_code == 201, (r.status_code, r.text)
        return r.json()

    def new_user(self, role="apig_admin", project_id=None, name=None, password="User-pw-12345"):
        """Creates a user (as this domain admin), grants `role` on the project, logs it in."""
        name = name or uniq("user")
        r = self.post("/v3/users", {"user": {"name": name, "password": password}})
        assert r.status_code == 201, r.text
        uid = r.json()["user"]["id"]
        pid = project_id or self.project_id
        if role:
            r = self.put(f"/v3/projects/{pid}/users/{uid}/roles/{role}")
            assert r.status_code == 204, r.text
        if not role:
            return uid, None
        return uid, login(self.server, name, password, project_id=pid)

    def new_project(self, name=None):
        r = self.post("/v3/projects", {"project": {"name": name or uniq("proj")}})
        assert r.status_code == 201, r.text
        return r.json()["project"]["id"]


def login_body(user, password, project_name="default", project_id=None, domain="default"):
    scope = {"project": {"id": project_id} if project_id else {"name": project_name}}
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "domain": {"name": domain}, "name": user, "password": password}}}, "scope": scope}}


def login(server, user="admin", password=ADMIN_PASSWORD, project_id=None):
    r = requests.post(server.url("/v3/auth/tokens"), json=login_body(user, password,
                      project_id=project_id), timeout=HTTP_TIMEOUT)
    assert r.status_code == 201, (r.status_code, r.text)
    token = r.headers["X-Subject-Token"]
    body = r.json()["token"]
    c = Client(server, token, body["project"]["id"], body["user"]["id"])
    for kind, path in (("apig", f"/v2/{c.project_id}/apigw/instances"),
                       ("roma", f"/v2/{c.project_id}/instances")):
        ir = c.get(path)
        assert ir.status_code == 200, ir.text
        ids = [i["id"] for i in ir.json()["instances"]]
        setattr(c, f"{kind}_instance", ids[0] if ids else None)
    return c


def assert_apig_error(r, status, code, msg=None):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["error_code"] == code, body
    assert isinstance(body["error_msg"], str) and body["error_msg"]
    if msg is not None:
        assert body["error_msg"] == msg, body
    return body


def assert_keystone_error(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    err = r.json()["error"]
    assert err["code"] == status and isinstance(err["message"], str) and err["title"]
    return err


def assert_modelarts_error(r, status, code):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["error_code"] == code, body
    assert isinstance(body["error_msg"], str) and body["error_msg"]
    return body


def npm_installed(directory):
    """The path of `node`, after `npm ci` in `directory` (a package with a package-lock.json)
    unless its node_modules exists already. Fails the test when node or npm is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("node and npm are required (scripts/setup installs them)")
    if not os.path.isdir(os.path.join(directory, "node_modules")):
        r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=directory,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
    return node


def tls_pair(directory, name):
    """A new self-signed EC P-256 certificate (CN=name) and its key in `directory` (a Path);
    returns (cert path, key path)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", f"/CN={name}"], check=True, capture_output=True,
                   timeout=60)
    return cert, key


def wait_until(predicate, limit=10.0, step=0.02):
    """Polls `predicate` until it is true (returns True) or `limit` seconds pass (False)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


@pytest.fixture(scope="session")
def binary():
    assert os.access(BINARY, os.X_OK), f"GATEHOUSE_BINARY not executable: {BINARY}"
    return BINARY


@pytest.fixture(scope="session")
def server(binary, tmp_path_factory):
    # A high app quota: many tests share this server (the quota itself is tested on fresh ones).
    s = Server(str(tmp_path_factory.mktemp("shared") / "data"),
               extra_args=["--max-apps-per-instance", "100000"])
    s.start()
    yield s
    s.stop()
    assert_no_sanitizer_report(s)


@pytest.fixture(scope="session")
def admin(server):
    return login(server)


@pytest.fixture
def server_factory(binary):
    """Starts isolated servers: factory(extra_args=(), env=None, start=True) -> Server."""
    started, dirs = [], []

    def make(extra_args=(), env=None, start=True, admin_password=ADMIN_PASSWORD, data_dir=None):
        if data_dir is None:
            root = tempfile.mkdtemp(prefix="gh-api-")
            dirs.append(root)
            data_dir = os.path.join(root, "data")
        s = Server(data_dir, extra_args=extra_args, env=env, admin_password=admin_password)
        started.append(s)
        if start:
            s.start()
        return s

    yield make
    for s in started:
        try:
            s.stop()
        except AssertionError:
            pass
    for s in started:
        assert_no_sanitizer_report(s)
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def fresh_server(server_factory):
    return server_factory()


@pytest.fixture
def fresh_admin(fresh_server):
    return login(fresh_server)
