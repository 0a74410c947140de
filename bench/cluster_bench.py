"""Cluster bench: propagation latency between Gatehouse nodes sharing one PostgreSQL, and the
data plane's success rate through a PostgreSQL outage.

Starts its own PostgreSQL cluster (initdb + pg_ctl on a free 127.0.0.1 port), an echo backend and
3 nodes; everything is stopped at the end. Prints "figure <name> <value>" lines:
  propagation_p50_ms / propagation_p99_ms  create a code on node 1 (or delete its app) → the first
                                           call on node 2/3 that sees it (polled every 2 ms)
  outage_success_pct                       calls with valid codes answered 200 during the outage
  cluster_throttle_overshoot_pct           a limit of 1,000/minute on an API under full load
                                           (wrk on each of the 3 nodes at once): requests the
                                           backend received above the limit, % of it (worst trial)
"""
import argparse
import datetime
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "api"))
from cluster_env import new_code, publish_code_api, running_cluster  # noqa: E402

from benchlib import parse_wrk  # noqa: E402

POLL_S = 0.002
LIMIT_S = 5.0  # one trial gives up after this (counted as LIMIT_S)


def until_status(node, session, code, want):
    """Seconds until `node` answers `want` for `code` (polling), measured from now."""
    start = time.monotonic()
    while True:
        if node.call_code("/bench", code, session=session).status_code == want:
            return time.monotonic() - start, True
        if time.monotonic() - start > LIMIT_S:
            return LIMIT_S, False
        time.sleep(POLL_S)


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def propagation(nodes, api_id, trials):
    writer, readers = nodes[0], nodes[1:]
    sessions = [requests.Session() for _ in readers]
    samples, misses = {"create": [], "delete": []}, 0
    for i in range(trials):
        r = i % len(readers)
        # The time runs from the moment the writing node's management call returned.
        app = writer.create_app(f"p{i}_{os.getpid()}")
        writer.authorize(app["id"], api_id)
        code = writer.add_code(app["id"])["app_code"]
        took, ok = until_status(readers[r], sessions[r], code, 200)
        samples["create"].append(took)
        misses += not ok
        writer.call("DELETE", writer.base() + f"/apps/{app['id']}", expect=204)
        took, ok = until_status(readers[r], sessions[r], code, 401)
        samples["delete"].append(took)
        misses += not ok
    return samples, misses


def outage(pg, nodes, api_id, seconds):
    codes = [new_code(nodes[0], api_id)[1] for _ in range(5)]
    for n in nodes:
        for c in codes:
            until_status(n, requests.Session(), c, 200)
    stop = threading.Event()
    counts = {"ok": 0, "bad": 0}
    lock = threading.Lock()

    def load(idx):
        s = requests.Session()
        i = idx
        while not stop.is_set():
            n = nodes[i % len(nodes)]
            try:
                good = n.call_code("/bench", codes[i % len(codes)], session=s).status_code == 200
            except requests.RequestException:
                good = False
            with lock:
                counts["ok" if good else "bad"] += 1
            i += 1

    threads = [threading.Thread(target=load, args=(k,), daemon=True) for k in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    pg.stop()
    down_at = time.monotonic()
    time.sleep(seconds)
    pg.start()
    print(f"PostgreSQL was down for {time.monotonic() - down_at:.1f} s", flush=True)
    recovered = None
    start = time.monotonic()
    while time.monotonic() - start < 30:
        try:
            if nodes[0].call("GET", nodes[0].base() + "/apps").status_code == 200:
                recovered = time.monotonic() - start
                break
        except requests.RequestException:
            pass
        time.sleep(0.05)
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join(10)
    total = counts["ok"] + counts["bad"]
    return 100.0 * counts["ok"] / max(1, total), total, recovered


THROTTLE_LIMIT = 1000  # per minute, the figure


def seconds_left_in_minute():
    now = datetime.datetime.now(datetime.timezone.utc)
    return 60 - now.second - now.microsecond / 1e6


def throttle_trial(nodes, backend, seconds):
    """One policy of THROTTLE_LIMIT/minute on a new API, wrk on every node at once within one
    minute window; returns (admitted, refused, rps). Admitted = what the backend received (wrk
    does not count the requests still in flight when it stops)."""
    a = nodes[0]
    tag = secrets.token_hex(4)
    api = a.create_api(a.default_group()["id"], "ov_" + tag, "/ov_" + tag,
                       backend_api={"url_domain": backend.address, "req_uri": "/ov_" + tag})
    pub = a.publish(api["id"])
    t = a.call("POST", a.base() + "/throttles",
               {"name": "ov_" + tag, "api_call_limits": THROTTLE_LIMIT, "time_interval": 1,
                "time_unit": "MINUTE"}, expect=201).json()
    a.call("POST", a.base() + "/throttle-bindings",
           {"strategy_id": t["id"], "publish_ids": [pub.json()["publish_id"]]}, expect=201)
    app = a.create_app("ov_" + tag)
    code = a.add_code(app["id"])["app_code"]
    a.authorize(app["id"], api["id"])
    if seconds_left_in_minute() < seconds + 8:
        time.sleep(seconds_left_in_minute() + 0.3)
    # In force on every node: a debug answer names the policy (that request counts as admitted).
    for n in nodes:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = requests.get(n.gateway + "/ov_" + tag, timeout=5,
                             headers={"X-Apig-AppCode": code, "X-Apig-Mode": "debug"})
            if "X-Apig-RateLimit-api" in r.headers:
                break
            time.sleep(0.02)
    runs = [subprocess.Popen(["wrk", "-t1", "-c8", f"-d{seconds}s", "--latency", "-H",
                              f"X-Apig-AppCode: {code}", n.gateway + "/ov_" + tag],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for n in nodes]
    reports = [parse_wrk(p.communicate(timeout=seconds + 30)[0]) for p in runs]
    time.sleep(1.0)  # the last admitted requests reach the backend
    admitted = sum(1 for r in list(backend.received) if r["path"].startswith("/ov_" + tag))
    refused = sum(r["non2xx"] for r in reports)
    return admitted, refused, sum(r["rps"] for r in reports)


def overshoot(nodes, backend, trials, seconds):
    worst = None
    for i in range(trials):
        admitted, refused, rps = throttle_trial(nodes, backend, seconds)
        pct = 100.0 * max(0, admitted - THROTTLE_LIMIT) / THROTTLE_LIMIT
        print(f"throttle trial {i + 1}: limit {THROTTLE_LIMIT}/minute, 3 nodes, {rps:.0f} "
              f"requests/s for {seconds} s: {admitted} admitted ({refused} refused), "
              f"overshoot {pct:.2f} %", flush=True)
        worst = pct if worst is None else max(worst, pct)
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="10 s outage instead of 30 s")
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--throttle-trials", type=int, default=3)
    ap.add_argument("--throttle-only", action="store_true",
                    help="only the cluster throttling overshoot")
    args, _ = ap.parse_known_args()  # bench/run passes the data-plane options too
    outage_s = 10 if args.quick else 30

    with running_cluster(3) as (pg, nodes, backend):
        over = overshoot(nodes, backend, args.throttle_trials, 4)
        if args.throttle_only:
            print()
            print(f"figure cluster_throttle_overshoot_pct {over:.2f}")
            return
        api_id = publish_code_api(nodes[0], backend.address, "/bench")
        samples, misses = propagation(nodes, api_id, args.trials)
        for kind, values in samples.items():
            kms = [v * 1000 for v in values]
            print(f"propagation of a {kind}: p50 {percentile(kms, 50):.1f} ms, "
                  f"p99 {percentile(kms, 99):.1f} ms", flush=True)
        ms = [v * 1000 for values in samples.values() for v in values]
        print(f"propagation: {len(ms)} samples ({args.trials} creations, {args.trials} deletions), "
              f"mean {statistics.mean(ms):.1f} ms, max {max(ms):.1f} ms, "
              f"{misses} not seen within {LIMIT_S:.0f} s", flush=True)
        pct, total, recovered = outage(pg, nodes, api_id, outage_s)
        print(f"outage: {total} calls; management answered again "
              f"{'after %.2f s' % recovered if recovered is not None else 'NOT within 30 s'}")
        print()
        print(f"figure propagation_p50_ms {percentile(ms, 50):.1f}")
        print(f"figure propagation_p99_ms {percentile(ms, 99):.1f}")
        print(f"figure outage_success_pct {pct:.3f}")
        print(f"figure cluster_throttle_overshoot_pct {over:.2f}")


if __name__ == "__main__":
    main()
