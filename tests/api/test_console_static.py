"""The web console's static serving (security headers, content types, no inline code), the
`Cache-Control: no-store` of management answers that carry secrets, and the console's "try it"
call through the gateway (POST /v2/{project}/gatehouse/try-call). docs/console.md."""
import pathlib
import re

import requests

from conftest import ADMIN_PASSWORD, BINARY, HTTP_TIMEOUT, assert_apig_error, login, uniq

CONSOLE_DIR = pathlib.Path(__file__).resolve().parents[2] / "console"


def get(server, path, method="GET", **kw):
    return requests.request(method, server.url(path), timeout=HTTP_TIMEOUT,
                            allow_redirects=False, **kw)


def assert_console_headers(r):
    csp = r.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"


def test_index_and_assets_have_their_types_and_security_headers(server):
    for path, ctype in (("/console/", "text/html"), ("/console/index.html", "text/html"),
                        ("/console/js/main.js", "text/javascript"),
                        ("/console/app.css", "text/css"),
                        ("/console/favicon.svg", "image/svg+xml")):
        r = get(server, path)
        assert r.status_code == 200, (path, r.status_code)
        assert r.headers["Content-Type"].startswith(ctype), (path, r.headers["Content-Type"])
        assert_console_headers(r)
    index = get(server, "/console/").content
    assert index == (CONSOLE_DIR / "index.html").read_bytes()  # embedded as-is


def test_every_console_file_is_served_byte_for_byte(server):
    files = [p for p in CONSOLE_DIR.rglob("*") if p.is_file()]
    assert len(files) > 5
    for p in files:
        r = get(server, "/console/" + p.relative_to(CONSOLE_DIR).as_posix())
        assert r.status_code == 200, p
        assert r.content == p.read_bytes(), p


def test_console_html_has_no_inline_script_or_style():
    for p in CONSOLE_DIR.rglob("*.html"):
        html = p.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), p
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html, re.I), p


def test_redirect_unknown_file_head_and_methods(server):
    r = get(server, "/console")
    assert r.status_code == 301 and r.headers["Location"] == "/console/"
    # (requests removes literal "../" segments itself; an encoded one reaches the server.)
    for path in ("/console/nope.js", "/console/%2e%2e/README.md", "/console/%2E%2E/CMakeLists.txt",
                 "/console/js/"):
        r = get(server, path)
        assert r.status_code == 404, path
        assert_console_headers(r)
    r = get(server, "/console/", method="HEAD")
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["Content-Length"]) == len((CONSOLE_DIR / "index.html").read_bytes())
    r = get(server, "/console/", method="POST")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD"
    # With a query the path is still the console's (the fuzz target once took this for a fault).
    r = get(server, "/console?limit=5&x=%2C", method="POST")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD"
    # Console answers are not management answers: no X-Request-Id, and revalidated, not no-store.
    assert get(server, "/console/").headers["Cache-Control"] == "no-cache"


def test_secret_bearing_answers_are_not_stored(server, admin):
    app = admin.post(admin.apig("/apps"), {"name": uniq("nostore")})
    assert app.status_code == 201 and app.json()["app_secret"]
    answers = [app, admin.get(admin.apig(f"/apps/{app.json()['id']}")),
               admin.get(admin.apig("/apps")),
               admin.put(admin.apig(f"/apps/secret/{app.json()['id']}"), {}),
               admin.put(admin.apig(f"/apps/{app.json()['id']}/app-codes")),
               admin.get(admin.apig(f"/apps/{app.json()['id']}/app-codes")),
               admin.get(admin.ma()),
               admin.get(admin.apig("/apps/not-an-app")),  # errors too
               requests.post(server.url("/v3/auth/tokens"), timeout=HTTP_TIMEOUT, json={
                   "auth": {"identity": {"methods": ["password"], "password": {"user": {
                       "domain": {"name": "default"}, "name": "admin",
                       "password": ADMIN_PASSWORD}}},
                       "scope": {"project": {"name": "default"}}}})]
    for r in answers:
        assert r.headers.get("Cache-Control") == "no-store", (r.request.method, r.url, r.status_code)


def published_mock_api(admin):
    """A MOCK API with AppCode auth, published in RELEASE and authorized for a new app:
    (request path, AppCode)."""
    groups = admin.get(admin.apig("/api-groups")).json()["groups"]
    group = next(g["id"] for g in groups if g["is_default"] == 1)
    uri = f"/{uniq('try')}"
    api = admin.post(admin.apig("/apis"), {
        "group_id": group, "name": uniq("try_api"), "type": 1, "req_protocol": "BOTH",
        "req_method": "GET", "req_uri": uri, "auth_type": "APP",
        "auth_opt": {"app_code_auth_type": "HEADER"}, "backend_type": "MOCK",
        "mock_info": {"result_content": "mocked for the console"}})
    assert api.status_code == 201, api.text
    api_id = api.json()["id"]
    env = "DEFAULT_ENVIRONMENT_RELEASE_ID"
    r = admin.post(admin.apig("/apis/action"), {"action": "online", "env_id": env, "api_id": api_id})
    assert r.status_code == 201, r.text
    app = admin.create_app()
    code = admin.generate_code(app["id"])["app_code"]
    r = admin.post(admin.apig("/app-auths"), {"env_id": env, "app_ids": [app["id"]],
                                             "api_ids": [api_id]})
    assert r.status_code == 201, r.text
    return uri, code


def test_try_call_goes_through_the_gateway_with_the_app_code(server, admin):
    uri, code = published_mock_api(admin)
    try_path = f"/v2/{admin.project_id}/gatehouse/try-call"
    r = admin.post(try_path, {"method": "GET", "path": uri, "app_code": code})
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    out = r.json()
    assert out["status"] == 200 and out["body"] == "mocked for the console", out
    assert out["truncated"] is False
    # Without the AppCode the gateway refuses, and the console sees the gateway's own error.
    r = admin.post(try_path, {"method": "GET", "path": uri})
    assert r.status_code == 200
    assert r.json()["status"] == 401 and "APIG.0" in r.json()["body"]


def test_try_call_validates_its_input_and_needs_a_token(server, admin):
    try_path = f"/v2/{admin.project_id}/gatehouse/try-call"
    assert_apig_error(admin.post(try_path, {"method": "GET"}), 400, "APIG.2001")
    for body, name in (({"method": "G ET", "path": "/x"}, "method"),
                       ({"method": "GET", "path": "x"}, "path"),
                       ({"method": "GET", "path": "/x\r\nX-Evil: 1"}, "path"),
                       ({"method": "GET", "path": "/x", "app_code": "a\nb"}, "app_code"),
                       ({"method": "GET", "path": "/x", "host": "a b"}, "host")):
        r = admin.post(try_path, body)
        assert_apig_error(r, 400, "APIG.2011")
        assert name in r.json()["error_msg"], (body, r.text)
    r = requests.post(server.url(try_path), json={"method": "GET", "path": "/x"},
                      timeout=HTTP_TIMEOUT)
    assert_apig_error(r, 401, "APIG.1000")


def test_try_call_uses_plain_http_when_the_gateway_has_no_tls_listener(server_factory):
    s = server_factory(start=False)
    s.start([BINARY, "serve", "--data-dir", s.data_dir, "--admin-listen", "127.0.0.1:0",
             "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", "",
             "--simple-auth-over-http", *s.store])
    admin = login(s)
    uri, code = published_mock_api(admin)
    r = admin.post(f"/v2/{admin.project_id}/gatehouse/try-call",
                   {"method": "GET", "path": uri, "app_code": code})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == 200 and r.json()["body"] == "mocked for the console"
