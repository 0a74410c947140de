"""Credential churn: AppCode writes through the management API at a fixed rate, for the
churn_p99_vs_calm figure.

Each write is real and changes the gateway's snapshot: writer k alternates between creating an
AppCode on its own app (POST .../apps/{id}/app-codes, 201) and deleting it again (DELETE, 204),
so at most one churned code per app exists at a time (the per-app limit is 5). Writes are
scheduled at start + i / rate (never faster, no bursts beyond catching up) over a bounded
window; only 2xx answers count as done writes.

Where it runs: the writer threads pin themselves to the load generators' CPU (CLIENT_CPU, with
wrk), because they are clients. The management API that serves them is part of Gatehouse, pinned
to SERVER_CPU, so the CPU the writes cost the server counts against the data plane, as it would
in production."""
import http.client
import json
import threading
import time
import urllib.parse

from benchlib import CLIENT_CPU, pin_current_thread, random_code


class CredentialChurn:
    def __init__(self, admin_url, token, base, app_ids, rate=100.0, writers=4):
        if not app_ids:
            raise ValueError("churn needs at least one app")
        self.host = urllib.parse.urlsplit(admin_url).netloc
        self.token, self.base, self.rate = token, base, rate
        self.app_ids = app_ids[:writers] if len(app_ids) >= writers else app_ids
        self.lock = threading.Lock()
        self.threads = []
        self.result = None

    def start(self, seconds):
        """Starts writing for `seconds` (in background threads); join() returns the counts."""
        self.next_slot, self.ok, self.failed, self.errors = 0, 0, 0, []
        self.t0 = time.monotonic()
        self.seconds = seconds
        self.threads = [threading.Thread(target=self._writer, args=(app,), daemon=True)
                        for app in self.app_ids]
        for t in self.threads:
            t.start()

    def join(self):
        """→ {attempted, ok (2xx), failed, seconds, writes_per_s, first_error}."""
        for t in self.threads:
            t.join(self.seconds + 60)
        attempted = self.ok + self.failed
        return {"attempted": attempted, "ok": self.ok, "failed": self.failed,
                "seconds": self.seconds, "writes_per_s": self.ok / self.seconds,
                "first_error": self.errors[0] if self.errors else None}

    def _take_slot(self):
        """The time of the next write, or None when the window is over (by the schedule or by
        the clock: writes that fell behind are dropped, not done late, so that a slow server
        shows as fewer writes per second)."""
        with self.lock:
            at = self.t0 + self.next_slot / self.rate
            end = self.t0 + self.seconds
            if at >= end or time.monotonic() >= end:
                return None
            self.next_slot += 1
            return at

    def _writer(self, app_id):
        pin_current_thread(CLIENT_CPU)
        conn = http.client.HTTPConnection(self.host, timeout=10)
        codes_path = f"{self.base}/apps/{app_id}/app-codes"
        live = None  # id of this writer's churned code, if any
        while (at := self._take_slot()) is not None:
            time.sleep(max(0.0, at - time.monotonic()))
            if live is None:
                status, body = self._call(conn, "POST", codes_path, {"app_code": random_code()})
                if status == 201:
                    live = body["id"]
            else:
                status, body = self._call(conn, "DELETE", f"{codes_path}/{live}")
                if status == 204:
                    live = None
            with self.lock:
                if 200 <= status < 300:
                    self.ok += 1
                else:
                    self.failed += 1
                    self.errors.append(f"{status} {str(body)[:200]}")
        if live is not None:  # outside the window, not counted
            self._call(conn, "DELETE", f"{codes_path}/{live}")
        conn.close()

    def _call(self, conn, method, path, body=None):
        headers = {"X-Auth-Token": self.token, "Content-Type": "application/json"}
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            res = conn.getresponse()
            raw = res.read()
            return res.status, json.loads(raw) if raw else None
        except (OSError, http.client.HTTPException, ValueError) as e:
            conn.close()  # http.client reconnects on the next request
            return 0, repr(e)
