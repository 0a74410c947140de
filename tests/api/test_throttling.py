"""Request throttling policies, special limits and bindings (docs/compatibility.md#throttling),
their management API under /apigw/ and /apic/, and the data plane's refusals
(docs/compatibility.md#throttling-dataplane). Windows are MINUTE-long so that a slow machine
cannot cross a window boundary in the middle of a test; a test that straddles one anyway (the
counts then carry over by the sliding-window weight) retries once."""
import concurrent.futures
import datetime
import re
import shutil
import subprocess

import pytest
import requests

from conftest import assert_apig_error, store_args, uniq
from gateway_env import PASSWORD, gateway_with_backend

RELEASE = "DEFAULT_ENVIRONMENT_RELEASE_ID"


def policy(**kw):
    body = {"name": uniq("thr"), "api_call_limits": 100, "time_interval": 1,
            "time_unit": "MINUTE"}
    body.update(kw)
    return body


def make_policy(admin, dialect="apig", **kw):
    base = admin.apig if dialect == "apig" else admin.apic
    r = admin.post(base("/throttles"), policy(**kw))
    assert r.status_code == 201, r.text
    return r.json()


# ---------------------------------------------------------------- management: policies

def test_create_show_list_update_delete(admin):
    body = policy(user_call_limits=50, app_call_limits=20, ip_call_limits=30, remark="demo",
                  type=2)
    r = admin.post(admin.apig("/throttles"), body)
    assert r.status_code == 201, r.text
    t = r.json()
    for k, v in body.items():
        assert t[k] == v, k
    assert len(t["id"]) == 32 and t["bind_num"] == 0 and t["is_inclu_special_throttle"] == 2
    assert t["enable_adaptive_control"] == "FALSE" and t["create_time"].endswith("Z")
    shown = admin.get(admin.apig(f"/throttles/{t['id']}")).json()
    assert shown == t
    listed = admin.get(admin.apig("/throttles"), params={"name": t["name"]}).json()
    assert listed["total"] == 1 and listed["size"] == 1 and listed["throttles"][0]["id"] == t["id"]
    exact = admin.get(admin.apig("/throttles"),
                      params={"name": t["name"][:-1], "precise_search": "name"}).json()
    assert exact["total"] == 0
    upd = policy(name=t["name"], api_call_limits=10, time_unit="SECOND", time_interval=5)
    r = admin.put(admin.apig(f"/throttles/{t['id']}"), upd)
    assert r.status_code == 200, r.text
    u = r.json()
    assert (u["api_call_limits"], u["user_call_limits"], u["type"], u["time_unit"]) == \
        (10, 0, 1, "SECOND")
    assert u["create_time"] == t["create_time"]
    assert admin.delete(admin.apig(f"/throttles/{t['id']}")).status_code == 204
    assert_apig_error(admin.get(admin.apig(f"/throttles/{t['id']}")), 404, "APIG.3005",
                      f"Request throttling policy {t['id']} does not exist")


def test_defaults_when_optional_fields_are_absent(admin):
    t = make_policy(admin)
    assert (t["type"], t["user_call_limits"], t["app_call_limits"], t["ip_call_limits"],
            t["remark"], t["enable_adaptive_control"]) == (1, 0, 0, 0, "", "FALSE")


@pytest.mark.parametrize("field,value,status,code", [
    ("api_call_limits", -1, 400, "APIG.2002"),
    ("api_call_limits", 0, 400, "APIG.2002"),
    ("api_call_limits", 2147483648, 400, "APIG.2003"),
    ("api_call_limits", "100", 400, "APIG.2011"),
    ("api_call_limits", 1.5, 400, "APIG.2011"),
    ("api_call_limits", None, 400, "APIG.2011"),
    ("time_interval", 0, 400, "APIG.2002"),
    ("time_interval", 99999999999, 400, "APIG.2003"),
    ("time_unit", "WEEK", 400, "APIG.2011"),
    ("time_unit", "minute", 400, "APIG.2011"),
    ("user_call_limits", -5, 400, "APIG.2002"),
    ("ip_call_limits", 2147483648, 400, "APIG.2003"),
    ("type", 3, 400, "APIG.2011"),
    ("enable_adaptive_control", "YES", 400, "APIG.2011"),
    ("name", "ab", 400, "APIG.2011"),
    ("name", "x" * 65, 400, "APIG.2011"),
    ("name", "1starts_with_digit", 400, "APIG.2011"),
    ("name", "has-dash", 400, "APIG.2011"),
    ("remark", "r" * 256, 400, "APIG.2011"),
])
def test_bad_input_is_refused_and_nothing_stored(admin, field, value, status, code):
    before = admin.get(admin.apig("/throttles")).json()["total"]
    body = policy()
    body[field] = value
    if value is None:
        del body[field]
    err = assert_apig_error(admin.post(admin.apig("/throttles"), body), status, code)
    assert f"parameterName:{field}" in err["error_msg"]
    assert admin.get(admin.apig("/throttles")).json()["total"] == before


@pytest.mark.parametrize("limits,field", [
    ({"api_call_limits": 10, "user_call_limits": 11}, "user_call_limits"),
    ({"api_call_limits": 10, "ip_call_limits": 11}, "ip_call_limits"),
    ({"api_call_limits": 10, "user_call_limits": 5, "app_call_limits": 6}, "app_call_limits"),
    ({"api_call_limits": 10, "app_call_limits": 11}, "app_call_limits"),
])
def test_ordering_rules(admin, limits, field):
    err = assert_apig_error(admin.post(admin.apig("/throttles"), policy(**limits)), 400,
                            "APIG.2011")
    assert f"parameterName:{field}" in err["error_msg"]
    # Equal is allowed.
    ok = dict(limits)
    ok[field] = ok["api_call_limits"] if field != "app_call_limits" else \
        ok.get("user_call_limits", ok["api_call_limits"])
    assert admin.post(admin.apig("/throttles"), policy(**ok)).status_code == 201


def test_duplicate_name_and_unknown_ids(admin):
    t = make_policy(admin)
    assert_apig_error(admin.post(admin.apig("/throttles"), policy(name=t["name"])), 400,
                      "APIG.3204", "The request throttling policy name already exists.")
    other = make_policy(admin)
    assert_apig_error(admin.put(admin.apig(f"/throttles/{other['id']}"), policy(name=t["name"])),
                      400, "APIG.3204")
    missing = "0" * 32
    for method in ("GET", "PUT", "DELETE"):
        r = admin.call(method, admin.apig(f"/throttles/{missing}"),
                       json_body=policy() if method == "PUT" else None)
        assert_apig_error(r, 404, "APIG.3005")


def test_roma_variant_and_instance_kinds(admin):
    t = make_policy(admin, dialect="apic")
    assert admin.get(admin.apic(f"/throttles/{t['id']}")).status_code == 200
    # The APIG instance does not hold it; an APIG id under /apic/ is not an instance there.
    assert_apig_error(admin.get(admin.apig(f"/throttles/{t['id']}")), 404, "APIG.3005")
    assert_apig_error(admin.get(admin.apic("/throttles", instance=admin.apig_instance)), 404,
                      "APIG.3030")


def test_tenant_isolation_and_roles(admin):
    t = make_policy(admin)
    other_project = admin.new_project()
    _, stranger = admin.new_user("apig_admin", project_id=other_project)
    for method, path in [("GET", admin.apig("/throttles")),
                         ("GET", admin.apig(f"/throttles/{t['id']}")),
                         ("DELETE", admin.apig(f"/throttles/{t['id']}")),
                         ("POST", admin.apig("/throttle-bindings"))]:
        r = stranger.call(method, path, json_body={} if method == "POST" else None)
        assert_apig_error(r, 403, "APIG.1005")
    assert_apig_error(stranger.get(stranger.apig(f"/throttles/{t['id']}")), 404, "APIG.3005")
    _, viewer = admin.new_user("apig_viewer")
    assert viewer.get(viewer.apig(f"/throttles/{t['id']}")).status_code == 200
    assert_apig_error(viewer.post(viewer.apig("/throttles"), policy()), 403, "APIG.1005")
    assert_apig_error(viewer.delete(viewer.apig(f"/throttles/{t['id']}")), 403, "APIG.1005")
    assert admin.get(admin.apig(f"/throttles/{t['id']}")).status_code == 200


# ---------------------------------------------------------------- management: specials

def test_special_limits(admin):
    t = make_policy(admin, api_call_limits=100, app_call_limits=10)
    app = admin.create_app()
    base = admin.apig(f"/throttles/{t['id']}/throttle-specials")
    r = admin.post(base, {"object_type": "APP", "object_id": app["id"], "call_limits": 50})
    assert r.status_code == 201, r.text
    s = r.json()
    assert (s["object_type"], s["object_id"], s["app_id"], s["app_name"], s["object_name"],
            s["call_limits"], s["throttle_id"]) == \
        ("APP", app["id"], app["id"], app["name"], app["name"], 50, t["id"])
    u = admin.post(base, {"object_type": "USER", "object_id": "a1b2c3d4" * 4, "call_limits": 7})
    assert u.status_code == 201, u.text
    assert u.json()["app_id"] == "" and u.json()["object_name"] == "a1b2c3d4" * 4
    assert admin.get(admin.apig(f"/throttles/{t['id']}")).json()["is_inclu_special_throttle"] == 1
    assert_apig_error(admin.post(base, {"object_type": "APP", "object_id": app["id"],
                                        "call_limits": 5}),
                      400, "APIG.3308",
                      "The excluded request throttling configuration already exists.")
    listed = admin.get(base).json()
    assert listed["total"] == 2 and {x["id"] for x in listed["throttle_specials"]} == \
        {s["id"], u.json()["id"]}
    assert admin.get(base, params={"object_type": "USER"}).json()["total"] == 1
    assert admin.get(base, params={"app_name": app["name"]}).json()["total"] == 1
    r = admin.put(base + f"/{s['id']}", {"call_limits": 60})
    assert r.status_code == 200 and r.json()["call_limits"] == 60
    assert_apig_error(admin.put(base + f"/{s['id']}", {"call_limits": 101}), 400, "APIG.2003",
                      "The parameter value is too large,parameterName:call_limits. "
                      "Please refer to the support documentation")
    assert_apig_error(admin.put(base + f"/{s['id']}", {"call_limits": 0}), 400, "APIG.2002")
    assert admin.delete(base + f"/{s['id']}").status_code == 204
    assert_apig_error(admin.delete(base + f"/{s['id']}"), 404, "APIG.3013",
                      f"Excluded request throttling configuration {s['id']} does not exist")
    assert_apig_error(admin.put(base + f"/{s['id']}", {"call_limits": 5}), 404, "APIG.3013")


def test_special_validation(admin):
    t = make_policy(admin, api_call_limits=100)
    base = admin.apig(f"/throttles/{t['id']}/throttle-specials")
    app = admin.create_app()
    cases = [
        ({"object_type": "TENANT", "object_id": app["id"], "call_limits": 5}, 400, "APIG.2011"),
        ({"object_type": "APP", "call_limits": 5}, 400, "APIG.2011"),
        ({"object_type": "APP", "object_id": app["id"], "call_limits": -1}, 400, "APIG.2002"),
        ({"object_type": "APP", "object_id": app["id"], "call_limits": 101}, 400, "APIG.2003"),
        ({"object_type": "APP", "object_id": "f" * 32, "call_limits": 5}, 404, "APIG.3004"),
        ({"object_type": "USER", "object_id": "bad id!", "call_limits": 5}, 400, "APIG.2011"),
    ]
    for body, status, code in cases:
        assert_apig_error(admin.post(base, body), status, code)
    assert admin.get(base).json()["total"] == 0
    assert_apig_error(admin.get(admin.apig(f"/throttles/{'0' * 32}/throttle-specials")), 404,
                      "APIG.3005")


def test_at_most_30_specials_of_each_type_per_policy(admin):
    # Huawei's quota: 30 excluded tenants and 30 excluded apps per policy
    # (docs/compatibility.md#throttle-specials); the 31st of a type → 403 APIG.3100.
    t = make_policy(admin, api_call_limits=100)
    base = admin.apig(f"/throttles/{t['id']}/throttle-specials")
    ids = []
    for i in range(30):
        r = admin.post(base, {"object_type": "USER", "object_id": f"acct{i:02d}",
                              "call_limits": 5})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    assert_apig_error(admin.post(base, {"object_type": "USER", "object_id": "acct30",
                                        "call_limits": 5}),
                      403, "APIG.3100", "The number of resources exceeds the maximum allowed limit.")
    assert admin.get(base, params={"limit": 100}).json()["total"] == 30
    # The other type has its own 30.
    app = admin.create_app()
    r = admin.post(base, {"object_type": "APP", "object_id": app["id"], "call_limits": 5})
    assert r.status_code == 201, r.text
    # Deleting one makes room for one.
    assert admin.delete(base + f"/{ids[0]}").status_code == 204
    assert admin.post(base, {"object_type": "USER", "object_id": "acct30",
                             "call_limits": 5}).status_code == 201
    assert_apig_error(admin.post(base, {"object_type": "USER", "object_id": "acct31",
                                        "call_limits": 5}), 403, "APIG.3100")


# ---------------------------------------------------------------- management: bindings

@pytest.fixture(scope="module")
def published(admin):
    """Two APIs published in RELEASE (and one also in a second environment)."""
    groups = admin.get(admin.apig("/api-groups?limit=500")).json()["groups"]
    group = next(g for g in groups if g["is_default"] == 1)
    env = admin.post(admin.apig("/envs"), {"name": uniq("env")}).json()

    def api(name):
        body = {"group_id": group["id"], "name": name, "type": 1, "req_protocol": "BOTH",
                "req_method": "GET", "req_uri": "/" + name, "auth_type": "NONE",
                "backend_type": "MOCK", "mock_info": {"result_content": "ok"}}
        a = admin.post(admin.apig("/apis"), body)
        assert a.status_code == 201, a.text
        return a.json()

    def publish(api_id, env_id=RELEASE):
        r = admin.post(admin.apig("/apis/action"),
                       {"action": "online", "env_id": env_id, "api_id": api_id})
        assert r.status_code == 201, r.text
        return r.json()["publish_id"]

    a1, a2 = api(uniq("bind")), api(uniq("bind"))
    return {"a1": a1, "a2": a2, "p1": publish(a1["id"]), "p2": publish(a2["id"]),
            "p1_env": publish(a1["id"], env["id"]), "env": env, "group": group}


def test_bind_query_and_unbind(admin, published):
    t = make_policy(admin)
    r = admin.post(admin.apig("/throttle-bindings"),
                   {"strategy_id": t["id"], "publish_ids": [published["p1"], published["p1_env"]]})
    assert r.status_code == 201, r.text
    applys = r.json()["throttle_applys"]
    assert [(x["publish_id"], x["strategy_id"], x["scope"]) for x in applys] == \
        [(published["p1"], t["id"], 1), (published["p1_env"], t["id"], 1)]
    assert admin.get(admin.apig(f"/throttles/{t['id']}")).json()["bind_num"] == 2
    bound = admin.get(admin.apig("/throttle-bindings/binded-apis"),
                      params={"throttle_id": t["id"]}).json()
    assert bound["total"] == 2
    item = next(x for x in bound["apis"] if x["run_env_id"] == RELEASE)
    assert (item["id"], item["name"], item["publish_id"], item["run_env_name"],
            item["throttle_name"], item["group_name"]) == \
        (published["a1"]["id"], published["a1"]["name"], published["p1"], "RELEASE", t["name"],
         published["group"]["name"])
    assert item["throttle_apply_id"] == applys[0]["id"]
    only_env = admin.get(admin.apig("/throttle-bindings/binded-apis"),
                         params={"throttle_id": t["id"], "env_id": published["env"]["id"]}).json()
    assert only_env["total"] == 1
    unbound = admin.get(admin.apig("/throttle-bindings/unbinded-apis"),
                        params={"throttle_id": t["id"], "limit": 500}).json()
    ids = {(x["id"], x["run_env_id"]) for x in unbound["apis"]}
    assert (published["a2"]["id"], RELEASE) in ids and (published["a1"]["id"], RELEASE) not in ids
    thr = admin.get(admin.apig("/throttle-bindings/binded-throttles"),
                    params={"api_id": published["a1"]["id"]}).json()
    assert thr["total"] == 2 and thr["throttles"][0]["id"] == t["id"]
    assert {x["env_name"] for x in thr["throttles"]} == {"RELEASE", published["env"]["name"]}
    # One policy per API per environment, whichever policy.
    other = make_policy(admin)
    for pol in (t, other):
        err = assert_apig_error(
            admin.post(admin.apig("/throttle-bindings"),
                       {"strategy_id": pol["id"], "publish_ids": [published["p1"]]}),
            400, "APIG.2012")
        assert "parameterName:publish_ids" in err["error_msg"]
    # Unbind one, then the batch with an unknown id.
    assert admin.delete(admin.apig(f"/throttle-bindings/{applys[0]['id']}")).status_code == 204
    assert_apig_error(admin.delete(admin.apig(f"/throttle-bindings/{applys[0]['id']}")), 404,
                      "APIG.3012", "The request throttling policy binding record does not exist")
    # Anything but ?action=delete is refused before the body is read, nothing unbound.
    assert_apig_error(admin.put(admin.apig("/throttle-bindings?action=remove"),
                                {"throttle_bindings": [applys[1]["id"]]}),
                      400, "APIG.2011", 'parameter action should be "delete"')
    r = admin.put(admin.apig("/throttle-bindings?action=delete"),
                  {"throttle_bindings": [applys[1]["id"], "0" * 32]})
    assert r.status_code == 200, r.text
    assert r.json() == {"success_count": 1, "failure": [
        {"bind_id": "0" * 32, "error_code": "APIG.3012",
         "error_msg": "The request throttling policy binding record does not exist"}]}
    assert admin.get(admin.apig(f"/throttles/{t['id']}")).json()["bind_num"] == 0


def test_binding_errors(admin, published):
    t = make_policy(admin)
    cases = [
        ({"strategy_id": "0" * 32, "publish_ids": [published["p2"]]}, 404, "APIG.3005"),
        ({"strategy_id": t["id"], "publish_ids": ["0" * 32]}, 404, "APIG.3015"),
        ({"strategy_id": t["id"], "publish_ids": []}, 400, "APIG.2011"),
        ({"strategy_id": t["id"], "publish_ids": "x"}, 400, "APIG.2011"),
        ({"publish_ids": [published["p2"]]}, 400, "APIG.2011"),
    ]
    for body, status, code in cases:
        assert_apig_error(admin.post(admin.apig("/throttle-bindings"), body), status, code)
    # A failing item binds nothing of the request.
    r = admin.post(admin.apig("/throttle-bindings"),
                   {"strategy_id": t["id"], "publish_ids": [published["p2"], "0" * 32]})
    assert_apig_error(r, 404, "APIG.3015")
    assert admin.get(admin.apig(f"/throttles/{t['id']}")).json()["bind_num"] == 0
    assert_apig_error(admin.put(admin.apig("/throttle-bindings"), {"throttle_bindings": []}),
                      400, "APIG.2011", 'parameter action should be "delete"')
    assert_apig_error(admin.get(admin.apig("/throttle-bindings/binded-apis")), 400, "APIG.2012")
    assert_apig_error(admin.get(admin.apig("/throttle-bindings/unbinded-apis")), 400, "APIG.2012")
    assert_apig_error(admin.get(admin.apig("/throttle-bindings/binded-throttles")), 400,
                      "APIG.2012")
    assert_apig_error(admin.get(admin.apig("/throttle-bindings/binded-throttles"),
                                params={"api_id": "0" * 32}), 404, "APIG.3002")


def test_cascades(admin, published):
    # Deleting a policy deletes its bindings and specials (docs/compatibility.md#t1).
    t = make_policy(admin)
    app = admin.create_app()
    admin.post(admin.apig(f"/throttles/{t['id']}/throttle-specials"),
               {"object_type": "APP", "object_id": app["id"], "call_limits": 5})
    r = admin.post(admin.apig("/throttle-bindings"),
                   {"strategy_id": t["id"], "publish_ids": [published["p2"]]})
    assert r.status_code == 201
    assert admin.delete(admin.apig(f"/throttles/{t['id']}")).status_code == 204
    thr = admin.get(admin.apig("/throttle-bindings/binded-throttles"),
                    params={"api_id": published["a2"]["id"]}).json()
    assert thr["total"] == 0
    # Deleting an app deletes its specials.
    t2 = make_policy(admin)
    app2 = admin.create_app()
    base = admin.apig(f"/throttles/{t2['id']}/throttle-specials")
    admin.post(base, {"object_type": "APP", "object_id": app2["id"], "call_limits": 5})
    assert admin.delete(admin.apig(f"/apps/{app2['id']}")).status_code == 204
    assert admin.get(base).json()["total"] == 0
    # Deleting an API (offline first) and an environment deletes their bindings.
    groups = admin.get(admin.apig("/api-groups?limit=500")).json()["groups"]
    group = next(g for g in groups if g["is_default"] == 1)
    env = admin.post(admin.apig("/envs"), {"name": uniq("env")}).json()
    body = {"group_id": group["id"], "name": uniq("casc"), "type": 1, "req_method": "GET",
            "req_uri": "/" + uniq("casc"), "auth_type": "NONE", "backend_type": "MOCK",
            "mock_info": {"result_content": "ok"}}
    api = admin.post(admin.apig("/apis"), body).json()
    pubs = [admin.post(admin.apig("/apis/action"),
                       {"action": "online", "env_id": e, "api_id": api["id"]}).json()["publish_id"]
            for e in (RELEASE, env["id"])]
    t3 = make_policy(admin)
    assert admin.post(admin.apig("/throttle-bindings"),
                      {"strategy_id": t3["id"], "publish_ids": pubs}).status_code == 201
    for e in (env["id"], RELEASE):
        admin.post(admin.apig("/apis/action"),
                   {"action": "offline", "env_id": e, "api_id": api["id"]})
    # Offline keeps the bindings.
    assert admin.get(admin.apig(f"/throttles/{t3['id']}")).json()["bind_num"] == 2
    assert admin.delete(admin.apig(f"/envs/{env['id']}")).status_code == 204
    assert admin.get(admin.apig(f"/throttles/{t3['id']}")).json()["bind_num"] == 1
    assert admin.delete(admin.apig(f"/apis/{api['id']}")).status_code == 204
    assert admin.get(admin.apig(f"/throttles/{t3['id']}")).json()["bind_num"] == 0


# ---------------------------------------------------------------- data plane

@pytest.fixture(scope="module")
def gw():
    yield from gateway_with_backend(["--simple-auth-over-http"], store_args)


def setup_api(gw, roma=False, auth_type="APP", **policy_fields):
    """An API with a policy bound in RELEASE, an authorized app with an AppCode."""
    gh = gw.gh
    g = gh.default_group(roma)
    uri = "/" + uniq("thr")
    a = gh.create_api(g["id"], uniq("api"), uri, roma=roma, auth_type=auth_type,
                      backend_api={"url_domain": gw.backend.address})
    pub = gh.publish(a["id"], roma=roma)
    assert pub.status_code == 201, pub.text
    t = gh.call("POST", gh.base(roma) + "/throttles", policy(**policy_fields), expect=201).json()
    gh.call("POST", gh.base(roma) + "/throttle-bindings",
            {"strategy_id": t["id"], "publish_ids": [pub.json()["publish_id"]]}, expect=201)
    app = gh.create_app(uniq("app"), roma=roma)
    code = gh.add_code(app["id"], roma=roma)["app_code"]
    gh.authorize(app["id"], a["id"], roma=roma)
    return {"api": a, "policy": t, "app": app, "code": code, "uri": uri}


def call(gw, uri, code=None, headers=None):
    h = dict(headers or {})
    if code:
        h["X-Apig-AppCode"] = code
    return requests.get(gw.gh.gateway + uri, headers=h, timeout=10)


def minute_left():
    """Seconds left in the current UTC minute (the policies' windows are aligned on it)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return 60 - now.second - now.microsecond / 1e6


def fresh_window():
    """Waits for a new minute when fewer than 20 s are left in this one."""
    import time
    left = minute_left()
    if left < 20:
        time.sleep(left + 0.2)


def test_app_limit_refusals_exact_code_message_headers(gw):
    fresh_window()
    s = setup_api(gw, api_call_limits=100, app_call_limits=3)
    codes = [call(gw, s["uri"], s["code"]) for _ in range(5)]
    assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
    r = codes[3]
    body = r.json()
    assert body["error_code"] == "APIG.0308"
    assert body["error_msg"] == ("The throttling threshold has been reached: policy app over "
                                 "ratelimit,limit:3,time:1 minute")
    assert body["request_id"] == r.headers["X-Request-Id"]
    assert r.headers["X-RateLimit-Limit"] == "3" and r.headers["X-RateLimit-Remaining"] == "0"
    retry = int(r.headers["Retry-After"])
    assert 1 <= retry <= 61
    assert "Retry-After" not in codes[0].headers


def test_api_limit_counts_every_caller_and_debug_headers(gw):
    fresh_window()
    s = setup_api(gw, api_call_limits=4)
    gh = gw.gh
    other = gh.create_app(uniq("app"))
    other_code = gh.add_code(other["id"])["app_code"]
    gh.authorize(other["id"], s["api"]["id"])
    r = call(gw, s["uri"], s["code"], {"X-Apig-Mode": "debug"})
    assert r.status_code == 200
    assert r.headers["X-Apig-RateLimit-api"] == "remain:3,limit:4,time:1 minute"
    assert "X-Apig-RateLimit-app" not in r.headers
    statuses = [call(gw, s["uri"], c).status_code for c in (other_code, s["code"], other_code)]
    assert statuses == [200, 200, 200]
    r = call(gw, s["uri"], other_code, {"X-Apig-Mode": "debug"})
    assert r.status_code == 429
    assert r.json()["error_msg"].endswith("policy api over ratelimit,limit:4,time:1 minute")
    assert r.headers["X-Apig-RateLimit-api"] == "remain:0,limit:4,time:1 minute"


def test_ip_limit_and_special_app_value(gw):
    fresh_window()
    s = setup_api(gw, api_call_limits=50, app_call_limits=5, ip_call_limits=6)
    gh = gw.gh
    gh.call("POST", gh.base() + f"/throttles/{s['policy']['id']}/throttle-specials",
            {"object_type": "APP", "object_id": s["app"]["id"], "call_limits": 4}, expect=201)
    statuses = [call(gw, s["uri"], s["code"]).status_code for _ in range(6)]
    assert statuses == [200] * 4 + [429] * 2
    r = call(gw, s["uri"], s["code"])
    assert r.json()["error_msg"].endswith("policy app over ratelimit,limit:4,time:1 minute")
    # Another app from the same address: under its app limit (5), the ip limit (6) is reached
    # (refused requests were not counted for the address).
    other = gh.create_app(uniq("app"))
    other_code = gh.add_code(other["id"])["app_code"]
    gh.authorize(other["id"], s["api"]["id"])
    assert call(gw, s["uri"], other_code).status_code == 200
    assert call(gw, s["uri"], other_code).status_code == 200
    r = call(gw, s["uri"], other_code)
    assert r.status_code == 429
    assert r.json()["error_msg"].endswith("policy ip over ratelimit,limit:6,time:1 minute")


def test_exact_under_concurrent_loops(gw):
    """limit + k requests from many connections at once (2 event loops): exactly k refusals."""
    fresh_window()
    limit, extra = 40, 25
    s = setup_api(gw, api_call_limits=limit)

    def one(_):
        with requests.Session() as sess:
            return sess.get(gw.gh.gateway + s["uri"], headers={"X-Apig-AppCode": s["code"]},
                            timeout=10).status_code

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(one, range(limit + extra)))
    assert statuses.count(200) == limit and statuses.count(429) == extra


def test_exact_with_http2_streams_in_parallel(gw):
    """limit + k requests as HTTP/2 streams, 20 at a time on each of 2 connections."""
    h2load = shutil.which("h2load")
    if not h2load:
        pytest.skip("h2load (nghttp2-client) is not installed")
    fresh_window()
    limit, extra = 30, 10
    s = setup_api(gw, api_call_limits=limit)
    out = subprocess.run([h2load, "-n", str(limit + extra), "-c", "2", "-m", "20",
                          "-H", f"X-Apig-AppCode: {s['code']}", gw.gh.gateway + s["uri"]],
                         capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    assert m, out
    assert (int(m.group(1)), int(m.group(3))) == (limit, extra), out


def test_roma_refusal_code(gw):
    fresh_window()
    s = setup_api(gw, roma=True, api_call_limits=1)
    assert call(gw, s["uri"], s["code"]).status_code == 200
    r = call(gw, s["uri"], s["code"])
    assert r.status_code == 429 and r.json()["error_code"] == "APIC.0308"


def test_changes_take_effect_before_the_call_returns(gw):
    fresh_window()
    s = setup_api(gw, api_call_limits=2)
    gh = gw.gh
    assert [call(gw, s["uri"], s["code"]).status_code for _ in range(3)] == [200, 200, 429]
    # Raising the limit: in force at once, the counts of this window kept.
    body = policy(name=s["policy"]["name"], api_call_limits=3)
    gh.call("PUT", gh.base() + f"/throttles/{s['policy']['id']}", body, expect=200)
    assert [call(gw, s["uri"], s["code"]).status_code for _ in range(2)] == [200, 429]
    # Unbinding: no limit any more.
    b = gh.get(gh.base() + "/throttle-bindings/binded-apis?throttle_id=" +
               s["policy"]["id"]).json()["apis"][0]
    gh.call("DELETE", gh.base() + f"/throttle-bindings/{b['throttle_apply_id']}", expect=204)
    assert [call(gw, s["uri"], s["code"]).status_code for _ in range(3)] == [200] * 3


def test_api_without_policy_is_not_limited(gw):
    gh = gw.gh
    g = gh.default_group()
    uri = "/" + uniq("free")
    a = gh.create_api(g["id"], uniq("api"), uri, auth_type="NONE",
                      backend_api={"url_domain": gw.backend.address})
    assert gh.publish(a["id"]).status_code == 201
    r = call(gw, uri, headers={"X-Apig-Mode": "debug"})
    assert r.status_code == 200
    assert not [h for h in r.headers if h.lower().startswith("x-apig-ratelimit")]


def test_user_limit_for_iam_callers_with_the_accounts_special_value(gw):
    fresh_window()
    gh = gw.gh
    s = setup_api(gw, auth_type="IAM", api_call_limits=100, user_call_limits=3)
    token = {"X-Auth-Token": gh.token}
    statuses = [call(gw, s["uri"], headers=token).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = call(gw, s["uri"], headers=token)
    assert r.json()["error_msg"].endswith("policy user over ratelimit,limit:3,time:1 minute")
    # The account's special value replaces the user limit; this window's count (3) is kept.
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "domain": {"name": "default"}, "name": "admin", "password": PASSWORD}}},
        "scope": {"project": {"name": "default"}}}}
    login = requests.post(gh.admin + "/v3/auth/tokens", json=body, timeout=10)
    assert login.status_code == 201, login.text
    account = login.json()["token"]["user"]["domain"]["id"]
    gh.call("POST", gh.base() + f"/throttles/{s['policy']['id']}/throttle-specials",
            {"object_type": "USER", "object_id": account, "call_limits": 5}, expect=201)
    statuses = [call(gw, s["uri"], headers=token).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    r = call(gw, s["uri"], headers=token)
    assert r.json()["error_msg"].endswith("policy user over ratelimit,limit:5,time:1 minute")


def test_ip_limit_counts_the_client_behind_a_trusted_proxy():
    """With --trusted-proxies, the ip limit counts the X-Forwarded-For client, not the proxy."""
    env = gateway_with_backend(["--simple-auth-over-http", "--trusted-proxies", "127.0.0.1"],
                               store_args)
    gw = next(env)
    try:
        fresh_window()
        s = setup_api(gw, auth_type="NONE", api_call_limits=100, ip_call_limits=2)
        for client in ("203.0.113.7", "203.0.113.8"):
            fwd = {"X-Forwarded-For": client}
            assert [call(gw, s["uri"], headers=fwd).status_code for _ in range(3)] == \
                [200, 200, 429]
        r = call(gw, s["uri"], headers={"X-Forwarded-For": "203.0.113.7"})
        assert r.json()["error_msg"].endswith("policy ip over ratelimit,limit:2,time:1 minute")
    finally:
        env.close()
