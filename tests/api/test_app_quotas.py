"""App (credential) quotas (docs/compatibility.md#app-quotas): their management API under
/apigw/ and /apic/, the one-quota-per-app rule, cascades, and the data plane's 405 APIG.0501.
Periods are DAY-long (or aligned on a reset time far from now) so that no test can cross one."""
import concurrent.futures

import pytest
import requests

from conftest import assert_apig_error, store_args, uniq
from gateway_env import gateway_with_backend


def quota(**kw):
    body = {"name": uniq("quota"), "call_limits": 100, "time_interval": 1, "time_unit": "DAY"}
    body.update(kw)
    return body


def make_quota(admin, dialect="apig", **kw):
    base = admin.apig if dialect == "apig" else admin.apic
    r = admin.post(base("/app-quotas"), quota(**kw))
    assert r.status_code == 201, r.text
    return r.json()


def test_create_show_list_update_delete(admin):
    body = quota(reset_time="2020-09-20 00:00:00", remark="demo")
    r = admin.post(admin.apig("/app-quotas"), body)
    assert r.status_code == 201, r.text
    q = r.json()
    for k, v in body.items():
        assert q[k] == v, k
    assert len(q["app_quota_id"]) == 32 and q["bound_app_num"] == 0
    assert q["create_time"].endswith("Z")
    qid = q["app_quota_id"]
    assert admin.get(admin.apig(f"/app-quotas/{qid}")).json() == q
    listed = admin.get(admin.apig("/app-quotas"), params={"name": q["name"]}).json()
    assert listed["total"] == 1 and listed["quotas"][0]["app_quota_id"] == qid
    r = admin.put(admin.apig(f"/app-quotas/{qid}"), quota(name=q["name"], call_limits=5))
    assert r.status_code == 200, r.text
    assert r.json()["call_limits"] == 5 and r.json()["reset_time"] == ""
    assert admin.delete(admin.apig(f"/app-quotas/{qid}")).status_code == 204
    assert_apig_error(admin.get(admin.apig(f"/app-quotas/{qid}")), 404, "APIG.3093",
                      f"The App quota {qid} does not exist")


@pytest.mark.parametrize("field,value,code", [
    ("call_limits", 0, "APIG.2002"),
    ("call_limits", -3, "APIG.2002"),
    ("call_limits", 2147483648, "APIG.2003"),
    ("call_limits", "10", "APIG.2011"),
    ("time_interval", 0, "APIG.2002"),
    ("time_unit", "WEEK", "APIG.2011"),
    ("reset_time", "2020-09-20T00:00:00Z", "APIG.2011"),
    ("reset_time", "2021-02-30 00:00:00", "APIG.2011"),
    ("name", "q", "APIG.2011"),
    ("name", "x" * 256, "APIG.2011"),
    ("remark", "<b>", "APIG.2011"),
])
def test_bad_input_is_refused_and_nothing_stored(admin, field, value, code):
    before = admin.get(admin.apig("/app-quotas")).json()["total"]
    err = assert_apig_error(admin.post(admin.apig("/app-quotas"), quota(**{field: value})), 400,
                            code)
    assert f"parameterName:{field}" in err["error_msg"]
    assert admin.get(admin.apig("/app-quotas")).json()["total"] == before


def test_duplicate_name(admin):
    q = make_quota(admin)
    assert_apig_error(admin.post(admin.apig("/app-quotas"), quota(name=q["name"])), 400,
                      "APIG.3325", "The API quota name already exists")


def test_bindings_one_quota_per_app_and_cascades(admin):
    q, other = make_quota(admin), make_quota(admin)
    a1, a2 = admin.create_app(), admin.create_app()
    base = admin.apig(f"/app-quotas/{q['app_quota_id']}")
    r = admin.post(base + "/binding-apps", {"app_ids": [a1["id"], a2["id"]]})
    assert r.status_code == 201, r.text
    assert [(x["app_id"], x["app_quota_id"]) for x in r.json()["applies"]] == \
        [(a1["id"], q["app_quota_id"]), (a2["id"], q["app_quota_id"])]
    assert admin.get(base).json()["bound_app_num"] == 2
    bound = admin.get(base + "/bound-apps").json()
    assert bound["total"] == 2
    item = next(x for x in bound["apps"] if x["app_id"] == a1["id"])
    assert (item["name"], item["app_quota_name"], item["app_key"]) == \
        (a1["name"], q["name"], a1["app_key"])
    bindable = admin.get(admin.apig(f"/app-quotas/{other['app_quota_id']}/bindable-apps"),
                         params={"limit": 500}).json()
    assert a1["id"] not in {x["app_id"] for x in bindable["apps"]}
    assert admin.get(admin.apig(f"/apps/{a1['id']}/bound-quota")).json()["app_quota_id"] == \
        q["app_quota_id"]
    # An app has at most one quota: the whole request fails, nothing bound.
    a3 = admin.create_app()
    err = assert_apig_error(
        admin.post(admin.apig(f"/app-quotas/{other['app_quota_id']}/binding-apps"),
                   {"app_ids": [a3["id"], a1["id"]]}), 400, "APIG.2012")
    assert "parameterName:app_ids" in err["error_msg"]
    assert_apig_error(admin.get(admin.apig(f"/apps/{a3['id']}/bound-quota")), 404, "APIG.3093")
    assert_apig_error(admin.post(base + "/binding-apps", {"app_ids": ["f" * 32]}), 404,
                      "APIG.3004")
    # Unbind, then deleting the app or the quota removes the rest.
    assert admin.delete(base + f"/bound-apps/{a2['id']}").status_code == 204
    assert_apig_error(admin.delete(base + f"/bound-apps/{a2['id']}"), 404, "APIG.3093")
    assert admin.delete(admin.apig(f"/apps/{a1['id']}")).status_code == 204
    assert admin.get(base).json()["bound_app_num"] == 0
    assert admin.post(base + "/binding-apps", {"app_ids": [a2["id"]]}).status_code == 201
    assert admin.delete(base).status_code == 204
    assert_apig_error(admin.get(admin.apig(f"/apps/{a2['id']}/bound-quota")), 404, "APIG.3093")


def test_concurrent_binders_cannot_both_win(admin):
    app = admin.create_app()
    quotas = [make_quota(admin) for _ in range(6)]

    def bind(q):
        return admin.post(admin.apig(f"/app-quotas/{q['app_quota_id']}/binding-apps"),
                          {"app_ids": [app["id"]]}).status_code

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(bind, quotas))
    assert statuses.count(201) == 1 and statuses.count(400) == 5, statuses


def test_isolation_and_roma(admin):
    q = make_quota(admin, dialect="apic")
    assert admin.get(admin.apic(f"/app-quotas/{q['app_quota_id']}")).status_code == 200
    assert_apig_error(admin.get(admin.apig(f"/app-quotas/{q['app_quota_id']}")), 404, "APIG.3093")
    other_project = admin.new_project()
    _, stranger = admin.new_user("apig_admin", project_id=other_project)
    assert_apig_error(stranger.get(admin.apic(f"/app-quotas/{q['app_quota_id']}")), 403,
                      "APIG.1005")
    _, viewer = admin.new_user("apig_viewer")
    assert_apig_error(viewer.post(viewer.apig("/app-quotas"), quota()), 403, "APIG.1005")


# ---------------------------------------------------------------- data plane

@pytest.fixture(scope="module")
def gw():
    yield from gateway_with_backend(["--simple-auth-over-http"], store_args)


def test_quota_used_up_answers_405_and_survives_changes(gw):
    gh = gw.gh
    g = gh.default_group()
    uri = "/" + uniq("quota")
    a = gh.create_api(g["id"], uniq("api"), uri, backend_api={"url_domain": gw.backend.address})
    assert gh.publish(a["id"]).status_code == 201
    app = gh.create_app(uniq("app"))
    code = gh.add_code(app["id"])["app_code"]
    gh.authorize(app["id"], a["id"])
    q = gh.call("POST", gh.base() + "/app-quotas", quota(call_limits=3), expect=201).json()
    gh.call("POST", gh.base() + f"/app-quotas/{q['app_quota_id']}/binding-apps",
            {"app_ids": [app["id"]]}, expect=201)

    def call():
        return requests.get(gh.gateway + uri, headers={"X-Apig-AppCode": code}, timeout=10)

    statuses = [call().status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 405, 405]
    r = call()
    assert r.json()["error_code"] == "APIG.0501"
    assert r.json()["error_msg"] == "The app quota has been used up."
    # Raising the limit keeps the period's count; unbinding lifts the quota at once.
    gh.call("PUT", gh.base() + f"/app-quotas/{q['app_quota_id']}",
            quota(name=q["name"], call_limits=4), expect=200)
    assert [call().status_code for _ in range(2)] == [200, 405]
    gh.call("DELETE", gh.base() + f"/app-quotas/{q['app_quota_id']}/bound-apps/{app['id']}",
            expect=204)
    assert call().status_code == 200
