"""Helpers shared by the benchmarks: pinning, nginx anchors, a Gatehouse under test, and the load
generators (wrk for HTTP/1.1 and HTTPS, h2load for HTTP/2) with parsers that refuse to report a
number for a run that had errors.

CPU layout (docs/benchmarks.md#the-nginx-anchor): load generators run on CPU 0
(CLIENT_CPU), every server under test and the upstream on CPU 1 (SERVER_CPU). Everything binds
127.0.0.1 on free ports; whatever is started is registered in PROCS and stopped by stop_all()."""
import base64
import itertools
import json
import os
import re
import resource
import secrets
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BINARY = os.environ.get("GATEHOUSE_BINARY", os.path.join(ROOT, "build", "gatehouse"))
PASSWORD = "bench-" + secrets.token_hex(8)
CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_!@#$%-/="
CLIENT_CPU, SERVER_CPU = 0, 1
PROCS = []  # ("nginx", prefix, conf) or ("proc", Popen), stopped in reverse order by stop_all()


def multi_core():
    return bool(os.cpu_count() and os.cpu_count() > 1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pin(pid, cpu):
    """Pins every thread of `pid` (threads created later inherit it)."""
    if multi_core():
        subprocess.run(["taskset", "-apc", str(cpu), str(pid)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def on_client_cpu(cmd):
    """`cmd` prefixed so that it runs on the load generators' CPU."""
    return (["taskset", "-c", str(CLIENT_CPU)] + cmd) if multi_core() else cmd


def pin_current_thread(cpu):
    """Pins the calling Python thread only (Linux: pid 0 is the calling thread)."""
    if multi_core():
        os.sched_setaffinity(0, {cpu})


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


def typical_code(codes, length=122):
    """The first of `codes` whose length is nearest `length` (the middle of random_code's 64..180).
    The AppCode that the fixed-code runs send: its digest costs one SHA-256 block per 64 bytes,
    so a probe drawn at random moved instructions_per_request by ~2,000 between runs."""
    return min(codes, key=lambda c: abs(len(c) - length))


def cpu_ns(pids):
    """CPU time (user and kernel, nanoseconds) used so far by every thread of `pids`, from
    /proc/PID/task/TID/schedstat (exact, unlike the 10 ms ticks of /proc/PID/stat). Threads that
    ended are not counted: take it around a run of long-lived servers."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except FileNotFoundError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
                pass
    return total


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def make_cert(directory):
    """A self-signed ECDSA P-256 certificate for 127.0.0.1/localhost; returns (cert, key) paths.
    Gatehouse and the nginx anchor are given the same pair."""
    cert, key = os.path.join(directory, "bench-cert.pem"), os.path.join(directory, "bench-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


# ---------------------------------------------------------------- nginx

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

NGINX_HTTP_COMMON = """  access_log off;
  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
  keepalive_requests 100000;
"""


def upstream_conf(port):
    return NGINX_COMMON + f"""http {{
{NGINX_HTTP_COMMON}  server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok"; }} }}
}}
"""


def anchor_conf(port, upstream_port, codes, tls_port=None, cert=None, key=None):
    """The AppCode anchor (map + proxy_pass; docs/benchmarks.md#the-nginx-anchor). With tls_port it also
    listens there with `ssl http2` (ALPN picks h2 or HTTP/1.1, like Gatehouse's one TLS port);
    keepalive_requests also bounds requests per HTTP/2 connection in nginx 1.22."""
    tls = ""
    if tls_port:
        tls = (f"    listen 127.0.0.1:{tls_port} ssl http2;\n"
               f"    ssl_certificate {cert};\n    ssl_certificate_key {key};\n"
               # 1.22's default lacks TLSv1.3, which Gatehouse (OpenSSL 3 defaults) negotiates.
               "    ssl_protocols TLSv1.2 TLSv1.3;\n")
    return NGINX_COMMON + f"""http {{
{NGINX_HTTP_COMMON}  map_hash_bucket_size 512;
  map_hash_max_size {max(65536, 2 * codes)};
  map $http_x_apig_appcode $apig_app {{ default ""; include appcodes_nginx.conf; }}
  upstream backend {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port};
{tls}    default_type application/json;
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


def limit_conf(port, upstream_port):
    """The throttling anchor (throttle_reject_vs_nginx): nginx `limit_req` keyed by the AppCode
    header, one request per minute and no burst, refused with 429; what passes is proxied."""
    return NGINX_COMMON + f"""http {{
{NGINX_HTTP_COMMON}  limit_req_zone $http_x_apig_appcode zone=appcodes:10m rate=1r/m;
  upstream backend {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port};
    default_type application/json;
    location / {{
      limit_req zone=appcodes;
      limit_req_status 429;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://backend;
    }}
  }}
}}
"""


# ---------------------------------------------------------------- Gatehouse

class Gatehouse:
    """`gatehouse serve` on free ports (HTTP and HTTPS gateway listeners, one gateway thread),
    logged in as the bootstrap admin of the default project."""

    def __init__(self, workdir, cert=None, key=None, extra_args=()):
        self.dir = os.path.join(workdir, "gatehouse")
        os.makedirs(self.dir, exist_ok=True)
        self.log = open(os.path.join(workdir, "gatehouse.log"), "ab")
        env = dict(os.environ, GATEHOUSE_ADMIN_PASSWORD=PASSWORD)
        cmd = [BINARY, "serve", "--data-dir", self.dir, "--admin-listen", "127.0.0.1:0",
               "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", "127.0.0.1:0",
               "--gateway-threads", "1", "--simple-auth-over-http",
               "--max-apps-per-instance", "10000000", "--log-level", "warn"]
        if cert:
            cmd += ["--tls-cert", cert, "--tls-key", key]
        # Extra `serve` options for every Gatehouse the benches start (e.g. a feature switch).
        cmd += shlex.split(os.environ.get("GATEHOUSE_BENCH_SERVE_ARGS", ""))
        # A session of its own, as the nginx daemons have (they setsid): with the kernel's
        # autogroup scheduling each session is one CPU-share group, so on a shared machine
        # Gatehouse must not share its group with the bench's own processes.
        self.proc = subprocess.Popen(cmd + list(extra_args), stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
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
        self.gateway_tls = "https://" + ports["gateway_tls"] if ports.get("gateway_tls") else None
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

    def load(self, upstream_port, codes, workdir, extra_apps=0, count=None, stop_first=False):
        """One published API (APP auth, AppCode allowed) proxied to the upstream, created through
        the management API; then apps with five AppCodes each, all authorized, loaded with
        `gatehouse import` (one JSON line per app), and `extra_apps` authorized apps without
        AppCodes named bench_churn_<i>. `codes` is a list, or any iterable of `count` codes
        (written as they come: ten million codes need not be held at once). `stop_first` stops
        this server before the import (its gateway then does not follow the import batch by
        batch). Returns (app key, app secret) of the first app and the import's duration in
        seconds; the API's id is left in self.bench_api_id."""
        count = len(codes) if count is None else count
        codes = iter(codes)
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
        self.bench_api_id = api["id"]
        key, secret = "bench_key_" + secrets.token_hex(8), secrets.token_hex(16)
        auths = [{"api_id": api["id"], "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID"}]
        path = os.path.join(workdir, "import.jsonl")
        with open(path, "w") as f:
            for i in range(0, count, 5):
                app = {"name": f"bench_app_{i // 5}", "instance_id": self.instance}
                if i == 0:
                    app.update(app_key=key, app_secret=secret)
                f.write(json.dumps({"app": app, "app_codes": list(itertools.islice(codes, 5)),
                                    "authorizations": auths}) + "\n")
            for i in range(extra_apps):
                f.write(json.dumps({"app": {"name": f"bench_churn_{i}",
                                            "instance_id": self.instance},
                                    "app_codes": [], "authorizations": auths}) + "\n")
        if stop_first:
            self.stop()
        started = time.time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(
            [BINARY, "import", path, "--data-dir", self.dir, "--batch", "20000",
             "--max-apps-per-instance", str(count // 5 + extra_apps + 100)],
            capture_output=True, text=True, env=dict(os.environ, GATEHOUSE_ADMIN_PASSWORD=PASSWORD))
        took = time.time() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # The import's CPU time (user + system): with the machine shared, wall time moves more.
        self.import_cpu_s = (after.ru_utime + after.ru_stime
                             - children.ru_utime - children.ru_stime)
        if out.returncode != 0:
            raise RuntimeError(f"gatehouse import failed ({out.returncode}): {out.stderr[-2000:]}")
        print(out.stderr.strip().splitlines()[-1], flush=True)
        return key, secret, took

    def app_ids(self, name_prefix):
        """Ids of the apps whose name contains `name_prefix` (fuzzy name search, first 500)."""
        apps = self.request("GET", self.base + f"/apps?name={name_prefix}&limit=500")[1]["apps"]
        return [a["id"] for a in apps if a["name"].startswith(name_prefix)]

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
        raise RuntimeError(f"the gateway did not accept the AppCode in {timeout} s")

    def pids(self):
        return [self.proc.pid]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def stop_all():
    """Stops everything registered in PROCS, newest first."""
    while PROCS:
        entry = PROCS.pop()
        if entry[0] == "nginx":
            subprocess.run(["nginx", "-p", entry[1] + "/", "-c", entry[2], "-s", "quit"],
                           stderr=subprocess.DEVNULL)
            continue
        proc = entry[1]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


# ---------------------------------------------------------------- load generators

_UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_wrk(out):
    """wrk's report → {rps, p99_ms, requests, non2xx, socket_errors}. Raises if the report is
    incomplete (wrk could not connect, for instance). wrk counts 3xx as fine; our endpoints
    never answer 3xx, so "Non-2xx or 3xx responses" is the count of non-2xx answers."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if not rps or not p99:
        raise RuntimeError(f"unexpected wrk output: {out[-800:]!r}")
    requests = re.search(r"^\s*(\d+) requests in ", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * _UNIT_MS[p99.group(2)],
            "requests": int(requests.group(1)) if requests else 0,
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0}


def wrk(url, seconds, headers, script=None, connections=16):
    """wrk -t1 -c16 --latency on CLIENT_CPU, keep-alive; http:// or https:// (wrk does not
    verify certificates); `script`: a wrk Lua script (-s). Returns parse_wrk's dict."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    run = subprocess.run(on_client_cpu(cmd), capture_output=True, text=True,
                         timeout=seconds + 30)
    return parse_wrk(run.stdout + run.stderr)


def parse_h2load(out):
    """h2load's report → {rps, p99_ms (None), ok, protocol, cipher, completed, status_2xx,
    failed (failed/errored/timed out), non2xx, reason}. rps counts 2xx answers only (h2load's
    own req/s counts every answer, and its "succeeded" includes 3xx); `ok` is False — and rps
    must not be used — if the protocol was not h2, nothing succeeded, or anything failed,
    errored, timed out or answered non-2xx."""
    res = {"rps": 0.0, "p99_ms": None, "ok": False, "protocol": None, "cipher": None,
           "completed": 0, "status_2xx": 0, "failed": 0, "non2xx": 0, "reason": ""}
    proto = re.search(r"^Application protocol:\s*(\S+)", out, re.M)
    cipher = re.search(r"^Cipher:\s*(\S+)", out, re.M)
    res["protocol"] = proto.group(1) if proto else None
    res["cipher"] = cipher.group(1) if cipher else None
    finished = re.search(r"^finished in ([\d.]+)(us|ms|s), ([\d.]+) req/s", out, re.M)
    requests = re.search(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                         r"(\d+) failed, (\d+) errored, (\d+) timeout", out, re.M)
    status = re.search(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out, re.M)
    if not finished or not requests or not status:
        res["reason"] = "no h2load report (" + (out.strip().splitlines() or ["no output"])[-1] + ")"
        return res
    # "finished in" includes the warm-up; its req/s is over the measured duration and counts
    # every answer, so it is scaled by the 2xx share of the answers.
    answers_per_s = float(finished.group(3))
    done, failed, errored, timeout = (int(requests.group(i)) for i in (3, 5, 6, 7))
    s2, s3, s4, s5 = (int(status.group(i)) for i in range(1, 5))
    res.update(completed=done, status_2xx=s2, failed=failed + errored + timeout,
               non2xx=s3 + s4 + s5)
    if res["protocol"] != "h2":
        res["reason"] = f"negotiated {res['protocol'] or 'no protocol'}, not h2"
    elif s2 == 0 or done == 0:
        res["reason"] = "no 2xx answers"
    elif res["failed"] or res["non2xx"]:
        res["reason"] = (f"{failed} failed, {errored} errored, {timeout} timeout, "
                         f"{s3 + s4 + s5} non-2xx of {done}")
    else:
        res.update(ok=True, rps=answers_per_s * s2 / done)
    return res


def h2load(url, seconds, headers, clients=16, streams=10):
    """h2load over TLS offering only h2 in ALPN, `clients` connections with `streams` concurrent
    streams each, for `seconds` after a 0.5 s warm-up (connects, TLS handshakes), on
    CLIENT_CPU. Returns parse_h2load's dict (check "ok")."""
    cmd = ["h2load", "--npn-list=h2", "-t1", f"-c{clients}", f"-m{streams}",
           f"-D{seconds}", "--warm-up-time=500ms"]
    for k, v in headers.items():
        cmd += ["-H", f"{k.lower()}: {v}"]
    cmd.append(url)
    try:
        run = subprocess.run(on_client_cpu(cmd), capture_output=True, text=True,
                             timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        res = parse_h2load("")
        res["reason"] = "h2load did not finish"
        return res
    return parse_h2load(run.stdout + "\n" + run.stderr)
