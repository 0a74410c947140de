"""Durability: a write acknowledged with 2xx survives kill -9 and a restart on the same data dir
(and store); bootstrap state is reused on restart."""
import signal

from conftest import ADMIN_PASSWORD, login, uniq, wait_until


def test_acknowledged_writes_survive_kill9(fresh_server):
    c = login(fresh_server)
    app = c.create_app(name=uniq("durable"))
    code = c.generate_code(app["id"])
    custom = c.post(c.apig(f"/apps/{app['id']}/app-codes"),
                    {"app_code": "Dura" + uniq("")[1:] + "d" * 60})
    assert custom.status_code == 201
    fresh_server.kill9()  # immediately after the last 2xx; no graceful shutdown
    assert fresh_server.proc.returncode == -signal.SIGKILL
    fresh_server.start()
    c2 = login(fresh_server)
    assert c2.project_id == c.project_id and c2.apig_instance == c.apig_instance
    shown = c2.get(c2.apig(f"/apps/{app['id']}"))
    assert shown.status_code == 200 and shown.json()["app_secret"] == app["app_secret"]
    codes = c2.get(c2.apig(f"/apps/{app['id']}/app-codes")).json()
    assert sorted(x["app_code"] for x in codes["app_codes"]) == \
        sorted([code["app_code"], custom.json()["app_code"]])


def test_many_writes_then_kill9(fresh_server):
    c = login(fresh_server)
    made = []
    for _ in range(15):
        a = c.create_app()
        made.append((a["id"], c.generate_code(a["id"])["id"]))
    deleted = made.pop()
    assert c.delete(c.apig(f"/apps/{deleted[0]}")).status_code == 204
    fresh_server.kill9()
    fresh_server.start()
    c2 = login(fresh_server)
    for app_id, code_id in made:
        assert c2.get(c2.apig(f"/apps/{app_id}/app-codes/{code_id}")).status_code == 200
    assert c2.get(c2.apig(f"/apps/{deleted[0]}")).status_code == 404
    assert c2.get(c2.apig("/apps")).json()["total"] == 14


def test_restart_reuses_bootstrap_and_tokens(server_factory):
    s = server_factory(admin_password=None)  # generated password
    with open(f"{s.data_dir}/admin-password") as f:
        password = f.read().strip()
    c = login(s, password=password)
    s.restart()
    c2 = login(s, password=password)
    assert (c2.project_id, c2.apig_instance, c2.roma_instance, c2.user_id) == \
        (c.project_id, c.apig_instance, c.roma_instance, c.user_id)
    # A token issued before the restart still works (same master key).
    assert c.get(c.apig("/apps")).status_code == 200
    # A later GATEHOUSE_ADMIN_PASSWORD does not change the bootstrapped admin.
    s.stop()
    s.env["GATEHOUSE_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    s.start()
    assert login(s, password=password).user_id == c.user_id


def test_concurrent_writers_then_kill9(server_factory):
    """32 clients create apps and AppCodes at once (their writes are group-committed: one
    transaction and one fsync for the writes that queued meanwhile); the server is killed -9 in
    the middle of it. After the restart every write answered 2xx is there."""
    import threading
    import requests

    s = server_factory(["--max-apps-per-instance", "100000"])
    c = login(s)
    acked = []  # (app id, code id, code value) answered 201
    acked_apps = []
    lock = threading.Lock()
    stop = threading.Event()
    failures = []

    def writer():
        http = requests.Session()
        headers = {"X-Auth-Token": c.token}
        try:
            while not stop.is_set():
                r = http.post(s.url(c.apig("/apps")), json={"name": uniq("gc")},
                              headers=headers, timeout=30)
                if r.status_code != 201:
                    failures.append(r.status_code)
                    return
                app_id = r.json()["id"]
                with lock:
                    acked_apps.append(app_id)
                for _ in range(5):
                    r = http.put(s.url(c.apig(f"/apps/{app_id}/app-codes")), headers=headers,
                                 timeout=30)
                    if r.status_code != 201:
                        failures.append(r.status_code)
                        return
                    with lock:
                        acked.append((app_id, r.json()["id"], r.json()["app_code"]))
        except requests.RequestException:
            return  # the server went away mid-call: that write was not acknowledged

    threads = [threading.Thread(target=writer, daemon=True) for _ in range(32)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acked) >= 300 or failures or not any(t.is_alive() for t in threads),
               limit=120)
    s.kill9()  # while the writers are still sending
    stop.set()
    for t in threads:
        t.join(60)
    assert not failures, failures[:5]
    assert len(acked) >= 300
    with lock:
        acked_codes, apps = list(acked), list(acked_apps)

    s.start()
    c2 = login(s)
    present = {}
    for app_id in set(apps):
        r = c2.get(c2.apig(f"/apps/{app_id}/app-codes"))
        assert r.status_code == 200, (app_id, r.status_code)
        present.update({x["id"]: x["app_code"] for x in r.json()["app_codes"]})
    missing = [(a, i) for a, i, v in acked_codes if present.get(i) != v]
    assert not missing, f"{len(missing)} of {len(acked_codes)} acknowledged AppCodes lost"
