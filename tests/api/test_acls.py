"""Access control (docs/compatibility.md#acls): API access-control policies, their bindings, app
ACLs, and the data plane's refusals (403 APIG.0402 before authentication, 403 APIG.0405 after
it), with the client address of docs/compatibility.md#g13 (a trusted proxy at 127.0.0.2), and the
account (DOMAIN / DOMAIN_ID) policies on IAM callers (403 APIG.0306)."""
import http.client
import json
import urllib.parse
import uuid

import pytest
import requests

from conftest import store_args
from gateway_env import PASSWORD, EchoBackend, Gatehouse

RELEASE = "DEFAULT_ENVIRONMENT_RELEASE_ID"
MSG_0402 = "The IP address is not authorized to access the API."
MSG_0405 = "The app is not accessed from a trusted IP address."


def name(prefix="acl"):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def err(r, status, code, msg=None):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["error_code"] == code, body
    if msg is not None:
        assert body["error_msg"] == msg, body
    return body


@pytest.fixture(scope="module")
def env():
    backend = EchoBackend()
    gh = Gatehouse(extra_args=["--trusted-proxies", "127.0.0.2", "--simple-auth-over-http"],
                   store_args=store_args)
    try:
        yield gh, backend
    finally:
        gh.stop()
        backend.stop()


def acls(gh, roma=False):
    return gh.base(roma) + "/acls"


def new_acl(gh, value="10.0.0.0/8", acl_type="PERMIT", entity="IP", roma=False):
    r = gh.call("POST", acls(gh, roma), {"acl_name": name(), "acl_type": acl_type,
                                         "acl_value": value, "entity_type": entity})
    assert r.status_code == 201, r.text
    return r.json()


def published_api(gh, backend, uri=None, auth="NONE", roma=False):
    """A published API; returns (api, publish_id)."""
    api = gh.create_api(gh.default_group(roma)["id"], name("api"), uri or "/" + name("p"),
                        roma=roma, auth_type=auth,
                        backend_api={"url_domain": backend.address, "req_uri": "/echo"})
    r = gh.publish(api["id"], roma=roma)
    assert r.status_code == 201, r.text
    return api, r.json()["publish_id"]


def bind(gh, acl_id, publish_ids, roma=False):
    return gh.call("POST", gh.base(roma) + "/acl-bindings",
                   {"acl_id": acl_id, "publish_ids": publish_ids})


def gw(gh, path, source="127.0.0.1", headers=None):
    url = urllib.parse.urlsplit(gh.gateway)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10,
                                      source_address=(source, 0))
    try:
        conn.request("GET", path, headers=headers or {})
        res = conn.getresponse()
        body = res.read()
        return res.status, (json.loads(body) if body.startswith(b"{") else body)
    finally:
        conn.close()


# ---------------------------------------------------------------- policies
def test_create_show_update_list_delete(env):
    gh, _ = env
    created = new_acl(gh, " 192.168.1.5, 192.168.10.0/24,192.168.12.12-192.168.12.19 ,2001:db8::/32")
    assert set(created) == {"id", "acl_name", "acl_type", "acl_value", "entity_type",
                            "update_time"}
    assert created["acl_value"] == \
        "192.168.1.5,192.168.10.0/24,192.168.12.12-192.168.12.19,2001:db8::/32"
    shown = gh.get(acls(gh) + "/" + created["id"]).json()
    assert shown == created
    r = gh.call("PUT", acls(gh) + "/" + created["id"],
                {"acl_name": created["acl_name"], "acl_type": "DENY", "acl_value": "10.1.1.1",
                 "entity_type": "IP"}, expect=200)
    assert r.json()["acl_type"] == "DENY" and r.json()["acl_value"] == "10.1.1.1"
    listed = gh.get(acls(gh) + f"?name={created['acl_name']}&precise_search=name").json()
    assert listed["total"] == 1 and listed["size"] == 1
    assert listed["acls"][0]["bind_num"] == 0 and listed["acls"][0]["acl_type"] == "DENY"
    gh.call("DELETE", acls(gh) + "/" + created["id"], expect=204)
    err(gh.get(acls(gh) + "/" + created["id"], expect=None), 404, "APIG.3006",
        f"Access control policy {created['id']} does not exist")


def test_domain_policies(env):
    gh, _ = env
    assert new_acl(gh, "tenant_a,tenant-b", entity="DOMAIN")["entity_type"] == "DOMAIN"
    assert new_acl(gh, "0123456789abcdef", entity="DOMAIN_ID")["acl_value"] == "0123456789abcdef"
    r = gh.call("POST", acls(gh), {"acl_name": name(), "acl_type": "PERMIT",
                                   "acl_value": "12345", "entity_type": "DOMAIN"})
    err(r, 400, "APIG.2011")
    assert "acl_value" in r.json()["error_msg"]


@pytest.mark.parametrize("field,value", [
    ("acl_value", "10.0.0.1/8"),              # host bits set
    ("acl_value", "10.0.0.0/33"),             # prefix too long
    ("acl_value", "10.0.0.9-10.0.0.1"),       # range backwards
    ("acl_value", "300.1.1.1"),
    ("acl_value", "10.0.0.1,,10.0.0.2"),      # empty entry
    ("acl_value", ""),
    ("acl_value", ",".join(f"10.{i // 250}.{i % 250}.1" for i in range(10000))),
    ("acl_value", ",".join(f"10.0.0.{i}" for i in range(1, 102))),  # 101 entries
    ("acl_type", "ALLOW"),
    ("entity_type", "HOST"),
    ("acl_name", "1bad"),
    ("acl_name", "ab"),
])
def test_validation_names_the_field_and_stores_nothing(env, field, value):
    gh, _ = env
    before = gh.get(acls(gh) + "?limit=500").json()["total"]
    body = {"acl_name": name(), "acl_type": "PERMIT", "acl_value": "10.0.0.1",
            "entity_type": "IP", field: value}
    r = gh.call("POST", acls(gh), body)
    err(r, 400, "APIG.2011",
        f"Invalid parameter value,parameterName:{field}. Please refer to the support documentation")
    assert gh.get(acls(gh) + "?limit=500").json()["total"] == before


def test_duplicate_name(env):
    gh, _ = env
    a = new_acl(gh)
    r = gh.call("POST", acls(gh), {"acl_name": a["acl_name"], "acl_type": "PERMIT",
                                   "acl_value": "10.0.0.1", "entity_type": "IP"})
    err(r, 400, "APIG.3206")


def test_batch_delete_and_action(env):
    gh, backend = env
    free, bound = new_acl(gh), new_acl(gh)
    _, pub = published_api(gh, backend)
    assert bind(gh, bound["id"], [pub]).status_code == 201
    err(gh.call("PUT", acls(gh) + "?action=remove", {"acls": [free["id"]]}), 400, "APIG.2011",
        'Invalid parameter value: parameter action should be "delete"')
    err(gh.call("PUT", acls(gh), {"acls": [free["id"]]}), 400, "APIG.2011")
    missing = uuid.uuid4().hex
    r = gh.call("PUT", acls(gh) + "?action=delete", {"acls": [free["id"], bound["id"], missing]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success_count"] == 1
    by_id = {f["acl_id"]: f for f in body["failure"]}
    assert by_id[bound["id"]]["error_code"] == "APIG.3447"
    assert by_id[bound["id"]]["error_msg"] == "The access control policy has been bound to APIs"
    assert by_id[bound["id"]]["acl_name"] == bound["acl_name"]
    assert by_id[missing]["error_code"] == "APIG.3006"
    # A bound policy cannot be deleted alone either.
    err(gh.call("DELETE", acls(gh) + "/" + bound["id"]), 403, "APIG.3447")


# ---------------------------------------------------------------- bindings
def test_bindings_and_queries(env):
    gh, backend = env
    ip, dom, ip2 = new_acl(gh), new_acl(gh, "tenant_x", entity="DOMAIN"), new_acl(gh)
    api, pub = published_api(gh, backend)
    r = bind(gh, ip["id"], [pub])
    assert r.status_code == 201, r.text
    item = r.json()["acl_bindings"][0]
    assert item["api_id"] == api["id"] and item["env_id"] == RELEASE and item["acl_id"] == ip["id"]
    assert set(item) == {"id", "api_id", "env_id", "acl_id", "create_time"}
    # One per entity type: an account policy may join, a second IP policy may not.
    assert bind(gh, dom["id"], [pub]).status_code == 201
    err(bind(gh, ip2["id"], [pub]), 400, "APIG.2012",
        "Invalid parameter value,parameterName:publish_ids. Please refer to the support "
        "documentation")
    err(bind(gh, ip2["id"], [uuid.uuid4().hex]), 404, "APIG.3015")
    err(bind(gh, uuid.uuid4().hex, [pub]), 404, "APIG.3006")

    apis = gh.get(gh.base() + f"/acl-bindings/binded-apis?acl_id={ip['id']}").json()
    assert apis["total"] == 1
    a = apis["apis"][0]
    assert a["api_id"] == api["id"] and a["bind_id"] == item["id"] and a["env_name"] == "RELEASE"
    assert a["publish_id"] == pub and a["req_method"] == "GET"
    bound = gh.get(gh.base() + f"/acl-bindings/binded-acls?api_id={api['id']}").json()
    assert {x["acl_id"] for x in bound["acls"]} == {ip["id"], dom["id"]}
    assert set(bound["acls"][0]) >= {"acl_id", "acl_name", "entity_type", "acl_type",
                                     "acl_value", "env_id", "env_name", "bind_id", "bind_time"}
    unbound = gh.get(gh.base() + f"/acl-bindings/unbinded-apis?acl_id={ip2['id']}").json()
    assert api["id"] in {x["id"] for x in unbound["apis"]}
    unbound = gh.get(gh.base() + f"/acl-bindings/unbinded-apis?acl_id={ip['id']}").json()
    assert api["id"] not in {x["id"] for x in unbound["apis"]}
    err(gh.get(gh.base() + "/acl-bindings/binded-apis", expect=None), 400, "APIG.2011")
    err(gh.get(gh.base() + "/acl-bindings/binded-acls", expect=None), 400, "APIG.2011")
    listed = gh.get(acls(gh) + f"?id={ip['id']}").json()
    assert listed["acls"][0]["bind_num"] == 1

    # Unbind one, then the rest in a batch with an unknown id.
    gh.call("DELETE", gh.base() + f"/acl-bindings/{item['id']}", expect=204)
    err(gh.call("DELETE", gh.base() + f"/acl-bindings/{item['id']}"), 404, "APIG.3010")
    dom_bind = bound["acls"][0]["bind_id"] if bound["acls"][0]["acl_id"] == dom["id"] \
        else bound["acls"][1]["bind_id"]
    missing = uuid.uuid4().hex
    r = gh.call("PUT", gh.base() + "/acl-bindings?action=delete",
                {"acl_bindings": [dom_bind, missing]})
    assert r.status_code == 200, r.text
    assert r.json()["success_count"] == 1
    assert r.json()["failure"] == [{"bind_id": missing, "error_code": "APIG.3010",
                                    "error_msg": "The access control policy binding record "
                                                 "does not exist"}]
    err(gh.call("PUT", gh.base() + "/acl-bindings?action=x", {"acl_bindings": [dom_bind]}), 400,
        "APIG.2011")
    gh.call("DELETE", acls(gh) + "/" + ip["id"], expect=204)  # unbound: deletable


def test_deleting_an_api_cascades_its_bindings(env):
    gh, backend = env
    acl = new_acl(gh)
    api, pub = published_api(gh, backend)
    assert bind(gh, acl["id"], [pub]).status_code == 201
    assert gh.publish(api["id"], action="offline").status_code in (200, 201)
    # Offline keeps the binding; deleting the API removes it.
    assert gh.get(acls(gh) + f"?id={acl['id']}").json()["acls"][0]["bind_num"] == 1
    gh.call("DELETE", gh.base() + f"/apis/{api['id']}", expect=204)
    assert gh.get(acls(gh) + f"?id={acl['id']}").json()["acls"][0]["bind_num"] == 0
    gh.call("DELETE", acls(gh) + "/" + acl["id"], expect=204)


# ---------------------------------------------------------------- app ACL
def test_app_acl(env):
    gh, _ = env
    app = gh.create_app(name("app"))
    path = gh.base() + f"/apps/{app['id']}/app-acl"
    empty = gh.get(path).json()
    assert empty == {"app_id": app["id"], "app_acl_type": "", "app_acl_values": []}
    body = {"app_acl_type": "PERMIT",
            "app_acl_values": ["192.168.0.1", "192.168.0.5-192.168.0.10", "192.168.0.96/28",
                               "2001:db8::1"]}
    r = gh.call("PUT", path, body)
    assert r.status_code == 201, r.text
    assert r.json() == {"app_id": app["id"], **body}
    assert gh.get(path).json() == {"app_id": app["id"], **body}
    for bad in (["10.0.0.1/8"], ["1.2.3"], [], [f"10.0.{i // 250}.{i % 250}" for i in range(10000)],
                "10.0.0.1"):
        err(gh.call("PUT", path, {"app_acl_type": "DENY", "app_acl_values": bad}), 400,
            "APIG.2011",
            "Invalid parameter value,parameterName:app_acl_values. Please refer to the support "
            "documentation")
    err(gh.call("PUT", path, {"app_acl_type": "ALLOW", "app_acl_values": ["1.2.3.4"]}), 400,
        "APIG.2011")
    assert gh.get(path).json()["app_acl_type"] == "PERMIT"  # nothing stored by the refusals
    gh.call("DELETE", path, expect=204)
    assert gh.get(path).json()["app_acl_values"] == []
    gh.call("DELETE", path, expect=204)
    err(gh.get(gh.base() + f"/apps/{uuid.uuid4().hex}/app-acl", expect=None), 404, "APIG.3004")


def test_deleting_an_app_deletes_its_acl(env):
    gh, _ = env
    app = gh.create_app(name("app"))
    path = gh.base() + f"/apps/{app['id']}/app-acl"
    gh.call("PUT", path, {"app_acl_type": "DENY", "app_acl_values": ["10.0.0.1"]}, expect=201)
    gh.call("DELETE", gh.base() + f"/apps/{app['id']}", expect=204)
    err(gh.get(path, expect=None), 404, "APIG.3004")


# ---------------------------------------------------------------- isolation, roles, ROMA
def test_isolation_across_projects(env):
    gh, _ = env
    acl = new_acl(gh)
    h = {"X-Auth-Token": gh.token}
    r = requests.post(gh.admin + "/v3/projects", json={"project": {"name": name("proj")}},
                      headers=h, timeout=10)
    assert r.status_code == 201, r.text
    other = r.json()["project"]["id"]
    r = requests.post(gh.admin + "/v3/users", json={"user": {"name": name("u"),
                      "password": "User-pw-12345"}}, headers=h, timeout=10)
    user = r.json()["user"]
    assert requests.put(gh.admin + f"/v3/projects/{other}/users/{user['id']}/roles/apig_admin",
                        headers=h, timeout=10).status_code == 204
    login = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "domain": {"name": "default"}, "name": user["name"], "password": "User-pw-12345"}}},
        "scope": {"project": {"id": other}}}}
    r = requests.post(gh.admin + "/v3/auth/tokens", json=login, timeout=10)
    token = r.headers["X-Subject-Token"]
    oh = {"X-Auth-Token": token}
    # The first project's paths with the other project's token: no permission.
    r = requests.get(gh.admin + acls(gh) + "/" + acl["id"], headers=oh, timeout=10)
    err(r, 403, "APIG.1005")
    # Its own project, the first project's instance: not its instance.
    r = requests.get(gh.admin + f"/v2/{other}/apigw/instances/{gh.instance}/acls", headers=oh,
                     timeout=10)
    err(r, 404, "APIG.3030")


def test_viewer_reads_but_does_not_write(env):
    gh, _ = env
    h = {"X-Auth-Token": gh.token}
    r = requests.post(gh.admin + "/v3/users", json={"user": {"name": name("v"),
                      "password": "User-pw-12345"}}, headers=h, timeout=10)
    user = r.json()["user"]
    assert requests.put(gh.admin + f"/v3/projects/{gh.project}/users/{user['id']}/roles/"
                        "apig_viewer", headers=h, timeout=10).status_code == 204
    login = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "domain": {"name": "default"}, "name": user["name"], "password": "User-pw-12345"}}},
        "scope": {"project": {"id": gh.project}}}}
    vh = {"X-Auth-Token": requests.post(gh.admin + "/v3/auth/tokens", json=login,
                                        timeout=10).headers["X-Subject-Token"]}
    assert requests.get(gh.admin + acls(gh), headers=vh, timeout=10).status_code == 200
    r = requests.post(gh.admin + acls(gh), json={"acl_name": name(), "acl_type": "DENY",
                      "acl_value": "10.0.0.1", "entity_type": "IP"}, headers=vh, timeout=10)
    err(r, 403, "APIG.1005")


def test_roma_variant(env):
    gh, backend = env
    acl = new_acl(gh, roma=True)
    assert gh.get(acls(gh, True) + "/" + acl["id"]).json()["id"] == acl["id"]
    # Not visible through the APIG instance.
    err(gh.get(acls(gh) + "/" + acl["id"], expect=None), 404, "APIG.3006")
    app = gh.create_app(name("app"), roma=True)
    r = gh.call("PUT", gh.base(True) + f"/apps/{app['id']}/app-acl",
                {"app_acl_type": "DENY", "app_acl_values": ["10.9.9.9"]})
    assert r.status_code == 201, r.text


# ---------------------------------------------------------------- the data plane
def test_ip_acl_refuses_before_authentication(env):
    gh, backend = env
    uri = "/" + name("ipacl")
    api, pub = published_api(gh, backend, uri=uri, auth="APP")
    assert gw(gh, uri)[0] == 401  # no credential yet: authentication refuses
    permit = new_acl(gh, "127.0.0.2, 203.0.113.0/24")
    assert bind(gh, permit["id"], [pub]).status_code == 201
    status, body = gw(gh, uri)  # 127.0.0.1 is not permitted: refused before authentication
    assert status == 403 and body["error_code"] == "APIG.0402" and body["error_msg"] == MSG_0402
    # A trusted proxy's X-Forwarded-For names the client.
    assert gw(gh, uri, "127.0.0.2", {"X-Forwarded-For": "203.0.113.7"})[0] == 401
    status, body = gw(gh, uri, "127.0.0.2", {"X-Forwarded-For": "198.51.100.1"})
    assert status == 403 and body["error_code"] == "APIG.0402"
    # An untrusted peer's header is not believed.
    status, body = gw(gh, uri, "127.0.0.1", {"X-Forwarded-For": "203.0.113.7"})
    assert status == 403 and body["error_code"] == "APIG.0402"
    # Switched to DENY: the listed addresses are refused, the others pass to authentication.
    gh.call("PUT", acls(gh) + "/" + permit["id"],
            {"acl_name": permit["acl_name"], "acl_type": "DENY", "acl_value": "127.0.0.1",
             "entity_type": "IP"}, expect=200)
    assert gw(gh, uri)[1]["error_code"] == "APIG.0402"
    assert gw(gh, uri, "127.0.0.2")[0] == 401
    # Unbound: nothing is checked any more.
    bind_id = gh.get(gh.base() + f"/acl-bindings/binded-acls?api_id={api['id']}").json()[
        "acls"][0]["bind_id"]
    gh.call("DELETE", gh.base() + f"/acl-bindings/{bind_id}", expect=204)
    assert gw(gh, uri)[0] == 401


def test_app_acl_refuses_after_authentication(env):
    gh, backend = env
    uri = "/" + name("appacl")
    api, _ = published_api(gh, backend, uri=uri, auth="APP")
    app = gh.create_app(name("app"))
    code = gh.add_code(app["id"])["app_code"]
    gh.authorize(app["id"], api["id"])
    hdr = {"X-Apig-AppCode": code}
    assert gw(gh, uri, headers=hdr)[0] == 200
    path = gh.base() + f"/apps/{app['id']}/app-acl"
    gh.call("PUT", path, {"app_acl_type": "PERMIT", "app_acl_values": ["127.0.0.2"]}, expect=201)
    status, body = gw(gh, uri, headers=hdr)
    assert status == 403 and body["error_code"] == "APIG.0405" and body["error_msg"] == MSG_0405
    assert gw(gh, uri, "127.0.0.2", hdr)[0] == 200
    # An unknown code is refused by authentication, not by the app ACL.
    assert gw(gh, uri, headers={"X-Apig-AppCode": "x" * 64})[1]["error_code"] == "APIG.0303"
    gh.call("PUT", path, {"app_acl_type": "DENY", "app_acl_values": ["127.0.0.0/30"]},
            expect=201)
    assert gw(gh, uri, "127.0.0.2", hdr)[1]["error_code"] == "APIG.0405"
    gh.call("DELETE", path, expect=204)
    assert gw(gh, uri, headers=hdr)[0] == 200


def test_roma_refusal_code(env):
    gh, backend = env
    uri = "/" + name("roma")
    api, pub = published_api(gh, backend, uri=uri, roma=True)
    acl = new_acl(gh, "10.0.0.0/8", roma=True)
    assert bind(gh, acl["id"], [pub], roma=True).status_code == 201
    group = gh.default_group(True)["id"]
    status, body = gw(gh, uri, headers={"Host": f"{group}.apig.gatehouse.local"})
    assert status == 403 and body["error_code"] == "APIC.0402" and body["error_msg"] == MSG_0402


def test_account_acls_refuse_iam_callers_after_authentication(env):
    gh, backend = env
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "domain": {"name": "default"}, "name": "admin", "password": PASSWORD}}},
        "scope": {"project": {"name": "default"}}}}
    r = requests.post(gh.admin + "/v3/auth/tokens", json=body, timeout=10)
    token, domain_id = r.headers["X-Subject-Token"], r.json()["token"]["user"]["domain"]["id"]
    uri = "/" + name("iam")
    api, pub = published_api(gh, backend, uri=uri, auth="IAM")
    hdr = {"X-Auth-Token": token}
    assert gw(gh, uri, headers=hdr)[0] == 200
    deny = new_acl(gh, "default,other_tenant", acl_type="DENY", entity="DOMAIN")
    assert bind(gh, deny["id"], [pub]).status_code == 201
    status, body = gw(gh, uri, headers=hdr)
    assert status == 403 and body["error_code"] == "APIG.0306"
    assert body["error_msg"] == "API access denied."
    # Without a credential authentication refuses first (the account is checked after it).
    assert gw(gh, uri)[1]["error_code"] == "APIG.0301"
    # The DOMAIN policy unbound, a DOMAIN_ID one admits the account by its id.
    bound = gh.get(gh.base() + f"/acl-bindings/binded-acls?api_id={api['id']}").json()["acls"]
    gh.call("DELETE", gh.base() + f"/acl-bindings/{bound[0]['bind_id']}", expect=204)
    by_id = new_acl(gh, "0" * 32, entity="DOMAIN_ID")
    assert bind(gh, by_id["id"], [pub]).status_code == 201
    assert gw(gh, uri, headers=hdr)[1]["error_code"] == "APIG.0306"
    gh.call("PUT", acls(gh) + "/" + by_id["id"],
            {"acl_name": by_id["acl_name"], "acl_type": "PERMIT", "acl_value": domain_id,
             "entity_type": "DOMAIN_ID"}, expect=200)
    assert gw(gh, uri, headers=hdr)[0] == 200
