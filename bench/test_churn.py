"""The churn writer (churn.py) against a fake management API: the schedule, the create/delete
alternation per app, the counting of failures, and the answer reader.
Run: /usr/bin/python3 -m pytest -q bench/test_churn.py"""
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from churn import CredentialChurn, read_response  # noqa: E402
from dataplane_bench import print_churn  # noqa: E402


class FakeManagement(BaseHTTPRequestHandler):
    """POST …/apps/{app}/app-codes → 201 {"id"}; DELETE …/app-codes/{id} → 204 if the code is
    live. Refuses a second live code per app (409), as a limit of one would."""
    protocol_version = "HTTP/1.1"
    live, log, fail_every, hold_until = {}, [], 0, 0.0

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

    def hold(self):
        """A server that defers management writes: answers nothing before hold_until."""
        time.sleep(max(0.0, FakeManagement.hold_until - time.monotonic()))

    def do_POST(self):
        self.hold()
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
        self.hold()
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
    FakeManagement.hold_until = 0.0
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


def test_writes_count_when_they_are_answered_not_when_they_were_due(fake):
    churn = CredentialChurn(fake, "tok", "/b", ["a1", "a2"], rate=50, writers=2)
    start = time.monotonic()
    FakeManagement.hold_until = start + 0.4  # the server sits on its writes for 0.4 s
    churn.start(0.7)
    r = churn.join()
    assert r["ok"] >= 10  # the writer caught up once the server answered again
    assert churn.done_between(start, start + 0.35) == 0
    assert churn.done_between(start + 0.35, time.monotonic()) == r["ok"]


def churn_results(during_load, load_s=1.0):
    writes = {"attempted": 130, "ok": 130, "failed": 0, "seconds": 1.3, "writes_per_s": 100.0,
              "during_load": during_load, "load_s": load_s,
              "writes_per_s_during_load": during_load / load_s, "first_error": None}
    run = {"ok": True, "writes": writes, "pairs": [(1.0, 1.05), (1.0, 1.2), (1.0, 1.0)],
           "slice_s": 1}
    return {"gatehouse_churn": [run, run, run]}


def test_churn_ratio_needs_the_writes_answered_while_wrk_ran(capsys):
    print_churn(churn_results(during_load=98))
    out = capsys.readouterr().out
    assert "ratio churn_p99_vs_calm 1.050" in out
    assert "figure churn_writes_per_s_during_load 98.0" in out
    print_churn(churn_results(during_load=5))  # all 130 done, but after the load: no churn
    out = capsys.readouterr().out
    assert "ratio churn_p99_vs_calm unavailable" in out
    assert "5 of 100 writes/s were answered while wrk ran" in out


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
