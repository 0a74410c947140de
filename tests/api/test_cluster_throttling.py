"""Throttling limits and app quotas across a cluster (docs/operations.md#throttling-cluster):
three nodes on one PostgreSQL admit a limit's worth of requests between them, not each; a quota
used up on some nodes is used up on all, also for a node restarted; with PostgreSQL stopped the
nodes keep admitting (fail open) and log it once, and what they admitted meanwhile is counted
when it is back. Runs a private PostgreSQL cluster so that it can stop and restart it."""
import concurrent.futures
import datetime
import os
import secrets
import time

import pytest
import requests

from cluster_env import running_cluster

pytestmark = pytest.mark.skipif(
    not os.environ.get("GATEHOUSE_TEST_PG"),
    reason="cluster tests need PostgreSQL (GATEHOUSE_TEST_PG unset; scripts/test sets it)")

NODES = 3
# A node may admit 1 request of a window before its first lease (max(1, limit / (100 × nodes)),
# docs/operations.md#throttling-cluster): the most a cluster of NODES may overshoot by here.
SLACK = NODES


@pytest.fixture(scope="module")
def cluster():
    with running_cluster(NODES) as running:
        yield running


def fresh_window(need=25):
    """Waits for a new UTC minute when fewer than `need` s are left in this one (the policies'
    windows are minutes aligned on the epoch)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    left = 60 - now.second - now.microsecond / 1e6
    if left < need:
        time.sleep(left + 0.2)


def published_api(node, backend):
    """An APP-auth GET API published in RELEASE; returns (api_id, uri, publish_id)."""
    uri = "/ct_" + secrets.token_hex(4)
    api = node.create_api(node.default_group()["id"], "c_" + secrets.token_hex(4), uri,
                          backend_api={"url_domain": backend.address, "req_uri": "/echo"})
    r = node.publish(api["id"])
    assert r.status_code in (200, 201), r.text
    return api["id"], uri, r.json()["publish_id"]


def app_code(node, api_id):
    app = node.create_app("a_" + secrets.token_hex(5))
    code = node.add_code(app["id"])["app_code"]
    node.authorize(app["id"], api_id)
    return app["id"], code


def wait_until(predicate, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def throttled_api(nodes, backend, app_limit):
    """An API with an app limit of `app_limit`/minute bound, in force on every node; returns
    (uri, code of the app to count)."""
    a = nodes[0]
    api_id, uri, publish_id = published_api(a, backend)
    t = a.call("POST", a.base() + "/throttles",
               {"name": "t_" + secrets.token_hex(4), "api_call_limits": 1_000_000,
                "app_call_limits": app_limit, "time_interval": 1, "time_unit": "MINUTE"},
               expect=201).json()
    a.call("POST", a.base() + "/throttle-bindings",
           {"strategy_id": t["id"], "publish_ids": [publish_id]}, expect=201)
    _, code = app_code(a, api_id)
    _, probe = app_code(a, api_id)  # shows the policy in force without counting `code`

    def in_force(node):
        r = requests.get(node.gateway + uri, timeout=5,
                         headers={"X-Apig-AppCode": probe, "X-Apig-Mode": "debug"})
        return r.status_code == 200 and "X-Apig-RateLimit-app" in r.headers

    for n in nodes:
        assert wait_until(lambda n=n: in_force(n), 10), "the policy did not reach every node"
    return uri, code


def spread(nodes, uri, code, count, workers=6):
    """`count` requests, round robin over the nodes, `workers` at a time; returns the statuses."""
    def one(i):
        node = nodes[i % len(nodes)]
        return requests.get(node.gateway + uri, headers={"X-Apig-AppCode": code},
                            timeout=10).status_code

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(count)))


def drain(nodes, uri, code, refusal):
    """Calls each node until it refuses three times in a row, 50 ms apart (a node whose lease is
    spent refuses until its next exchange, even while the limit is not reached); returns how many
    it admitted meanwhile."""
    admitted = 0
    for n in nodes:
        refused = 0
        for _ in range(100):
            status = n.call_code(uri, code).status_code
            if status == refusal:
                refused += 1
                if refused == 3:
                    break
                time.sleep(0.05)
                continue
            assert status == 200, status
            admitted += 1
            refused = 0
        else:
            raise AssertionError(f"{n.gateway} still admits after 100 calls")
    return admitted


def test_a_limit_holds_for_the_cluster_not_per_node(cluster):
    _, nodes, backend = cluster
    limit = 60
    uri, code = throttled_api(nodes, backend, limit)
    fresh_window()
    statuses = spread(nodes, uri, code, 3 * limit)
    assert set(statuses) <= {200, 429}, statuses
    # Used up everywhere: each node refuses once what it still holds is spent.
    admitted = statuses.count(200) + drain(nodes, uri, code, 429)
    # Each node alone would have admitted `limit`: three times as many.
    assert limit - SLACK <= admitted <= limit + SLACK, admitted


def test_a_quota_holds_for_the_cluster_and_survives_a_node_restart(cluster):
    _, nodes, backend = cluster
    a = nodes[0]
    api_id, uri, _ = published_api(a, backend)
    app_id, code = app_code(a, api_id)
    q = a.call("POST", a.base() + "/app-quotas",
               {"name": "q_" + secrets.token_hex(4), "call_limits": 30, "time_interval": 1,
                "time_unit": "DAY"}, expect=201).json()
    a.call("POST", a.base() + f"/app-quotas/{q['app_quota_id']}/binding-apps",
           {"app_ids": [app_id]}, expect=201)
    # In force on every node once a later change is: a quota of 1 on a probe app, bound after.
    _, other = app_code(a, api_id)
    probe_id, probe = app_code(a, api_id)
    p = a.call("POST", a.base() + "/app-quotas",
               {"name": "q_" + secrets.token_hex(4), "call_limits": 1, "time_interval": 1,
                "time_unit": "DAY"}, expect=201).json()
    a.call("POST", a.base() + f"/app-quotas/{p['app_quota_id']}/binding-apps",
           {"app_ids": [probe_id]}, expect=201)
    for n in nodes:
        assert wait_until(lambda n=n: n.call_code(uri, probe).status_code == 405, 10)
    statuses = spread(nodes, uri, code, 90)
    assert set(statuses) <= {200, 405}, statuses
    admitted = statuses.count(200) + drain(nodes, uri, code, 405)
    assert 30 - SLACK <= admitted <= 30 + SLACK, admitted
    for n in nodes:
        assert n.call_code(uri, code).status_code == 405
        assert n.call_code(uri, other).status_code == 200  # no quota on that app
    # A restarted node forgets its memory, not the quota: the count is the cluster's.
    restarted = nodes[2]
    restarted.stop()
    restarted.start()
    later = [restarted.call_code(uri, code).status_code for _ in range(10)]
    assert later.count(200) <= 1, later  # at most its provisional request before a lease


def log_count(node, text):
    with open(os.path.join(node.dir, "server.log"), "rb") as f:
        return f.read().decode(errors="replace").count(text)


def test_store_outage_fails_open_logs_once_and_is_counted_when_back(cluster):
    pg, nodes, backend = cluster
    limit = 90
    uri, code = throttled_api(nodes, backend, limit)
    fresh_window(40)
    # Before: one request per node, then the leases have come (a burst on a key no node has
    # leased yet may meet refusals for the first exchange, 20 ms).
    before = [n.call_code(uri, code).status_code for n in nodes]
    time.sleep(0.3)
    before += [nodes[i % NODES].call_code(uri, code).status_code for i in range(12)]
    assert before.count(200) == 15, before
    pg.stop()
    try:
        down = "cluster counters: store unreachable"
        assert all(wait_until(lambda n=n: log_count(n, down) >= 1, 10) for n in nodes)
        # Fail open: each node keeps admitting (its share, 90 / 3, is not reached here).
        during = spread(nodes, uri, code, 30)
        assert during.count(200) == 30, during
        time.sleep(0.5)  # many exchanges fail meanwhile: still one line per node
        assert [log_count(n, down) for n in nodes] == [1] * NODES
    finally:
        pg.start()
    back = "cluster counters: store reachable again"
    assert all(wait_until(lambda n=n: log_count(n, back) >= 1, 20) for n in nodes)
    # The 45 requests admitted before and during the outage count: 45 are left for the window.
    after = spread(nodes, uri, code, 90)
    admitted = after.count(200) + drain(nodes, uri, code, 429)
    assert limit - 45 - SLACK <= admitted <= limit - 45 + SLACK, admitted
