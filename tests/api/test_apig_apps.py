"""APIG v2 instances and apps (docs/compatibility.md#apps, #app-rules, #app-errors; #g11, #g12)."""
import re

import pytest

from conftest import assert_apig_error, login, uniq

HEX32 = re.compile(r"^[0-9a-f]{32}$")
NANOS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
PARAM_MSG = "Invalid parameter value,parameterName:{}. Please refer to the support documentation"


def test_instances(admin):
    r = admin.get(f"/v2/{admin.project_id}/apigw/instances")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 1 and body["size"] == 1
    inst = body["instances"][0]
    assert HEX32.match(inst["id"]) and inst["id"] == admin.apig_instance
    r = admin.get(admin.apig())
    assert r.status_code == 200 and r.json()["id"] == admin.apig_instance
    assert admin.get(f"/v2/{admin.project_id}/apigw/instances?offset=1").json()["size"] == 0


def test_unknown_or_foreign_instance_is_3030(admin):
    for inst in ["0" * 32, admin.roma_instance, "not-an-id", "x" * 100]:
        assert_apig_error(admin.get(admin.apig("/apps", instance=inst)), 404, "APIG.3030",
                          f"The instance does not exist;id:{inst}")
    # An APIG instance under /apic/ (docs/compatibility.md#g12)
    assert_apig_error(admin.get(admin.apic("/apps", instance=admin.apig_instance)), 404,
                      "APIG.3030")


def test_create_app_shape(admin):
    name = uniq("app")
    r = admin.post(admin.apig("/apps"), {"name": name, "remark": "Demo app"})
    assert r.status_code == 201
    a = r.json()
    assert set(a) >= {"creator", "update_time", "app_key", "name", "remark", "id", "app_secret",
                      "register_time", "status", "app_type"}
    assert a["name"] == name and a["remark"] == "Demo app"
    assert a["creator"] == "USER" and a["status"] == 1 and a["app_type"] == "apig"
    for f in ("id", "app_key", "app_secret"):
        assert HEX32.match(a[f]), (f, a[f])
    assert NANOS.match(a["register_time"]) and NANOS.match(a["update_time"])
    shown = admin.get(admin.apig(f"/apps/{a['id']}")).json()
    assert SECONDS.match(shown["register_time"])
    assert shown["register_time"][:19] == a["register_time"][:19]
    assert {k: shown[k] for k in ("id", "name", "app_key", "app_secret", "remark")} == \
        {k: a[k] for k in ("id", "name", "app_key", "app_secret", "remark")}


def test_create_app_custom_key_secret_and_unicode_name(admin):
    key, secret = "key_" + uniq("k"), "Sec-!@#$%" + "s" * 20
    a = admin.create_app(app_key=key, app_secret=secret)
    assert a["app_key"] == key and a["app_secret"] == secret
    han = admin.create_app(name="应用" + uniq("x")[2:])
    assert han["name"].startswith("应用")
    assert_apig_error(admin.post(admin.apig("/apps"), {"name": uniq(), "app_key": key}), 400,
                      "APIG.3310", "The app key already exist")


@pytest.mark.parametrize("field,value", [
    ("name", "ab"), ("name", "1abc"), ("name", "a" * 65), ("name", "bad name"), ("name", "a-b-c"),
    ("name", ""), ("remark", "r" * 256), ("app_key", "short"), ("app_key", "_startsbad"),
    ("app_key", "k" * 201), ("app_key", "bad key!"), ("app_secret", "short"),
    ("app_secret", "s" * 129), ("app_secret", "bad^secret"), ("name", 12), ("remark", ["x"])])
def test_create_app_invalid_fields(admin, field, value):
    body = {"name": uniq(), field: value}
    assert_apig_error(admin.post(admin.apig("/apps"), body), 400, "APIG.2011",
                      PARAM_MSG.format(field))


def test_create_app_needs_name_and_body(admin):
    assert_apig_error(admin.post(admin.apig("/apps"), {"remark": "x"}), 400, "APIG.2011",
                      PARAM_MSG.format("name"))
    assert_apig_error(admin.call("POST", admin.apig("/apps")), 400, "APIG.2001",
                      "The request parameters must be specified.")


def test_duplicate_name_is_3203(admin):
    name = uniq()
    admin.create_app(name=name)
    assert_apig_error(admin.post(admin.apig("/apps"), {"name": name}), 400, "APIG.3203",
                      "The app name already exists.")
    other = admin.create_app()
    assert_apig_error(admin.put(admin.apig(f"/apps/{other['id']}"), {"name": name}), 400,
                      "APIG.3203")


def test_list_pagination_and_filters(fresh_admin):
    c = fresh_admin
    assert c.get(c.apig("/apps")).json() == {"total": 0, "size": 0, "apps": []}
    names = [f"page_app_{i:02d}" for i in range(25)]
    ids = [c.create_app(name=n)["id"] for n in names]
    body = c.get(c.apig("/apps")).json()
    assert body["total"] == 25 and body["size"] == 20 and len(body["apps"]) == 20
    assert body["apps"][0]["id"] == ids[-1]  # newest first
    assert all(a["bind_num"] == 0 for a in body["apps"])
    seen = []
    for offset in range(0, 25, 10):
        page = c.get(c.apig(f"/apps?offset={offset}&limit=10")).json()
        assert page["total"] == 25 and page["size"] == len(page["apps"])
        seen += [a["id"] for a in page["apps"]]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 25
    assert c.get(c.apig("/apps?offset=-5&limit=0")).json()["size"] == 20  # <0 → 0, <=0 → 20
    assert c.get(c.apig("/apps?limit=1000")).json()["size"] == 25  # capped at 500
    assert c.get(c.apig("/apps?offset=100")).json() == {"total": 25, "size": 0, "apps": []}
    assert_apig_error(c.get(c.apig("/apps?limit=abc")), 400, "APIG.2011")
    fuzzy = c.get(c.apig("/apps?name=app_1")).json()
    assert fuzzy["total"] == 10  # page_app_10 .. page_app_19
    exact = c.get(c.apig("/apps?name=page_app_1&precise_search=name")).json()
    assert exact["total"] == 0
    exact = c.get(c.apig("/apps?name=page_app_12&precise_search=name")).json()
    assert exact["total"] == 1 and exact["apps"][0]["name"] == "page_app_12"
    one = c.get(c.apig(f"/apps?id={ids[3]}")).json()
    assert [a["id"] for a in one["apps"]] == [ids[3]]
    key = c.get(c.apig(f"/apps/{ids[4]}")).json()["app_key"]
    assert [a["id"] for a in c.get(c.apig(f"/apps?app_key={key}")).json()["apps"]] == [ids[4]]
    assert c.get(c.apig("/apps?status=1")).json()["total"] == 25
    assert c.get(c.apig("/apps?creator=USER")).json()["total"] == 25


def test_update_app(admin):
    a = admin.create_app(remark="before")
    name = uniq()
    r = admin.put(admin.apig(f"/apps/{a['id']}"), {"name": name, "remark": "after",
                                                   "unknown_field": 1})
    assert r.status_code == 200
    u = r.json()
    assert u["name"] == name and u["remark"] == "after" and u["app_key"] == a["app_key"]
    assert u["update_time"] >= a["update_time"][:19]
    assert_apig_error(admin.put(admin.apig(f"/apps/{a['id']}"), {"remark": "x"}), 400,
                      "APIG.2011", PARAM_MSG.format("name"))
    r = admin.put(admin.apig(f"/apps/{a['id']}"), {"name": name, "app_key": "newkey_12345",
                                                   "app_secret": "newsecret_123"})
    assert r.json()["app_key"] == "newkey_12345" and r.json()["app_secret"] == "newsecret_123"


def test_delete_app(admin):
    a = admin.create_app()
    assert admin.delete(admin.apig(f"/apps/{a['id']}")).status_code == 204
    assert_apig_error(admin.get(admin.apig(f"/apps/{a['id']}")), 404, "APIG.3004",
                      f"App {a['id']} does not exist")
    assert_apig_error(admin.delete(admin.apig(f"/apps/{a['id']}")), 404, "APIG.3004")


def test_app_id_shapes(admin):
    # Malformed ids → 400 APIG.2012 on the id; unknown well-formed (incl. dashed UUID) → 404.
    for bad in ["a" * 65, "bad!id", "%20"]:
        assert_apig_error(admin.get(admin.apig(f"/apps/{bad}")), 400, "APIG.2012",
                          PARAM_MSG.format("id"))
    dashed = "9ed8b7fe-8422-4de6-81e7-d7a5587e76dc"
    assert_apig_error(admin.get(admin.apig(f"/apps/{dashed}")), 404, "APIG.3004",
                      f"App {dashed} does not exist")


def test_reset_secret(admin):
    a = admin.create_app()
    r = admin.put(admin.apig(f"/apps/secret/{a['id']}"))
    assert r.status_code == 200
    assert HEX32.match(r.json()["app_secret"]) and r.json()["app_secret"] != a["app_secret"]
    r = admin.put(admin.apig(f"/apps/secret/{a['id']}"), {})
    assert r.status_code == 200
    r = admin.put(admin.apig(f"/apps/secret/{a['id']}"), {"app_secret": "Chosen_secret_1"})
    assert r.json()["app_secret"] == "Chosen_secret_1"
    assert admin.get(admin.apig(f"/apps/{a['id']}")).json()["app_secret"] == "Chosen_secret_1"
    assert_apig_error(admin.put(admin.apig(f"/apps/secret/{a['id']}"), {"app_secret": "x"}),
                      400, "APIG.2011", PARAM_MSG.format("app_secret"))
    assert_apig_error(admin.put(admin.apig(f"/apps/secret/{'0' * 32}")), 404, "APIG.3004")


def test_validation_and_outline(admin):
    a = admin.create_app(remark="visible")
    r = admin.get(admin.apig(f"/apps/validation/{a['id']}"))
    assert r.status_code == 200
    assert r.json() == {"id": a["id"], "name": a["name"], "remark": "visible"}
    assert_apig_error(admin.get(admin.apig(f"/apps/validation/{'0' * 32}")), 404, "APIG.3004")
    o = admin.get(admin.apig("/resources/outline/apps")).json()
    assert set(o) == {"authed_nums", "unauthed_nums"}
    total = admin.get(admin.apig("/apps")).json()["total"]
    assert o["authed_nums"] + o["unauthed_nums"] == total


def test_app_quota_is_3103(server_factory):
    s = server_factory(["--max-apps-per-instance", "3"])
    c = login(s)
    for _ in range(3):
        c.create_app()
    assert_apig_error(c.post(c.apig("/apps"), {"name": uniq()}), 403, "APIG.3103",
                      "The number of apps exceeds the maximum allowed limit.")
    # The ROMA instance has its own quota.
    c.create_app(dialect="roma")


def test_viewer_is_read_only(admin):
    a = admin.create_app()
    code = admin.generate_code(a["id"])
    _, viewer = admin.new_user("apig_viewer")
    assert viewer.get(viewer.apig("/apps")).status_code == 200
    assert viewer.get(viewer.apig(f"/apps/{a['id']}")).status_code == 200
    assert viewer.get(viewer.apig(f"/apps/{a['id']}/app-codes")).status_code == 200
    assert viewer.get(viewer.apig(f"/apps/{a['id']}/app-codes/{code['id']}")).status_code == 200
    denied = [
        viewer.post(viewer.apig("/apps"), {"name": uniq()}),
        viewer.put(viewer.apig(f"/apps/{a['id']}"), {"name": uniq()}),
        viewer.delete(viewer.apig(f"/apps/{a['id']}")),
        viewer.put(viewer.apig(f"/apps/secret/{a['id']}")),
        viewer.put(viewer.apig(f"/apps/{a['id']}/app-codes")),
        viewer.post(viewer.apig(f"/apps/{a['id']}/app-codes"), {"app_code": "A" * 64}),
        viewer.delete(viewer.apig(f"/apps/{a['id']}/app-codes/{code['id']}")),
        viewer.post(viewer.roma("/apps"), {"name": uniq()}),
        viewer.post(viewer.ma(), {"app_name": uniq()}),
    ]
    for r in denied[:-1]:
        assert_apig_error(r, 403, "APIG.1005", "No permissions to request this method")
    assert denied[-1].status_code == 403 and denied[-1].json()["error_code"] == "ModelArts.0203"
    assert admin.get(admin.apig(f"/apps/{a['id']}/app-codes")).json()["total"] == 1


def test_apig_admin_role_can_write(admin):
    _, user = admin.new_user("apig_admin")
    a = user.create_app()
    assert user.generate_code(a["id"])["app_id"] == a["id"]
    assert user.delete(user.apig(f"/apps/{a['id']}")).status_code == 204


def test_tenant_isolation(admin):
    a = admin.create_app()
    code = admin.generate_code(a["id"])
    other_project = admin.new_project()
    _, stranger = admin.new_user("apig_admin", project_id=other_project)
    assert stranger.project_id == other_project
    # Using the first project's paths with the second project's token.
    p = admin.project_id
    paths = [
        ("GET", f"/v2/{p}/apigw/instances"), ("GET", admin.apig("/apps")),
        ("GET", admin.apig(f"/apps/{a['id']}")), ("PUT", admin.apig(f"/apps/{a['id']}")),
        ("DELETE", admin.apig(f"/apps/{a['id']}")),
        ("PUT", admin.apig(f"/apps/secret/{a['id']}")),
        ("GET", admin.apig(f"/apps/{a['id']}/app-codes")),
        ("PUT", admin.apig(f"/apps/{a['id']}/app-codes")),
        ("DELETE", admin.apig(f"/apps/{a['id']}/app-codes/{code['id']}")),
        ("GET", admin.apic("/apps")), ("GET", f"/v2/{p}/instances"),
        ("GET", f"/v2/{p}/gatehouse/audit-events"),
    ]
    for method, path in paths:
        r = stranger.call(method, path, json_body={"name": uniq()} if method == "PUT" else None)
        assert_apig_error(r, 403, "APIG.1005", "No permissions to request this method")
    # Its own project's paths do not reach the first project's instance or app.
    assert_apig_error(stranger.get(stranger.apig(f"/apps/{a['id']}", instance=admin.apig_instance)),
                      404, "APIG.3030")
    assert_apig_error(stranger.get(stranger.apig(f"/apps/{a['id']}")), 404, "APIG.3004")
    assert stranger.get(stranger.ma(f"/{a['id']}")).status_code == 404
    assert admin.get(admin.apig(f"/apps/{a['id']}/app-codes")).json()["total"] == 1


def test_fuzzy_name_filter_is_literal(admin):
    tag = uniq("")[1:]
    plain = admin.create_app(name=f"plain{tag}")["id"]
    under = admin.create_app(name=f"under_{tag}")["id"]
    ids = lambda q: {a["id"] for a in admin.get(admin.apig(f"/apps?limit=500&{q}")).json()["apps"]}
    assert ids(f"name={tag}") == {plain, under}
    assert ids(f"name=_{tag}") == {under}  # '_' is not a wildcard
    assert ids("name=%25") == set()  # nor is '%'
    assert ids(f"name=%25{tag}") == set()


def test_update_keeping_own_name_and_key(admin):
    a = admin.create_app()
    r = admin.put(admin.apig(f"/apps/{a['id']}"), {"name": a["name"], "app_key": a["app_key"],
                                                   "remark": "same name, same key"})
    assert r.status_code == 200 and r.json()["remark"] == "same name, same key"
    other = admin.create_app()
    assert_apig_error(admin.put(admin.apig(f"/apps/{other['id']}"),
                                {"name": other["name"], "app_key": a["app_key"]}),
                      400, "APIG.3310", "The app key already exist")


def test_audit_trail_is_for_project_admins(admin):
    _, viewer = admin.new_user("apig_viewer")
    assert_apig_error(viewer.get(f"/v2/{admin.project_id}/gatehouse/audit-events"), 403,
                      "APIG.1005")
    r = admin.get(f"/v2/{admin.project_id}/gatehouse/audit-events?limit=2&offset=1")
    assert r.status_code == 200 and r.json()["size"] <= 2
