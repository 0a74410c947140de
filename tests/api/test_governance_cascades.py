"""Deleting an app takes its special throttling limits, its quota binding and its app ACL with it,
in the app's one transaction, and out of the gateway's snapshot before the call returns
(docs/compatibility.md#g7; the snapshot's entries are read from /metrics,
docs/operations.md#metrics, and on PostgreSQL also from the snapshot file). The other apps' limits
stay enforced. Runs on the store conftest.store_args chooses (SQLite, or GATEHOUSE_TEST_PG)."""
import json
import os
import re

import pytest
import requests

from conftest import assert_apig_error, store_args, uniq, wait_until
from gateway_env import gateway_with_backend


@pytest.fixture(scope="module")
def gw():
    yield from gateway_with_backend(["--simple-auth-over-http", "--metrics-listen", "127.0.0.1:0"],
                                    store_args)


def entries(gw):
    """{kind: n} of gatehouse_snapshot_entries."""
    with open(os.path.join(gw.gh.dir, "listen.json")) as f:
        url = "http://" + json.load(f)["metrics"] + "/metrics"
    text = requests.get(url, timeout=10).text
    return {m.group(1): int(float(m.group(2))) for m in
            re.finditer(r'^gatehouse_snapshot_entries\{kind="([a-z_]+)"\} (\S+)$', text, re.M)}


def test_deleting_an_app_takes_its_specials_quota_and_acl_out_of_the_snapshot(gw):
    gh = gw.gh
    base = gh.base()
    uri = "/" + uniq("casc")
    api = gh.create_api(gh.default_group()["id"], uniq("api"), uri,
                        backend_api={"url_domain": gw.backend.address})
    pub = gh.publish(api["id"])
    assert pub.status_code == 201, pub.text
    policy = gh.call("POST", base + "/throttles",
                     {"name": uniq("thr"), "api_call_limits": 1000, "app_call_limits": 100,
                      "time_interval": 1, "time_unit": "DAY"}, expect=201).json()
    gh.call("POST", base + "/throttle-bindings",
            {"strategy_id": policy["id"], "publish_ids": [pub.json()["publish_id"]]}, expect=201)
    quota = gh.call("POST", base + "/app-quotas",
                    {"name": uniq("quota"), "call_limits": 1000, "time_interval": 1,
                     "time_unit": "DAY"}, expect=201).json()
    specials = base + f"/throttles/{policy['id']}/throttle-specials"

    def limit(app, special_limit):
        gh.call("POST", specials, {"object_type": "APP", "object_id": app["id"],
                                   "call_limits": special_limit}, expect=201)
        gh.call("POST", base + f"/app-quotas/{quota['app_quota_id']}/binding-apps",
                {"app_ids": [app["id"]]}, expect=201)

    def acl(app):
        gh.call("PUT", base + f"/apps/{app['id']}/app-acl",
                {"app_acl_type": "PERMIT", "app_acl_values": ["127.0.0.1", "::1"]}, expect=201)

    # The apps to delete have no authorization: nothing but their governance names them in the
    # routes (an authorization's or an app ACL's change record alone would rebuild them).
    doomed, doomed_acl = gh.create_app(uniq("doomed")), gh.create_app(uniq("doomed"))
    survivor = gh.create_app(uniq("survivor"))
    limit(doomed, 50)
    acl(doomed_acl)
    limit(survivor, 2)
    acl(survivor)
    gh.call("POST", specials, {"object_type": "USER", "object_id": "acct_keep",
                               "call_limits": 7}, expect=201)
    code = gh.add_code(survivor["id"])["app_code"]
    gh.authorize(survivor["id"], api["id"])
    before = entries(gw)
    assert (before["throttle_specials"], before["app_quotas"], before["app_acls"]) == (3, 2, 2)

    gh.call("DELETE", base + f"/apps/{doomed['id']}", expect=204)
    # Before the call returned, the snapshot lost exactly the deleted app's entries.
    after = entries(gw)
    assert (after["throttle_specials"], after["app_quotas"], after["app_acls"]) == (2, 1, 2)
    assert after["routes"] == before["routes"]
    gh.call("DELETE", base + f"/apps/{doomed_acl['id']}", expect=204)
    assert entries(gw)["app_acls"] == 1
    # The management view agrees.
    listed = gh.get(specials).json()
    assert {x["object_id"] for x in listed["throttle_specials"]} == {survivor["id"], "acct_keep"}
    assert gh.get(base + f"/app-quotas/{quota['app_quota_id']}").json()["bound_app_num"] == 1
    bound = gh.get(base + f"/app-quotas/{quota['app_quota_id']}/bound-apps").json()["apps"]
    assert [a["app_id"] for a in bound] == [survivor["id"]]
    assert_apig_error(gh.get(base + f"/apps/{doomed_acl['id']}/app-acl", expect=None), 404,
                      "APIG.3004")
    assert_apig_error(gh.get(base + f"/apps/{doomed['id']}/bound-quota", expect=None), 404,
                      "APIG.3004")
    # One write: one audit record for the deletion.
    events = gh.get(f"/v2/{gh.project}/gatehouse/audit-events?limit=500").json()["events"]
    assert [e["action"] for e in events if e["target_id"] == doomed["id"]].count("app.delete") == 1
    # The survivor's special limit (2 a day) still applies; its quota and ACL admit it.
    statuses = [requests.get(gh.gateway + uri, headers={"X-Apig-AppCode": code},
                             timeout=10).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # On PostgreSQL the snapshot file (rewritten within about a second) forgets the app too.
    path = os.path.join(gh.dir, "snapshot.json")
    if os.path.exists(path):
        def forgotten():
            with open(path, "rb") as f:
                return doomed["id"].encode() not in f.read()
        assert wait_until(forgotten, limit=15), "the snapshot file still names the deleted app"
