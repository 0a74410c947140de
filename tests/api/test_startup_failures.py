"""A start that fails says why in one line and exits with the documented code of its cause
(docs/operations.md, "Exit codes"): 2 bad setting, 3 a listener cannot bind, 4 store unavailable.
"""
import os
import socket
import subprocess

import pytest

from conftest import BINARY, tls_pair

EXIT_CONFIG, EXIT_LISTEN, EXIT_STORE = 2, 3, 4
SECRET = "Pw-s3cret-4711"


def serve(tmp_path, *args, store=None):
    """Runs `gatehouse serve` on free ports (a listen flag in `args` replaces its default);
    returns the finished process."""
    listen = {flag: "127.0.0.1:0" for flag in ("--admin-listen", "--gateway-listen",
                                                "--gateway-tls-listen") if flag not in args}
    cmd = [BINARY, "serve", "--data-dir", str(tmp_path / "data"),
           *[x for pair in listen.items() for x in pair],
           *(["--store", store] if store else []), *args]
    env = {**os.environ, "GATEHOUSE_ADMIN_PASSWORD": "Admin-test-pw-1"}
    env.pop("GATEHOUSE_MASTER_KEY", None)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    proc.output = proc.stdout + proc.stderr
    return proc


@pytest.fixture
def taken_port():
    """A port on 127.0.0.1 that another socket listens on for the test's duration."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    yield s.getsockname()[1]
    s.close()


@pytest.mark.parametrize("listener,flag", [("admin", "--admin-listen"),
                                           ("gateway", "--gateway-listen"),
                                           ("gateway TLS", "--gateway-tls-listen")])
def test_taken_port_names_listener_address_and_flag(tmp_path, taken_port, listener, flag):
    address = f"127.0.0.1:{taken_port}"
    r = serve(tmp_path, flag, address)
    assert r.returncode == EXIT_LISTEN, r.output
    assert f"{listener} listener {address}: address already in use; set {flag}" in r.output
    assert r.output.count("already in use") == 1, r.output  # only the listener that failed


def test_listen_address_that_is_not_an_ip(tmp_path):
    r = serve(tmp_path, "--gateway-listen", "localhost:0")
    assert r.returncode == EXIT_LISTEN, r.output
    assert "gateway listener localhost:0: 'localhost' is not an IP address; set --gateway-listen" \
        in r.output


def test_malformed_listen_address_is_a_setting_error(tmp_path):
    r = serve(tmp_path, "--admin-listen", "127.0.0.1")
    assert r.returncode == EXIT_CONFIG, r.output
    assert "--admin-listen" in r.output and "HOST:PORT" in r.output


def write(path, text):
    path.write_text(text)
    return str(path)


def test_unknown_config_key_names_key_and_line(tmp_path):
    cfg = write(tmp_path / "g.toml", '# Gatehouse\nregion = "r1"\n\nno-such-setting = 1\n')
    r = serve(tmp_path, "--config", cfg)
    assert r.returncode == EXIT_CONFIG, r.output
    assert f"{cfg}:4: unknown setting 'no-such-setting'" in r.output


@pytest.mark.parametrize("line,key", [
    ('max_apps_per_instance = "many"', "max_apps_per_instance"),
    ("store-pool-size = 0", "store-pool-size"),
    ('log-level = "loud"', "log-level"),
    ('change-poll-ms = "often"', "change-poll-ms"),
])
def test_bad_config_value_names_key_and_line(tmp_path, line, key):
    cfg = write(tmp_path / "g.ini", f'[serve]\nregion = "r1"\n{line}\n')
    r = serve(tmp_path, "--config", cfg)
    assert r.returncode == EXIT_CONFIG, r.output
    assert f"{cfg}:3: bad value for '{key}'" in r.output


def test_unknown_config_section_names_line(tmp_path):
    cfg = write(tmp_path / "g.toml", 'region = "r1"\n[gateway]\nthreads = 2\n')
    r = serve(tmp_path, "--config", cfg)
    assert r.returncode == EXIT_CONFIG, r.output
    assert f"{cfg}:3: unknown section" in r.output and "gateway.threads" in r.output


def test_missing_config_file(tmp_path):
    r = serve(tmp_path, "--config", str(tmp_path / "absent.toml"))
    assert r.returncode == EXIT_CONFIG, r.output
    assert "absent.toml" in r.output


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_postgres_says_why_without_the_password(tmp_path):
    url = f"postgresql://gh:{SECRET}@127.0.0.1:{free_port()}/gh?password={SECRET}x"
    r = serve(tmp_path, store=url)
    assert r.returncode == EXIT_STORE, r.output
    assert "Connection refused" in r.output and "--store" in r.output
    assert SECRET not in r.output


def test_malformed_postgres_url_says_why_without_the_password(tmp_path):
    r = serve(tmp_path, store=f"postgresql://gh:{SECRET}@[::1/gh")
    assert r.returncode == EXIT_STORE, r.output
    assert "IPv6" in r.output and "postgresql://gh:***@" in r.output
    assert SECRET not in r.output


def test_unusable_tls_pair_is_a_setting_error(tmp_path):
    one, two = (tuple(map(str, tls_pair(tmp_path, n))) for n in ("one", "two"))
    r = serve(tmp_path, "--tls-cert", one[0], "--tls-key", two[1])
    assert r.returncode == EXIT_CONFIG, r.output
    assert f"gateway TLS certificate {one[0]}" in r.output and "check --tls-cert" in r.output
    r = serve(tmp_path, "--tls-cert", one[0])
    assert r.returncode == EXIT_CONFIG, r.output
    assert "--tls-cert and --tls-key must be given together" in r.output


def test_bad_master_key_is_a_setting_error(tmp_path):
    env = {**os.environ, "GATEHOUSE_MASTER_KEY": "abc"}
    r = subprocess.run([BINARY, "serve", "--data-dir", str(tmp_path / "d"), "--admin-listen",
                        "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == EXIT_CONFIG
    assert "GATEHOUSE_MASTER_KEY" in r.stdout + r.stderr


def test_help_documents_exit_codes():
    r = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 0 and "Exit codes" in r.stdout
