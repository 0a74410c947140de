"""Cluster mode on PostgreSQL: nodes sharing one database see each other's changes within a
second, and the data plane survives a store outage (also across a node restart, from the
snapshot file). Runs a private PostgreSQL cluster so it can stop and restart it."""
import os
import threading
import time

import pytest
import requests

from cluster_env import new_code, publish_code_api, running_cluster

pytestmark = pytest.mark.skipif(
    not os.environ.get("GATEHOUSE_TEST_PG"),
    reason="cluster tests need PostgreSQL (GATEHOUSE_TEST_PG unset; scripts/test sets it)")


@pytest.fixture(scope="module")
def cluster():
    with running_cluster(2) as (pg, nodes, backend):
        api_id = publish_code_api(nodes[0], backend.address, "/cluster")
        yield pg, nodes, api_id


def wait_status(node, code, want, limit=1.0, path="/cluster"):
    """Polls `node` with `code` until it answers `want`; returns the seconds it took or None."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if node.call_code(path, code).status_code == want:
            return time.monotonic() - start
        time.sleep(0.005)
    return None


def wait_for(predicate, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


def test_code_created_on_a_works_on_b_and_deletion_propagates(cluster):
    _, (a, b), api_id = cluster
    for _ in range(3):
        app_id, code = new_code(a, api_id)
        assert a.call_code("/cluster", code).status_code == 200
        took = wait_status(b, code, 200)
        assert took is not None, "node B did not accept a code created on node A within 1 s"
        a.call("DELETE", a.base() + f"/apps/{app_id}", expect=204)
        assert a.call_code("/cluster", code).status_code == 401  # at once on the writing node
        took = wait_status(b, code, 401)
        assert took is not None, "node B still accepted a deleted code after 1 s"


def test_code_deleted_on_b_is_refused_on_a(cluster):
    _, (a, b), api_id = cluster
    app_id, code = new_code(a, api_id)
    assert wait_status(b, code, 200) is not None
    codes = b.get(b.base() + f"/apps/{app_id}/app-codes").json()["app_codes"]
    b.call("DELETE", b.base() + f"/apps/{app_id}/app-codes/{codes[0]['id']}", expect=204)
    assert wait_status(a, code, 401) is not None


def test_token_from_a_works_on_b(cluster):
    _, (a, b), _ = cluster
    r = requests.get(b.admin + f"/v2/{a.project}/apigw/instances",
                     headers={"X-Auth-Token": a.token}, timeout=10)
    assert r.status_code == 200, r.text


def _traffic(nodes, codes, stop, results):
    sessions = [requests.Session() for _ in nodes]
    i = 0
    while not stop.is_set() and len(results) < 100000:
        n = i % len(nodes)
        try:
            results.append(nodes[n].call_code("/cluster", codes[i % len(codes)],
                                              session=sessions[n]).status_code)
        except requests.RequestException as e:
            results.append(repr(e))
        i += 1
        time.sleep(0.002)


def _assert_503_json(node):
    start = time.monotonic()
    r = node.call("GET", node.base() + "/apps")
    took = time.monotonic() - start
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["error_code"] == "APIG.9999" and "unavailable" in body["error_msg"], body
    assert took < 5.0, f"a management call took {took:.1f} s during the outage"


def test_outage_keeps_data_plane_and_management_recovers(cluster):
    pg, (a, b), api_id = cluster
    codes = [new_code(a, api_id)[1] for _ in range(3)]
    for c in codes:
        assert wait_status(b, c, 200) is not None
    stop, results = threading.Event(), []
    t = threading.Thread(target=_traffic, args=([a, b], codes, stop, results), daemon=True)
    t.start()
    try:
        time.sleep(0.5)
        pg.stop()
        _assert_503_json(a)
        _assert_503_json(b)
        assert wait_for(lambda: a.health()["status"] == "degraded", 5), a.health()
        time.sleep(2.0)
        pg.start()
        assert wait_for(lambda: a.call("GET", a.base() + "/apps").status_code == 200, 10), \
            "management did not come back within 10 s of PostgreSQL's restart"
        assert wait_for(lambda: b.call("GET", b.base() + "/apps").status_code == 200, 10)
        assert wait_for(lambda: b.health()["status"] == "ok", 10), b.health()
        time.sleep(0.3)
    finally:
        stop.set()
        t.join(10)
    assert len(results) > 100
    failed = [r for r in results if r != 200]
    assert not failed, f"{len(failed)} of {len(results)} calls failed during the outage: " \
                       f"{failed[:5]}"
    # Changes made after the outage propagate again.
    _, code = new_code(a, api_id)
    assert wait_status(b, code, 200) is not None


def test_node_restarted_during_outage_serves_from_snapshot_file(cluster):
    pg, (a, b), api_id = cluster
    _, code = new_code(a, api_id)
    assert wait_status(b, code, 200) is not None
    snapshot = os.path.join(b.dir, "snapshot.json")
    # The snapshot file is written within about a second of the change.
    assert wait_for(lambda: os.path.exists(snapshot) and code not in open(snapshot).read()
                    and b.health()["status"] == "ok", 3)
    time.sleep(1.5)
    assert oct(os.stat(snapshot).st_mode & 0o777) == "0o600"
    pg.stop()
    try:
        b.stop()
        b.start()
        h = b.health()
        assert h == {"status": "degraded", "store": "unavailable", "snapshot": "file",
                     "change_seq": h["change_seq"]} and h["change_seq"] > 0, h
        r = requests.get(b.admin + "/ready", timeout=5)  # serving from the file: ready
        assert r.status_code == 200 and r.json() == {"status": "ready", "checks": {
            "snapshot": {"status": "ok", "source": "file", "change_seq": h["change_seq"]},
            "store": {"status": "unavailable"}, "gateway": {"status": "ok"}}}, r.text
        assert "snapshot" in b.log_text()
        ok = sum(b.call_code("/cluster", code).status_code == 200 for _ in range(50))
        assert ok == 50
        r = requests.get(b.admin + b.base() + "/apps", headers={"X-Auth-Token": b.token},
                         timeout=10)
        assert r.status_code == 503 and r.json()["error_code"] == "APIG.9999", r.text
    finally:
        pg.start()
    assert wait_for(lambda: b.health() == {"status": "ok"}, 15), b.health()
    assert b.call("GET", b.base() + "/apps").status_code == 200
    _, code2 = new_code(a, api_id)
    assert wait_status(b, code2, 200) is not None
