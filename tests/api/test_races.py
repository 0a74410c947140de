"""Concurrent writers: the per-app AppCode limit and per-instance value uniqueness hold under
races (docs/compatibility.md#appcode-rules, #g1). Threads + requests; every wait is bounded."""
import concurrent.futures

from conftest import uniq

THREADS = 20


def run_concurrently(calls):
    """Runs the zero-argument callables at (nearly) the same moment; returns their results."""
    import threading
    barrier = threading.Barrier(len(calls), timeout=20)

    def wrapped(fn):
        barrier.wait()
        return fn()

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(wrapped, fn) for fn in calls]
        return [f.result(timeout=60) for f in futures]


def test_twenty_generates_give_exactly_five(admin):
    app = admin.create_app()
    path = admin.apig(f"/apps/{app['id']}/app-codes")
    results = run_concurrently([lambda: admin.call("PUT", path) for _ in range(THREADS)])
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] * 5 + [403] * 15, statuses
    assert all(r.json()["error_code"] == "APIG.3131" for r in results if r.status_code == 403)
    listed = admin.get(path).json()
    assert listed["total"] == 5
    assert {c["id"] for c in listed["app_codes"]} == \
        {r.json()["id"] for r in results if r.status_code == 201}


def test_same_custom_value_on_several_apps_wins_once(admin):
    apps = [admin.create_app() for _ in range(8)]
    value = "Race" + uniq("")[1:] + "r" * 60
    results = run_concurrently([
        (lambda a=a: admin.post(admin.apig(f"/apps/{a['id']}/app-codes"), {"app_code": value}))
        for a in apps for _ in range(2)])
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [400] * (len(results) - 1), statuses
    assert all(r.json()["error_code"] == "APIG.2012" for r in results if r.status_code == 400)
    holders = [a for a in apps
               if admin.get(admin.apig(f"/apps/{a['id']}/app-codes")).json()["total"] == 1]
    assert len(holders) == 1


def test_concurrent_app_creates_with_one_name(admin):
    name = uniq("same")
    results = run_concurrently([
        (lambda: admin.post(admin.apig("/apps"), {"name": name})) for _ in range(10)])
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [400] * 9, statuses
    assert all(r.json()["error_code"] == "APIG.3203" for r in results if r.status_code == 400)


def test_concurrent_creates_respect_app_quota(server_factory):
    from conftest import login
    s = server_factory(["--max-apps-per-instance", "5"])
    c = login(s)
    results = run_concurrently([
        (lambda: c.post(c.apig("/apps"), {"name": uniq()})) for _ in range(12)])
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] * 5 + [403] * 7, statuses
    assert c.get(c.apig("/apps")).json()["total"] == 5
