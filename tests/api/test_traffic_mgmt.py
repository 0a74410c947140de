"""Black-box tests of the traffic-management endpoints (docs/compatibility.md#traffic-endpoints,
#api-definition; #g6, #g7, #g12)."""
import uuid

import pytest
import requests

from traffic_fixtures import admin, gatehouse, login  # noqa: F401  (pytest fixtures)

RELEASE = "DEFAULT_ENVIRONMENT_RELEASE_ID"


def uniq(prefix):
    return prefix + uuid.uuid4().hex[:8]


def error_of(r):
    body = r.json()
    return r.status_code, body["error_code"]


def make_group(admin, name=None):
    r = admin.apig("POST", "/api-groups", {"name": name or uniq("grp_"), "remark": "test"})
    assert r.status_code == 201, r.text
    return r.json()


def api_body(group_id, **over):
    body = {
        "name": uniq("api_"), "type": 1, "group_id": group_id, "req_protocol": "HTTPS",
        "req_method": "GET", "req_uri": "/" + uniq("p"), "auth_type": "APP",
        "auth_opt": {"app_code_auth_type": "HEADER"}, "backend_type": "HTTP",
        "backend_api": {"url_domain": "127.0.0.1:9", "req_protocol": "HTTP",
                        "req_method": "GET", "req_uri": "/backend", "timeout": 3000},
    }
    body.update(over)
    return body


def make_api(admin, group_id, **over):
    r = admin.apig("POST", "/apis", api_body(group_id, **over))
    assert r.status_code == 201, r.text
    return r.json()


def publish(admin, api_id, env_id=RELEASE, action="online"):
    return admin.apig("POST", "/apis/action",
                      {"action": action, "env_id": env_id, "api_id": api_id, "remark": "r"})


def make_app(admin):
    r = admin.apig("POST", "/apps", {"name": uniq("app_")})
    assert r.status_code == 201, r.text
    return r.json()


# ---------------------------------------------------------------- groups
def test_default_group_exists_and_cannot_be_deleted(admin):
    groups = admin.apig("GET", "/api-groups").json()["groups"]
    default = [g for g in groups if g["is_default"] == 1]
    assert len(default) == 1 and default[0]["name"] == "DEFAULT"
    assert default[0]["sl_domain"] == default[0]["id"] + ".groups.example.test"
    assert default[0]["sl_domains"] == [default[0]["sl_domain"]]
    r = admin.apig("DELETE", f"/api-groups/{default[0]['id']}")
    assert error_of(r) == (403, "APIG.3400")


def test_group_crud_and_rules(admin):
    name = uniq("grp_")
    g = make_group(admin, name)
    assert g["status"] == 1 and g["is_default"] == 2 and g["remark"] == "test"
    assert g["url_domains"] == [] and g["register_time"].endswith("Z")
    assert error_of(admin.apig("POST", "/api-groups", {"name": name})) == (400, "APIG.3201")
    r = admin.apig("POST", "/api-groups", {"name": "x"})
    assert error_of(r) == (400, "APIG.2011") and "parameterName:name" in r.json()["error_msg"]
    got = admin.apig("GET", f"/api-groups/{g['id']}").json()
    assert got["id"] == g["id"] and got["name"] == name
    r = admin.apig("PUT", f"/api-groups/{g['id']}", {"name": name + "_x", "remark": "changed"})
    assert r.status_code == 200 and r.json()["name"] == name + "_x"
    listed = admin.apig("GET", "/api-groups", name=name + "_x", precise_search="name").json()
    assert listed["total"] == 1 and listed["groups"][0]["remark"] == "changed"
    assert admin.apig("DELETE", f"/api-groups/{g['id']}").status_code == 204
    assert error_of(admin.apig("GET", f"/api-groups/{g['id']}")) == (404, "APIG.3001")


# ---------------------------------------------------------------- environments and variables
def test_environments_release_duplicates_and_limit(admin):
    envs = admin.apig("GET", "/envs").json()
    assert envs["envs"][0]["id"] == RELEASE and envs["envs"][0]["name"] == "RELEASE"
    assert error_of(admin.apig("DELETE", f"/envs/{RELEASE}")) == (403, "APIG.3400")
    assert error_of(admin.apig("POST", "/envs", {"name": "RELEASE"})) == (400, "APIG.3205")
    assert error_of(admin.apig("POST", "/envs", {"name": "1bad"})) == (400, "APIG.2011")
    created = []
    for _ in range(10 - envs["total"]):
        r = admin.apig("POST", "/envs", {"name": uniq("env_"), "remark": "x"})
        assert r.status_code == 201, r.text
        created.append(r.json())
    r = admin.apig("POST", "/envs", {"name": uniq("env_")})
    assert error_of(r) == (403, "APIG.3104")
    dup = admin.apig("POST", "/envs", {"name": created[0]["name"]})
    assert dup.status_code in (400, 403)
    r = admin.apig("PUT", f"/envs/{created[0]['id']}", {"name": created[0]["name"] + "b"})
    assert r.status_code == 200 and r.json()["name"] == created[0]["name"] + "b"
    for e in created:
        assert admin.apig("DELETE", f"/envs/{e['id']}").status_code == 204
    assert error_of(admin.apig("DELETE", f"/envs/{created[0]['id']}")) == (404, "APIG.3003")


def test_env_variables(admin):
    g = make_group(admin)
    body = {"group_id": g["id"], "env_id": RELEASE, "variable_name": "backend_host",
            "variable_value": "10.0.0.1:8080"}
    r = admin.apig("POST", "/env-variables", body)
    assert r.status_code == 201, r.text
    var = r.json()
    assert var["variable_name"] == "backend_host" and var["env_id"] == RELEASE
    assert error_of(admin.apig("POST", "/env-variables", body)) == (400, "APIG.3303")
    bad = dict(body, variable_name="other", variable_value="has space")
    r = admin.apig("POST", "/env-variables", bad)
    assert error_of(r) == (400, "APIG.2011") and "variable_value" in r.json()["error_msg"]
    listed = admin.apig("GET", "/env-variables", group_id=g["id"]).json()
    assert listed["total"] == 1 and listed["variables"][0]["id"] == var["id"]
    r = admin.apig("PUT", f"/env-variables/{var['id']}", {"variable_value": "/new/path"})
    assert r.status_code == 200 and r.json()["variable_value"] == "/new/path"
    assert admin.apig("GET", f"/env-variables/{var['id']}").json()["variable_value"] == "/new/path"
    assert admin.apig("DELETE", f"/env-variables/{var['id']}").status_code == 204
    assert error_of(admin.apig("GET", f"/env-variables/{var['id']}")) == (404, "APIG.3011")
    missing_group = dict(body, group_id=uuid.uuid4().hex)
    assert error_of(admin.apig("POST", "/env-variables", missing_group)) == (404, "APIG.3001")


# ---------------------------------------------------------------- APIs
def test_api_create_validate_and_uniqueness(admin):
    g = make_group(admin)
    api = make_api(admin, g["id"], req_uri="/users/{id}",
                   req_params=[{"name": "id", "type": "STRING", "location": "PATH"}])
    assert api["group_name"] == g["name"] and api["status"] == 1
    assert api["auth_opt"]["app_code_auth_type"] == "HEADER"
    assert api["backend_api"]["timeout"] == 3000 and api["req_params"][0]["required"] == 1
    assert api["run_env_id"] == "" and api["publish_id"] == ""

    for field, value, param in [("req_method", "FETCH", "req_method"),
                                ("req_uri", "no-slash", "req_uri"),
                                ("auth_type", "BASIC", "auth_type"),
                                ("match_mode", "REGEX", "match_mode")]:
        r = admin.apig("POST", "/apis", api_body(g["id"], **{field: value}))
        assert error_of(r) == (400, "APIG.2011"), (field, r.text)
        assert f"parameterName:{param}." in r.json()["error_msg"]
    bad_backend = api_body(g["id"])
    bad_backend["backend_api"]["timeout"] = 600001
    r = admin.apig("POST", "/apis", bad_backend)
    assert error_of(r) == (400, "APIG.2011") and "backend_api.timeout" in r.json()["error_msg"]
    r = admin.apig("POST", "/apis", api_body(g["id"], backend_params=[
        {"origin": "REQUEST", "name": "x", "location": "HEADER", "value": "nope"}]))
    assert error_of(r) == (400, "APIG.2011")

    r = admin.apig("POST", "/apis", api_body(g["id"], name=api["name"]))
    assert error_of(r) == (400, "APIG.3202")
    r = admin.apig("POST", "/apis", api_body(g["id"], req_uri="/users/{other}"))
    assert error_of(r) == (400, "APIG.2012") and "req_uri" in r.json()["error_msg"]
    # Same path, other method: a different route.
    make_api(admin, g["id"], req_uri="/users/{id}", req_method="POST",
             req_params=[{"name": "id", "type": "STRING", "location": "PATH"}])
    r = admin.apig("POST", "/apis", api_body(uuid.uuid4().hex))
    assert error_of(r) == (404, "APIG.3001")
    assert error_of(admin.apig("GET", f"/apis/{uuid.uuid4().hex}")) == (404, "APIG.3002")

    listed = admin.apig("GET", "/apis", group_id=g["id"]).json()
    assert listed["total"] == 2
    assert admin.apig("GET", "/apis", group_id=g["id"], req_method="POST").json()["total"] == 1
    assert admin.apig("GET", "/apis", name=api["name"], precise_search="name").json()["total"] == 1

    upd = api_body(g["id"], name=api["name"] + "u", req_uri="/v2/users")
    r = admin.apig("PUT", f"/apis/{api['id']}", upd)
    assert r.status_code == 200 and r.json()["req_uri"] == "/v2/users"
    assert r.json()["register_time"] == admin.apig("GET", f"/apis/{api['id']}").json()[
        "register_time"]


def test_mock_backend_api(admin):
    g = make_group(admin)
    api = make_api(admin, g["id"], backend_type="MOCK", backend_api=None,
                   mock_info={"result_content": "hello"}, auth_type="NONE",
                   auth_opt={"app_code_auth_type": "DISABLE"})
    assert api["mock_info"]["result_content"] == "hello" and "backend_api" not in api


# ---------------------------------------------------------------- publishing
def test_publish_offline_history_and_delete_rules(admin):
    g = make_group(admin)
    api = make_api(admin, g["id"])
    assert error_of(publish(admin, api["id"], action="offline")) == (404, "APIG.3015")
    r = publish(admin, api["id"])
    assert r.status_code == 201, r.text
    pub = r.json()
    assert pub["api_id"] == api["id"] and pub["env_id"] == RELEASE and pub["api_name"] == api["name"]
    assert pub["publish_id"] and pub["version_id"] and pub["publish_time"].endswith("Z")
    shown = admin.apig("GET", f"/apis/{api['id']}").json()
    assert shown["run_env_id"] == RELEASE and shown["run_env_name"] == "RELEASE"
    assert shown["publish_id"] == pub["publish_id"]

    env = admin.apig("POST", "/envs", {"name": uniq("env_")}).json()
    assert publish(admin, api["id"], env["id"]).status_code == 201
    shown = admin.apig("GET", f"/apis/{api['id']}").json()
    assert set(shown["run_env_id"].split("|")) == {RELEASE, env["id"]}
    online_in_env = admin.apig("GET", "/apis", env_id=env["id"]).json()
    assert [a["id"] for a in online_in_env["apis"]] == [api["id"]]

    assert error_of(admin.apig("DELETE", f"/apis/{api['id']}")) == (403, "APIG.3416")
    assert error_of(admin.apig("DELETE", f"/api-groups/{g['id']}")) == (403, "APIG.3415")
    assert error_of(admin.apig("DELETE", f"/envs/{env['id']}")) == (403, "APIG.3418")

    for _ in range(11):
        assert publish(admin, api["id"]).status_code == 201
    history = admin.apig("GET", f"/apis/publish/{api['id']}", env_id=RELEASE).json()
    assert history["total"] == 10
    assert sum(1 for v in history["api_versions"] if v["status"] == 1) == 1

    assert publish(admin, api["id"], env["id"], "offline").status_code == 201
    assert admin.apig("DELETE", f"/envs/{env['id']}").status_code == 204
    assert publish(admin, api["id"], action="offline").status_code == 201
    assert admin.apig("DELETE", f"/apis/{api['id']}").status_code == 204
    assert admin.apig("DELETE", f"/api-groups/{g['id']}").status_code == 204


def test_batch_publish(admin):
    g = make_group(admin)
    a1, a2 = make_api(admin, g["id"]), make_api(admin, g["id"])
    missing = uuid.uuid4().hex
    r = admin.apig("POST", "/apis/publish?action=online",
                   {"apis": [a1["id"], missing], "env_id": RELEASE, "remark": "batch"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["api_id"] for s in body["success"]] == [a1["id"]]
    assert body["failure"][0]["api_id"] == missing
    assert body["failure"][0]["error_code"] == "APIG.3002"
    r = admin.apig("POST", "/apis/publish?action=offline", {"group_id": g["id"], "env_id": RELEASE})
    body = r.json()
    assert [s["api_id"] for s in body["success"]] == [a1["id"]]
    assert [(f["api_id"], f["error_code"]) for f in body["failure"]] == [(a2["id"], "APIG.3015")]


# ---------------------------------------------------------------- authorizations
def test_app_authorization_lifecycle(admin):
    g = make_group(admin)
    api = make_api(admin, g["id"])
    app = make_app(admin)
    req = {"env_id": RELEASE, "app_ids": [app["id"]], "api_ids": [api["id"]]}
    r = admin.apig("POST", "/app-auths", req)
    assert r.status_code == 201
    item = r.json()["auths"][0]
    assert item["auth_result"]["status"] == "FAILED"  # not in RELEASE (compatibility.md#g6)
    assert item["auth_result"]["error_code"] == "APIG.3015"

    assert publish(admin, api["id"]).status_code == 201
    r = admin.apig("POST", "/app-auths", req)
    item = r.json()["auths"][0]
    assert r.status_code == 201 and item["auth_result"]["status"] == "SUCCESS", r.text
    assert item["auth_role"] == "PROVIDER" and item["auth_tunnel"] == "NORMAL"
    assert item["auth_result"]["api_name"] == api["name"]
    assert item["auth_result"]["app_name"] == app["name"]
    again = admin.apig("POST", "/app-auths", req).json()["auths"][0]
    assert again["auth_result"]["status"] == "FAILED"
    assert again["auth_result"]["error_code"] == "APIG.3316"

    bound = admin.apig("GET", "/app-auths/binded-apis", app_id=app["id"]).json()
    assert bound["total"] == 1
    info = bound["auths"][0]
    assert info["id"] == item["id"] and info["api_name"] == api["name"]
    assert info["group_name"] == g["name"] and info["env_name"] == "RELEASE"
    assert info["app_name"] == app["name"] and info["publish_id"]
    apps_of_api = admin.apig("GET", "/app-auths/binded-apps", api_id=api["id"]).json()
    assert [a["app_id"] for a in apps_of_api["auths"]] == [app["id"]]
    unbound = admin.apig("GET", "/app-auths/unbinded-apis", app_id=app["id"], env_id=RELEASE)
    assert api["id"] not in [a["id"] for a in unbound.json()["apis"]]
    other = make_app(admin)
    unbound = admin.apig("GET", "/app-auths/unbinded-apis", app_id=other["id"], env_id=RELEASE)
    assert api["id"] in [a["id"] for a in unbound.json()["apis"]]

    listed = admin.apig("GET", "/apps", id=app["id"]).json()["apps"][0]
    assert listed["bind_num"] == 1
    outline = admin.apig("GET", "/resources/outline/apps").json()
    assert outline["authed_nums"] >= 1

    # Taking the API offline keeps the authorization (docs/compatibility.md#g6).
    assert publish(admin, api["id"], action="offline").status_code == 201
    assert admin.apig("GET", "/app-auths/binded-apis", app_id=app["id"]).json()["total"] == 1

    assert admin.apig("DELETE", f"/app-auths/{item['id']}").status_code == 204
    assert error_of(admin.apig("DELETE", f"/app-auths/{item['id']}")) == (404, "APIG.3009")
    assert admin.apig("GET", "/app-auths/binded-apis", app_id=app["id"]).json()["total"] == 0


def test_deleting_app_or_api_removes_authorizations(admin):
    g = make_group(admin)
    api = make_api(admin, g["id"])
    assert publish(admin, api["id"]).status_code == 201
    app1, app2 = make_app(admin), make_app(admin)
    r = admin.apig("POST", "/app-auths",
                   {"env_id": RELEASE, "app_ids": [app1["id"], app2["id"]], "api_ids": [api["id"]]})
    assert [a["auth_result"]["status"] for a in r.json()["auths"]] == ["SUCCESS", "SUCCESS"]
    assert admin.apig("DELETE", f"/apps/{app1['id']}").status_code == 204  # docs/compatibility.md#g7
    apps_of_api = admin.apig("GET", "/app-auths/binded-apps", api_id=api["id"]).json()
    assert [a["app_id"] for a in apps_of_api["auths"]] == [app2["id"]]
    assert publish(admin, api["id"], action="offline").status_code == 201
    assert admin.apig("DELETE", f"/apis/{api['id']}").status_code == 204
    assert admin.apig("GET", "/app-auths/binded-apis", app_id=app2["id"]).json()["total"] == 0


def test_unknown_app_or_env_in_authorization(admin):
    g = make_group(admin)
    api = make_api(admin, g["id"])
    r = admin.apig("POST", "/app-auths",
                   {"env_id": RELEASE, "app_ids": [uuid.uuid4().hex], "api_ids": [api["id"]]})
    assert error_of(r) == (404, "APIG.3004")
    app = make_app(admin)
    r = admin.apig("POST", "/app-auths",
                   {"env_id": uuid.uuid4().hex, "app_ids": [app["id"]], "api_ids": [api["id"]]})
    assert error_of(r) == (404, "APIG.3003")


# ---------------------------------------------------------------- dialects, RBAC
def test_roma_prefix_and_instance_kind(admin):
    r = admin.roma("POST", "/api-groups", {"name": uniq("roma_grp_")})
    assert r.status_code == 201, r.text
    roma_groups = admin.roma("GET", "/api-groups").json()
    assert any(g["is_default"] == 1 for g in roma_groups["groups"])
    apig_ids = {g["id"] for g in admin.apig("GET", "/api-groups", limit=500).json()["groups"]}
    assert r.json()["id"] not in apig_ids  # groups belong to their instance
    wrong = admin.call("GET", f"/v2/{admin.project_id}/apic/instances/{admin.apig_id}/api-groups")
    assert error_of(wrong) == (404, "APIG.3030")
    wrong = admin.call("GET", f"/v2/{admin.project_id}/apigw/instances/{admin.roma_id}/apis")
    assert error_of(wrong) == (404, "APIG.3030")


def test_viewer_reads_but_cannot_write(admin):
    base = admin.base
    name, password = uniq("viewer"), "Viewer-Pw-123"
    r = admin.call("POST", "/v3/users", {"user": {"name": name, "password": password}})
    assert r.status_code == 201, r.text
    user_id = r.json()["user"]["id"]
    roles = admin.call("GET", "/v3/roles").json()["roles"]
    viewer = next(x for x in roles if x["name"] == "apig_viewer")
    r = admin.call("PUT", f"/v3/projects/{admin.project_id}/users/{user_id}/roles/{viewer['id']}")
    assert r.status_code in (200, 204), r.text
    token, _ = login(base, name, password)
    assert admin.apig("GET", "/api-groups", token=token).status_code == 200
    assert admin.apig("GET", "/apis", token=token).status_code == 200
    r = admin.apig("POST", "/api-groups", {"name": uniq("grp_")}, token=token)
    assert error_of(r) == (403, "APIG.1005")
    r = admin.apig("POST", "/envs", {"name": uniq("env_")}, token=token)
    assert error_of(r) == (403, "APIG.1005")


def test_no_token(admin):
    r = requests.get(admin.base + f"/v2/{admin.project_id}/apigw/instances/{admin.apig_id}/apis",
                     timeout=10)
    assert error_of(r) == (401, "APIG.1000")
