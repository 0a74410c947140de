#!/usr/bin/python3
"""Management-plane benchmark: AppCode create (PUT generate, durable SQLite commit) and list,
over HTTP keep-alive against a freshly started Gatehouse. Prints p50/p99 latency and ops/s, and
one machine-readable `figure <name> <value>` line per number. Baselines measured in the same run
(the machine is shared and noisy): `GET /health` over the same connection (the HTTP floor) and a
4 KiB overwrite + fdatasync in the same directory (the durability floor); ratios are printed against them.

Usage: bench/mgmt_bench.py [--binary build/gatehouse] [--apps 200] [--rounds 3]
Each round creates up to 5 AppCodes on each of --apps apps (bounded: apps*5 creates per round).
"""
import argparse, http.client, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]

class Admin:
    def __init__(self, hostport):
        host, port = hostport.rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=10)
        self.token = None

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
                             "--max-apps-per-instance", "100000"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/gatehouse")
    ap.add_argument("--apps", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
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
        for r in range(args.rounds):
            apps = []
            for i in range(args.apps):
                st, _, app = a.call("POST", base + "/apps", {"name": f"bench_{r}_{i}"})
                assert st == 201, (st, app)
                apps.append(app["id"])
            for _ in range(5):
                for app_id in apps:
                    t = time.perf_counter()
                    st, _, _ = a.call("PUT", f"{base}/apps/{app_id}/app-codes")
                    creates.append(time.perf_counter() - t)
                    assert st == 201, st
            for app_id in apps:
                t = time.perf_counter()
                st, _, _ = a.call("GET", f"{base}/apps/{app_id}/app-codes")
                lists.append(time.perf_counter() - t)
                assert st == 200, st
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
