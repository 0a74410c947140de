"""End-to-end data plane: publish APIs through the management API, call them through the
gateway, and check what the backend received (docs/compatibility.md#pipeline, #g2–g9)."""
import datetime
import json
import socket
import ssl
import shutil
import subprocess
import threading
import time

import pytest
import requests

from conftest import store_args
from gateway_env import EchoBackend, Gatehouse, free_port
from hw_signer import sdk_date, sign, sign_app_request

RELEASE = "DEFAULT_ENVIRONMENT_RELEASE_ID"


@pytest.fixture(scope="module")
def env():
    backend = EchoBackend()
    try:
        gh = Gatehouse(store_args=store_args)
    except BaseException:
        backend.stop()
        raise
    try:
        yield build_scenario(gh, backend)
    finally:
        gh.stop()
        backend.stop()


def build_scenario(gh, backend):
    g = gh.default_group()
    ns = type("Env", (), {})()
    ns.gh, ns.backend, ns.group = gh, backend, g
    be = {"url_domain": backend.address}

    def api(name, uri, publish=True, **fields):
        fields.setdefault("backend_api", {})
        fields["backend_api"] = {**be, **fields["backend_api"]}
        a = gh.create_api(g["id"], name, uri, **fields)
        if publish:
            r = gh.publish(a["id"])
            assert r.status_code == 201, r.text
        return a

    ns.api_app = api("api_app", "/items/{id}", backend_api={"req_uri": "/echo/{id}"},
                     req_params=[{"name": "id", "type": "STRING", "location": "PATH",
                                  "required": 1}])
    ns.api_post = api("api_post", "/submit", req_method="POST",
                      backend_api={"req_uri": "/echo/submit", "req_method": "POST"})
    ns.api_prefix = api("api_prefix", "/files", match_mode="SWA", req_method="ANY",
                        auth_type="NONE", backend_api={"req_uri": "/store", "req_method": "ANY"})
    ns.api_exact = api("api_exact", "/files/special", auth_type="NONE",
                       backend_api={"req_uri": "/special"})
    ns.api_mock = api("api_mock", "/mock", auth_type="NONE", backend_type="MOCK",
                      mock_info={"result_content": '{"hello":"world"}'})
    ns.api_https = api("api_https", "/secure", auth_type="NONE", req_protocol="HTTPS",
                       backend_api={"req_uri": "/secure"})
    ns.api_iam = api("api_iam", "/iam", auth_type="IAM", backend_api={"req_uri": "/iam"})
    ns.api_slow = api("api_slow", "/slow", auth_type="NONE",
                      backend_api={"req_uri": "/slow", "timeout": 300})
    ns.api_down = api("api_down", "/down", auth_type="NONE",
                      backend_api={"url_domain": f"127.0.0.1:{free_port()}", "req_uri": "/x"})
    ns.api_draft = api("api_draft", "/draft", publish=False, auth_type="NONE")
    ns.api_consts = api("api_consts", "/consts", auth_type="NONE",
                        backend_api={"req_uri": "/consts"},
                        backend_params=[{"origin": "CONSTANT", "name": "X-Const",
                                         "location": "HEADER", "value": "c1"},
                                        {"origin": "SYSTEM", "name": "X-Stage-Name",
                                         "location": "HEADER", "value": "$context.stage"}])

    ns.app1 = gh.create_app("gw_app_one")
    ns.app2 = gh.create_app("gw_app_two")
    ns.code1 = gh.add_code(ns.app1["id"])["app_code"]
    ns.code2 = gh.add_code(ns.app2["id"])["app_code"]
    for a in (ns.api_app, ns.api_post):
        auth = gh.authorize(ns.app1["id"], a["id"])
        assert auth["auths"][0]["auth_result"]["status"] == "SUCCESS", auth
    return ns


def gw(env, path, tls=True, headers=None, method="GET", **kw):
    base = env.gh.gateway_tls if tls else env.gh.gateway
    return requests.request(method, base + path, headers=headers or {}, verify=False,
                            timeout=10, **kw)


def error(r):
    body = r.json()
    assert set(body) == {"error_code", "error_msg", "request_id"}
    assert body["request_id"] == r.headers["X-Request-Id"]
    return body["error_code"], body["error_msg"]


# ---------------------------------------------------------------- AppCode (simple auth)

def test_appcode_accepted_and_never_forwarded(env):
    r = gw(env, "/items/42?q=1", headers={"X-Apig-AppCode": env.code1, "X-Custom": "v"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["path"] == "/echo/42?q=1"
    assert "x-apig-appcode" not in got["headers"]
    assert got["headers"]["x-custom"] == "v"
    assert got["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert got["headers"]["x-forwarded-proto"] == "https"
    assert len(r.headers["X-Request-Id"]) == 32
    assert r.headers["X-Backend"] == "echo"


def test_appcode_unknown_missing_duplicated(env):
    r = gw(env, "/items/1", headers={"X-Apig-AppCode": "A" * 64})
    assert r.status_code == 401
    assert error(r) == ("APIG.0303", "Incorrect app authentication information: app code not found")
    r = gw(env, "/items/1")
    assert r.status_code == 401
    assert error(r)[1].endswith("authorization not found")
    s = socket.create_connection(("127.0.0.1", int(env.gh.gateway_tls.rsplit(":", 1)[1])))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with ctx.wrap_socket(s) as tls:
        tls.sendall((f"GET /items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Apig-AppCode: {env.code1}\r\n"
                     f"X-Apig-AppCode: {env.code1}\r\nConnection: close\r\n\r\n").encode())
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 401"), data[:200]
    assert b"APIG.0303" in data


def test_appcode_over_plain_http_refused_by_default(env):
    r = gw(env, "/items/1", tls=False, headers={"X-Apig-AppCode": env.code1})
    assert r.status_code == 401
    assert error(r)[1].endswith("simple authentication requires HTTPS")


def test_unauthorized_app_gets_0304(env):
    r = gw(env, "/items/1", headers={"X-Apig-AppCode": env.code2})
    assert r.status_code == 403
    assert error(r) == ("APIG.0304", "The app is not authorized to access the API.")


def test_deleted_code_and_app_stop_at_once(env):
    gh = env.gh
    app = gh.create_app("gw_app_revoke")
    code = gh.add_code(app["id"])
    gh.authorize(app["id"], env.api_app["id"])
    assert gw(env, "/items/7", headers={"X-Apig-AppCode": code["app_code"]}).status_code == 200
    gh.call("DELETE", gh.base() + f"/apps/{app['id']}/app-codes/{code['id']}", expect=204)
    r = gw(env, "/items/7", headers={"X-Apig-AppCode": code["app_code"]})  # no sleep: at once
    assert r.status_code == 401 and error(r)[0] == "APIG.0303"
    code2 = gh.add_code(app["id"])
    assert gw(env, "/items/7", headers={"X-Apig-AppCode": code2["app_code"]}).status_code == 200
    gh.call("DELETE", gh.base() + f"/apps/{app['id']}", expect=204)
    r = gw(env, "/items/7", headers={"X-Apig-AppCode": code2["app_code"]})
    assert r.status_code == 401


def test_revoked_authorization_stops_at_once_for_codes_and_signatures(env):
    gh = env.gh
    app = gh.create_app("gw_app_unauth")
    code = gh.add_code(app["id"])
    auth = gh.authorize(app["id"], env.api_app["id"])["auths"][0]
    assert gw(env, "/items/8", headers={"X-Apig-AppCode": code["app_code"]}).status_code == 200
    r = signed_call(env, "GET", "/items/8", app["app_key"], app["app_secret"])
    assert r.status_code == 200, r.text
    gh.call("DELETE", gh.base() + f"/app-auths/{auth['id']}", expect=204)
    r = gw(env, "/items/8", headers={"X-Apig-AppCode": code["app_code"]})  # no sleep: at once
    assert r.status_code == 403 and error(r)[0] == "APIG.0304"
    r = signed_call(env, "GET", "/items/8", app["app_key"], app["app_secret"])
    assert r.status_code == 403 and error(r)[0] == "APIG.0304"
    gh.authorize(app["id"], env.api_app["id"])  # and back
    assert gw(env, "/items/8", headers={"X-Apig-AppCode": code["app_code"]}).status_code == 200


# ---------------------------------------------------------------- signatures

def signed_call(env, method, path, key, secret, body=b"", headers=None, tls=True):
    base = env.gh.gateway_tls if tls else env.gh.gateway
    h = sign_app_request(method, base + path,
                         {"Content-Type": "application/json", **(headers or {})}, body, key, secret)
    return requests.request(method, base + path, headers=h, data=body, verify=False, timeout=10)


def test_signature_accepted_over_http_and_https(env):
    key, secret = env.app1["app_key"], env.app1["app_secret"]
    for tls in (True, False):
        r = signed_call(env, "POST", "/submit?b=2&a=1", key, secret, body=b'{"x":1}', tls=tls)
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["body"] == '{"x":1}'
        assert "authorization" not in got["headers"]


def test_signature_tampering_and_staleness_refused(env):
    key, secret = env.app1["app_key"], env.app1["app_secret"]
    base = env.gh.gateway_tls
    h = sign_app_request("POST", base + "/submit", {"Content-Type": "application/json"},
                         b'{"x":1}', key, secret)
    r = requests.post(base + "/submit", headers=h, data=b'{"x":2}', verify=False, timeout=10)
    assert r.status_code == 401
    code, msg = error(r)
    assert code == "APIG.0303" and "verify signature fail, canonicalRequest:POST|/submit/|" in msg
    r = requests.post(base + "/submit?extra=1", headers=h, data=b'{"x":1}', verify=False,
                      timeout=10)
    assert r.status_code == 401
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20))
    r = signed_call(env, "POST", "/submit", key, secret, body=b"{}",
                    headers={"X-Sdk-Date": sdk_date(old)})
    assert r.status_code == 401 and "signature expired" in error(r)[1]
    r = signed_call(env, "POST", "/submit", "unknownkey123", secret, body=b"{}")
    assert error(r)[1].endswith("app not found, appkey unknownkey123")
    r = signed_call(env, "POST", "/submit", key, "wrong-secret", body=b"{}")
    assert r.status_code == 401


def test_unsigned_payload_is_honoured(env):
    key, secret = env.app1["app_key"], env.app1["app_secret"]
    r = signed_call(env, "POST", "/submit", key, secret, body=b"raw bytes",
                    headers={"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD",
                             "Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text


# ---------------------------------------------------------------- routing

def test_unpublished_api_and_wrong_method(env):
    r = gw(env, "/draft")
    assert r.status_code == 404
    assert error(r) == ("APIG.0101",
                        "The API does not exist or has not been published in the environment.")
    r = gw(env, "/mock", method="DELETE")
    assert r.status_code == 404 and error(r) == ("APIG.0101", "The API does not exist.")
    r = gw(env, "/nowhere")
    assert r.status_code == 404


def test_prefix_and_exact_precedence(env):
    r = gw(env, "/files/special")
    assert r.status_code == 200 and r.json()["path"] == "/special"
    r = gw(env, "/files/a/b.txt?x=1", method="PUT", data=b"content")
    assert r.status_code == 200
    got = r.json()
    assert got["path"] == "/store/a/b.txt?x=1" and got["method"] == "PUT"
    assert got["body"] == "content"
    assert gw(env, "/filesystem").status_code == 404  # prefix stops at a segment boundary


def test_mock_backend(env):
    r = gw(env, "/mock", tls=False)
    assert r.status_code == 200 and r.json() == {"hello": "world"}


def test_protocol_check(env):
    assert gw(env, "/secure").status_code == 200
    r = gw(env, "/secure", tls=False)
    assert r.status_code == 400
    assert error(r) == ("APIG.0607", "The following protocol is supported: {HTTPS}")


def test_backend_params_constant_and_system(env):
    r = gw(env, "/consts")
    assert r.status_code == 200
    h = r.json()["headers"]
    assert h["x-const"] == "c1" and h["x-stage-name"] == "RELEASE"


def test_group_domain_host_routing(env):
    host = env.group["sl_domain"]
    r = gw(env, "/mock", tls=False, headers={"Host": host})
    assert r.status_code == 200
    r = gw(env, "/mock", tls=False, headers={"Host": "unknown.example.com"})
    assert r.status_code == 404


def test_x_stage_selects_environment_and_variables(env):
    gh = env.gh
    e = gh.call("POST", gh.base() + "/envs", {"name": "TESTENV"}, expect=201).json()
    env_id = e.get("id") or e.get("env_id")
    gh.call("POST", gh.base() + "/env-variables",
            {"group_id": env.group["id"], "env_id": env_id, "variable_name": "ver",
             "variable_value": "v2"}, expect=201)
    a = gh.create_api(env.group["id"], "api_staged", "/staged", auth_type="NONE",
                      backend_api={"url_domain": env.backend.address, "req_uri": "/#ver#/x"})
    assert gh.publish(a["id"], env_id=env_id).status_code == 201
    assert gw(env, "/staged").status_code == 404
    r = gw(env, "/staged", headers={"X-Stage": "TESTENV"})
    assert r.status_code == 200, r.text
    assert r.json()["path"] == "/v2/x"
    assert gw(env, "/staged", headers={"X-Stage": "NOPE"}).status_code == 404


# ---------------------------------------------------------------- backend failures

def test_backend_down_is_502_and_slow_is_504(env):
    r = gw(env, "/down")
    assert r.status_code == 502
    assert error(r) == ("APIG.0201", "Backend unavailable.")
    started = time.time()
    r = gw(env, "/slow?ms=2000")
    assert r.status_code == 504
    assert error(r) == ("APIG.0201", "Backend timeout.")
    assert time.time() - started < 1.9  # 300 ms timeout, one idempotent retry


# ---------------------------------------------------------------- IAM

def test_iam_auth(env):
    r = gw(env, "/iam")
    assert r.status_code == 401
    assert error(r)[0] == "APIG.0301"
    r = gw(env, "/iam", headers={"X-Auth-Token": env.gh.token})
    assert r.status_code == 200, r.text
    r = gw(env, "/iam", headers={"X-Auth-Token": env.gh.token[:-4] + "AAAA"})
    assert r.status_code == 401


# ---------------------------------------------------------------- protocol hygiene

def raw(env, data: bytes, tls=False) -> bytes:
    port = int((env.gh.gateway_tls if tls else env.gh.gateway).rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def test_keep_alive_and_pipelining_answer_in_order(env):
    req = b"GET /mock HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    last = b"GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    out = raw(env, req * 3 + last)
    assert out.count(b"HTTP/1.1 200") == 3
    assert out.rfind(b"HTTP/1.1 404") > out.rfind(b"HTTP/1.1 200")


def test_limits_and_smuggling(env):
    out = raw(env, b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 414")
    out = raw(env, b"GET /mock HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 494")
    out = raw(env, b"POST /mock HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 413")
    out = raw(env, b"POST /mock HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400")
    out = raw(env, b"NOT HTTP AT ALL\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400")
    assert gw(env, "/mock").status_code == 200  # still alive


def test_debug_headers(env):
    r = gw(env, "/files/x", headers={"X-Apig-Mode": "debug"})
    assert r.status_code == 200
    assert float(r.headers["X-Apig-Latency"]) >= 0
    assert float(r.headers["X-Apig-Upstream-Latency"]) >= 0
    assert "X-Apig-Latency" not in gw(env, "/files/x").headers


def test_iam_auth_by_aksk_signature(env):
    gh = env.gh
    r = requests.post(gh.admin + "/v3.0/OS-CREDENTIAL/credentials", timeout=10,
                      headers={"X-Auth-Token": gh.token},
                      json={"credential": {"description": "gateway test"}})
    assert r.status_code == 201, r.text
    cred = r.json()["credential"]
    host = gh.gateway_tls.split("//")[1]
    headers = sign(cred["access"], cred["secret"], gh.project, "GET", host, "/iam")
    r = requests.get(gh.gateway_tls + "/iam", headers=headers, verify=False, timeout=10)
    assert r.status_code == 200, r.text
    assert "authorization" in r.json()["headers"]  # an IAM signature is not an app credential
    headers["X-Sdk-Date"] = sdk_date(datetime.datetime(2020, 1, 1))
    r = requests.get(gh.gateway_tls + "/iam", headers=headers, verify=False, timeout=10)
    assert r.status_code == 401 and error(r)[0] == "APIG.0301"


def test_roma_instance_answers_with_apic_codes(env):
    gh = env.gh
    group = gh.default_group(roma=True)
    api = gh.create_api(group["id"], "roma_api", "/roma-only", roma=True,
                        backend_api={"url_domain": env.backend.address, "req_uri": "/roma"})
    assert gh.publish(api["id"], roma=True).status_code == 201
    app = gh.create_app("roma_gw_app", roma=True)
    code = gh.add_code(app["id"], roma=True)["app_code"]
    gh.authorize(app["id"], api["id"], roma=True)
    host = {"Host": group["sl_domain"]}
    r = gw(env, "/roma-only", headers={**host, "X-Apig-AppCode": code})
    assert r.status_code == 200, r.text
    assert r.json()["path"] == "/roma"
    r = gw(env, "/roma-only", headers={**host, "X-Apig-AppCode": "B" * 64})
    assert r.status_code == 401 and error(r)[0] == "APIC.0303"
    r = gw(env, "/roma-unknown", headers=host)
    assert r.status_code == 404 and error(r)[0] == "APIC.0101"
    # By IP the DEFAULT groups of every instance are searched, oldest instance first.
    assert gw(env, "/roma-only", headers={"X-Apig-AppCode": code}).status_code == 200


# ---------------------------------------------------------------- HTTP/1.1 framing on both sides

class RawBackend:
    """A backend that answers every request with the same raw bytes, then keeps or closes the
    connection as told: for framings the echo backend never produces (chunked, close-delimited)."""

    def __init__(self, answer: bytes, close: bool):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.answer, self.close, self.stopped = answer, close, False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn):
        conn.settimeout(5)
        buf = b""
        with conn:
            for _ in range(100):  # bounded: at most 100 requests per connection
                while b"\r\n\r\n" not in buf:
                    try:
                        chunk = conn.recv(65536)
                    except OSError:
                        return
                    if not chunk:
                        return
                    buf += chunk
                buf = buf.split(b"\r\n\r\n", 1)[1]
                conn.sendall(self.answer)
                if self.close:
                    return

    def stop(self):
        self.stopped = True
        self.sock.close()


def test_chunked_request_reaches_backend_with_a_length(env):
    body = b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
    out = raw(env, b"PUT /files/c HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n" + body)
    assert out.startswith(b"HTTP/1.1 200"), out[:200]
    seen = env.backend.last()
    assert seen["body"] == "hello world"
    assert seen["headers"]["content-length"] == "11"
    assert "transfer-encoding" not in seen["headers"]


def test_expect_continue_and_http10(env):
    port = int(env.gh.gateway.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST /files/e HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n"
                  b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
        assert s.recv(65536).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        s.sendall(b"data")
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    assert out.startswith(b"HTTP/1.1 200")
    assert env.backend.last()["body"] == "data"
    out = raw(env, b"GET /mock HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    assert out.startswith(b"HTTP/1.0 200") and b"Connection: close" in out


def test_head_gets_no_body(env):
    port = int(env.gh.gateway.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"HEAD /files/h HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                  b"GET /mock HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    head, rest = out.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200")
    assert rest.startswith(b"HTTP/1.1 200")  # the HEAD answer carried no body bytes


def test_chunked_and_close_delimited_backend_answers(env):
    chunked = RawBackend(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-B: 1\r\n\r\n"
                         b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", close=False)
    closing = RawBackend(b"HTTP/1.1 201 Created\r\nX-B: 2\r\n\r\nuntil-close", close=True)
    broken = RawBackend(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                        close=True)
    try:
        for name, b in (("raw_chunked", chunked), ("raw_close", closing), ("raw_broken", broken)):
            a = env.gh.create_api(env.group["id"], name, "/" + name, auth_type="NONE",
                                  backend_api={"url_domain": f"127.0.0.1:{b.port}",
                                               "req_uri": "/x"})
            assert env.gh.publish(a["id"]).status_code == 201
        for _ in range(3):  # the chunked backend's connection is reused
            r = gw(env, "/raw_chunked", tls=False)
            assert (r.status_code, r.content, r.headers["X-B"]) == (200, b"abcde", "1")
            assert "Transfer-Encoding" not in r.headers
            assert r.headers["Content-Length"] == "5"
        r = gw(env, "/raw_close", tls=False)
        assert (r.status_code, r.content, r.headers["X-B"]) == (201, b"until-close", "2")
        r = gw(env, "/raw_broken", tls=False)
        assert r.status_code == 502 and error(r)[0] == "APIG.0201"
    finally:
        for b in (chunked, closing, broken):
            b.stop()


# ---------------------------------------------------------------- HTTP/2

def curl(*args):
    out = subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_http2_by_alpn_and_prior_knowledge(env):
    fmt = ["-o", "/dev/null", "-w", "%{http_version} %{http_code}"]
    assert curl("-k", "--http2", *fmt, env.gh.gateway_tls + "/mock") == "2 200"
    assert curl("--http2-prior-knowledge", *fmt, env.gh.gateway + "/mock") == "2 200"
    assert curl("-k", "--http1.1", *fmt, env.gh.gateway_tls + "/mock") == "1.1 200"
    # Proxied over HTTP/2: body, AppCode authentication and the error shape are the same.
    body = curl("-k", "--http2", "-X", "POST", "--data-binary", '{"h2":true}',
                "-H", "Content-Type: application/json", "-H", f"X-Apig-AppCode: {env.code1}",
                env.gh.gateway_tls + "/submit")
    seen = env.backend.last()
    assert json.loads(body)["path"] == "/echo/submit"
    assert seen["body"] == '{"h2":true}' and seen["headers"]["content-length"] == "11"
    assert "x-apig-appcode" not in seen["headers"]
    out = curl("-k", "--http2", "-i", "-H", "X-Apig-AppCode: " + "x" * 64,
               env.gh.gateway_tls + "/submit", "-X", "POST")
    assert out.startswith("HTTP/2 401")
    assert '"error_code":"APIG.0303"' in out and "x-request-id:" in out.lower()
