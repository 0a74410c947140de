"""Trusted proxies (docs/compatibility.md#g13, docs/operations.md): X-Forwarded-For names the client
only when the TCP peer is in --trusted-proxies; the client address reaches the backend as
$context.sourceIp and first in X-Forwarded-For; SIGHUP swaps the set, a malformed one is refused.

Two peers on one machine: the test connects from 127.0.0.2 (the trusted proxy) and from 127.0.0.1."""
import http.client
import json
import signal
import subprocess
import urllib.parse

import pytest

from conftest import wait_until
from gateway_env import BINARY, EchoBackend, Gatehouse

FORGED = "198.51.100.66"  # what a client writes itself
CLIENT = "203.0.113.9"    # the client as the proxy saw it


def call(gateway, source, xff):
    """GET /whoami from `source` with X-Forwarded-For `xff`; returns what the backend received."""
    url = urllib.parse.urlsplit(gateway)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10,
                                      source_address=(source, 0))
    try:
        conn.request("GET", "/whoami", headers={"X-Forwarded-For": xff})
        res = conn.getresponse()
        body = res.read()
        assert res.status == 200, body
        return json.loads(body)["headers"]
    finally:
        conn.close()


@pytest.fixture
def proxied(tmp_path):
    """(gatehouse, config path): trusted-proxies = 127.0.0.2 in its --config file, and an API
    /whoami (no auth) mapping $context.sourceIp to the backend header X-Source."""
    backend = EchoBackend()
    cfg = tmp_path / "gatehouse.toml"
    cfg.write_text('trusted-proxies = "127.0.0.2, 10.0.0.0/8"\n')
    gh = None
    try:
        gh = Gatehouse(extra_args=["--config", str(cfg), "--access-log",
                                   str(tmp_path / "access.log")])
        gh.access_log = tmp_path / "access.log"
        api = gh.create_api(gh.default_group()["id"], "whoami", "/whoami", auth_type="NONE",
                            backend_api={"url_domain": backend.address, "req_uri": "/echo"},
                            backend_params=[{"origin": "SYSTEM", "name": "X-Source",
                                             "location": "HEADER",
                                             "value": "$context.sourceIp"}])
        assert gh.publish(api["id"]).status_code in (200, 201)
        yield gh, cfg
    finally:
        if gh:
            gh.stop()
        backend.stop()


def reload(gh, text, cfg, expect):
    cfg.write_text(text)
    mark = len(gh.log_text())
    gh.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: expect in gh.log_text()[mark:]), gh.log_text()[mark:]


def test_forwarded_for_believed_from_trusted_peers_only(proxied):
    gh, _ = proxied
    got = call(gh.gateway, "127.0.0.2", f"{FORGED}, {CLIENT}")
    assert got["x-source"] == CLIENT
    # What the client wrote left of the address the proxy saw is not passed on.
    assert got["x-forwarded-for"] == f"{CLIENT}, 127.0.0.2"

    got = call(gh.gateway, "127.0.0.1", CLIENT)  # not a trusted peer: its header is ignored
    assert got["x-source"] == "127.0.0.1"
    assert got["x-forwarded-for"] == "127.0.0.1"

    # Trusted hops are skipped from the right; a malformed entry stops the walk.
    got = call(gh.gateway, "127.0.0.2", f"{FORGED}, {CLIENT}, 10.1.2.3")
    assert got["x-source"] == CLIENT
    assert got["x-forwarded-for"] == f"{CLIENT}, 10.1.2.3, 127.0.0.2"
    got = call(gh.gateway, "127.0.0.2", f"{CLIENT}, unknown, 10.1.2.3")
    assert got["x-source"] == "10.1.2.3"


def test_access_log_records_the_client_address(proxied):
    gh, _ = proxied

    def client_ips():
        try:
            lines = gh.access_log.read_text().splitlines()
        except OSError:
            return []
        return [json.loads(line)["client_ip"] for line in lines if '"path":"/whoami"' in line]
    call(gh.gateway, "127.0.0.2", f"{FORGED}, {CLIENT}")
    call(gh.gateway, "127.0.0.1", CLIENT)
    assert wait_until(lambda: len(client_ips()) == 2), client_ips()
    # Each event loop buffers its own lines, so two requests served by different loops may be
    # written in either order: compare as multisets. The trusted peer's line names the client
    # from X-Forwarded-For, the untrusted peer's names the peer (its forged header ignored).
    assert sorted(client_ips()) == sorted([CLIENT, "127.0.0.1"])


def test_sighup_swaps_the_set_and_refuses_a_malformed_one(proxied):
    gh, cfg = proxied
    reload(gh, 'trusted-proxies = "127.0.0.1"\n', cfg, "reload: --trusted-proxies '127.0.0.1'")
    assert call(gh.gateway, "127.0.0.1", CLIENT)["x-source"] == CLIENT
    assert call(gh.gateway, "127.0.0.2", CLIENT)["x-source"] == "127.0.0.2"

    # A malformed list: the reload is refused with the entry named, the set in force stays.
    reload(gh, 'trusted-proxies = "127.0.0.2, 10.0.0.0/33"\n', cfg, "not reloaded")
    log = gh.log_text()
    assert "entry 2 '10.0.0.0/33': prefix length 33 is over 32 for IPv4" in log, log
    assert call(gh.gateway, "127.0.0.1", CLIENT)["x-source"] == CLIENT
    assert call(gh.gateway, "127.0.0.2", CLIENT)["x-source"] == "127.0.0.2"

    # Back to nobody trusted.
    reload(gh, "\n", cfg, "reload: --trusted-proxies ''")
    assert call(gh.gateway, "127.0.0.1", CLIENT)["x-source"] == "127.0.0.1"


@pytest.mark.parametrize("how", ["flag", "env", "file"])
def test_malformed_set_at_start_exits_2_naming_the_setting(tmp_path, how):
    bad = "10.0.0.1,10.0.0.9-10.0.0.2"
    args = [BINARY, "serve", "--data-dir", str(tmp_path / "data"), "--admin-listen",
            "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", ""]
    env = {"PATH": "/usr/bin:/bin"}
    if how == "flag":
        args += ["--trusted-proxies", bad]
    elif how == "env":
        env["GATEHOUSE_TRUSTED_PROXIES"] = bad
    else:
        cfg = tmp_path / "gatehouse.toml"
        cfg.write_text(f'log-level = "info"\ntrusted-proxies = "{bad}"\n')
        args += ["--config", str(cfg)]
    p = subprocess.run(args, capture_output=True, text=True, timeout=30, env=env)
    assert p.returncode == 2, p.stderr
    assert ("gatehouse.toml:2: bad value for 'trusted-proxies'" if how == "file"
            else "--trusted-proxies") in p.stderr, p.stderr
    assert "entry 2 '10.0.0.9-10.0.0.2': the range starts after its end" in p.stderr, p.stderr
