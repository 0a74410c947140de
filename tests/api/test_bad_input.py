"""Bad input: every malformed request gets a documented 4xx JSON error in the dialect of its path
(APIG, Keystone under /v3, ModelArts under /v1/…/app-auth) — never a 500, a hang or a crash."""
import json
import re
import socket

import pytest

from conftest import assert_apig_error, assert_keystone_error, assert_modelarts_error, uniq


def raw(server, payload, timeout=10.0):
    """Sends raw bytes to the admin port; returns (status, headers, body bytes) of the answer."""
    host, port = server.admin.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        try:  # the server may answer (413, 414 …) and stop reading before all is sent
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    if "content-length" in headers:
        body = body[:int(headers["content-length"])]
    return status, headers, body


def raw_json(server, payload):
    status, headers, body = raw(server, payload)
    assert 400 <= status < 500, (status, body)
    assert headers.get("content-type", "").startswith("application/json"), headers
    return status, json.loads(body)


def request_bytes(method, target, body=b"", headers=None, host="x"):
    h = {"Host": host, "Content-Type": "application/json", "Content-Length": str(len(body))}
    h.update(headers or {})
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items())
    return head.encode("latin-1") + b"\r\n" + body


@pytest.fixture(autouse=True)
def still_alive(server):
    yield
    assert server.alive(), "the server died:\n" + server.log()[-3000:]


MALFORMED = [b"{", b'{"name": "abc"', b'{"name": }', b"[1,2", b"nul", b'{"a":1}}', b"\xff\xfe",
             b'{"name": "ab\xff\xfecd"}', b'{"name": "\xc0\xaf_app"}', b'{"name": "\xed\xa0\x80"}',
             b'{"name": "x\x00y"}', b"{" * 100 + b"}" * 100]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_json_apig(admin, body):
    r = admin.call("POST", admin.apig("/apps"), data=body)
    assert r.status_code == 400, r.text
    assert r.json()["error_code"] in ("APIG.2000", "APIG.2011"), r.text


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_json_keystone(admin, body):
    r = admin.call("POST", "/v3/auth/tokens", data=body, token=False)
    assert_keystone_error(r, 400)
    r = admin.call("POST", "/v3/users", data=body)
    assert_keystone_error(r, 400)


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_json_modelarts(admin, body):
    r = admin.call("POST", admin.ma(), data=body)
    assert_modelarts_error(r, 400, "ModelArts.0104")


def test_wrong_types_and_shapes(admin):
    app = admin.create_app()
    for body in ([], "x", 5, None, True, {"name": {"a": 1}}, {"name": ["abc"]}, {"name": 1.5}):
        r = admin.call("POST", admin.apig("/apps"), data=json.dumps(body).encode())
        assert r.status_code == 400 and r.json()["error_code"] in (
            "APIG.2000", "APIG.2001", "APIG.2011"), (body, r.text)
    for body in ({"app_code": ["x"]}, {"app_code": {"v": 1}}, {"app_code": True}):
        assert_apig_error(admin.post(admin.apig(f"/apps/{app['id']}/app-codes"), body), 400,
                          "APIG.2011")
    assert_apig_error(admin.put(admin.apig(f"/apps/secret/{app['id']}"), {"app_secret": 5}), 400,
                      "APIG.2011")
    assert_apig_error(admin.put(admin.apig(f"/apps/secret/{app['id']}"), data=b"[]"), 400,
                      "APIG.2000")
    assert_keystone_error(admin.post("/v3/users", {"user": "bob"}), 400)
    assert_keystone_error(admin.post("/v3/projects", {"project": {"name": 5}}), 400)
    assert_keystone_error(admin.post("/v3.0/OS-CREDENTIAL/credentials", {"credential": 1}), 400)


def test_missing_bodies(admin):
    app = admin.create_app()
    for path in (admin.apig("/apps"), admin.apig(f"/apps/{app['id']}/app-codes"),
                 admin.roma("/apps")):
        assert_apig_error(admin.call("POST", path), 400, "APIG.2001")
        assert_apig_error(admin.call("POST", path, data=b"   \r\n"), 400, "APIG.2001")
    assert_apig_error(admin.call("PUT", admin.apig(f"/apps/{app['id']}")), 400, "APIG.2001")
    assert_keystone_error(admin.call("POST", "/v3/auth/tokens", token=False), 400)
    assert_modelarts_error(admin.call("POST", admin.ma()), 400, "ModelArts.0104")


def test_unknown_fields_are_ignored(admin):
    name = uniq()
    r = admin.post(admin.apig("/apps"), {"name": name, "color": "blue", "id": "f" * 32,
                                         "nested": {"x": [1, 2]}, "status": 7})
    assert r.status_code == 201 and r.json()["name"] == name
    assert r.json()["id"] != "f" * 32 and r.json()["status"] == 1


def test_odd_unicode(admin):
    assert_apig_error(admin.post(admin.apig("/apps"), {"name": "应" * 65}), 400, "APIG.2011")
    assert_apig_error(admin.post(admin.apig("/apps"), {"name": "app_\U0001F600"}), 400,
                      "APIG.2011")
    assert_apig_error(admin.post(admin.apig("/apps"), {"name": "app\u200bname"}), 400,
                      "APIG.2011")
    assert_apig_error(admin.post(admin.apig("/apps"), {"name": uniq(), "remark": "é" * 256}),
                      400, "APIG.2011")
    r = admin.post(admin.apig("/apps"), {"name": uniq(), "remark": "é" * 255})  # chars, not bytes
    assert r.status_code == 201 and r.json()["remark"] == "é" * 255
    r = admin.post(admin.apig("/apps"), {"name": uniq(), "remark": "\U0001F600 \u202e rtl"})
    assert r.status_code == 201 and r.json()["remark"] == "\U0001F600 \u202e rtl"
    # Escaped lone surrogates are not valid Unicode.
    r = admin.call("POST", admin.apig("/apps"), data=b'{"name": "ab\\ud800cd"}')
    assert r.status_code == 400


def test_ids_in_paths(admin):
    app = admin.create_app()
    # (A bare ".." is normalised away by the client library; the raw-socket test sends it.)
    for bad in ["%2E%2E", "a%2Fb", "%00", "a%00b", "x" * 300, "%FF%FE", "%E4%B8%80",
                "null", "-", "%20"]:
        r = admin.get(admin.apig(f"/apps/{bad}"))
        assert r.status_code in (400, 404), (bad, r.status_code, r.text)
        assert r.json()["error_code"] in ("APIG.2012", "APIG.3004"), (bad, r.text)
        r = admin.put(admin.apig(f"/apps/{app['id']}/app-codes/{bad}"))
        assert r.status_code in (400, 404, 405), (bad, r.text)
        r = admin.get(admin.apig(f"/apps/{app['id']}/app-codes/{bad}"))
        assert_apig_error(r, 404, "APIG.3082")
        r = admin.get(admin.ma(f"/{bad}"))
        assert r.status_code in (400, 404) and r.json()["error_code"].startswith("ModelArts.")
    r = admin.get(f"/v2/{admin.project_id}/apigw/instances/%2E%2E/apps")
    assert_apig_error(r, 404, "APIG.3030")
    assert_keystone_error(admin.get("/v3/users/..%2F..%2Fetc"), 404)


def test_path_tricks_over_raw_socket(server, admin):
    token = admin.token
    p = admin.project_id
    for target in [f"/v2/{p}/apigw/instances/../../../v3/users",
                   f"/v2/{p}/apigw/instances/{admin.apig_instance}/apps/../apps",
                   f"/v2/{p}/apigw/instances/{admin.apig_instance}/apps/%2e%2e",
                   f"/v2/{p}/apigw/instances/{admin.apig_instance}/apps/a%2Fb/app-codes",
                   "/v2/..%2F..%2Fetc%2Fpasswd", "/%00", "//v2//x", "/v2/%", "/v2/%zz",
                   "/v3/../v2/x", "/v1/x/app-auth/apps/%00"]:
        status, body = raw_json(server, request_bytes("GET", target, headers={
            "X-Auth-Token": token}))
        assert status in (400, 403, 404, 405), (target, status, body)
        err = body.get("error")
        assert (isinstance(err, dict) and err["code"] == status) or body["error_code"], body


def test_unknown_routes_and_methods(admin):
    assert_apig_error(admin.get("/v2/nothing/here"), 404, "APIG.3000")
    r = admin.call("PATCH", admin.apig("/apps"))
    assert r.status_code == 405 and r.json()["error_code"].startswith("APIG.")
    assert_keystone_error(admin.get("/v3/nowhere"), 404)
    assert_keystone_error(admin.call("PATCH", "/v3/auth/tokens"), 405)
    r = admin.call("PATCH", admin.ma())
    assert r.status_code == 405 and r.json()["error_code"].startswith("ModelArts.")


def test_huge_body_is_413(server, admin):
    big = b'{"name": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    for path in (admin.apig("/apps"), "/v3/auth/tokens", admin.ma()):
        status, body = raw_json(server, request_bytes("POST", path, big, headers={
            "X-Auth-Token": admin.token}))
        assert status == 413, (path, status, body)
        if path.startswith("/v3"):
            assert body["error"]["code"] == 413, body
        elif "/app-auth/" in path:
            assert body["error_code"].startswith("ModelArts."), body
        else:
            assert body["error_code"].startswith("APIG."), body
    # Just under the limit is parsed normally (and refused for its content).
    r = admin.post(admin.apig("/apps"), {"name": "a" * (1000 * 1000)})
    assert_apig_error(r, 400, "APIG.2011")


def test_protocol_garbage(server):
    cases = [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS ClientHello
        b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
        b"\r\nabcdef",
        b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
        b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40000 + b"\r\n\r\n",
    ]
    for payload in cases:
        status, headers, body = raw(server, payload)
        assert 400 <= status < 500, (payload[:60], status, body)
        doc = json.loads(body)
        assert "error_code" in doc or "error" in doc, doc
        assert server.alive()


def test_truncated_request_does_not_hang_the_server(server, admin):
    # A client that sends half a request and goes away: the server keeps serving others.
    host, port = server.admin.rsplit(":", 1)
    socks = []
    for _ in range(5):
        s = socket.create_connection((host, int(port)), timeout=5)
        s.sendall(b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        socks.append(s)
    assert admin.get(admin.apig("/apps?limit=1")).status_code == 200
    for s in socks:
        s.close()
    status, _, _ = raw(server, b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\n"
                               b"Content-Length: 100\r\n\r\n{\"auth\":")
    assert status == 400


def test_pipelined_requests_answered_in_order(server):
    payload = (b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    host, port = server.admin.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(payload)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    statuses = [int(m) for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]
    assert statuses == [200, 404, 200]


def test_chunked_body_is_accepted(server, admin):
    body = json.dumps({"name": uniq("chunked")}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7])
                      for i in range(0, len(body), 7)) + b"0\r\n\r\n"
    head = (f"POST {admin.apig('/apps')} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"X-Auth-Token: {admin.token}\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n").encode()
    status, _, resp = raw(server, head + chunks)
    assert status == 201, resp
    assert json.loads(resp)["name"] == json.loads(body)["name"]
