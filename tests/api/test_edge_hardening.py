"""Hardening of the HTTP edges (docs/compatibility.md, "Request paths" and "HTTP/1 framing"):
path normalization before routing, one strict HTTP/1 parser on both listeners, hop-by-hop
fields, control characters in management input, and data files readable by the owner only.

The scenario: `/open` (prefix match) is authorized for the app, `/priv` (prefix match) is not.
Every path trick, over HTTP/1 (plain and TLS) and HTTP/2 (prior knowledge and ALPN), must either
be refused or reach the backend as a path under `/open`; the backend never sees `/priv`."""
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import time
import uuid

import pytest
import requests

from conftest import store_args
from gateway_env import EchoBackend, Gatehouse

RELEASE = "DEFAULT_ENVIRONMENT_RELEASE_ID"


@pytest.fixture(scope="module")
def env():
    backend = EchoBackend()
    try:
        # Plain-HTTP AppCodes too, so that every trick is tried on every transport; a short
        # request timeout for the 408 tests.
        gh = Gatehouse(extra_args=["--simple-auth-over-http", "--request-timeout-ms", "1500"],
                       store_args=store_args)
    except BaseException:
        backend.stop()
        raise
    try:
        g = gh.default_group()
        be = {"url_domain": backend.address}
        ns = type("Env", (), {})()
        ns.gh, ns.backend = gh, backend
        ns.open = gh.create_api(g["id"], "edge_open", "/open", match_mode="SWA",
                                backend_api={**be, "req_uri": "/open"})
        ns.priv = gh.create_api(g["id"], "edge_priv", "/priv", match_mode="SWA",
                                backend_api={**be, "req_uri": "/priv"})
        for a in (ns.open, ns.priv):
            assert gh.publish(a["id"]).status_code == 201
        ns.app = gh.create_app("edge_app")
        ns.code = gh.add_code(ns.app["id"])["app_code"]
        gh.authorize(ns.app["id"], ns.open["id"])
        yield ns
    finally:
        gh.stop()
        backend.stop()


def port_of(url):
    return int(url.rsplit(":", 1)[1])


def exchange(port, data: bytes, tls=False, timeout=10.0) -> bytes:
    """Sends `data` on a new connection and reads until the server closes it (a server that
    keeps the connection open fails the test by timing out)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["http/1.1"])
        sock = ctx.wrap_socket(sock, server_hostname="localhost")
    with sock:
        sock.sendall(data)
        out = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                break
            if not chunk:
                break
            out += chunk
    return out


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer[9:12])


def body_of(answer: bytes) -> dict:
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


# ---------------------------------------------------------------- path normalization

# (path as sent, what must happen): "priv" → 403 (the normal form is /priv, not authorized);
# "bad" → 400 refused; a string → 200 with the backend receiving exactly that path.
PATH_TRICKS = [
    ("/open/../priv", "priv"),
    ("/open/%2e%2e/priv", "priv"),
    ("/open/%2E%2E/priv", "priv"),
    ("/open/.%2e/priv", "priv"),
    ("/open/./../priv", "priv"),
    ("/open//..//priv", "priv"),
    ("//priv", "priv"),
    ("/open/sub/../../priv", "priv"),
    ("/open/..%2fpriv", "bad"),
    ("/open/..%2Fpriv", "bad"),
    ("/open/%2e%2e%2fpriv", "bad"),
    ("/open%2f..%2fpriv", "bad"),
    ("/open/..%5cpriv", "bad"),
    ("/open/..\\priv", "bad"),
    ("/open/..;/priv", "bad"),
    ("/open/../../priv", "bad"),
    ("/open/%00/x", "bad"),
    ("/open/%zz", "bad"),
    ("/open/%252e%252e/priv", "/open/%252e%252e/priv"),
    ("/open/a/./b/../c", "/open/a/c"),
    ("/open/%61%62", "/open/ab"),
    ("/open//x", "/open/x"),
]


def check_outcome(env, path, expected, status, before):
    after = env.backend.received[before:]
    assert all(r["path"].startswith("/open") for r in after), (path, after)
    if expected == "priv":
        assert status == 403, path
        assert not after, path
    elif expected == "bad":
        assert status == 400, path
        assert not after, path
    else:
        assert status == 200, path
        assert [r["path"] for r in after] == [expected], path


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("path,expected", PATH_TRICKS)
def test_path_tricks_over_http1(env, path, expected, tls):
    port = port_of(env.gh.gateway_tls if tls else env.gh.gateway)
    before = len(env.backend.received)
    req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Apig-AppCode: {env.code}\r\n"
           "Connection: close\r\n\r\n").encode()
    answer = exchange(port, req, tls=tls)
    status = status_of(answer)
    if status in (400, 403):
        code = body_of(answer)["error_code"]
        assert code == ("APIG.2000" if status == 400 else "APIG.0304"), answer
    check_outcome(env, path, expected, status, before)


CURL_SAFE = [(p, e) for p, e in PATH_TRICKS if "\\" not in p and "%00" not in p]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
@pytest.mark.parametrize("tls", [False, True], ids=["h2c", "h2"])
@pytest.mark.parametrize("path,expected", CURL_SAFE)
def test_path_tricks_over_http2(env, path, expected, tls):
    base = env.gh.gateway_tls if tls else env.gh.gateway
    proto = ["-k", "--http2"] if tls else ["--http2-prior-knowledge"]
    before = len(env.backend.received)
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--path-as-is", *proto, "-o", "/dev/null", "-w",
         "%{http_version} %{http_code}", "-H", f"X-Apig-AppCode: {env.code}", base + path],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    version, status = out.stdout.split()
    assert version == "2"
    check_outcome(env, path, expected, int(status), before)


# ---------------------------------------------------------------- one strict HTTP/1 parser

def smuggling_cases(host_path, smuggled: bytes):
    """(name, request bytes, expected status): each must get exactly one answer and a closed
    connection, and the smuggled request inside must have no effect."""
    n = len(smuggled)
    head = f"POST {host_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
    chunked_body = b"0\r\n\r\n" + smuggled
    return [
        ("CL.TE", head + f"Content-Length: {5 + n}\r\n".encode() +
         b"Transfer-Encoding: chunked\r\n\r\n" + chunked_body, 400),
        ("TE.CL", head + b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" +
         chunked_body, 400),
        ("TE xchunked", head + b"Transfer-Encoding: xchunked\r\n\r\n" + chunked_body, 501),
        ("TE identity", head + b"Transfer-Encoding: identity\r\n\r\n" + smuggled, 501),
        ("TE chunked, identity", head + b"Transfer-Encoding: chunked, identity\r\n\r\n" +
         chunked_body, 501),
        ("TE two fields", head + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity"
         b"\r\n\r\n" + chunked_body, 501),
        ("TE chunked twice", head + b"Transfer-Encoding: chunked, chunked\r\n\r\n" +
         chunked_body, 400),
        ("TE space before colon", head + b"Transfer-Encoding : chunked\r\n\r\n" + chunked_body,
         400),
        ("duplicate CL", head + b"Content-Length: 0\r\nContent-Length: 0\r\n\r\n" + smuggled,
         400),
        ("CL list", head + b"Content-Length: 0, 0\r\n\r\n" + smuggled, 400),
        ("CL sign", head + b"Content-Length: +0\r\n\r\n" + smuggled, 400),
        ("obs-fold", head + b"X-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n" + smuggled, 400),
        ("no Host", f"POST {host_path} HTTP/1.1\r\nContent-Length: 0\r\n\r\n".encode() +
         smuggled, 400),
        ("TE in HTTP/1.0", f"POST {host_path} HTTP/1.0\r\nHost: x\r\n".encode() +
         b"Transfer-Encoding: chunked\r\n\r\n" + chunked_body, 400),
    ]


def assert_single_answer(answer: bytes, expected: int, name):
    assert status_of(answer) == expected, (name, answer[:300])
    assert answer.count(b"HTTP/1.1 ") == 1, (name, answer)
    assert b"Connection: close" in answer.split(b"\r\n\r\n")[0], (name, answer)
    assert {"error_code", "error_msg"} <= set(body_of(answer)), (name, answer)


def test_smuggling_on_the_management_api(env):
    gh = env.gh
    name = "smuggled_" + uuid.uuid4().hex[:8]
    body = json.dumps({"name": name}).encode()
    smuggled = (f"POST {gh.base()}/apps HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"X-Auth-Token: {gh.token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    for case, data, expected in smuggling_cases(gh.base() + "/apps", smuggled):
        answer = exchange(port_of(gh.admin), data)
        assert_single_answer(answer, expected, case)
    apps = gh.get(gh.base() + f"/apps?name={name}").json()
    assert apps["total"] == 0, apps


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_smuggling_on_the_gateway(env, tls):
    port = port_of(env.gh.gateway_tls if tls else env.gh.gateway)
    smuggled = (f"GET /open/smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"X-Apig-AppCode: {env.code}\r\n\r\n").encode()
    before = len(env.backend.received)
    for case, data, expected in smuggling_cases("/open/front", smuggled):
        answer = exchange(port, data, tls=tls)
        assert_single_answer(answer, expected, case)
    assert not [r for r in env.backend.received[before:] if "smuggled" in r["path"]]


@pytest.mark.parametrize("listener", ["admin", "gateway"])
@pytest.mark.parametrize("size", [40_000, 100_000, 1_000_000])
def test_oversize_headers_get_an_answer(env, listener, size):
    port = port_of(getattr(env.gh, listener))
    answer = exchange(port, b"GET /open/x HTTP/1.1\r\nHost: x\r\nX-Big: " +
                      b"a" * size + b"\r\n\r\n")
    assert status_of(answer) == 494
    assert body_of(answer)["error_code"] == "APIG.0201"
    answer = exchange(port, b"GET /" + b"a" * size + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(answer) == 414


@pytest.mark.parametrize("listener", ["admin", "gateway"])
@pytest.mark.parametrize("partial", [b"POST /open/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10"
                                     b"\r\n\r\nabc", b"GET /open/x HTTP/1.1\r\nHost: x\r\n"])
def test_short_or_slow_requests_get_408_before_the_close(env, listener, partial):
    port = port_of(getattr(env.gh, listener))
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(partial)  # and nothing more: the server's request timeout is 1.5 s
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert status_of(answer) == 408, answer
    assert body_of(answer)["error_code"] == "APIG.0201"
    assert time.monotonic() - started < 9


# ---------------------------------------------------------------- hop-by-hop fields

def test_fields_named_in_connection_are_dropped_both_ways(env):
    before = len(env.backend.received)
    answer = exchange(port_of(env.gh.gateway), (
        "GET /open/hop HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Apig-AppCode: " + env.code + "\r\n"
        "Connection: close, X-Client-Hop\r\nX-Client-Hop: secret\r\nKeep-Alive: timeout=5\r\n"
        "X-End-To-End: kept\r\n\r\n").encode())
    assert status_of(answer) == 200
    seen = env.backend.received[before:][0]["headers"]
    assert "x-client-hop" not in seen and "keep-alive" not in seen and "connection" not in seen
    assert seen["x-end-to-end"] == "kept"
    head = answer.split(b"\r\n\r\n")[0].lower()
    assert b"x-backend-hop" not in head  # named in the backend's Connection field
    assert b"x-backend-kept: yes" in head


# ---------------------------------------------------------------- input hygiene

@pytest.mark.parametrize("field,value", [("name", "bad\u0000name"), ("name", "bad\u0007name"),
                                         ("remark", "nul\u0000here"), ("remark", "esc\u001b"),
                                         ("name", "line\nbreak"), ("remark", "del\u007f")])
def test_control_characters_in_management_fields_are_refused(env, field, value):
    body = {"name": "hygiene_" + uuid.uuid4().hex[:6], field: value}
    r = env.gh.call("POST", env.gh.base() + "/apps", body)
    assert r.status_code == 400, r.text
    assert r.json()["error_code"] == "APIG.2011" and field in r.json()["error_msg"]
    if field == "name":
        assert env.gh.get(env.gh.base() + "/apps?name=bad").json()["total"] == 0


def test_line_breaks_are_allowed_in_free_text(env):
    name = "hygiene_" + uuid.uuid4().hex[:6]
    r = env.gh.call("POST", env.gh.base() + "/apps", {"name": name, "remark": "two\nlines"})
    assert r.status_code == 201, r.text
    assert r.json()["remark"] == "two\nlines"


@pytest.mark.parametrize("name", ["nul\u0000user", "bell\u0007user", "tab\tuser"])
def test_iam_user_names_refuse_control_characters(env, name):
    r = requests.post(env.gh.admin + "/v3/users", timeout=10,
                      headers={"X-Auth-Token": env.gh.token},
                      json={"user": {"name": name, "password": "Pw-123456-x"}})
    assert r.status_code == 400, r.text


# ---------------------------------------------------------------- data files

def test_data_files_are_readable_by_the_owner_only(env):
    d = env.gh.dir
    names = [n for n in os.listdir(d) if n.startswith("gatehouse.db") or n.endswith(".key") or
             n.endswith(".snapshot") or n.endswith("-password")]
    if os.environ.get("GATEHOUSE_TEST_PG"):
        assert not [n for n in names if n.startswith("gatehouse.db")]
    else:
        assert {"gatehouse.db", "gatehouse.db-wal", "gatehouse.db-shm"} <= set(names), names
    assert names
    for n in names:
        mode = stat.S_IMODE(os.stat(os.path.join(d, n)).st_mode)
        assert mode == 0o600, (n, oct(mode))
