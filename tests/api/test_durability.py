"""Durability: a write acknowledged with 2xx survives kill -9 and a restart on the same data dir
(and store); bootstrap state is reused on restart."""
import signal

from conftest import ADMIN_PASSWORD, login, uniq


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
