"""Metrics (--metrics-listen) and the access log (--access-log), docs/operations.md#metrics and
#access-log: counters and histograms move as requests are made, the exposition parses and holds
no credential, access-log lines parse and hold no credential, SIGUSR1 reopens the file, SIGHUP
switches the target, --log-format json lines parse. Black-box; no timed assertions (polls)."""
import json
import os
import re
import signal
import socket
import time

import pytest
import requests

from conftest import wait_until
from gateway_env import EchoBackend, Gatehouse
from hw_signer import sign_app_request

RELEASE = "DEFAULT_ENVIRONMENT_RELEASE_ID"
SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:\\.|[^"\\])*"'
    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:\\.|[^"\\])*")*)?\})? '
    r'(?P<value>-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$')


def metrics_url(gh):
    with open(os.path.join(gh.dir, "listen.json")) as f:
        return "http://" + json.load(f)["metrics"]


def scrape(gh):
    r = requests.get(metrics_url(gh) + "/metrics", timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return r.text


def parse(text):
    """{(name, frozenset(labels)): value}; asserts every line parses and every family sampled
    has HELP and TYPE before its samples."""
    helped, typed, samples = set(), {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split(" ")[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram"), line
            typed[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, f"unparsable exposition line: {line!r}"
        name = m.group("name")
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in typed else name
        assert family in typed and family in helped, f"no HELP/TYPE before {line!r}"
        labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"',
                                      m.group("labels") or ""))
        samples[(name, labels)] = float(m.group("value"))
    return samples


def value(samples, name, **labels):
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    backend = EchoBackend()
    log_dir = tmp_path_factory.mktemp("access")
    access = str(log_dir / "access.log")
    gh = Gatehouse(extra_args=["--metrics-listen", "127.0.0.1:0", "--access-log", access,
                               "--simple-auth-over-http", "--log-format", "json"])
    try:
        group = gh.default_group()
        api = gh.create_api(group["id"], "obs_api", "/obs/{name}",
                            backend_api={"url_domain": backend.address, "req_uri": "/echo"})
        gh.publish(api["id"])
        app = gh.create_app("obs_app")
        code = gh.add_code(app["id"])["app_code"]
        gh.authorize(app["id"], api["id"])
        gh.access_path = access
        gh.group, gh.api, gh.app, gh.code = group, api, app, code
        gh.backend = backend
        yield gh
    finally:
        gh.stop()
        backend.stop()


def call(gh, path="/obs/x", headers=None, **kw):
    return requests.get(gh.gateway + path, headers=headers or {}, timeout=10, **kw)


def wait_routed(gh):
    assert wait_until(lambda: call(gh, headers={"X-Apig-AppCode": gh.code}).status_code == 200)


def test_counters_and_histograms_move(env):
    wait_routed(env)
    before = parse(scrape(env))
    ok_labels = dict(group_id=env.group["id"], api_id=env.api["id"], env="RELEASE")
    assert call(env, headers={"X-Apig-AppCode": env.code}).status_code == 200
    assert call(env, headers={"X-Apig-AppCode": "x" * 64}).status_code == 401
    after = parse(scrape(env))

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("gatehouse_gateway_requests_total", status_class="2xx", **ok_labels) == 1
    assert delta("gatehouse_gateway_requests_total", status_class="4xx", **ok_labels) == 1
    assert delta("gatehouse_gateway_refusals_total", code="APIG.0303") == 1
    assert delta("gatehouse_gateway_request_duration_seconds_count") == 2
    assert delta("gatehouse_upstream_duration_seconds_count") == 1
    assert delta("gatehouse_gateway_request_duration_seconds_bucket", le="+Inf") == 2
    assert value(after, "gatehouse_upstream_connections_opened_total") >= 1
    assert value(after, "gatehouse_upstream_connections_open") >= 1
    # Unmatched paths count under the empty labels, refused with 0101.
    assert call(env, path="/no/such/api").status_code == 404
    later = parse(scrape(env))
    assert value(later, "gatehouse_gateway_requests_total", api_id="", status_class="4xx") >= 1
    assert value(later, "gatehouse_gateway_refusals_total", code="APIG.0101") >= 1
    # Management calls by dialect, node state, process and build.
    assert value(later, "gatehouse_management_requests_total", dialect="apig", method="POST",
                 status_class="2xx") >= 3
    assert value(later, "gatehouse_management_requests_total", dialect="iam") >= 1
    assert value(later, "gatehouse_management_request_duration_seconds_count",
                 dialect="apig") >= 3
    assert value(later, "gatehouse_snapshot_change_seq") > 0
    assert ("gatehouse_change_log_lag", frozenset()) in later
    assert value(later, "gatehouse_store_up") == 1
    assert value(later, "gatehouse_ready") == 1
    assert value(later, "gatehouse_serving_from_file") == 0
    assert value(later, "process_resident_memory_bytes") > 0
    assert value(later, "process_open_fds") > 0
    assert value(later, "process_start_time_seconds") > 1.6e9
    assert any(n == "gatehouse_build_info" for n, _ in later)


def test_exposition_parses_and_holds_no_credential(env):
    wait_routed(env)
    text = scrape(env)
    parse(text)
    for secret in (env.code, env.app["app_secret"], env.app["app_key"], env.app["id"],
                   env.token):
        assert secret not in text


def test_metrics_listener_paths_and_methods(env):
    base = metrics_url(env)
    assert requests.get(base + "/", timeout=10).status_code == 404
    assert requests.get(base + "/metricsx", timeout=10).status_code == 404
    r = requests.post(base + "/metrics", data=b"x", timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"
    assert requests.get(base + "/metrics?x=1", timeout=10).status_code == 200


def test_protocol_errors_counted(env):
    before = value(parse(scrape(env)), "gatehouse_gateway_protocol_errors_total", status="400")
    host, port = env.gateway[len("http://"):].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET /obs/x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        s.recv(4096)
    assert wait_until(lambda: value(parse(scrape(env)), "gatehouse_gateway_protocol_errors_total",
                                    status="400") == before + 1)


def read_lines(path):
    with open(path, "rb") as f:
        return [json.loads(line) for line in f.read().decode("utf-8").splitlines()]


def test_access_log_lines_and_no_secret(env):
    wait_routed(env)
    key, secret = env.app["app_key"], env.app["app_secret"]
    url = env.gateway + "/obs/signed?token=QUERYSECRET123"
    h = sign_app_request("GET", url, {}, b"", key, secret)
    signature = h["Authorization"].rsplit("Signature=", 1)[1]
    r = requests.get(url, headers=h, timeout=10)
    assert r.status_code == 200, r.text
    rid = r.headers["X-Request-Id"]
    bad_code = "y" * 64
    token = "MIIfaketoken" + "z" * 40
    r401 = call(env, headers={"X-Apig-AppCode": bad_code, "X-Auth-Token": token})
    assert r401.status_code == 401
    r200 = call(env, path="/obs/coded", headers={"X-Apig-AppCode": env.code})
    assert r200.status_code == 200
    ids = {rid, r401.headers["X-Request-Id"], r200.headers["X-Request-Id"]}

    def logged():
        return {l["request_id"]: l for l in read_lines(env.access_path)} if os.path.exists(
            env.access_path) else {}

    assert wait_until(lambda: ids <= set(logged()))
    lines = logged()
    fields = {"time", "request_id", "client_ip", "method", "host", "path", "status", "error_code",
              "api_id", "app_id", "bytes_in", "bytes_out", "total_ms", "upstream_ms"}
    for l in lines.values():
        assert set(l) == fields
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", l["time"])
    signed = lines[rid]
    assert signed["path"] == "/obs/signed" and signed["status"] == 200
    assert signed["method"] == "GET" and signed["client_ip"] == "127.0.0.1"
    assert signed["api_id"] == env.api["id"] and signed["app_id"] == env.app["id"]
    assert signed["error_code"] is None and signed["upstream_ms"] is not None
    assert signed["bytes_out"] == len(r.content) and signed["total_ms"] >= signed["upstream_ms"]
    refused = lines[r401.headers["X-Request-Id"]]
    assert refused["status"] == 401 and refused["error_code"] == "APIG.0303"
    assert refused["app_id"] is None and refused["upstream_ms"] is None
    assert lines[r200.headers["X-Request-Id"]]["app_id"] == env.app["id"]
    with open(env.access_path, "rb") as f:
        raw = f.read().decode("utf-8")
    for s in (env.code, bad_code, secret, signature, token, "QUERYSECRET123", env.token):
        assert s not in raw


def test_server_log_json_lines_parse(env):
    text = env.log_text()
    lines = [l for l in text.splitlines() if l.strip()]
    assert lines
    for l in lines:
        obj = json.loads(l)
        assert {"time", "level", "message"} <= set(obj)


def test_sigusr1_reopens_after_rename(env):
    wait_routed(env)
    rotated = env.access_path + ".1"
    os.rename(env.access_path, rotated)
    r = call(env, headers={"X-Apig-AppCode": env.code})
    rid = r.headers["X-Request-Id"]
    # Until reopened, lines go to the renamed file.
    assert wait_until(lambda: any(l["request_id"] == rid for l in read_lines(rotated)))
    env.proc.send_signal(signal.SIGUSR1)
    assert wait_until(lambda: os.path.exists(env.access_path))
    r = call(env, headers={"X-Apig-AppCode": env.code})
    rid = r.headers["X-Request-Id"]
    assert wait_until(lambda: any(l["request_id"] == rid for l in read_lines(env.access_path)))
    assert not any(l["request_id"] == rid for l in read_lines(rotated))


def test_sighup_switches_the_target(tmp_path):
    backend = EchoBackend()
    first, second = str(tmp_path / "first.log"), str(tmp_path / "second.log")
    cfg = tmp_path / "gatehouse.toml"
    cfg.write_text(f'access-log = "{first}"\nsimple-auth-over-http = true\n')
    gh = Gatehouse(extra_args=["--config", str(cfg)])
    try:
        api = gh.create_api(gh.default_group()["id"], "obs_hup", "/hup",
                            auth_type="NONE",
                            backend_api={"url_domain": backend.address, "req_uri": "/echo"})
        gh.publish(api["id"])
        assert wait_until(lambda: call(gh, path="/hup").status_code == 200)

        def logged_in(path, rid):
            return os.path.exists(path) and any(l["request_id"] == rid for l in read_lines(path))

        rid = call(gh, path="/hup").headers["X-Request-Id"]
        assert wait_until(lambda: logged_in(first, rid))
        cfg.write_text(f'access-log = "{second}"\nsimple-auth-over-http = true\n')
        gh.proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "reload: access log" in gh.log_text())
        rid = call(gh, path="/hup").headers["X-Request-Id"]
        assert wait_until(lambda: logged_in(second, rid))
        assert not logged_in(first, rid)
        cfg.write_text('access-log = "off"\nsimple-auth-over-http = true\n')
        gh.proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "reload: access log off" in gh.log_text())
        size = os.path.getsize(second)
        call(gh, path="/hup")
        gh.stop()  # flushes whatever was buffered
        assert os.path.getsize(second) == size
    finally:
        gh.stop()
        backend.stop()


def test_metrics_listener_bind_failure_names_itself(tmp_path):
    import subprocess

    from gateway_env import BINARY
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        base = [BINARY, "serve", "--data-dir", str(tmp_path / "d"), "--admin-listen",
                "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", ""]
        p = subprocess.run([*base, "--metrics-listen", f"127.0.0.1:{port}"], capture_output=True,
                           timeout=30, env=dict(os.environ, GATEHOUSE_ADMIN_PASSWORD="Pw-123456789"))
        out = (p.stdout + p.stderr).decode()
        assert p.returncode == 3, out
        assert (f"metrics listener 127.0.0.1:{port}: address already in use; "
                f"set --metrics-listen") in out
    p = subprocess.run([*base, "--metrics-listen", "127.0.0.1"], capture_output=True, timeout=30)
    assert p.returncode == 2
    assert "--metrics-listen" in (p.stdout + p.stderr).decode()
