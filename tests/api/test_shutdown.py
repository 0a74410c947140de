"""Graceful stop (docs/operations.md, "Stopping"): on SIGTERM the node leaves rotation (/ready
503), finishes the gateway requests in progress (HTTP/1.1 and HTTP/2), then the management calls
in progress (all bounded by --drain-timeout-ms), and writes the snapshot file of every change it
applied, so a restart while PostgreSQL is down serves them."""
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time

import pytest
import requests

from conftest import wait_until
from cluster_env import Node, PgCluster, master_key, new_code, publish_code_api
from gateway_env import EchoBackend, Gatehouse


@pytest.fixture
def slow_api():
    """A Gatehouse whose API /slow proxies to a backend that answers after ?ms=N; yields
    (gatehouse, backend, AppCode)."""
    backend = EchoBackend()
    gh = None
    try:
        gh = Gatehouse(extra_args=["--simple-auth-over-http"])
        api = gh.create_api(gh.default_group()["id"], "slow_api", "/slow",
                            backend_api={"url_domain": backend.address, "req_uri": "/slow"})
        assert gh.publish(api["id"]).status_code in (200, 201)
        app = gh.create_app("slow_app")
        code = gh.add_code(app["id"])["app_code"]
        gh.authorize(app["id"], api["id"])
        yield gh, backend, code
    finally:
        if gh:
            gh.stop()
        backend.stop()


def call_in_background(url, code):
    """Starts GET url with the AppCode in a thread; returns (thread, result list)."""
    result = []

    def run():
        try:
            result.append(requests.get(url, headers={"X-Apig-AppCode": code}, timeout=30))
        except requests.RequestException as e:
            result.append(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, result


def file_seq(path):
    """The change seq of the snapshot file at `path` (-1 while there is none)."""
    try:
        with open(path) as f:
            return json.load(f)["change_seq"]
    except (OSError, ValueError, KeyError):
        return -1


def test_sigterm_finishes_requests_in_progress(slow_api):
    gh, backend, code = slow_api
    t, result = call_in_background(gh.gateway + "/slow?ms=4000", code)
    assert wait_until(lambda: any(r["path"].startswith("/slow") for r in backend.received))
    gh.proc.send_signal(signal.SIGTERM)
    # Out of rotation while it drains (the signal is handled asynchronously: poll, bounded).
    answers = []
    assert wait_until(lambda: answers.append(requests.get(gh.admin + "/ready", timeout=5)) or
                      answers[-1].status_code == 503), answers[-1].text
    r = answers[-1]
    assert r.json()["status"] == "not_ready" and \
        r.json()["checks"]["gateway"]["status"] == "not_serving"
    assert requests.get(gh.admin + "/health", timeout=5).status_code == 200  # still alive
    t.join(30)
    assert gh.proc.wait(30) == 0
    assert len(result) == 1 and not isinstance(result[0], Exception), result
    assert result[0].status_code == 200 and result[0].headers.get("X-Backend") == "echo"
    assert "draining" in gh.log_text()


def test_drain_is_bounded(slow_api):
    gh, backend, code = slow_api
    gh.stop()  # a node of its own, with a short drain bound
    gh2 = Gatehouse(extra_args=["--simple-auth-over-http", "--drain-timeout-ms", "200"])
    try:
        api = gh2.create_api(gh2.default_group()["id"], "slow_api", "/slow",
                             backend_api={"url_domain": backend.address, "req_uri": "/slow"})
        gh2.publish(api["id"])
        app = gh2.create_app("slow_app")
        code = gh2.add_code(app["id"])["app_code"]
        gh2.authorize(app["id"], api["id"])
        before = len(backend.received)
        t, result = call_in_background(gh2.gateway + "/slow?ms=5000", code)
        assert wait_until(lambda: len(backend.received) > before)
        gh2.proc.send_signal(signal.SIGTERM)
        assert gh2.proc.wait(30) == 0
        t.join(30)
        # The node stopped before the backend answered: the request was cut, not answered.
        assert len(result) == 1 and isinstance(result[0], Exception), result
        assert "cut off" in gh2.log_text()
    finally:
        gh2.stop()


@pytest.mark.skipif(not os.environ.get("GATEHOUSE_TEST_PG"),
                    reason="needs PostgreSQL (GATEHOUSE_TEST_PG unset; scripts/test sets it)")
def test_changes_just_before_sigterm_survive_a_restart_without_postgres():
    pg = PgCluster()
    backend = EchoBackend()
    node = None
    try:
        node = Node(pg.create_database(), master_key())
        api_id = publish_code_api(node, backend.address, "/drain")
        old_app, old_code = new_code(node, api_id)
        snapshot = os.path.join(node.dir, "snapshot.json")
        seq = requests.get(node.admin + "/ready", timeout=5).json()["checks"]["snapshot"][
            "change_seq"]
        # The old code reaches the snapshot file (written about once a second while running).
        assert wait_until(lambda: file_seq(snapshot) >= seq, 10), file_seq(snapshot)
        assert node.call_code("/drain", old_code).status_code == 200
        # Change, revoke, and stop at once (the periodic write may well not have run since).
        _, new_code_value = new_code(node, api_id)
        node.call("DELETE", node.base() + f"/apps/{old_app}", expect=204)
        assert node.call_code("/drain", new_code_value).status_code == 200
        node.stop()
        assert node.proc.returncode == 0
        pg.stop()
        node.start()  # from the snapshot file
        assert node.health()["snapshot"] == "file"
        assert node.call_code("/drain", new_code_value).status_code == 200
        assert node.call_code("/drain", old_code).status_code != 200
    finally:
        if node:
            node.destroy()
        backend.stop()
        pg.destroy()


@pytest.mark.parametrize("tls", [False, True], ids=["prior-knowledge", "alpn"])
def test_sigterm_finishes_http2_streams_in_progress(slow_api, tls):
    """An HTTP/2 stream in progress at SIGTERM is answered (GOAWAY first, then the answer), and
    the node exits 0 once it is."""
    gh, backend, code = slow_api
    before = len(backend.received)
    how = ["-k", "--http2", gh.gateway_tls] if tls else ["--http2-prior-knowledge", gh.gateway]
    curl = subprocess.Popen(
        ["curl", "-s", *how[:-1], "-o", "/dev/null", "-w", "%{http_code} %{http_version}", "-H",
         f"X-Apig-AppCode: {code}", "--max-time", "30", how[-1] + "/slow?ms=2500"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: len(backend.received) > before), curl.poll()
        gh.proc.send_signal(signal.SIGTERM)
        out, err = curl.communicate(timeout=30)
    finally:
        if curl.poll() is None:
            curl.kill()
    assert curl.returncode == 0 and out == "200 2", (curl.returncode, out, err)
    assert gh.proc.wait(30) == 0
    assert "cut off" not in gh.log_text()


def test_sigterm_answers_management_calls_in_progress(slow_api):
    """A management call in progress at SIGTERM (here a write waiting for the SQLite write lock,
    which the test holds) still completes and is answered: the admin listener drains after the
    gateway's, within what is left of --drain-timeout-ms."""
    if os.environ.get("GATEHOUSE_TEST_PG"):
        pytest.skip("holds the SQLite write lock")
    gh, _, _ = slow_api
    db = sqlite3.connect(os.path.join(gh.dir, "gatehouse.db"), timeout=10,
                         isolation_level=None)
    result = []
    try:
        db.execute("BEGIN IMMEDIATE")  # the node's writes now wait (busy timeout 5 s)

        def create():
            try:
                result.append(gh.call("POST", gh.base() + "/apps", {"name": "drained_app"}))
            except requests.RequestException as e:
                result.append(e)
        t = threading.Thread(target=create, daemon=True)
        t.start()
        # The call cannot be observed waiting from outside; give it time to reach the store.
        time.sleep(0.5)
        assert not result, result
        gh.proc.send_signal(signal.SIGTERM)
        # The node waits for the call (and the call for the lock) instead of exiting.
        assert not wait_until(lambda: gh.proc.poll() is not None, 1.0), gh.log_text()
        assert not result, result
    finally:
        db.execute("ROLLBACK")
        db.close()
    t.join(30)
    assert len(result) == 1 and not isinstance(result[0], Exception), result
    assert result[0].status_code == 201, result[0].text
    assert gh.proc.wait(30) == 0
    assert "answers may be lost" not in gh.log_text()


def test_management_drain_is_bounded_by_what_is_left():
    """A management call that outlasts --drain-timeout-ms: the drain gives up at the bound and
    says so; the node still waits for the call's change to complete, then exits 0."""
    if os.environ.get("GATEHOUSE_TEST_PG"):
        pytest.skip("holds the SQLite write lock")
    gh = Gatehouse(extra_args=["--drain-timeout-ms", "300"])
    db = sqlite3.connect(os.path.join(gh.dir, "gatehouse.db"), timeout=10, isolation_level=None)
    result = []
    try:
        db.execute("BEGIN IMMEDIATE")

        def create():
            try:
                result.append(gh.call("POST", gh.base() + "/apps", {"name": "late_app"}))
            except requests.RequestException as e:
                result.append(e)
        t = threading.Thread(target=create, daemon=True)
        t.start()
        time.sleep(0.5)  # as above: the call cannot be observed waiting from outside
        gh.proc.send_signal(signal.SIGTERM)
        assert wait_until(lambda: "answers may be lost" in gh.log_text(), 5), gh.log_text()
        assert gh.proc.poll() is None  # the call's change is still to complete
        db.execute("ROLLBACK")
        assert gh.proc.wait(30) == 0
        t.join(30)
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.close()
        gh.stop()
