"""Liveness and readiness probes on the admin listener (docs/operations.md, "Health and
readiness"): unauthenticated, JSON, no store call. Readiness during a drain is in
test_shutdown.py, from the snapshot file in test_cluster.py."""
import requests

from conftest import login


def test_health_is_ok_without_credentials(server):
    r = requests.get(server.url("/health"), timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    assert r.json() == {"status": "ok"}
    assert requests.get(server.url("/health?verbose"), timeout=10).json() == {"status": "ok"}


def ready(server):
    r = requests.get(server.url("/ready"), timeout=10)
    assert r.headers["Content-Type"] == "application/json"
    return r.status_code, r.json()


def test_ready_reports_each_check(server):
    status, body = ready(server)
    assert status == 200, body
    assert body["status"] == "ready"
    checks = body["checks"]
    assert checks["snapshot"]["status"] == "ok" and checks["snapshot"]["source"] == "store"
    assert checks["store"] == {"status": "ok"} and checks["gateway"] == {"status": "ok"}


def test_ready_follows_the_snapshot(server):
    before = ready(server)[1]["checks"]["snapshot"]["change_seq"]
    c = login(server)
    c.generate_code(c.create_app()["id"])  # a data-plane change: a new snapshot
    after = ready(server)[1]["checks"]["snapshot"]["change_seq"]
    assert after > before


def test_probes_are_get_only(server):
    r = requests.post(server.url("/ready"), timeout=10)
    assert r.status_code in (404, 405) and "error_code" in r.json()
