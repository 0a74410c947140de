"""Secrets at rest: AppCodes, AppSecrets and AK/SK secret keys never appear in clear in any file
of the data dir (database, WAL, keys) nor in the server's output."""
import os

from conftest import login, uniq


def all_bytes(data_dir):
    out = {}
    for root, _, files in os.walk(data_dir):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[p] = fh.read()
    return out


def test_no_secret_in_clear(server_factory):
    s = server_factory(["--log-level", "debug"])
    c = login(s)
    secrets_made = []
    for i in range(3):
        a = c.create_app(app_secret=f"Custom_secret_{uniq('')[1:]}")
        secrets_made.append(a["app_secret"])
        secrets_made.append(c.generate_code(a["id"])["app_code"])
        custom = "Clear" + uniq("")[1:] + "q" * 60
        assert c.post(c.apig(f"/apps/{a['id']}/app-codes"), {"app_code": custom}).status_code == 201
        secrets_made.append(custom)
        r = c.put(c.apig(f"/apps/secret/{a['id']}"))
        secrets_made.append(r.json()["app_secret"])
    roma = c.create_app(dialect="roma", secret="Roma.secret-" + uniq("")[1:])
    secrets_made.append(roma["secret"])
    secrets_made.append(c.generate_code(roma["id"], dialect="apic")["app_code"])
    ma = c.post(c.ma(), {"app_name": uniq()}).json()["app"]
    secrets_made.append(ma["app_secret"])
    ma = c.post(c.ma(f"/{ma['app_id']}/app-code"), {}).json()["app"]
    secrets_made += ma["app_codes"]
    cred = c.post("/v3.0/OS-CREDENTIAL/credentials", {"credential": {}}).json()["credential"]
    secrets_made.append(cred["secret"])
    user_pw = "User-secret-pw-" + uniq("")[1:]
    c.new_user("apig_admin", password=user_pw)
    secrets_made.append(user_pw)

    files = all_bytes(s.data_dir)  # while running: the WAL holds the latest writes
    assert any(p.endswith("-wal") for p in files) or s.store, sorted(files)
    s.stop()
    files.update(all_bytes(s.data_dir))
    files["<server output>"] = s.log().encode()
    for secret in secrets_made:
        needle = secret.encode()
        for path, data in files.items():
            assert needle not in data, f"{secret!r} in clear in {path}"
            assert needle.hex().encode() not in data, f"hex of {secret!r} in {path}"
