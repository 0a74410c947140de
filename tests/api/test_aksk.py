"""AK/SK: credentials from POST /v3.0/OS-CREDENTIAL/credentials, requests signed in Python as
Huawei's SDK signer does (docs/compatibility.md#signature, #sdk-auth, #g8, #g11)."""
import datetime
import json
import os

import pytest
import requests

import hw_signer
from conftest import REPO, assert_apig_error, uniq


def test_python_signer_matches_reference_vectors():
    """The test-side signer reproduces every published vector (so the server is judged against
    the real algorithm, not against itself)."""
    with open(os.path.join(REPO, "tests", "data", "signing-vectors.json")) as f:
        vectors = json.load(f)["vectors"]
    for v in vectors:
        expected = v["authorization"]
        signed = expected.split("SignedHeaders=")[1].split(",")[0].split(";")
        got = hw_signer.authorization(v["key"], v["secret"], v["method"], v["target"],
                                      v["headers"], v["body"].encode(), signed=signed)
        assert got == expected, v["name"]
        # The SDK's own choice of headers (all without '_') gives the same where it applies.
        if v["name"].startswith("sdk-core"):
            assert hw_signer.authorization(v["key"], v["secret"], v["method"], v["target"],
                                           v["headers"], v["body"].encode()) == expected


@pytest.fixture(scope="module")
def keyed(admin):
    _, user = admin.new_user("apig_admin")
    r = user.post("/v3.0/OS-CREDENTIAL/credentials", {"credential": {"description": "sdk"}})
    assert r.status_code == 201
    c = r.json()["credential"]
    return user, c["access"], c["secret"]


def signed_call(user, ak, sk, method, path, body=None, date=None, project=None, mutate=None):
    data = json.dumps(body).encode() if body is not None else b""
    host = user.server.admin
    headers = hw_signer.sign(ak, sk, project or user.project_id, method, host, path, data,
                             date=date)
    if mutate:
        path, headers, data = mutate(path, headers, data)
    return requests.request(method, f"http://{host}{path}", headers=headers, data=data,
                            timeout=10)


def test_signed_calls_accepted(keyed):
    user, ak, sk = keyed
    r = signed_call(user, ak, sk, "GET", f"/v2/{user.project_id}/apigw/instances")
    assert r.status_code == 200, r.text
    assert r.json()["instances"][0]["id"] == user.apig_instance
    name = uniq("signed")
    r = signed_call(user, ak, sk, "POST", user.apig("/apps"), {"name": name})
    assert r.status_code == 201, r.text
    app = r.json()
    r = signed_call(user, ak, sk, "PUT", user.apig(f"/apps/{app['id']}/app-codes"))
    assert r.status_code == 201, r.text
    r = signed_call(user, ak, sk, "GET", user.apig(f"/apps?name={name}&precise_search=name"
                                                   "&limit=5&offset=0"))
    assert r.status_code == 200 and r.json()["total"] == 1
    r = signed_call(user, ak, sk, "GET", "/v3/projects?name=default")
    assert r.status_code == 200 and r.json()["projects"][0]["id"] == user.project_id
    r = signed_call(user, ak, sk, "GET", user.ma())
    assert r.status_code == 200


def test_tampered_requests_refused(keyed):
    user, ak, sk = keyed
    path = user.apig("/apps")

    def flip_signature(p, h, d):
        sig = h["Authorization"]
        h["Authorization"] = sig[:-1] + ("0" if sig[-1] != "0" else "1")
        return p, h, d

    def other_body(p, h, d):
        return p, h, json.dumps({"name": uniq("evil")}).encode()

    def other_path(p, h, d):
        return p + "?limit=1", h, d

    def other_signed_header(p, h, d):
        h["X-Project-Id"] = "0" * 32
        return p, h, d

    def wrong_key(p, h, d):
        h["Authorization"] = h["Authorization"].replace(ak, "A" * 20)
        return p, h, d

    def date_unsigned(p, h, d):
        h["Authorization"] = hw_signer.authorization(
            ak, sk, "POST", p, h, d, signed=["content-type", "host", "x-project-id"])
        return p, h, d

    for mutate in (flip_signature, other_body, other_path, other_signed_header, wrong_key,
                   date_unsigned):
        r = signed_call(user, ak, sk, "POST", path, {"name": uniq()}, mutate=mutate)
        assert r.status_code == 401, (mutate.__name__, r.status_code, r.text)
        assert r.json()["error_code"] == "APIGW.0301", mutate.__name__
    # The secret is not the access key.
    r = signed_call(user, ak, ak, "GET", path)
    assert r.status_code == 401


def test_stale_or_future_date_refused(keyed):
    user, ak, sk = keyed
    now = datetime.datetime.now(datetime.timezone.utc)
    for delta in (datetime.timedelta(minutes=-16), datetime.timedelta(minutes=16)):
        r = signed_call(user, ak, sk, "GET", user.apig("/apps"),
                        date=hw_signer.sdk_date(now + delta))
        assert r.status_code == 401
        assert "expired" in r.json()["error_msg"]
    r = signed_call(user, ak, sk, "GET", user.apig("/apps"),
                    date=hw_signer.sdk_date(now - datetime.timedelta(minutes=10)))
    assert r.status_code == 200
    r = signed_call(user, ak, sk, "GET", user.apig("/apps"), date="yesterday")
    assert r.status_code == 401


def test_signature_scoped_to_project(admin, keyed):
    user, ak, sk = keyed
    other = admin.new_project()
    r = signed_call(user, ak, sk, "GET", f"/v2/{other}/apigw/instances", project=other)
    assert_apig_error(r, 403, "APIG.1005")
    r = signed_call(user, ak, sk, "GET", f"/v2/{other}/apigw/instances")
    assert_apig_error(r, 403, "APIG.1005")


def test_deleted_key_and_user_stop_signing(admin):
    uid, user = admin.new_user("apig_admin")
    c = user.post("/v3.0/OS-CREDENTIAL/credentials", {"credential": {}}).json()["credential"]
    path = user.apig("/apps")
    assert signed_call(user, c["access"], c["secret"], "GET", path).status_code == 200
    assert user.delete(f"/v3.0/OS-CREDENTIAL/credentials/{c['access']}").status_code == 204
    assert signed_call(user, c["access"], c["secret"], "GET", path).status_code == 401
    c = user.post("/v3.0/OS-CREDENTIAL/credentials", {"credential": {}}).json()["credential"]
    assert signed_call(user, c["access"], c["secret"], "GET", path).status_code == 200
    assert admin.delete(f"/v3/users/{uid}").status_code == 204
    assert signed_call(user, c["access"], c["secret"], "GET", path).status_code == 401


@pytest.mark.parametrize("query", [
    "name=a%20b&precise_search=name", "name=a%2Bb", "name=%E5%BA%94%E7%94%A8", "limit=5&limit=3",
    "b=2&a=1&a=0", "flag=&offset=0", "name=x%2Fy%3D%26z", "name=~tilde-_.", "name=a+b"])
def test_signed_query_encodings(keyed, query):
    user, ak, sk = keyed
    r = signed_call(user, ak, sk, "GET", user.apig("/apps") + "?" + query)
    assert r.status_code == 200, (query, r.text)


def test_signed_path_with_encoded_segment(keyed):
    user, ak, sk = keyed
    # An encoded '/' in a segment is part of that segment: signed and routed as such.
    r = signed_call(user, ak, sk, "GET", user.apig("/apps/a%2Fb"))
    assert r.status_code == 400 and r.json()["error_code"] == "APIG.2012", r.text
