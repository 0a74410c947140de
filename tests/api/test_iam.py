"""IAM (Keystone v3 subset, docs/compatibility.md#iam): tokens, projects, users, roles, credentials."""
import datetime
import re

import requests

from conftest import (ADMIN_PASSWORD, assert_apig_error, assert_keystone_error, login,
                      login_body, uniq)

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_password_token_shape(server):
    r = requests.post(server.url("/v3/auth/tokens"), json=login_body("admin", ADMIN_PASSWORD),
                      timeout=10)
    assert r.status_code == 201
    assert r.headers["X-Subject-Token"]
    t = r.json()["token"]
    assert t["methods"] == ["password"]
    assert HEX32.match(t["project"]["id"]) and t["project"]["name"] == "default"
    assert t["project"]["domain"]["name"] == "default"
    assert t["user"]["name"] == "admin" and HEX32.match(t["user"]["id"])
    assert t["user"]["domain"]["name"] == "default"
    assert {"id", "name"} <= set(t["roles"][0])
    lifetime = parse_time(t["expires_at"]) - parse_time(t["issued_at"])
    assert lifetime == datetime.timedelta(hours=24)
    assert t["catalog"] and all(e["endpoints"][0]["interface"] == "public" for e in t["catalog"])
    assert any(e["endpoints"][0]["url"].startswith("http://127.0.0.1:") for e in t["catalog"])


def test_nocatalog_and_domain_scope(server):
    r = requests.post(server.url("/v3/auth/tokens?nocatalog=true"),
                      json=login_body("admin", ADMIN_PASSWORD), timeout=10)
    assert r.status_code == 201 and r.json()["token"]["catalog"] == []
    body = login_body("admin", ADMIN_PASSWORD)
    body["auth"]["scope"] = {"domain": {"name": "default"}}
    r = requests.post(server.url("/v3/auth/tokens"), json=body, timeout=10)
    assert r.status_code == 201
    t = r.json()["token"]
    assert "project" not in t and t["domain"]["name"] == "default"


def test_wrong_password_is_keystone_401(server):
    r = requests.post(server.url("/v3/auth/tokens"), json=login_body("admin", "nope-nope"),
                      timeout=10)
    err = assert_keystone_error(r, 401)
    assert err["message"] == "The username or password is wrong."
    assert "X-Subject-Token" not in r.headers
    r = requests.post(server.url("/v3/auth/tokens"), json=login_body("ghost_user", "x" * 10),
                      timeout=10)
    assert assert_keystone_error(r, 401)["message"] == "The username or password is wrong."


def test_invalid_login_bodies_are_keystone_400(server):
    bad = [{}, {"auth": {}}, {"auth": {"identity": {"methods": ["token"]}}},
           {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "a"}}}}},
           [1, 2], "text"]
    for body in bad:
        r = requests.post(server.url("/v3/auth/tokens"), json=body, timeout=10)
        err = assert_keystone_error(r, 400)
        assert err["message"] == "The request body is invalid" or err["message"].startswith(
            "Parameter error"), err
    r = requests.post(server.url("/v3/auth/tokens"), data=b'{"auth":', timeout=10,
                      headers={"Content-Type": "application/json"})
    assert_keystone_error(r, 400)


def test_lockout_after_repeated_failures(admin):
    uid, user = admin.new_user("apig_viewer", password="Right-pw-123")
    name = admin.get(f"/v3/users/{uid}").json()["user"]["name"]
    url = admin.server.url("/v3/auth/tokens")
    for _ in range(5):
        r = requests.post(url, json=login_body(name, "wrong-pw-123"), timeout=10)
        assert_keystone_error(r, 401)
    # Locked: even the right password is refused now.
    r = requests.post(url, json=login_body(name, "Right-pw-123"), timeout=10)
    err = assert_keystone_error(r, 401)
    assert "locked" in err["message"].lower()
    # Other users are unaffected.
    assert login(admin.server).token


def test_success_resets_failure_count(admin):
    uid, _ = admin.new_user("apig_viewer", password="Right-pw-123")
    name = admin.get(f"/v3/users/{uid}").json()["user"]["name"]
    url = admin.server.url("/v3/auth/tokens")
    for _ in range(3):
        for _ in range(4):
            assert requests.post(url, json=login_body(name, "bad-pw-1234"),
                                 timeout=10).status_code == 401
        assert requests.post(url, json=login_body(name, "Right-pw-123"),
                             timeout=10).status_code == 201


def test_missing_and_garbled_token(admin):
    path = f"/v2/{admin.project_id}/apigw/instances"
    assert_apig_error(admin.get(path, token=False), 401, "APIG.1000", "The token is missing.")
    for bad in ["garbage", admin.token[:-3] + "AAA", "gh1.x.y", "a" * 5000]:
        assert_apig_error(admin.get(path, token=bad), 401, "APIG.1002",
                          "Incorrect token or token resolution failed")
    # Under /v3 the same failures use Keystone's shape.
    assert_keystone_error(admin.get("/v3/projects", token=False), 401)
    assert_keystone_error(admin.get("/v3/projects", token="garbage"), 401)


def test_projects(admin):
    r = admin.get("/v3/projects")
    assert r.status_code == 200
    names = [p["name"] for p in r.json()["projects"]]
    assert "default" in names
    r = admin.get("/v3/projects?name=default")
    ps = r.json()["projects"]
    assert len(ps) == 1 and ps[0]["id"] == admin.project_id
    name = uniq("proj")
    r = admin.post("/v3/projects", {"project": {"name": name, "description": "d"}})
    assert r.status_code == 201
    p = r.json()["project"]
    assert p["name"] == name and HEX32.match(p["id"])
    assert_keystone_error(admin.post("/v3/projects", {"project": {"name": name}}), 409)
    assert_keystone_error(admin.post("/v3/projects", {"project": {}}), 400)
    # A new project gets its own gateway instances.
    inst = admin.get(f"/v2/{p['id']}/apigw/instances")
    assert inst.status_code == 403  # admin's token is scoped to the default project
    other = login(admin.server, project_id=p["id"])
    assert other.apig_instance and other.roma_instance
    assert other.apig_instance != admin.apig_instance


def test_users_crud(admin):
    name = uniq("user")
    r = admin.post("/v3/users", {"user": {"name": name, "password": "Pw-123456"}})
    assert r.status_code == 201
    u = r.json()["user"]
    assert u["name"] == name and HEX32.match(u["id"]) and u["enabled"] is True
    assert "password" not in u and "password_hash" not in u
    assert_keystone_error(admin.post("/v3/users", {"user": {"name": name, "password": "Pw-123456"}}),
                          409)
    assert_keystone_error(admin.post("/v3/users", {"user": {"name": uniq(), "password": "x"}}),
                          400)
    assert_keystone_error(admin.post("/v3/users", {"nope": {}}), 400)
    assert any(x["id"] == u["id"] for x in admin.get("/v3/users").json()["users"])
    assert admin.get(f"/v3/users/{u['id']}").json()["user"]["name"] == name
    assert admin.delete(f"/v3/users/{u['id']}").status_code == 204
    assert_keystone_error(admin.get(f"/v3/users/{u['id']}"), 404)
    assert_keystone_error(admin.delete(f"/v3/users/{u['id']}"), 404)
    assert_keystone_error(admin.delete(f"/v3/users/{admin.user_id}"), 403)


def test_roles_and_assignments(admin):
    roles = admin.get("/v3/roles").json()["roles"]
    by_name = {r["name"]: r["id"] for r in roles}
    assert {"apig_admin", "apig_viewer"} <= set(by_name)
    uid, _ = admin.new_user(role=None)
    base = f"/v3/projects/{admin.project_id}/users/{uid}/roles"
    assert admin.get(base).json()["roles"] == []
    assert admin.put(f"{base}/{by_name['apig_viewer']}").status_code == 204
    assert [r["name"] for r in admin.get(base).json()["roles"]] == ["apig_viewer"]
    assert admin.delete(f"{base}/{by_name['apig_viewer']}").status_code == 204
    assert admin.get(base).json()["roles"] == []
    assert_keystone_error(admin.delete(f"{base}/{by_name['apig_viewer']}"), 404)
    assert_keystone_error(admin.put(f"{base}/no_such_role"), 404)
    assert_keystone_error(admin.put(f"/v3/projects/{'0' * 32}/users/{uid}/roles/apig_admin"), 404)


def test_user_without_role_cannot_get_project_token(admin):
    uid, _ = admin.new_user(role=None, password="Pw-1234567")
    name = admin.get(f"/v3/users/{uid}").json()["user"]["name"]
    r = requests.post(admin.server.url("/v3/auth/tokens"), json=login_body(name, "Pw-1234567"),
                      timeout=10)
    assert_keystone_error(r, 401)


def test_non_admin_cannot_manage_identity(admin):
    _, user = admin.new_user("apig_admin")
    assert_keystone_error(user.post("/v3/users", {"user": {"name": uniq(), "password": "Pw-123456"}}),
                          403)
    assert_keystone_error(user.post("/v3/projects", {"project": {"name": uniq()}}), 403)
    assert_keystone_error(user.put(f"/v3/projects/{admin.project_id}/users/{user.user_id}"
                                   "/roles/apig_admin"), 403)
    assert_keystone_error(user.delete(f"/v3/users/{admin.user_id}"), 403)
    # A user sees only itself.
    assert [u["id"] for u in user.get("/v3/users").json()["users"]] == [user.user_id]


def test_token_dies_with_its_user(admin):
    uid, user = admin.new_user("apig_admin")
    assert user.get(user.apig("/apps")).status_code == 200
    assert admin.delete(f"/v3/users/{uid}").status_code == 204
    assert_apig_error(user.get(user.apig("/apps")), 401, "APIG.1002")


def test_credentials_crud(admin):
    _, user = admin.new_user("apig_admin")
    r = user.post("/v3.0/OS-CREDENTIAL/credentials", {"credential": {"description": "ci"}})
    assert r.status_code == 201
    c = r.json()["credential"]
    assert re.match(r"^[A-Z0-9]{20}$", c["access"]) and re.match(r"^[A-Za-z0-9]{40}$", c["secret"])
    assert c["user_id"] == user.user_id and c["status"] == "active" and c["description"] == "ci"
    listed = user.get("/v3.0/OS-CREDENTIAL/credentials").json()["credentials"]
    assert [x["access"] for x in listed] == [c["access"]]
    assert all("secret" not in x for x in listed)
    one = user.get(f"/v3.0/OS-CREDENTIAL/credentials/{c['access']}").json()["credential"]
    assert one["access"] == c["access"] and "secret" not in one
    # Two keys per user at most.
    assert user.post("/v3.0/OS-CREDENTIAL/credentials", {"credential": {}}).status_code == 201
    assert_keystone_error(user.post("/v3.0/OS-CREDENTIAL/credentials", {"credential": {}}), 400)
    # Another non-admin user cannot see or delete it.
    _, other = admin.new_user("apig_admin")
    assert_keystone_error(other.get(f"/v3.0/OS-CREDENTIAL/credentials/{c['access']}"), 404)
    assert_keystone_error(other.delete(f"/v3.0/OS-CREDENTIAL/credentials/{c['access']}"), 404)
    assert_keystone_error(other.post("/v3.0/OS-CREDENTIAL/credentials",
                                     {"credential": {"user_id": user.user_id}}), 403)
    assert user.delete(f"/v3.0/OS-CREDENTIAL/credentials/{c['access']}").status_code == 204
    assert_keystone_error(user.get(f"/v3.0/OS-CREDENTIAL/credentials/{c['access']}"), 404)


def test_expired_token_is_1001(server_factory):
    import time
    s = server_factory(["--token-lifetime", "1"])
    r = requests.post(s.url("/v3/auth/tokens"), json=login_body("admin", ADMIN_PASSWORD),
                      timeout=10)
    t = r.json()["token"]
    assert parse_time(t["expires_at"]) - parse_time(t["issued_at"]) == datetime.timedelta(seconds=1)
    token, project = r.headers["X-Subject-Token"], t["project"]["id"]
    path = s.url(f"/v2/{project}/apigw/instances")
    assert requests.get(path, headers={"X-Auth-Token": token}, timeout=10).status_code == 200
    time.sleep(1.5)
    assert_apig_error(requests.get(path, headers={"X-Auth-Token": token}, timeout=10), 401,
                      "APIG.1001", "The token has expired.")
    assert_keystone_error(requests.get(s.url("/v3/projects"), headers={"X-Auth-Token": token},
                                       timeout=10), 401)


def test_role_changes_apply_to_live_tokens(admin):
    uid, user = admin.new_user("apig_viewer")
    assert user.get(user.apig("/apps?limit=1")).status_code == 200
    assert_apig_error(user.post(user.apig("/apps"), {"name": uniq()}), 403, "APIG.1005")
    base = f"/v3/projects/{admin.project_id}/users/{uid}/roles"
    assert admin.put(f"{base}/apig_admin").status_code == 204
    assert user.post(user.apig("/apps"), {"name": uniq()}).status_code == 201
    assert admin.delete(f"{base}/apig_admin").status_code == 204
    assert admin.delete(f"{base}/apig_viewer").status_code == 204
    assert_apig_error(user.get(user.apig("/apps?limit=1")), 403, "APIG.1005")
