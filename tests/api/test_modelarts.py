"""ModelArts app-auth v1 (docs/compatibility.md#modelarts, #g10; seed 004 "增加AppCode")."""
import re
import time
import urllib.parse

import pytest

from conftest import assert_modelarts_error, uniq

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
DETAIL_KEYS = {"app_codes", "app_id", "app_key", "app_name", "app_remark", "app_secret",
               "app_type", "bounded_api_count", "created_at", "project_id", "updated_at",
               "user_id"}


@pytest.fixture
def user(admin):
    return admin.new_user("apig_admin")[1]


def create(user, name=None, remark="autotest"):
    r = user.post(user.ma(), {"app_name": name or uniq("app"), "app_remark": remark,
                              "workspace_id": "0"})
    assert r.status_code == 200, r.text
    return r.json()["app"]


def check_detail(app, user):
    assert set(app) == DETAIL_KEYS
    assert HEX32.match(app["app_id"]) and HEX32.match(app["app_key"])
    assert HEX32.match(app["app_secret"])
    assert app["user_id"] == user.user_id and app["project_id"] == user.project_id
    now_ms = time.time() * 1000
    for f in ("created_at", "updated_at"):  # epoch milliseconds (Long)
        assert isinstance(app[f], int) and abs(app[f] - now_ms) < 600_000, app[f]
    assert isinstance(app["bounded_api_count"], int) and isinstance(app["app_codes"], list)


def test_create_show_list_delete(user):
    name = uniq("app")
    a = create(user, name)
    check_detail(a, user)
    assert a["app_name"] == name and a["app_remark"] == "autotest"
    assert a["app_type"] == "DEDICATE_APIG" and a["app_codes"] == []
    shown = user.get(user.ma(f"/{a['app_id']}"))
    assert shown.status_code == 200 and shown.json()["app"]["app_id"] == a["app_id"]
    listed = user.get(user.ma()).json()
    assert listed["total"] == 1 and listed["count"] == 1
    assert listed["apps"][0]["app_id"] == a["app_id"]
    r = user.delete(user.ma(f"/{a['app_id']}"))
    assert r.status_code == 200 and r.content == b""
    assert_modelarts_error(user.get(user.ma(f"/{a['app_id']}")), 404, "ModelArts.0202")


def test_seed_add_app_code(user):
    """Seed 004: POST …/app-code with {workspace_id, app_name, app_remark} → 200 {"app": …}
    whose app_codes holds the new 64-hex code."""
    a = create(user)
    r = user.post(user.ma(f"/{a['app_id']}/app-code"),
                  {"workspace_id": "0", "app_name": "app_test", "app_remark": "test"})
    assert r.status_code == 200
    app = r.json()["app"]
    check_detail(app, user)
    assert len(app["app_codes"]) == 1 and HEX64.match(app["app_codes"][0])
    assert app["app_name"] == a["app_name"]  # the body does not rename the app
    # Without a body too.
    r = user.call("POST", user.ma(f"/{a['app_id']}/app-code"))
    assert r.status_code == 200 and len(r.json()["app"]["app_codes"]) == 2


def test_reset_and_delete_code_by_value(user):
    a = create(user)
    code = user.post(user.ma(f"/{a['app_id']}/app-code"), {}).json()["app"]["app_codes"][0]
    r = user.put(user.ma(f"/{a['app_id']}/app-code/{code}"))
    assert r.status_code == 200
    codes = r.json()["app"]["app_codes"]
    assert len(codes) == 1 and codes[0] != code and HEX64.match(codes[0])
    r = user.delete(user.ma(f"/{a['app_id']}/app-code/{codes[0]}"))
    assert r.status_code == 200 and r.json()["app"]["app_codes"] == []
    r = user.delete(user.ma(f"/{a['app_id']}/app-code/{codes[0]}"))
    assert r.status_code == 404 and r.json()["error_code"].startswith("ModelArts.")


def test_code_value_with_reserved_chars_in_path(admin, user):
    """A custom code made through APIG v2 may hold '/', '+', '='; ModelArts takes it percent-
    encoded in the path."""
    a = create(user)
    value = "+/" + uniq("")[1:] + "=+/" * 20 + "ab"
    r = user.post(user.apig(f"/apps/{a['app_id']}/app-codes"), {"app_code": value})
    assert r.status_code == 201, r.text
    shown = user.get(user.ma(f"/{a['app_id']}")).json()["app"]
    assert shown["app_codes"] == [value]
    enc = urllib.parse.quote(value, safe="")
    r = user.delete(user.ma(f"/{a['app_id']}/app-code/{enc}"))
    assert r.status_code == 200 and r.json()["app"]["app_codes"] == []


def test_reset_secret(user):
    a = create(user)
    r = user.put(user.ma(f"/{a['app_id']}/app-secret"))
    assert r.status_code == 200
    s = r.json()["app"]["app_secret"]
    assert HEX32.match(s) and s != a["app_secret"]


def test_errors(admin, user):
    assert_modelarts_error(user.post(user.ma(), {"app_remark": "x"}), 400, "ModelArts.0104")
    assert_modelarts_error(user.post(user.ma(), {"app_name": "x"}), 400, "ModelArts.0104")
    assert_modelarts_error(user.post(user.ma(), {"app_name": 5}), 400, "ModelArts.0104")
    assert_modelarts_error(user.call("POST", user.ma(), data=b"{bad"), 400, "ModelArts.0104")
    missing = "0" * 32
    body = assert_modelarts_error(user.get(user.ma(f"/{missing}")), 404, "ModelArts.0202")
    assert body["error_msg"] == f"App {missing} does not exist."
    assert_modelarts_error(user.post(user.ma(f"/{missing}/app-code"), {}), 404, "ModelArts.0202")
    assert_modelarts_error(user.get(user.ma("?order=sideways")), 400, "ModelArts.0104")
    assert_modelarts_error(user.get(user.ma("?limit=x")), 400, "ModelArts.0104")
    # Only the creator manages an app (docs/compatibility.md#g10): another apig_admin of the same project.
    a = create(user)
    _, other = admin.new_user("apig_admin")
    for r in [other.get(other.ma(f"/{a['app_id']}")),
              other.post(other.ma(f"/{a['app_id']}/app-code"), {}),
              other.put(other.ma(f"/{a['app_id']}/app-secret")),
              other.delete(other.ma(f"/{a['app_id']}"))]:
        body = assert_modelarts_error(r, 403, "ModelArts.0203")
        assert body["error_msg"] == "Only the creator of the app can perform this operation."
    assert a["app_id"] not in other.get(other.ma()).text
    # Authentication failures keep the ModelArts shape (APIGW.0301, docs/compatibility.md#g10).
    r = user.get(user.ma(), token=False)
    assert r.status_code == 401 and r.json()["error_code"] == "APIGW.0301"
    r = user.get(user.ma(), token="junk")
    assert r.status_code == 401 and r.json()["error_code"] == "APIGW.0301"


def test_five_apps_per_user(user):
    for _ in range(5):
        create(user)
    assert_modelarts_error(user.post(user.ma(), {"app_name": uniq()}), 400, "ModelArts.0104")


def test_list_sorting_and_paging(user):
    names = ["ma_b_" + uniq("")[1:], "ma_a_" + uniq("")[1:], "ma_c_" + uniq("")[1:]]
    ids = [create(user, n)["app_id"] for n in names]
    desc = [a["app_id"] for a in user.get(user.ma()).json()["apps"]]
    assert desc == ids[::-1]
    asc = [a["app_id"] for a in user.get(user.ma("?order=asc")).json()["apps"]]
    assert asc == ids
    by_name = [a["app_name"] for a in user.get(user.ma("?sort_by=app_name&order=asc"))
               .json()["apps"]]
    assert by_name == sorted(names)
    page = user.get(user.ma("?offset=1&limit=1&order=asc")).json()
    assert page["total"] == 3 and page["count"] == 1 and page["apps"][0]["app_id"] == ids[1]
    f = user.get(user.ma(f"?app_name={names[2]}")).json()
    assert [a["app_id"] for a in f["apps"]] == [ids[2]]
    f = user.get(user.ma(f"?app_ids={ids[0]},{ids[2]}&order=asc")).json()
    assert [a["app_id"] for a in f["apps"]] == [ids[0], ids[2]]


def test_cross_dialect(user):
    # A ModelArts app is an APIG v2 app of the project's APIG instance, and vice versa.
    a = create(user)
    v2 = user.get(user.apig(f"/apps/{a['app_id']}"))
    assert v2.status_code == 200 and v2.json()["app_key"] == a["app_key"]
    code = user.generate_code(a["app_id"])
    assert user.get(user.ma(f"/{a['app_id']}")).json()["app"]["app_codes"] == [code["app_code"]]
    made = user.post(user.ma(f"/{a['app_id']}/app-code"), {}).json()["app"]["app_codes"]
    listed = user.get(user.apig(f"/apps/{a['app_id']}/app-codes")).json()
    assert sorted(c["app_code"] for c in listed["app_codes"]) == sorted(made)
    v2app = user.create_app()
    assert user.get(user.ma(f"/{v2app['id']}")).json()["app"]["app_name"] == v2app["name"]
    # ROMA apps are APIC apps: no AppCodes through ModelArts.
    roma = user.create_app(dialect="roma")
    assert_modelarts_error(user.post(user.ma(f"/{roma['id']}/app-code"), {}), 400,
                           "ModelArts.0104")
