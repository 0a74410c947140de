"""Operator contract: --help, settings from flags / GATEHOUSE_* / --config (flags win over the
environment, which wins over the file), bootstrap files and their modes, master key, signals."""
import os
import re
import signal
import stat
import subprocess
import time

import pytest
import requests

from conftest import BINARY, assert_apig_error, login, uniq


def run(*args, env=None, timeout=20):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_help_lists_settings(binary):
    top = run("--help")
    assert top.returncode == 0 and "serve" in top.stdout and "--config" in top.stdout
    serve = run("serve", "--help")
    assert serve.returncode == 0
    for flag in ["--data-dir", "--admin-listen", "--gateway-listen", "--store", "--region",
                 "--log-level", "--admin-threads", "--max-apps-per-instance",
                 "--max-request-body", "--config"]:
        assert flag in serve.stdout, flag
    for env in ["GATEHOUSE_ADMIN_LISTEN", "GATEHOUSE_DATA_DIR", "GATEHOUSE_ADMIN_PASSWORD",
                "GATEHOUSE_MASTER_KEY"]:
        assert env in serve.stdout, env
    assert run().returncode != 0  # a subcommand is required
    assert run("serve", "--no-such-flag").returncode != 0


def quota_of(server):
    """Creates apps until APIG.3103; returns how many were allowed (bounded at 10)."""
    c = login(server)
    for n in range(10):
        r = c.post(c.apig("/apps"), {"name": uniq()})
        if r.status_code != 201:
            assert_apig_error(r, 403, "APIG.3103")
            return n
    return None


def region_of(server):
    r = requests.post(server.url("/v3/auth/tokens"), json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {"domain": {"name": "default"},
                                                      "name": "admin",
                                                      "password": "Admin-test-pw-1"}}}}},
        timeout=10)
    return r.json()["token"]["catalog"][0]["endpoints"][0]["region"]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def test_config_file_both_positions_and_sections(server_factory, tmp_path):
    flat = write(tmp_path / "flat.toml", 'max-apps-per-instance = 2\nregion = "cfg-one"\n')
    s = server_factory(start=False)
    s.start(command=[BINARY, "--config", str(flat), *s.command()[1:]])
    assert quota_of(s) == 2 and region_of(s) == "cfg-one"
    s.stop()

    sect = write(tmp_path / "sect.ini", '[serve]\nmax_apps_per_instance = 1\nregion = "cfg-two"\n')
    s2 = server_factory(start=False)
    s2.start(command=[*s2.command(), "--config", str(sect)])
    assert quota_of(s2) == 1 and region_of(s2) == "cfg-two"


def test_precedence_flag_env_file(server_factory, tmp_path):
    cfg = write(tmp_path / "g.toml", "max-apps-per-instance = 2\n")
    # env beats file
    s = server_factory(env={"GATEHOUSE_MAX_APPS_PER_INSTANCE": "3"}, start=False)
    s.start(command=[*s.command(), "--config", str(cfg)])
    assert quota_of(s) == 3
    s.stop()
    # flag beats env and file
    s2 = server_factory(env={"GATEHOUSE_MAX_APPS_PER_INSTANCE": "3"}, start=False,
                        extra_args=["--max-apps-per-instance", "4", "--config", str(cfg)])
    s2.start()
    assert quota_of(s2) == 4


def test_env_settings(server_factory, tmp_path):
    s = server_factory(start=False, env={"GATEHOUSE_REGION": "env-region",
                                         "GATEHOUSE_MAX_APPS_PER_INSTANCE": "3"})
    s.start()
    assert region_of(s) == "env-region" and quota_of(s) == 3


def test_bad_config_is_refused(tmp_path):
    bad = write(tmp_path / "bad.toml", "no-such-setting = 1\n")
    r = run("serve", "--config", str(bad), "--data-dir", str(tmp_path / "d"))
    assert r.returncode != 0 and "no-such-setting" in (r.stderr + r.stdout)
    r = run("serve", "--config", str(tmp_path / "missing.toml"), "--data-dir", str(tmp_path / "d"))
    assert r.returncode != 0


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_generated_password_and_key_files(server_factory):
    s = server_factory(admin_password=None)
    pw_file, key_file = f"{s.data_dir}/admin-password", f"{s.data_dir}/master.key"
    assert mode(pw_file) == 0o600 and mode(key_file) == 0o600
    assert mode(s.data_dir) == 0o700
    with open(pw_file) as f:
        password = f.read().strip()
    assert len(password) >= 16
    assert re.fullmatch(r"[0-9a-f]{64}", open(key_file).read().strip())
    assert s.log().count(password) == 1  # printed once, on the first start
    c = login(s, password=password)
    s.restart()
    assert s.log().count(password) == 1  # not again
    assert login(s, password=password).user_id == c.user_id


def test_master_key_from_environment(server_factory):
    key = os.urandom(32).hex()
    s = server_factory(env={"GATEHOUSE_MASTER_KEY": key})
    assert not os.path.exists(f"{s.data_dir}/master.key")
    c = login(s)
    app = c.create_app()
    code = c.generate_code(app["id"])
    s.restart()
    c2 = login(s)
    assert c2.get(c2.apig(f"/apps/{app['id']}")).json()["app_secret"] == app["app_secret"]
    assert c2.get(c2.apig(f"/apps/{app['id']}/app-codes/{code['id']}")).json()["app_code"] == \
        code["app_code"]
    s.stop()
    # A different key cannot open the sealed data: refuse to serve rather than serve garbage.
    s.env["GATEHOUSE_MASTER_KEY"] = os.urandom(32).hex()
    try:
        s.start()
    except RuntimeError:
        pass  # refused to start: fine
    else:
        c3 = login(s)
        r = c3.get(c3.apig(f"/apps/{app['id']}"))
        assert r.status_code >= 500 or r.json().get("app_secret") != app["app_secret"]


@pytest.mark.parametrize("bad", ["abc", "zz" * 32, "00" * 31])
def test_bad_master_key_is_refused(tmp_path, bad):
    r = run("serve", "--data-dir", str(tmp_path / "d"), "--admin-listen", "127.0.0.1:0",
            "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", "127.0.0.1:0",
            env={"GATEHOUSE_MASTER_KEY": bad})
    assert r.returncode != 0 and "GATEHOUSE_MASTER_KEY" in (r.stderr + r.stdout)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_cleanly(server_factory, sig):
    s = server_factory()
    c = login(s)
    c.create_app()
    t0 = time.monotonic()
    assert s.stop(sig, timeout=5) == 0
    assert time.monotonic() - t0 < 5


def test_sigterm_with_open_idle_connections(server_factory):
    import socket
    s = server_factory()
    host, port = s.admin.rsplit(":", 1)
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(5)]
    half = socket.create_connection((host, int(port)), timeout=5)
    half.sendall(b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{")
    t0 = time.monotonic()
    assert s.stop(signal.SIGTERM, timeout=5) == 0
    assert time.monotonic() - t0 < 5
    for sock in idle + [half]:
        sock.close()


def test_listen_address_in_use_fails_fast(server_factory):
    a = server_factory()
    b = server_factory(start=False)
    b.extra_args = []
    cmd = [BINARY, "serve", "--data-dir", b.data_dir, "--admin-listen", a.admin,
           "--gateway-listen", "127.0.0.1:0", "--gateway-tls-listen", "127.0.0.1:0", *b.store]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20, env=b.env)
    assert proc.returncode != 0
    assert a.alive()


def thread_scheduling(pid):
    """(policy, nice) of every thread of `pid`, from /proc (policy 0 = SCHED_OTHER, 5 = IDLE)."""
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        out.append((int(fields[38]), int(fields[16])))  # stat fields 41 (policy), 19 (nice)
    return out


@pytest.mark.parametrize("setting,expect", [(None, (0, 10)), ("7", (0, 7)), ("idle", (5, 0))])
def test_management_threads_yield_to_the_gateway(server_factory, setting, expect):
    """The management API's threads (32 by default) run as background work — niceness 10 by
    default, the given niceness, or SCHED_IDLE — while the gateway loops keep normal
    scheduling."""
    args = ["--admin-threads", "4"] + (["--management-priority", setting] if setting else [])
    s = server_factory(start=False, extra_args=args)
    s.start()
    threads = thread_scheduling(s.proc.pid)
    assert threads.count(expect) >= 4, threads
    assert (0, 0) in threads, threads  # the gateway loops (and the main thread)
    r = run("serve", "--management-priority", "20", "--data-dir", "/nonexistent")
    assert r.returncode != 0 and "niceness" in (r.stderr + r.stdout)
