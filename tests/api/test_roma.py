"""ROMA Connect v2: instances, integration apps, and AppCodes under /apic/ 
(docs/compatibility.md#roma, #g12; seed 001 "Creating an AppCode")."""
import re

from conftest import assert_apig_error, uniq

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
NANOS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
PARAM_MSG = "Invalid parameter value,parameterName:{}. Please refer to the support documentation"
SEED_CODE = ("GjOD3g80AABuuFeEJpVQADBlAjBh3UzC7W+gr4VJBB5BtJ4fdVOQoSvoji3gFxUDb5pWBz9wUcw9+8/bFZ1B/"
             "4pq29wCMQC0pQWX6zTndljDEl99As1pw+WntAU9xcq+ffagoH6zDpKUvdxV6Ezj8LcCcPZN6BU=")


def test_roma_instances(admin):
    body = admin.get(f"/v2/{admin.project_id}/instances").json()
    assert body["total"] == 1 and body["size"] == 1
    assert body["instances"][0]["id"] == admin.roma_instance != admin.apig_instance
    r = admin.get(admin.apic())
    assert r.status_code == 200 and r.json()["id"] == admin.roma_instance


def test_integration_app_crud(admin):
    name = uniq("roma")
    r = admin.post(admin.roma("/apps"), {"name": name, "remark": "r", "key": "my.key-1@x",
                                         "secret": "S3cret+=./-x"})
    assert r.status_code == 201, r.text
    a = r.json()
    assert HEX32.match(a["id"]) and a["name"] == name and a["key"] == "my.key-1@x"
    assert a["secret"] == "S3cret+=./-x" and a["app_type"] == "roma"
    assert a["roma_app_type"] == "integration"
    assert a["created_user"]["user_id"] == admin.user_id
    listed = admin.get(admin.roma(f"/apps?name={name}")).json()
    assert listed["total"] == 1 and listed["apps"][0]["id"] == a["id"]
    assert admin.get(admin.roma(f"/apps/{a['id']}")).json()["name"] == name
    new_name = uniq("roma")
    u = admin.put(admin.roma(f"/apps/{a['id']}"), {"name": new_name, "remark": "changed"})
    assert u.status_code == 200 and u.json()["name"] == new_name and u.json()["remark"] == "changed"
    s = admin.get(admin.roma(f"/apps/{a['id']}/secret")).json()
    assert s == {"id": a["id"], "key": "my.key-1@x", "secret": "S3cret+=./-x"}
    s = admin.put(admin.roma(f"/apps/{a['id']}/secret"), {}).json()
    assert s["secret"] != "S3cret+=./-x" and HEX32.match(s["secret"])
    s = admin.put(admin.roma(f"/apps/{a['id']}/secret"), {"secret": "Other.secret1"}).json()
    assert s["secret"] == "Other.secret1"
    assert admin.delete(admin.roma(f"/apps/{a['id']}")).status_code == 204
    assert_apig_error(admin.get(admin.roma(f"/apps/{a['id']}")), 404, "APIG.3004")


def test_integration_app_errors(admin):
    assert_apig_error(admin.post(admin.roma("/apps"), {"name": "x"}), 400, "APIG.2011",
                      PARAM_MSG.format("name"))
    assert_apig_error(admin.post(admin.roma("/apps"), {"name": uniq(), "key": "bad key!"}), 400,
                      "APIG.2011", PARAM_MSG.format("key"))
    assert_apig_error(admin.post(admin.roma("/apps"), {"name": uniq(), "secret": "bad secret"}),
                      400, "APIG.2011", PARAM_MSG.format("secret"))
    name = uniq()
    admin.create_app(name=name, dialect="roma")
    assert_apig_error(admin.post(admin.roma("/apps"), {"name": name}), 400, "APIG.3203")
    # An APIG instance id under the ROMA paths, and the reverse (docs/compatibility.md#g12).
    assert_apig_error(admin.get(admin.roma("/apps", instance=admin.apig_instance)), 404,
                      "APIG.3030")
    assert_apig_error(admin.get(admin.apig("/apps", instance=admin.roma_instance)), 404,
                      "APIG.3030")


def test_seed_create_code_under_apic(admin):
    """Seed 001: POST /v2/{p}/apic/instances/{i}/apps/{a}/app-codes with the example value."""
    app = admin.create_app(dialect="roma")
    r = admin.post(admin.apic(f"/apps/{app['id']}/app-codes"), {"app_code": SEED_CODE})
    assert r.status_code == 201
    c = r.json()
    assert set(c) == {"app_code", "app_id", "id", "create_time"}
    assert c["app_code"] == SEED_CODE and c["app_id"] == app["id"] and HEX32.match(c["id"])
    assert NANOS.match(c["create_time"])
    # The seed's error examples.
    assert_apig_error(admin.post(admin.apic("/apps/bad%21id/app-codes"), {"app_code": SEED_CODE}),
                      400, "APIG.2012", PARAM_MSG.format("app_id"))
    assert_apig_error(admin.post(admin.apic(f"/apps/{app['id']}/app-codes"),
                                 {"app_code": SEED_CODE}, token="nope"),
                      401, "APIG.1002", "Incorrect token or token resolution failed")
    _, viewer = admin.new_user("apig_viewer")
    assert_apig_error(viewer.post(viewer.apic(f"/apps/{app['id']}/app-codes"),
                                  {"app_code": "Z" * 64}),
                      403, "APIG.1005", "No permissions to request this method")
    missing = "9ed8b7fe84224de681e7d7a5587e76dc"
    assert_apig_error(admin.post(admin.apic(f"/apps/{missing}/app-codes"),
                                 {"app_code": "Y" * 64}),
                      404, "APIG.3004", f"App {missing} does not exist")


def test_apic_code_operations(admin):
    app = admin.create_app(dialect="roma")
    base = admin.apic(f"/apps/{app['id']}/app-codes")
    gen = admin.put(base)
    assert gen.status_code == 201 and HEX64.match(gen.json()["app_code"])
    listed = admin.get(base).json()
    assert listed["total"] == 1 and listed["app_codes"][0]["id"] == gen.json()["id"]
    assert admin.get(f"{base}/{gen.json()['id']}").status_code == 200
    assert admin.delete(f"{base}/{gen.json()['id']}").status_code == 204
    assert_apig_error(admin.get(f"{base}/{gen.json()['id']}"), 404, "APIG.3082")
    # App listing and detail under /apic/.
    apps = admin.get(admin.apic(f"/apps?name={app['name']}&precise_search=name")).json()
    assert apps["total"] == 1 and apps["apps"][0]["id"] == app["id"]
    assert admin.get(admin.apic(f"/apps/{app['id']}")).json()["app_type"] == "roma"


def test_cross_dialect_visibility(admin):
    # An app made as a ROMA integration app, with a code made under /apic/, is seen by both.
    app = admin.create_app(dialect="roma")
    code = admin.generate_code(app["id"], dialect="apic")
    seen = admin.get(admin.apic(f"/apps/{app['id']}/app-codes")).json()["app_codes"]
    assert [c["app_code"] for c in seen] == [code["app_code"]]
    assert admin.get(admin.roma(f"/apps/{app['id']}")).json()["key"] == \
        admin.get(admin.apic(f"/apps/{app['id']}")).json()["app_key"]
    # An app made under /apic/ is a ROMA integration app too.
    app2 = admin.post(admin.apic("/apps"), {"name": uniq()}).json()
    assert admin.get(admin.roma(f"/apps/{app2['id']}")).status_code == 200
    # ModelArts sees ROMA apps as APIC apps (no AppCodes shown, docs/compatibility.md#g10).
    ma = admin.get(admin.ma(f"/{app['id']}"))
    assert ma.status_code == 200
    assert ma.json()["app"]["app_type"] == "APIC" and ma.json()["app"]["app_codes"] == []
    # Apps of one instance kind never appear under the other.
    assert_apig_error(admin.get(admin.apig(f"/apps/{app['id']}")), 404, "APIG.3004")
