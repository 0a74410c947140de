"""Credential churn: AppCode writes through the management API at a fixed rate, for the
churn_p99_vs_calm figure.

Each write is real and changes the gateway's snapshot: the writer goes round the churn apps,
creating an AppCode on an app (POST .../apps/{id}/app-codes, 201) and, on its next visit,
deleting it again (DELETE, 204), so at most one churned code per app exists at a time (the
per-app limit is 5). Writes are scheduled at start + i / rate (never faster, no bursts beyond
catching up) over a bounded window; only 2xx answers count as done writes.

What counts is when the writes are done, not how many the window held: a server that holds its
management writes back while the data plane is busy and catches up afterwards would otherwise
look like it took 100 writes/s under load. The writer keeps each done write's completion time;
done_between(t0, t1) counts those inside a load slice.

Where it runs: one thread, pinned to the load generators' CPU (CLIENT_CPU, with wrk), because
it is a client. The management API that serves it is part of Gatehouse, pinned to SERVER_CPU,
so the CPU the writes cost the server counts against the data plane, as it would in production.
The client side is kept cheap so that it does not itself slow wrk down (which would show up as
latency charged to the server): one keep-alive connection, requests written as bytes, answers
read by Content-Length, no HTTP library and no thread hand-offs."""
import json
import socket
import threading
import time
import urllib.parse

from benchlib import CLIENT_CPU, pin_current_thread, random_code


class CredentialChurn:
    def __init__(self, admin_url, token, base, app_ids, rate=100.0, writers=4):
        """`writers`: how many of `app_ids` take turns (each holds at most one churned code)."""
        if not app_ids:
            raise ValueError("churn needs at least one app")
        parts = urllib.parse.urlsplit(admin_url)
        self.address = (parts.hostname, parts.port)
        self.host = parts.netloc
        self.token, self.base, self.rate = token, base, rate
        self.app_ids = app_ids[:writers]
        self.thread = None

    def start(self, seconds):
        """Starts writing for `seconds` (in a background thread); join() returns the counts."""
        self.ok, self.failed, self.errors = 0, 0, []
        self.done_at = []  # time.monotonic() at which each 2xx answer arrived
        self.seconds = seconds
        self.thread = threading.Thread(target=self._write_all, daemon=True)
        self.thread.start()

    def done_between(self, t0, t1):
        """→ how many writes were answered 2xx between the time.monotonic() values t0 and t1."""
        return sum(1 for t in self.done_at if t0 <= t <= t1)

    def join(self):
        """→ {attempted, ok (2xx), failed, seconds, writes_per_s, first_error}."""
        self.thread.join(self.seconds + 60)
        attempted = self.ok + self.failed
        return {"attempted": attempted, "ok": self.ok, "failed": self.failed,
                "seconds": self.seconds, "writes_per_s": self.ok / self.seconds,
                "first_error": self.errors[0] if self.errors else None}

    def _write_all(self):
        pin_current_thread(CLIENT_CPU)
        live = {app: None for app in self.app_ids}  # app → id of its churned code, if any
        conn = None
        t0 = time.monotonic()
        end = t0 + self.seconds
        i = 0
        while True:
            # Writes that fell behind are dropped, not done late, so that a slow server shows as
            # fewer writes per second.
            at = t0 + i / self.rate
            now = time.monotonic()
            if at >= end or now >= end:
                break
            if at > now:
                time.sleep(at - now)
            app = self.app_ids[i % len(self.app_ids)]
            i += 1
            conn = conn or self._connect()
            status, body = self._write(conn, app, live)
            if status == 0:
                conn.close()
                conn = None  # reconnect on the next write
            if 200 <= status < 300:
                self.ok += 1
                self.done_at.append(time.monotonic())
            else:
                self.failed += 1
                self.errors.append(f"{status} {str(body)[:200]}")
        for app, code_id in live.items():  # outside the window, not counted
            if code_id is not None:
                conn = conn or self._connect()
                self._call(conn, "DELETE", f"{self.base}/apps/{app}/app-codes/{code_id}")
        if conn:
            conn.close()

    def _write(self, conn, app, live):
        codes = f"{self.base}/apps/{app}/app-codes"
        if live[app] is None:
            status, body = self._call(conn, "POST", codes, {"app_code": random_code()})
            if status == 201:
                live[app] = body["id"]
        else:
            status, body = self._call(conn, "DELETE", f"{codes}/{live[app]}")
            if status == 204:
                live[app] = None
        return status, body

    def _connect(self):
        conn = socket.create_connection(self.address, timeout=10)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _call(self, conn, method, path, body=None):
        """One request on the keep-alive connection → (status, parsed JSON body or None);
        (0, reason) when the connection failed."""
        payload = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
                f"X-Auth-Token: {self.token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n").encode()
        try:
            conn.sendall(head + payload)
            return read_response(conn)
        except (OSError, ValueError) as e:
            return 0, repr(e)


def read_response(conn):
    """Reads one HTTP/1.1 answer framed by Content-Length (what the management API sends) →
    (status, parsed JSON body or None). Raises ValueError on anything else."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("connection closed before the answer's head")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        elif name.strip().lower() == "transfer-encoding":
            raise ValueError("chunked answers are not expected from the management API")
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("connection closed inside the answer's body")
        rest += chunk
    return status, json.loads(rest[:length]) if length else None
