"""The churn writer (churn.py) against a fake management API: the schedule, the create/delete
alternation per app, the counting of failures, and the answer reader.
Run: /usr/bin/python3 -m pytest -q bench/test_churn.py"""
import json
import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from churn import CredentialChurn, read_response  # noqa: E402


class FakeManagement(BaseHTTPRequestHandler):
    """POST …/apps/{app}/app-codes → 201 {"id"}; DELETE …/app-codes/{id} → 204 if the code is
    live. Refuses a second live code per app (409), as a limit of one would."""
    protocol_version = "HTTP/1.1"
    live, log, fail_every = {}, [], 0

    def log_message(self, *args):
        pass

    def answer(self, status, body=None):
        raw = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if raw:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        app = self.path.split("/")[-2]
        n = len(FakeManagement.log) + 1
        FakeManagement.log.append(("POST", app, self.headers.get("X-Auth-Token")))
        if FakeManagement.fail_every and n % FakeManagement.fail_every == 0:
            return self.answer(500, {"error_code": "APIG.9999", "error_msg": "boom"})
        if app in FakeManagement.live or len(body["app_code"]) < 64:
            return self.answer(409, {"error_code": "APIG.3000"})
        FakeManagement.live[app] = f"code-{n}"
        self.answer(201, {"id": FakeManagement.live[app]})

    def do_DELETE(self):
        parts = self.path.split("/")
        app, code = parts[-3], parts[-1]
        FakeManagement.log.append(("DELETE", app, self.headers.get("X-Auth-Token")))
        if FakeManagement.live.get(app) != code:
            return self.answer(404, {"error_code": "APIG.3004"})
        del FakeManagement.live[app]
        self.answer(204)


@pytest.fixture
def fake():
    FakeManagement.live, FakeManagement.log, FakeManagement.fail_every = {}, [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeManagement)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_writes_at_the_rate_alternating_per_app_and_cleans_up(fake):
    churn = CredentialChurn(fake, "tok", "/v2/p/apigw/instances/i", ["a1", "a2", "a3", "a4", "a5"],
                            rate=40, writers=4)
    churn.start(1.0)
    r = churn.join()
    assert r["failed"] == 0 and r["first_error"] is None
    assert 36 <= r["ok"] <= 40 and r["attempted"] == r["ok"]  # never faster than the schedule
    apps = {app for _, app, _ in FakeManagement.log}
    assert apps == {"a1", "a2", "a3", "a4"}  # the first `writers` apps only
    for app in apps:  # each app: POST, DELETE, POST, … (at most one live code at a time)
        methods = [m for m, a, _ in FakeManagement.log if a == app]
        assert methods == ["POST", "DELETE"] * (len(methods) // 2) + ["POST"] * (len(methods) % 2)
    assert all(tok == "tok" for _, _, tok in FakeManagement.log)
    assert FakeManagement.live == {}  # codes still live at the end were deleted


def test_failures_are_counted_with_the_first_error(fake):
    FakeManagement.fail_every = 5
    churn = CredentialChurn(fake, "tok", "/b", ["a1", "a2"], rate=50, writers=2)
    churn.start(0.5)
    r = churn.join()
    assert r["failed"] >= 3 and r["ok"] > 0
    assert r["first_error"].startswith("500 ") and "APIG.9999" in r["first_error"]


def test_read_response_frames_by_content_length():
    a, b = socket.socketpair()
    with a, b:
        b.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{\"id\"")
        threading.Timer(0.05, lambda: b.sendall(b': "x"}')).start()  # the body in two parts
        assert read_response(a) == (201, {"id": "x"})
        b.sendall(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
        assert read_response(a) == (204, None)
        b.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        with pytest.raises(ValueError):
            read_response(a)  # not what the management API sends
        b.shutdown(socket.SHUT_WR)
        with pytest.raises(ValueError):
            read_response(a)  # closed before an answer
