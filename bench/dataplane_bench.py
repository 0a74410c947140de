"""Data-plane benchmark: Gatehouse vs nginx (map + proxy_pass), same AppCodes, same pinning.

Everything it starts binds 127.0.0.1 on free ports and is stopped at the end. wrk runs pinned to
CPU 0; the upstream, nginx and Gatehouse share CPU 1 (reference: shared/reference/bench-anchors.md).
Rounds are interleaved and medians reported, because these machines are shared and noisy."""
import argparse
import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "api"))
from hw_signer import sign_app_request  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BINARY = os.environ.get("GATEHOUSE_BINARY", os.path.join(ROOT, "build", "gatehouse"))
PASSWORD = "bench-" + secrets.token_hex(8)
CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_!@#$%-/="
PROCS = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pin(pid, cpu):
    if os.cpu_count() and os.cpu_count() > 1:
        subprocess.run(["taskset", "-apc", str(cpu), str(pid)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def wait_http(url, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def random_code():
    """A valid AppCode of 64..180 characters (letter or digit first, then base64 characters)."""
    raw = os.urandom(137)
    n = 64 + raw[0] % 117
    return CHARSET[raw[1] % 62] + base64.b64encode(raw[2:])[:n - 1].decode()


# ---------------------------------------------------------------- servers

def start_nginx(prefix, conf):
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    subprocess.run(["nginx", "-p", prefix + "/", "-c", path], check=True)
    pid = int(open(os.path.join(prefix, "tmp", "nginx.pid")).read())
    PROCS.append(("nginx", prefix, path))
    return pid


def nginx_pids(prefix):
    pid = int(open(os.path.join(prefix, "tmp", "nginx.pid")).read())
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [pid] + [int(p) for p in out.split()]


NGINX_COMMON = """worker_processes 1;
pid tmp/nginx.pid;
error_log logs/error.log warn;
events { worker_connections 4096; }
"""


def upstream_conf(port):
    return NGINX_COMMON + f"""http {{
  access_log off;
  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
  keepalive_requests 100000;
  server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok"; }} }}
}}
"""


def anchor_conf(port, upstream_port, codes):
    return NGINX_COMMON + f"""http {{
  access_log off;
  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
  keepalive_requests 100000;
  map_hash_bucket_size 512;
  map_hash_max_size {max(65536, 2 * codes)};
  map $http_x_apig_appcode $apig_app {{ default ""; include appcodes_nginx.conf; }}
  upstream backend {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port};
    default_type application/json;
    location / {{
      if ($apig_app = "") {{
        return 401 '{{"error_code":"APIG.0303","error_msg":"Incorrect app authentication information"}}';
      }}
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Apig-AppCode "";
      proxy_set_header X-Apig-App-Id $apig_app;
      proxy_pass http://backend;
    }}
  }}
}}
"""


class Gatehouse:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "gatehouse")
        os.makedirs(self.dir, exist_ok=True)
        self.log = open(os.path.join(workdir, "gatehouse.log"), "ab")
        env = dict(os.environ, GATEHOUSE_ADMIN_PASSWORD=PASSWORD)
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--data-dir", self.dir, "--admin-listen", "127.0.0.1:0",
             "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", "127.0.0.1:0",
             "--gateway-threads", "1", "--simple-auth-over-http",
             "--max-apps-per-instance", "10000000", "--log-level", "warn"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        PROCS.append(("proc", self.proc))
        listen = os.path.join(self.dir, "listen.json")
        if os.path.exists(listen):
            os.unlink(listen)  # a restart: wait for this process's ports
        deadline = time.time() + 600
        while not os.path.exists(listen):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("gatehouse did not start; see gatehouse.log")
            time.sleep(0.05)
        time.sleep(0.1)
        ports = json.load(open(listen))
        self.admin = "http://" + ports["admin"]
        self.gateway = "http://" + ports["gateway"]
        wait_http(self.admin + "/health")
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "domain": {"name": "default"}, "name": "admin", "password": PASSWORD}}},
            "scope": {"project": {"name": "default"}}}}
        r = self.request("POST", "/v3/auth/tokens", body, token=False)
        self.token = r[2]["X-Subject-Token"]
        self.project = r[1]["token"]["project"]["id"]
        self.instance = self.request("GET", f"/v2/{self.project}/apigw/instances")[1][
            "instances"][0]["id"]
        self.base = f"/v2/{self.project}/apigw/instances/{self.instance}"

    def request(self, method, path, body=None, token=True):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.admin + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("X-Auth-Token", self.token)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None, r.headers
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: {e.code} {e.read()[:300]!r}")

    def load(self, upstream_port, codes, workdir):
        """One published API (APP auth, AppCode allowed) proxied to the upstream, created through
        the management API; then apps with five AppCodes each, all authorized, loaded with
        `gatehouse import` (one JSON line per app). Returns (app key, app secret) of the first app
        and the import's duration in seconds."""
        groups = self.request("GET", self.base + "/api-groups?limit=500")[1]["groups"]
        group = next(g for g in groups if g.get("is_default") == 1)
        api = self.request("POST", self.base + "/apis", {
            "group_id": group["id"], "name": "bench_api", "type": 1, "req_protocol": "BOTH",
            "req_method": "GET", "req_uri": "/", "match_mode": "SWA", "auth_type": "APP",
            "auth_opt": {"app_code_auth_type": "HEADER"}, "backend_type": "HTTP",
            "backend_api": {"url_domain": f"127.0.0.1:{upstream_port}", "req_protocol": "HTTP",
                            "req_method": "GET", "req_uri": "/", "timeout": 5000}})[1]
        self.request("POST", self.base + "/apis/action",
                     {"action": "online", "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID",
                      "api_id": api["id"]})
        key, secret = "bench_key_" + secrets.token_hex(8), secrets.token_hex(16)
        auths = [{"api_id": api["id"], "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID"}]
        path = os.path.join(workdir, "import.jsonl")
        with open(path, "w") as f:
            for i in range(0, len(codes), 5):
                app = {"name": f"bench_app_{i // 5}", "instance_id": self.instance}
                if i == 0:
                    app.update(app_key=key, app_secret=secret)
                f.write(json.dumps({"app": app, "app_codes": codes[i:i + 5],
                                    "authorizations": auths}) + "\n")
        started = time.time()
        out = subprocess.run(
            [BINARY, "import", path, "--data-dir", self.dir, "--batch", "20000",
             "--max-apps-per-instance", str(len(codes) // 5 + 100)],
            capture_output=True, text=True, env=dict(os.environ, GATEHOUSE_ADMIN_PASSWORD=PASSWORD))
        took = time.time() - started
        if out.returncode != 0:
            raise RuntimeError(f"gatehouse import failed ({out.returncode}): {out.stderr[-2000:]}")
        print(out.stderr.strip().splitlines()[-1], flush=True)
        return key, secret, took

    def wait_code(self, code, timeout):
        """Waits until the gateway accepts `code`; returns the seconds waited."""
        started = time.time()
        while time.time() - started < timeout:
            req = urllib.request.Request(self.gateway + "/", headers={"X-Apig-AppCode": code})
            try:
                with urllib.request.urlopen(req, timeout=5):
                    return time.time() - started
            except (urllib.error.HTTPError, OSError):
                time.sleep(0.05)
        raise RuntimeError(f"the gateway did not accept the imported AppCode in {timeout} s")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# ---------------------------------------------------------------- measuring

def wrk(url, seconds, headers, script=None):
    cmd = ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency"]
    if script:  # a Lua script (scale_bench.py: requests cycling through many AppCodes)
        cmd += ["-s", script]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    if os.cpu_count() and os.cpu_count() > 1:
        cmd = ["taskset", "-c", "0"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale,
            "non2xx": int(non2xx.group(1)) if non2xx else 0}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="shorter runs (under 3 minutes)")
    ap.add_argument("--codes", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--json-out", help="write codes, appcode_rps, startup_s, rss_mb here")
    ap.add_argument("--baseline", help="a --json-out of an earlier run (e.g. 10,000 codes): "
                    "prints codes_N_vs_M, the AppCode throughput ratio (codes_1m_vs_10k)")
    args = ap.parse_args()
    seconds = args.seconds or (3 if args.quick else 5)
    work = tempfile.mkdtemp(prefix="gh-bench-")
    try:
        codes = list(dict.fromkeys(random_code() for _ in range(args.codes)))
        up_port, anchor_port = free_port(), free_port()
        up_pid = start_nginx(os.path.join(work, "upstream"), upstream_conf(up_port))
        anchor_prefix = os.path.join(work, "anchor")
        os.makedirs(anchor_prefix)
        with open(os.path.join(anchor_prefix, "appcodes_nginx.conf"), "w") as f:
            for i, c in enumerate(codes):
                f.write(f"'{c}' app-{i:06d};\n")
        start_nginx(anchor_prefix, anchor_conf(anchor_port, up_port, len(codes)))
        gh = Gatehouse(work)
        key, secret, took = gh.load(up_port, codes, work)
        print(f"figure import_s_{len(codes)}_codes {took:.1f}", flush=True)
        probe = codes[len(codes) // 2]
        gh.wait_code(codes[-1], 120)  # the running gateway picked the import up from the log
        # Restart: time until the gateway answers with every AppCode loaded from the store.
        gh.stop()
        restarted = time.time()
        gh = Gatehouse(work)
        gh.wait_code(probe, 600)
        startup = time.time() - restarted
        print(f"figure startup_s_{len(codes)}_codes {startup:.2f}", flush=True)
        idle_rss = rss_mb(gh.proc.pid)
        print(f"figure rss_mb_{len(codes)}_codes_idle {idle_rss:.1f}", flush=True)
        for pid in nginx_pids(os.path.join(work, "upstream")) + nginx_pids(anchor_prefix) + \
                [gh.proc.pid]:
            pin(pid, 1)

        bad = "Z" * 132
        gw, anchor, direct = gh.gateway, f"http://127.0.0.1:{anchor_port}", \
            f"http://127.0.0.1:{up_port}"
        signed = sign_app_request("GET", gw + "/", {}, b"", key, secret)
        runs = {
            "nginx_appcode": (anchor + "/", {"X-Apig-AppCode": probe}),
            "gatehouse_appcode": (gw + "/", {"X-Apig-AppCode": probe}),
            "nginx_reject": (anchor + "/", {"X-Apig-AppCode": bad}),
            "gatehouse_reject": (gw + "/", {"X-Apig-AppCode": bad}),
            "gatehouse_signature": (gw + "/", signed),
            "upstream_direct": (direct + "/", {}),
        }
        results = {name: [] for name in runs}
        for rnd in range(args.rounds):
            for name, (url, headers) in runs.items():
                r = wrk(url, seconds, headers)
                results[name].append(r)
                print(f"round {rnd + 1} {name:22s} {r['rps']:>10.0f} req/s  "
                      f"p99 {r['p99_ms']:.2f} ms  non-2xx {r['non2xx']}", flush=True)

        def med(name, key_):
            return statistics.median(r[key_] for r in results[name])

        print()
        for name in runs:
            print(f"figure {name}_rps {med(name, 'rps'):.0f}")
            print(f"figure {name}_p99_ms {med(name, 'p99_ms'):.3f}")
        print(f"ratio appcode_proxy_vs_nginx "
              f"{med('gatehouse_appcode', 'rps') / med('nginx_appcode', 'rps'):.3f}")
        print(f"ratio appcode_p99_vs_nginx "
              f"{med('gatehouse_appcode', 'p99_ms') / med('nginx_appcode', 'p99_ms'):.3f}")
        print(f"ratio reject_vs_nginx "
              f"{med('gatehouse_reject', 'rps') / med('nginx_reject', 'rps'):.3f}")
        print(f"ratio signature_vs_appcode "
              f"{med('gatehouse_signature', 'rps') / med('gatehouse_appcode', 'rps'):.3f}")
        rss = rss_mb(gh.proc.pid)
        print(f"figure gatehouse_rss_mb_{len(codes)}_codes {rss:.1f}")
        if len(codes) >= 1_000_000:  # below, fixed overhead dominates the extrapolation
            print(f"figure rss_mb_per_1m_codes {rss * 1e6 / len(codes):.1f}")
        summary = {"codes": len(codes), "appcode_rps": med("gatehouse_appcode", "rps"),
                   "startup_s": startup, "rss_mb": rss}
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(summary, f)
        if args.baseline:
            base = json.load(open(args.baseline))
            print(f"ratio codes_{len(codes)}_vs_{base['codes']} "
                  f"{summary['appcode_rps'] / base['appcode_rps']:.3f}")
        bad_runs = [n for n in ("gatehouse_appcode", "gatehouse_signature", "nginx_appcode")
                    if any(r["non2xx"] for r in results[n])]
        if bad_runs:
            print(f"warning: non-2xx answers in {bad_runs}; see {work}/gatehouse.log")
    finally:
        for entry in reversed(PROCS):
            if entry[0] == "nginx":
                subprocess.run(["nginx", "-p", entry[1] + "/", "-c", entry[2], "-s", "quit"],
                               stderr=subprocess.DEVNULL)
            else:
                proc = entry[1]
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
        if not os.environ.get("GATEHOUSE_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
