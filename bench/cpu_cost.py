"""CPU cost per request in instructions, under callgrind: a number that does not depend on the
machine's load, for instructions_per_request (AppCode proxied, 200) and
instructions_per_request_reject (unknown AppCode, 401).

Method: `gatehouse serve` runs under `valgrind --tool=callgrind --collect-atstart=yes` on a
copy of a prepared data dir. A deterministic client sends requests on one keep-alive connection
per batch: a warm-up batch of each kind, then for each kind a batch of n0 and a batch of n
requests, each batch followed by `callgrind_control --dump` (a dump holds the instructions (Ir,
all threads) executed since the previous one; its "summary:" line, or "totals:", is read).
cost = (Ir(n) - Ir(n0)) / (n - n0), so the per-batch costs (connect, accept, the first request
on a connection, the dump itself) cancel, and start-up is never counted. The sequence is
repeated `reps` times in the same process; the spread between repetitions is reported.

Background work that depends on wall time rather than on requests would differ between batches:
the change watcher is kept from polling (POLL_MS), the snapshot persister's one write after
start-up (millions of instructions) is waited for before counting starts, and what remains (the
persister's tick, ~7k instructions per second idle) is below 0.1 % of a batch.

The binary is a copy with its debug info stripped (`strip --strip-debug`: same code, same
instructions, symbols kept) because valgrind reading the DWARF of the full build takes seconds."""
import glob
import http.client
import json
import os
import re
import shutil
import subprocess
import time

from benchlib import BINARY, PASSWORD, PROCS, SERVER_CPU, multi_core

# The change watcher's period: long, so that it does not poll the store during the measurement
# (each poll costs ~100k instructions at a wall-clock rate). On SQLite it sleeps the whole
# period and SIGTERM would wait for that sleep, so the server is killed instead: only the dumps
# taken before are read.
POLL_MS = 3_600_000


def callgrind_total(path):
    """Ir of a callgrind dump: its "summary:" line (the event counter of this part), else the
    "totals:" line. They differ in the first dump after --zero, whose totals (the sum of its
    cost lines) still hold costs of call frames that were active when the counters were zeroed
    (seen: +0.8 M Ir, which made that batch look 5 % dearer)."""
    text = open(path).read()
    found = re.search(r"^summary:\s+(\d+)", text, re.M) or re.search(r"^totals:\s+(\d+)", text,
                                                                    re.M)
    if not found:
        raise RuntimeError(f"no summary or totals in {path}")
    return int(found.group(1))


def send(gateway, code, count, want):
    """`count` GETs / with X-Apig-AppCode on one keep-alive connection; raises unless every answer
    is `want` or the server closed the connection (deterministic runs need keep-alive)."""
    host, port = gateway.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    for i in range(count):
        conn.request("GET", "/", headers={"X-Apig-AppCode": code})
        res = conn.getresponse()
        res.read()
        if res.status != want:
            raise RuntimeError(f"request {i + 1}/{count}: {res.status}, expected {want}")
        if res.will_close and i + 1 < count:
            raise RuntimeError(f"the gateway closed the connection after {want} #{i + 1}")
    conn.close()


class CallgrindServer:
    """gatehouse serve under callgrind, on SERVER_CPU, gateway listener only."""

    def __init__(self, data_src, run_dir, extra_args=()):
        shutil.rmtree(run_dir, ignore_errors=True)
        data = os.path.join(run_dir, "data")
        shutil.copytree(data_src, data)
        for stale in ("listen.json", "snapshot.json"):
            if os.path.exists(os.path.join(data, stale)):
                os.unlink(os.path.join(data, stale))
        binary = os.path.join(run_dir, "gatehouse")
        subprocess.run(["strip", "--strip-debug", "-o", binary, BINARY], check=True)
        self.run_dir = run_dir
        self.out_file = os.path.join(run_dir, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=yes", "--dump-instr=no",
               f"--callgrind-out-file={self.out_file}", binary, "serve", "--data-dir", data,
               "--admin-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0",
               "--gateway-tls-listen", "127.0.0.1:0",  # not 9443: another program may hold it
               "--gateway-threads", "1", "--admin-threads", "1", "--simple-auth-over-http",
               "--change-poll-ms", str(POLL_MS), "--log-level", "warn", *extra_args]
        if multi_core():
            cmd = ["taskset", "-c", str(SERVER_CPU)] + cmd
        with open(os.path.join(run_dir, "valgrind.log"), "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         env=dict(os.environ, GATEHOUSE_ADMIN_PASSWORD=PASSWORD))
        PROCS.append(("proc", self.proc))
        listen = os.path.join(data, "listen.json")
        deadline = time.time() + 600
        while not os.path.exists(listen):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"gatehouse under callgrind did not start; see {run_dir}")
            time.sleep(0.1)
        time.sleep(0.2)
        self.gateway = json.load(open(listen))["gateway"]
        self.snapshot_file = os.path.join(data, "snapshot.json")
        self.store_is_postgres = False  # the bench runs Gatehouse on its SQLite store
        self.dumps = 0

    def wait_snapshot_written(self, timeout=120):
        """On a PostgreSQL store, waits for the persister's first write of the snapshot file (once
        after start-up), so that it is not counted. SQLite nodes write no snapshot file."""
        if not self.store_is_postgres:
            return
        deadline = time.time() + timeout
        while not os.path.exists(self.snapshot_file):
            if time.time() > deadline:
                raise RuntimeError("the snapshot file was not written under callgrind")
            time.sleep(0.1)
        time.sleep(0.5)

    def control(self, option):
        out = subprocess.run(["callgrind_control", option, str(self.proc.pid)],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0 or "OK" not in out.stdout:
            raise RuntimeError(f"callgrind_control {option}: {out.stdout} {out.stderr}")

    def zero(self):
        self.control("--zero")

    def dump(self):
        """Dumps; returns the Ir since the previous dump or zero."""
        self.control("--dump")
        self.dumps += 1
        parts = glob.glob(self.out_file + ".*")
        newest = max(parts, key=lambda p: int(p.rsplit(".", 1)[1]))
        if len(parts) != self.dumps:
            raise RuntimeError(f"expected {self.dumps} callgrind dumps, found {len(parts)}")
        return callgrind_total(newest)

    def stop(self):
        self.proc.kill()
        self.proc.wait(60)


def instructions_per_request(data_src, workdir, good, bad, n=2000, n0=200, reps=2,
                             extra_args=()):
    """→ {"proxied": [Ir per proxied request, one per rep], "reject": [...], "seconds"}.
    `data_src` is the data dir of a stopped Gatehouse in which `good` is a valid AppCode of a
    published API at GET / (whose upstream is running); `bad` is unknown."""
    started = time.time()
    server = CallgrindServer(data_src, os.path.join(workdir, "callgrind"), extra_args)
    try:
        send(server.gateway, good, n0, 200)  # warm-up: lazy initialisation, pools, caches
        send(server.gateway, bad, n0, 401)
        server.wait_snapshot_written()
        server.zero()
        cost = {"proxied": [], "reject": []}
        for _ in range(reps):
            for kind, code, want in (("proxied", good, 200), ("reject", bad, 401)):
                send(server.gateway, code, n0, want)
                small = server.dump()
                send(server.gateway, code, n, want)
                large = server.dump()
                cost[kind].append((large - small) / (n - n0))
    finally:
        server.stop()
    cost["seconds"] = time.time() - started
    return cost
