#!/usr/bin/python3
"""Management-plane benchmark: AppCode create (PUT generate, durable SQLite commit) and list,
over HTTP keep-alive against a freshly started Gatehouse. Prints p50/p99 latency and ops/s, and
one machine-readable `figure <name> <value>` line per number. Baselines measured in the same run
(the machine is shared and noisy): `GET /health` over the same connection (the HTTP floor) and a
4 KiB overwrite + fdatasync in the same directory (the durability floor); ratios are printed against them.

Group commit: each round then runs --clients (32) concurrent clients, each on its own keep-alive
connection creating AppCodes (PUT generate, 5 on each of its own apps) as fast as answers come,
for `figure mgmt_creates_per_s_32_clients` against the round's 1-client rate
(`figure mgmt_creates_per_s_1_client`, the sequential creates above): `ratio
mgmt_creates_32_vs_1_client` is the median of the per-round ratios. `figure mgmt_create_p99_ms`
is the 1-client create p99 and `figure baseline_fsync_p99_ms` the durability floor beside it.

GATEHOUSE_BENCH_SERVE_ARGS="…" adds options to the `gatehouse serve` it starts (as bench/run).
Usage: bench/mgmt_bench.py [--binary build/gatehouse] [--apps 200] [--rounds 3] [--clients 32]
Each round creates up to 5 AppCodes on each of --apps apps (bounded: apps*5 creates per round),
then --clients × --apps-per-client × 5 concurrently.
"""
import argparse, http.client, json, os, shutil, signal, statistics, subprocess, sys, tempfile, \
    threading, time
import shlex
import socket

from churn import read_response

def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]

class Admin:
    def __init__(self, hostport, token=None):
        host, port = hostport.rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["X-Auth-Token"] = self.token
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None,
                          headers=headers)
        res = self.conn.getresponse()
        data = res.read()
        return res.status, res.getheader("X-Subject-Token"), (json.loads(data) if data else None)

def start(binary, data_dir):
    env = dict(os.environ, GATEHOUSE_ADMIN_PASSWORD="bench-password-1")
    proc = subprocess.Popen([binary, "serve", "--data-dir", data_dir, "--admin-listen", "127.0.0.1:0",
                             "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", "127.0.0.1:0",
                             "--max-apps-per-instance", "100000",
                             *shlex.split(os.environ.get("GATEHOUSE_BENCH_SERVE_ARGS", ""))],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # a scheduling group of its own, as a daemon
    listen = os.path.join(data_dir, "listen.json")
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gatehouse exited with {proc.returncode}")
        try:
            ports = json.load(open(listen))
            host, port = ports["admin"].rsplit(":", 1)
            c = http.client.HTTPConnection(host, int(port), timeout=2)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return proc, ports
        except (OSError, ValueError, KeyError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    proc.kill()
    sys.exit("gatehouse did not start")


def fsync_floor(data_dir, n=300):
    """Latencies of a durable 4 KiB write in the data dir, done as SQLite's WAL does it: overwrite
    inside a preallocated file, then fdatasync (what one durable commit costs at least)."""
    path = os.path.join(data_dir, "fsync-probe")
    size = 1024 * 1024
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    xs = []
    try:
        os.write(fd, bytes(size))
        os.fsync(fd)
        for i in range(n):
            t = time.perf_counter()
            os.pwrite(fd, b"x" * 4096, (i * 4096) % size)
            os.fdatasync(fd)
            xs.append(time.perf_counter() - t)
    finally:
        os.close(fd)
        os.unlink(path)
    return xs

class RawClient:
    """One keep-alive connection, requests written as bytes and answers read by Content-Length
    (churn.read_response): cheap enough that 32 of them in one Python process do not limit the
    server."""
    def __init__(self, hostport, token):
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.head = f"Host: {hostport}\r\nX-Auth-Token: {token}\r\n" \
                    "Content-Type: application/json\r\n"

    def call(self, method, path, body=None):
        payload = json.dumps(body).encode() if body is not None else b""
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\n{self.head}"
                          f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
        return read_response(self.sock)

    def close(self):
        self.sock.close()


def concurrent_creates(hostport, token, base, round_no, clients, apps_per_client):
    """`clients` threads, each with its own connection and apps: creates the apps (not timed),
    then, all released together, 5 AppCodes on each app. → (creates, seconds, statuses≠201)."""
    conns = [RawClient(hostport, token) for _ in range(clients)]
    apps = [[] for _ in range(clients)]
    bad = []
    start = threading.Barrier(clients + 1, timeout=120)
    done_at = [0.0] * clients

    def client(i):
        c = conns[i]
        for j in range(apps_per_client):
            st, app = c.call("POST", base + "/apps", {"name": f"bench_c{round_no}_{i}_{j}"})
            if st != 201:
                bad.append((st, app))
                break
            apps[i].append(app["id"])
        start.wait()
        for app_id in apps[i]:
            for _ in range(5):
                st, body = c.call("PUT", f"{base}/apps/{app_id}/app-codes")
                if st != 201:
                    bad.append((st, body))
        done_at[i] = time.perf_counter()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(300)
    for c in conns:
        c.close()
    creates = sum(len(a) for a in apps) * 5
    return creates, max(done_at) - t0, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/gatehouse")
    ap.add_argument("--apps", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--apps-per-client", type=int, default=10)
    ap.add_argument("--quick", action="store_true",
                    help="bench/run --quick: --apps 50 --apps-per-client 5")
    args = ap.parse_args()
    if args.quick:
        args.apps, args.apps_per_client = 50, 5
    data_dir = tempfile.mkdtemp(prefix="gh-bench-")
    proc, listen = start(args.binary, data_dir)
    try:
        a = Admin(listen["admin"])
        st, token, body = a.call("POST", "/v3/auth/tokens", {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "domain": {"name": "default"}, "name": "admin", "password": "bench-password-1"}}},
            "scope": {"project": {"name": "default"}}}})
        assert st == 201, st
        a.token = token
        project = body["token"]["project"]["id"]
        st, _, inst = a.call("GET", f"/v2/{project}/apigw/instances")
        base = f"/v2/{project}/apigw/instances/{inst['instances'][0]['id']}"
        creates, lists, health = [], [], []
        for _ in range(500):
            t = time.perf_counter()
            st, _, _ = a.call("GET", "/health")
            health.append(time.perf_counter() - t)
            assert st == 200, st
        fsyncs = fsync_floor(data_dir)
        rate_1, rate_n = [], []
        for r in range(args.rounds):
            apps = []
            round_creates = []
            for i in range(args.apps):
                st, _, app = a.call("POST", base + "/apps", {"name": f"bench_{r}_{i}"})
                assert st == 201, (st, app)
                apps.append(app["id"])
            for _ in range(5):
                for app_id in apps:
                    t = time.perf_counter()
                    st, _, _ = a.call("PUT", f"{base}/apps/{app_id}/app-codes")
                    round_creates.append(time.perf_counter() - t)
                    assert st == 201, st
            creates += round_creates
            rate_1.append(len(round_creates) / sum(round_creates))
            for app_id in apps:
                t = time.perf_counter()
                st, _, _ = a.call("GET", f"{base}/apps/{app_id}/app-codes")
                lists.append(time.perf_counter() - t)
                assert st == 200, st
            n, secs, bad = concurrent_creates(listen["admin"], a.token, base, r, args.clients,
                                              args.apps_per_client)
            assert not bad, bad[:3]
            rate_n.append(n / secs)
            print(f"round {r + 1}: 1 client {rate_1[-1]:.0f} creates/s, {args.clients} clients "
                  f"{rate_n[-1]:.0f} creates/s ({n} in {secs:.2f} s)")
            a = Admin(listen["admin"], a.token)  # a fresh connection: the old one may have idled
        stats = {}
        for name, xs in (("appcode_create", creates), ("appcode_list", lists),
                         ("baseline_health", health), ("baseline_fsync", fsyncs)):
            p50, p99 = percentile(xs, 50) * 1000, percentile(xs, 99) * 1000
            ops = len(xs) / sum(xs)
            stats[name] = (p50, p99)
            print(f"{name}: n={len(xs)} p50={p50:.3f} ms p99={p99:.3f} ms ops/s={ops:.0f}")
            print(f"figure {name}_p50_ms {p50:.3f}")
            print(f"figure {name}_p99_ms {p99:.3f}")
            print(f"figure {name}_ops_per_s {ops:.0f}")
        print(f"figure mgmt_create_p99_ms {stats['appcode_create'][1]:.3f}")
        print(f"figure mgmt_creates_per_s_1_client {statistics.median(rate_1):.0f}")
        print(f"figure mgmt_creates_per_s_{args.clients}_clients {statistics.median(rate_n):.0f}")
        print(f"ratio mgmt_creates_{args.clients}_vs_1_client "
              f"{statistics.median(n / o for n, o in zip(rate_n, rate_1)):.2f}")
        print(f"ratio mgmt_create_p99_vs_fsync_p99 "
              f"{stats['appcode_create'][1] / max(stats['baseline_fsync'][1], 1e-6):.2f}")
        for name in ("appcode_create", "appcode_list"):
            for base in ("baseline_health", "baseline_fsync"):
                for i, q in enumerate(("p50", "p99")):
                    ratio = stats[name][i] / max(stats[base][i], 1e-6)
                    print(f"figure {name}_{q}_over_{base} {ratio:.2f}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)

if __name__ == "__main__":
    main()
