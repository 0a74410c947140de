"""SIGHUP re-reads the settings (docs/operations.md, "Reload"): the log level and the gateway's
TLS certificate and key change live (new handshakes get the new pair, also when renewed files
replace the old ones in place); other changed settings are named as needing a restart."""
import json
import os
import signal
import socket
import ssl

import requests

from conftest import tls_pair, wait_until



def der(cert_path):
    return ssl.PEM_cert_to_DER_cert(cert_path.read_text())


def presented_cert(address):
    host, port = address.rsplit(":", 1)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.getpeercert(binary_form=True)


def write_config(path, cert, key, **more):
    lines = [f'tls-cert = "{cert}"', f'tls-key = "{key}"']
    lines += [f'{k} = "{v}"' for k, v in more.items()]
    path.write_text("\n".join(lines) + "\n")


def test_sighup_swaps_certificate_and_names_restart_settings(server_factory, tmp_path):
    one, two, three = (tls_pair(tmp_path, n) for n in ("one", "two", "three"))
    cfg = tmp_path / "gatehouse.toml"
    write_config(cfg, *one, region="first")
    s = server_factory(start=False)
    s.start(command=[*s.command(), "--config", str(cfg)])
    with open(os.path.join(s.data_dir, "listen.json")) as f:
        tls_address = json.load(f)["gateway_tls"]
    assert presented_cert(tls_address) == der(one[0])

    # A new pair and other changes in the file.
    write_config(cfg, *two, region="second", **{"log-level": "debug"})
    mark = len(s.log())
    s.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: "configuration reloaded" in s.log()[mark:]), s.log()[mark:]
    assert wait_until(lambda: presented_cert(tls_address) == der(two[0]))
    log = s.log()[mark:]
    assert "--region changed; it takes effect after a restart" in log
    assert "log level debug" in log

    # Renewal in place: same paths, new contents.
    two[0].write_bytes(three[0].read_bytes())
    two[1].write_bytes(three[1].read_bytes())
    mark = len(s.log())
    s.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: presented_cert(tls_address) == der(three[0]))

    # A key that does not match its certificate: refused, the pair in force stays.
    write_config(cfg, one[0], two[1], region="second")
    mark = len(s.log())
    s.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: "configuration reloaded" in s.log()[mark:])
    assert "TLS certificate not reloaded" in s.log()[mark:], s.log()[mark:]
    assert presented_cert(tls_address) == der(three[0])
    assert requests.get(s.url("/health"), timeout=10).json() == {"status": "ok"}


def test_sighup_with_a_broken_config_keeps_running(server_factory, tmp_path):
    cfg = tmp_path / "gatehouse.toml"
    cfg.write_text('region = "r"\n')
    s = server_factory(start=False)
    s.start(command=[*s.command(), "--config", str(cfg)])
    cfg.write_text('region = "r"\nno-such-key = 1\n')
    mark = len(s.log())
    s.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: "not reloaded" in s.log()[mark:]), s.log()[mark:]
    assert f"{cfg}:2: unknown setting 'no-such-key'" in s.log()[mark:]
    assert s.alive()
