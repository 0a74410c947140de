"""Helpers for cluster tests and the cluster bench: a private PostgreSQL cluster (initdb + pg_ctl
on a free 127.0.0.1 port, stoppable and restartable to simulate an outage) and Gatehouse nodes
sharing it (same GATEHOUSE_MASTER_KEY, own data dirs, restartable on the same data dir)."""
import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import requests

from gateway_env import BINARY, PASSWORD, EchoBackend, Gatehouse, free_port


def _pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found")
    return os.path.dirname(found[-1])


def _as_pg(cmd):
    return ["runuser", "-u", "postgres", "--", *cmd] if os.getuid() == 0 else cmd


class PgCluster:
    """A throwaway PostgreSQL cluster (trust auth on 127.0.0.1 and a private socket dir)."""

    def __init__(self):
        self.bin = _pg_bin()
        self.dir = tempfile.mkdtemp(prefix="gh-cluster-pg-")
        os.chmod(self.dir, 0o700)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        subprocess.run(_as_pg([f"{self.bin}/initdb", "-D", self.data, "-U", "postgres", "-A",
                               "trust", "-E", "UTF8", "--locale=C"]),
                       check=True, capture_output=True, timeout=120)
        hba = os.path.join(self.data, "pg_hba.conf")
        subprocess.run(_as_pg(["sh", "-c", "printf 'local all all trust\\nhost all all "
                               f"127.0.0.1/32 trust\\n' > {hba}"]), check=True, timeout=10)
        self.start()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self):
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.dir} -c max_connections=200")
        subprocess.run(_as_pg([f"{self.bin}/pg_ctl", "-D", self.data, "-l",
                               os.path.join(self.dir, "server.log"), "-w", "-t", "60", "-o", opts,
                               "start"]), check=True, capture_output=True, timeout=90)

    def stop(self):
        """A fast shutdown: sessions are terminated, new connections refused."""
        subprocess.run(_as_pg([f"{self.bin}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t",
                               "60", "stop"]), capture_output=True, timeout=90)

    def create_database(self):
        name = "gh_" + secrets.token_hex(6)
        subprocess.run(["psql", f"postgresql://postgres@127.0.0.1:{self.port}/postgres", "-q",
                        "-v", "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {name}"],
                       check=True, capture_output=True, timeout=60)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            subprocess.run(_as_pg([f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate",
                                   "-w", "-t", "30", "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


class Node(Gatehouse):
    """One Gatehouse node on a shared store; restartable on the same data dir."""

    def __init__(self, store_url, master_key, extra_args=(), login=True):
        self.dir = tempfile.mkdtemp(prefix="gh-node-")
        self.store_url = store_url
        self.env = dict(os.environ, GATEHOUSE_ADMIN_PASSWORD=PASSWORD,
                        GATEHOUSE_MASTER_KEY=master_key)
        self.extra_args = list(extra_args)
        self.proc = None
        self.start()
        if login:
            self.login()

    def start(self, timeout=30):
        listen = os.path.join(self.dir, "listen.json")
        if os.path.exists(listen):
            os.unlink(listen)
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--data-dir", self.dir, "--admin-listen", "127.0.0.1:0",
             "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", "127.0.0.1:0",
             "--gateway-threads", "2",
             "--simple-auth-over-http", "--store", self.store_url, *self.extra_args],
            stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gatehouse exited: " + self.log_text())
            try:
                with open(listen) as f:
                    ports = json.load(f)
                self.admin = "http://" + ports["admin"]
                self.gateway = "http://" + ports["gateway"]
                if requests.get(self.admin + "/health", timeout=2).status_code == 200:
                    return
            except (OSError, ValueError, KeyError, requests.RequestException):
                pass
            time.sleep(0.05)
        raise RuntimeError("gatehouse did not become ready: " + self.log_text())

    def health(self):
        return requests.get(self.admin + "/health", timeout=5).json()

    def call_code(self, path, code, session=None):
        return (session or requests).get(self.gateway + path, headers={"X-Apig-AppCode": code},
                                         timeout=5)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise AssertionError("gatehouse did not exit within 15 s of SIGTERM")
        self.log.close()

    def destroy(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def master_key():
    return secrets.token_hex(32)


@contextlib.contextmanager
def running_cluster(node_count):
    """A private PostgreSQL cluster, an echo backend and `node_count` Gatehouse nodes on one
    database with one master key; yields (pg, nodes, backend). Everything is stopped and removed
    on exit, a node that fails to stop does not keep the others running."""
    pg = PgCluster()
    backend = EchoBackend()
    nodes = []
    try:
        url = pg.create_database()
        key = master_key()
        for _ in range(node_count):
            nodes.append(Node(url, key))
        yield pg, nodes, backend
    finally:
        for n in nodes:
            try:
                n.destroy()
            except Exception as e:  # noqa: BLE001 - clean up the rest regardless
                print(f"warning: stopping {n.gateway}: {e}", file=sys.stderr)
        backend.stop()
        pg.destroy()


def publish_code_api(node, backend_address, uri):
    """An APP-auth GET API in the DEFAULT group, published in RELEASE; returns its id."""
    api = node.create_api(node.default_group()["id"], "c_" + secrets.token_hex(4), uri,
                          req_protocol="BOTH",
                          backend_api={"url_domain": backend_address, "req_uri": "/echo"})
    r = node.publish(api["id"])
    assert r.status_code in (200, 201), r.text
    return api["id"]


def new_code(node, api_id):
    """A new app with one AppCode, authorized for `api_id`; returns (app_id, code)."""
    app = node.create_app("a_" + secrets.token_hex(5))
    code = node.add_code(app["id"])["app_code"]
    node.authorize(app["id"], api_id)
    return app["id"], code
