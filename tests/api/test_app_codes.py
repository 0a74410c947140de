"""AppCodes under APIG v2 (docs/compatibility.md#appcode-rules, #app-errors; seed 000
"Generating an AppCode")."""
import re

import pytest

from conftest import assert_apig_error, uniq

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
NANOS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
PARAM_MSG = "Invalid parameter value,parameterName:{}. Please refer to the support documentation"
TERRAFORM_RE = re.compile(r"^[a-zA-Z0-9/+][a-zA-Z0-9+_!@#$%/=-]{63,179}$")
SEED_CODE = ("GjOD3g80AABuuFeEJpVQADBlAjBh3UzC7W+gr4VJBB5BtJ4fdVOQoSvoji3gFxUDb5pWBz9wUcw9+8/bFZ1B/"
             "4pq29wCMQC0pQWX6zTndljDEl99As1pw+WntAU9xcq+ffagoH6zDpKUvdxV6Ezj8LcCcPZN6BU=")


def test_seed_generate_example(admin):
    """Seed 000: PUT …/app-codes, no request body → 201 {app_code, app_id, id, create_time}."""
    app = admin.create_app()
    r = admin.call("PUT", admin.apig(f"/apps/{app['id']}/app-codes"))  # no body at all
    assert r.status_code == 201
    c = r.json()
    assert set(c) == {"app_code", "app_id", "id", "create_time"}
    assert all(isinstance(v, str) for v in c.values())
    assert HEX64.match(c["app_code"]) and TERRAFORM_RE.match(c["app_code"])
    assert HEX32.match(c["id"]) and c["app_id"] == app["id"]
    assert NANOS.match(c["create_time"])
    # Clients that send "{}" or other JSON get the same (the body is ignored).
    r = admin.put(admin.apig(f"/apps/{app['id']}/app-codes"), {})
    assert r.status_code == 201 and HEX64.match(r.json()["app_code"])
    r = admin.put(admin.apig(f"/apps/{app['id']}/app-codes"), {"app_code": "ignored"})
    assert r.status_code == 201 and HEX64.match(r.json()["app_code"])


def test_seed_generate_errors(admin, server):
    """Seed 000's 400/401/403/404 examples, message for message."""
    app = admin.create_app()
    path = admin.apig(f"/apps/{app['id']}/app-codes")
    assert_apig_error(admin.put(admin.apig("/apps/not%20an%20id/app-codes")), 400, "APIG.2012",
                      PARAM_MSG.format("app_id"))
    assert_apig_error(admin.put(path, token="bogus-token"), 401, "APIG.1002",
                      "Incorrect token or token resolution failed")
    _, viewer = admin.new_user("apig_viewer")
    assert_apig_error(viewer.put(path), 403, "APIG.1005", "No permissions to request this method")
    missing = "9ed8b7fe84224de681e7d7a5587e76dc"
    assert_apig_error(admin.put(admin.apig(f"/apps/{missing}/app-codes")), 404, "APIG.3004",
                      f"App {missing} does not exist")


def test_create_custom_code_seed_value(admin):
    app = admin.create_app()
    r = admin.post(admin.apig(f"/apps/{app['id']}/app-codes"), {"app_code": SEED_CODE})
    assert r.status_code == 201
    c = r.json()
    assert c["app_code"] == SEED_CODE and c["app_id"] == app["id"] and HEX32.match(c["id"])
    assert NANOS.match(c["create_time"])


@pytest.mark.parametrize("value", [
    "A" * 63, "A" * 181, "_" + "A" * 70, "=" + "A" * 70, "A" * 70 + " ", "A" * 70 + "^",
    "A" * 70 + "é", "A" * 70 + "\n"])
def test_create_custom_code_invalid(admin, value):
    app = admin.create_app()
    assert_apig_error(admin.post(admin.apig(f"/apps/{app['id']}/app-codes"), {"app_code": value}),
                      400, "APIG.2011", PARAM_MSG.format("app_code"))


@pytest.mark.parametrize("value", [
    "A" * 64, "a" * 180, "9" + "x" * 63, "+" + "A" * 63, "/" + "A" * 63,
    "Ab0+_!@#$%-/=" * 6])
def test_create_custom_code_valid_charset(admin, value):
    app = admin.create_app()
    value = value[:1] + uniq("")[1:] + value[11:]  # unique per run, same shape
    r = admin.post(admin.apig(f"/apps/{app['id']}/app-codes"), {"app_code": value})
    assert r.status_code == 201, r.text
    assert r.json()["app_code"] == value


def test_create_code_missing_or_wrong_type(admin):
    app = admin.create_app()
    path = admin.apig(f"/apps/{app['id']}/app-codes")
    assert_apig_error(admin.call("POST", path), 400, "APIG.2001",
                      "The request parameters must be specified.")
    assert_apig_error(admin.post(path, {}), 400, "APIG.2001")
    assert_apig_error(admin.post(path, {"app_code": None}), 400, "APIG.2001")
    assert_apig_error(admin.post(path, {"app_code": 12345}), 400, "APIG.2011",
                      PARAM_MSG.format("app_code"))


def test_duplicate_value_in_instance_is_2012(admin):
    a, b = admin.create_app(), admin.create_app()
    value = "Dup" + uniq("")[1:] + "x" * 64
    assert admin.post(admin.apig(f"/apps/{a['id']}/app-codes"),
                      {"app_code": value}).status_code == 201
    for app in (a, b):
        assert_apig_error(admin.post(admin.apig(f"/apps/{app['id']}/app-codes"),
                                     {"app_code": value}), 400, "APIG.2012",
                          PARAM_MSG.format("app_code"))


def test_list_show_delete(admin):
    app = admin.create_app()
    path = admin.apig(f"/apps/{app['id']}/app-codes")
    assert admin.get(path).json() == {"total": 0, "size": 0, "app_codes": []}
    made = [admin.generate_code(app["id"]) for _ in range(3)]
    body = admin.get(path).json()
    assert body["total"] == 3 and body["size"] == 3
    assert {c["id"] for c in body["app_codes"]} == {c["id"] for c in made}
    assert all(SECONDS.match(c["create_time"]) for c in body["app_codes"])
    page = admin.get(path + "?offset=1&limit=1").json()
    assert page["total"] == 3 and page["size"] == 1 and len(page["app_codes"]) == 1
    r = admin.get(f"{path}/{made[0]['id']}")
    assert r.status_code == 200  # the docs say 201; docs/compatibility.md#conventions decides 200
    shown = r.json()
    assert shown["app_code"] == made[0]["app_code"] and shown["app_id"] == app["id"]
    assert SECONDS.match(shown["create_time"])
    assert admin.delete(f"{path}/{made[0]['id']}").status_code == 204
    assert_apig_error(admin.get(f"{path}/{made[0]['id']}"), 404, "APIG.3082",
                      "The APP code does not exist")
    assert_apig_error(admin.delete(f"{path}/{made[0]['id']}"), 404, "APIG.3082")
    assert_apig_error(admin.get(f"{path}/not-an-id!"), 404, "APIG.3082")
    assert admin.get(path).json()["total"] == 2


def test_code_of_another_app_is_3082(admin):
    a, b = admin.create_app(), admin.create_app()
    code = admin.generate_code(a["id"])
    assert_apig_error(admin.get(admin.apig(f"/apps/{b['id']}/app-codes/{code['id']}")), 404,
                      "APIG.3082")
    assert_apig_error(admin.delete(admin.apig(f"/apps/{b['id']}/app-codes/{code['id']}")), 404,
                      "APIG.3082")


def test_five_codes_per_app(admin):
    app = admin.create_app()
    for _ in range(4):
        admin.generate_code(app["id"])
    admin.post(admin.apig(f"/apps/{app['id']}/app-codes"), {"app_code": "F" + uniq("")[1:] +
                                                            "f" * 64})
    msg = "The number of APP codes exceeds the maximum allowed limit"
    assert_apig_error(admin.put(admin.apig(f"/apps/{app['id']}/app-codes")), 403, "APIG.3131", msg)
    assert_apig_error(admin.post(admin.apig(f"/apps/{app['id']}/app-codes"),
                                 {"app_code": "G" * 70}), 403, "APIG.3131", msg)
    # Deleting one frees a slot.
    first = admin.get(admin.apig(f"/apps/{app['id']}/app-codes")).json()["app_codes"][0]
    admin.delete(admin.apig(f"/apps/{app['id']}/app-codes/{first['id']}"))
    admin.generate_code(app["id"])


def test_generated_codes_are_unique(admin):
    app1, app2 = admin.create_app(), admin.create_app()
    codes = {admin.generate_code(a["id"])["app_code"] for a in (app1, app2) for _ in range(5)}
    assert len(codes) == 10


def test_deleting_app_deletes_its_codes(admin):
    app = admin.create_app()
    code = admin.post(admin.apig(f"/apps/{app['id']}/app-codes"),
                      {"app_code": "Casc" + uniq("")[1:] + "c" * 64}).json()
    assert admin.delete(admin.apig(f"/apps/{app['id']}")).status_code == 204
    # The value is free again in the instance (the code went with its app, docs/compatibility.md#g7).
    other = admin.create_app()
    r = admin.post(admin.apig(f"/apps/{other['id']}/app-codes"), {"app_code": code["app_code"]})
    assert r.status_code == 201


def test_audit_trail_records_writes_without_secrets(admin):
    app = admin.create_app()
    code = admin.generate_code(app["id"])
    r = admin.get(f"/v2/{admin.project_id}/gatehouse/audit-events?limit=500")
    assert r.status_code == 200
    events = r.json()["events"]
    assert r.json()["total"] >= len(events) > 0
    actions = {(e["action"], e["target_id"]) for e in events}
    assert ("app.create", app["id"]) in actions and ("app_code.generate", code["id"]) in actions
    assert code["app_code"] not in r.text and app["app_secret"] not in r.text
