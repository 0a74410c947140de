"""`gatehouse import` / `gatehouse export` through the real binary: round trip into a fresh data
dir, import into a running server whose gateway then accepts the imported AppCode, and a bad line
(exit 2, message with the line number)."""
import json
import os
import stat
import subprocess
import tempfile
import time

import requests

from gateway_env import BINARY, PASSWORD, EchoBackend, Gatehouse


def gatehouse(*args, stdin=None, data_dir=None, timeout=60):
    env = dict(os.environ, GATEHOUSE_ADMIN_PASSWORD=PASSWORD)
    return subprocess.run([BINARY, *args, *(["--data-dir", data_dir] if data_dir else [])],
                          input=stdin, capture_output=True, text=True, timeout=timeout, env=env)


def code(seed):
    return (seed + "x" * 64)[:64]


def write_lines(path, lines):
    with open(path, "w") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")


def test_round_trip_into_a_fresh_data_dir():
    src, dst = tempfile.mkdtemp(prefix="gh-imp-"), tempfile.mkdtemp(prefix="gh-imp-")
    lines = [{"app": {"name": f"rt_{i}", "remark": "from kong", "app_key": f"key_rt_{i}_abcdef"},
              "app_codes": [code(f"rt{i}a"), code(f"rt{i}b")], "authorizations": [],
              "source": "kong"} for i in range(30)]
    write_lines(os.path.join(src, "in.jsonl"), lines)
    r = gatehouse("import", os.path.join(src, "in.jsonl"), data_dir=src)
    assert r.returncode == 0, r.stderr
    assert "apps created 30" in r.stderr and "codes added 60" in r.stderr

    out = os.path.join(src, "export.jsonl")
    r = gatehouse("export", "--output", out, data_dir=src)
    assert r.returncode == 0, r.stderr
    assert "secrets" in r.stderr.lower()
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    exported = [json.loads(x) for x in open(out)]
    assert len(exported) == 30
    assert {e["app"]["name"] for e in exported} == {f"rt_{i}" for i in range(30)}
    one = next(e for e in exported if e["app"]["name"] == "rt_7")
    assert sorted(one["app_codes"]) == sorted([code("rt7a"), code("rt7b")])
    assert one["app"]["app_key"] == "key_rt_7_abcdef" and len(one["app"]["app_secret"]) > 0

    # Into a fresh data dir (its own instances): the apps keep ids, keys, secrets and codes.
    r = gatehouse("import", out, "--remap-instances", data_dir=dst)
    assert r.returncode == 0, r.stderr
    assert "apps created 30" in r.stderr and "codes added 60" in r.stderr
    again = gatehouse("export", data_dir=dst)
    assert again.returncode == 0, again.stderr
    back = {e["app"]["id"]: e for e in map(json.loads, again.stdout.splitlines())}
    for e in exported:
        b = back[e["app"]["id"]]
        for k in ("name", "remark", "app_key", "app_secret"):
            assert b["app"][k] == e["app"][k]
        assert sorted(b["app_codes"]) == sorted(e["app_codes"])

    # A second import changes nothing.
    r = gatehouse("import", out, "--remap-instances", data_dir=dst)
    assert r.returncode == 0, r.stderr
    assert "apps created 0" in r.stderr and "unchanged 30" in r.stderr
    assert "codes added 0" in r.stderr


def test_bad_line_exits_2_with_its_line_number():
    d = tempfile.mkdtemp(prefix="gh-imp-")
    path = os.path.join(d, "in.jsonl")
    with open(path, "w") as f:
        f.write(json.dumps({"app": {"name": "good_1"}, "app_codes": [code("g1")]}) + "\n")
        f.write(json.dumps({"app": {"name": "bad"}, "app_codes": [code(str(i)) for i in range(6)]})
                + "\n")
        f.write("this is not json\n")
        f.write(json.dumps({"app": {"name": "good_2"}, "app_codes": [code("g1")]}) + "\n")
    r = gatehouse("import", path, data_dir=d)
    assert r.returncode == 2, r.stderr
    assert "line 2: rejected: APIG.3131" in r.stderr
    assert "line 3: rejected" in r.stderr
    assert "line 4: rejected: APIG.2012" in r.stderr  # the code of line 1 again
    assert "apps created 1" in r.stderr and "lines rejected 3" in r.stderr
    # Fatal: unreadable file → 1.
    assert gatehouse("import", os.path.join(d, "missing"), data_dir=d).returncode == 1


def test_import_into_a_running_server_authenticates_on_the_gateway():
    backend = EchoBackend()
    gh = Gatehouse(extra_args=["--simple-auth-over-http"])
    try:
        group = gh.default_group()
        api = gh.create_api(group["id"], "imported_api", "/imported",
                            backend_api={"url_domain": backend.address})
        assert gh.publish(api["id"]).status_code == 201
        path = os.path.join(gh.dir, "in.jsonl")
        value = code("liveimport")
        write_lines(path, [{"app": {"name": "live_imported"}, "app_codes": [value],
                            "authorizations": [{"api_id": api["id"],
                                                "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID"}],
                            "source": "huawei"}])
        url = gh.gateway + "/imported"
        assert requests.get(url, headers={"X-Apig-AppCode": value}, timeout=5).status_code == 401
        r = gatehouse("import", path, data_dir=gh.dir)
        assert r.returncode == 0, r.stderr
        assert "authorizations added 1" in r.stderr
        started, status = time.time(), None
        while time.time() - started < 5:
            status = requests.get(url, headers={"X-Apig-AppCode": value}, timeout=5).status_code
            if status == 200:
                break
            time.sleep(0.1)
        assert status == 200
        assert time.time() - started < 3  # the change log is polled every second
        assert backend.last()["path"] == "/echo"
        # The management API sees the app as well.
        apps = gh.get(gh.base() + "/apps?name=live_imported").json()["apps"]
        assert len(apps) == 1
    finally:
        gh.stop()
        backend.stop()
