"""Data-plane benchmark: Gatehouse vs nginx (map + proxy_pass), same AppCodes, same upstream,
same certificate, same pinning, measured in the same run.

Everything it starts binds 127.0.0.1 on free ports and is stopped at the end. Load generators
(wrk, h2load, the churn writer) run on CPU 0; the upstream, the nginx anchor and Gatehouse share
CPU 1 (docs/benchmarks.md#the-nginx-anchor). Rounds are interleaved and medians
reported, because these machines are shared and noisy. Output: one `ratio <name> <value>` or
`figure <name> <value>` line per number (value `unavailable` when a run needed for it failed;
a `note` line says why). Helpers live in benchlib.py and are re-exported here."""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "api"))
from benchlib import (BINARY, CHARSET, NGINX_COMMON, PASSWORD, PROCS, ROOT,  # noqa: E402,F401
                      SERVER_CPU, Gatehouse, anchor_conf, cpu_ns, free_port, h2load, make_cert,
                      nginx_pids, parse_h2load, parse_wrk, pin, random_code, rss_mb,
                      start_nginx, stop_all, typical_code, upstream_conf, wait_http, wrk,
                      limit_conf)
from churn import CredentialChurn  # noqa: E402
from cpu_cost import instructions_per_request  # noqa: E402
from hw_signer import sign_app_request  # noqa: E402

CHURN_RATE = 100  # management writes per second during the churn run
CHURN_APPS = 4  # the writer takes turns on these apps, each with at most one churned code alive
CHURN_PAIRS = 3  # per round: (calm slice, churn slice) pairs for churn_p99_vs_calm


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="shorter runs (about 90 s in all)")
    ap.add_argument("--codes", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3, help="0: instructions_per_request only")
    ap.add_argument("--seconds", type=int, default=0, help="per load run (default 5, quick 2)")
    ap.add_argument("--cg-requests", type=int, default=0,
                    help="requests per large callgrind batch (default 2000 with n0 = 200; "
                    "quick 400 with n0 = 100)")
    ap.add_argument("--no-callgrind", action="store_true", help="skip instructions_per_request")
    ap.add_argument("--cg-observability", action="store_true",
                    help="also instructions_per_request_metrics_on and _access_log_on (callgrind "
                    "with --metrics-listen, with --access-log FILE)")
    ap.add_argument("--json-out", help="write codes, appcode_rps, startup_s, rss_mb here")
    ap.add_argument("--baseline", help="a --json-out of an earlier run (e.g. 10,000 codes): "
                    "prints codes_N_vs_M, the AppCode throughput ratio (codes_1m_vs_10k)")
    args, _ = ap.parse_known_args()  # bench/run passes the same options to every bench
    return args


class Bench:
    """The servers of one run and the load runs against them."""

    def __init__(self, args, work):
        self.args, self.work = args, work
        self.codes = list(dict.fromkeys(random_code() for _ in range(args.codes)))
        self.cert, self.key = make_cert(work)
        self.up_port, self.anchor_port, self.anchor_tls_port = free_port(), free_port(), free_port()
        start_nginx(os.path.join(work, "upstream"), upstream_conf(self.up_port))
        self.anchor_prefix = os.path.join(work, "anchor")
        os.makedirs(self.anchor_prefix)
        with open(os.path.join(self.anchor_prefix, "appcodes_nginx.conf"), "w") as f:
            for i, c in enumerate(self.codes):
                f.write(f"'{c}' app-{i:06d};\n")
        start_nginx(self.anchor_prefix,
                    anchor_conf(self.anchor_port, self.up_port, len(self.codes),
                                self.anchor_tls_port, self.cert, self.key))
        self.gh = self.start_gatehouse()
        self.key_id, self.secret, took = self.gh.load(self.up_port, self.codes, work, CHURN_APPS)
        print(f"figure import_s_{len(self.codes)}_codes {took:.1f}", flush=True)
        self.probe = typical_code(self.codes)
        self.bad = "Z" * 132
        self.gh.wait_code(self.codes[-1], 120)  # the running gateway picked the import up
        # Restart: time until the gateway answers with every AppCode loaded from the store.
        self.gh.stop()
        # Two more Gatehouses on copies of the stopped one's data, one with --metrics-listen, one
        # with --access-log (metrics_on_vs_off, access_log_on_vs_off against this one).
        self.obs_dirs = {}
        for name in ("metrics", "access_log"):
            d = os.path.join(work, "obs_" + name)
            shutil.copytree(self.gh.dir, os.path.join(d, "gatehouse"))
            for stale in ("listen.json", "snapshot.json"):
                if os.path.exists(os.path.join(d, "gatehouse", stale)):
                    os.unlink(os.path.join(d, "gatehouse", stale))
            self.obs_dirs[name] = d
        restarted = time.time()
        self.gh = self.start_gatehouse()
        self.gh.wait_code(self.probe, 600)
        self.startup_s = time.time() - restarted
        self.setup_throttling()
        print(f"figure startup_s_{len(self.codes)}_codes {self.startup_s:.2f}", flush=True)
        print(f"figure rss_mb_{len(self.codes)}_codes_idle {rss_mb(self.gh.proc.pid):.1f}",
              flush=True)
        self.gh_metrics = Gatehouse(self.obs_dirs["metrics"], self.cert, self.key,
                                    extra_args=["--metrics-listen", "127.0.0.1:0"])
        with open(os.path.join(self.gh_metrics.dir, "listen.json")) as f:
            self.metrics_url = "http://" + json.load(f)["metrics"] + "/metrics"
        self.access_log = os.path.join(work, "access.log")
        self.gh_log = Gatehouse(self.obs_dirs["access_log"], self.cert, self.key,
                                extra_args=["--access-log", self.access_log])
        for g in (self.gh_metrics, self.gh_log):
            g.wait_code(self.probe, 600)
        for pid in nginx_pids(os.path.join(work, "upstream")) + \
                nginx_pids(self.anchor_prefix) + nginx_pids(self.limit_prefix) + \
                [self.gh.proc.pid, self.gh_metrics.proc.pid, self.gh_log.proc.pid]:
            pin(pid, SERVER_CPU)
        self.churn = CredentialChurn(self.gh.admin, self.gh.token, self.gh.base,
                                     self.gh.app_ids("bench_churn_"), rate=CHURN_RATE,
                                     writers=CHURN_APPS)
        if len(self.churn.app_ids) != CHURN_APPS:
            raise RuntimeError(f"expected {CHURN_APPS} churn apps, found {self.churn.app_ids}")

    def setup_throttling(self):
        """Two more APIs on the upstream, authorized for the probe's app: /throttled with a
        policy whose limits are never reached (throttled_vs_appcode), /throttled_reject with an
        API limit of one a day, used up here (throttle_reject_vs_nginx, against nginx limit_req
        keyed by the AppCode on its own port)."""
        gh, release = self.gh, "DEFAULT_ENVIRONMENT_RELEASE_ID"
        name = f"bench_app_{self.codes.index(self.probe) // 5}"
        app_id = gh.request("GET", gh.base + f"/apps?name={name}&precise_search=name")[1][
            "apps"][0]["id"]
        groups = gh.request("GET", gh.base + "/api-groups?limit=500")[1]["groups"]
        group = next(g for g in groups if g.get("is_default") == 1)
        for uri, limits in (("/throttled", {"api_call_limits": 2147483647, "time_unit": "SECOND",
                                            "app_call_limits": 2147483647}),
                            ("/throttled_reject", {"api_call_limits": 1, "time_unit": "DAY"})):
            api = gh.request("POST", gh.base + "/apis", {
                "group_id": group["id"], "name": "bench" + uri.replace("/", "_"), "type": 1,
                "req_protocol": "BOTH", "req_method": "GET", "req_uri": uri, "auth_type": "APP",
                "auth_opt": {"app_code_auth_type": "HEADER"}, "backend_type": "HTTP",
                "backend_api": {"url_domain": f"127.0.0.1:{self.up_port}", "req_protocol": "HTTP",
                                "req_method": "GET", "req_uri": "/", "timeout": 5000}})[1]
            pub = gh.request("POST", gh.base + "/apis/action",
                             {"action": "online", "env_id": release, "api_id": api["id"]})[1]
            gh.request("POST", gh.base + "/app-auths",
                       {"env_id": release, "app_ids": [app_id], "api_ids": [api["id"]]})
            policy = gh.request("POST", gh.base + "/throttles", {
                "name": "bench" + uri.replace("/", "_"), "time_interval": 1, **limits})[1]
            gh.request("POST", gh.base + "/throttle-bindings",
                       {"strategy_id": policy["id"], "publish_ids": [pub["publish_id"]]})
        self.limit_port = free_port()
        self.limit_prefix = os.path.join(self.work, "limit")
        os.makedirs(self.limit_prefix)
        start_nginx(self.limit_prefix, limit_conf(self.limit_port, self.up_port))
        for url in (gh.gateway + "/throttled_reject", f"http://127.0.0.1:{self.limit_port}/"):
            req = urllib.request.Request(url, headers={"X-Apig-AppCode": self.probe})
            with urllib.request.urlopen(req, timeout=10):  # the one request admitted
                pass

    def start_gatehouse(self):
        return Gatehouse(self.work, self.cert, self.key)

    def runs(self, seconds):
        """name → a function running one measurement and returning a result dict with "ok"."""
        gw, tls = self.gh.gateway, self.gh.gateway_tls
        anchor = f"http://127.0.0.1:{self.anchor_port}"
        anchor_tls = f"https://127.0.0.1:{self.anchor_tls_port}"
        good, bad = {"X-Apig-AppCode": self.probe}, {"X-Apig-AppCode": self.bad}
        signed = sign_app_request("GET", gw + "/", {}, b"", self.key_id, self.secret)

        def http(url, headers, expect_2xx=True, server_pids=None, allowed_2xx=0):
            """A wrk run; with `server_pids`, also the CPU those processes spent per request
            (cpu_us_per_req): what a request cost the server, whoever limited the rate."""
            def run():
                pids = server_pids() if server_pids else []
                before = cpu_ns(pids)
                try:
                    r = wrk(url, seconds, headers)
                except RuntimeError as e:  # no report: wrk could not run at all
                    return {"rps": 0.0, "p99_ms": None, "ok": False, "reason": str(e)}
                if pids and r["requests"]:
                    r["cpu_us_per_req"] = (cpu_ns(pids) - before) / 1000 / r["requests"]
                    r["client_cpu_us_per_req"] = r["client_cpu_s"] * 1e6 / r["requests"]
                expected_non2xx = 0 if expect_2xx else r["requests"]
                r["ok"] = r["socket_errors"] == 0 and \
                    expected_non2xx - allowed_2xx <= r["non2xx"] <= expected_non2xx
                return r
            return run

        def anchor_pids():
            return nginx_pids(self.anchor_prefix)

        def gatehouse_pids():
            return [self.gh.proc.pid]

        def h2(url):
            return lambda: h2load(url, seconds, good)

        def scraped(run):
            """`run` while a Prometheus-like scraper reads /metrics every second."""
            def go():
                stop = threading.Event()

                def scrape():
                    while not stop.is_set():
                        try:
                            with urllib.request.urlopen(self.metrics_url, timeout=5) as r:
                                r.read()
                        except OSError:
                            pass
                        stop.wait(1.0)
                t = threading.Thread(target=scrape, daemon=True)
                t.start()
                try:
                    return run()
                finally:
                    stop.set()
                    t.join()
            return go

        # Runs compared by a ratio stand next to each other (see GROUPS).
        return {
            "nginx_appcode": http(anchor + "/", good),
            "gatehouse_appcode": http(gw + "/", good),
            "gatehouse_throttled": http(gw + "/throttled", good),
            "gatehouse_signature": http(gw + "/", signed),
            "gatehouse_churn": self.churn_run(gw + "/", good, seconds),
            "nginx_reject": http(anchor + "/", bad, expect_2xx=False, server_pids=anchor_pids),
            "gatehouse_reject": http(gw + "/", bad, expect_2xx=False,
                                     server_pids=gatehouse_pids),
            # limit_req lets one request a minute through: a run may see one 2xx.
            "nginx_throttle_reject": http(f"http://127.0.0.1:{self.limit_port}/", good,
                                          expect_2xx=False, allowed_2xx=1,
                                          server_pids=lambda: nginx_pids(self.limit_prefix)),
            "gatehouse_throttle_reject": http(gw + "/throttled_reject", good, expect_2xx=False,
                                              server_pids=gatehouse_pids),
            "upstream_direct": http(f"http://127.0.0.1:{self.up_port}/", {}),
            "nginx_tls": http(anchor_tls + "/", good),
            "gatehouse_tls": http(tls + "/", good),
            "nginx_h2": h2(anchor_tls + "/"),
            "gatehouse_h2": h2(tls + "/"),
            "gatehouse_obs_off": http(gw + "/", good),
            "gatehouse_metrics_on": scraped(http(self.gh_metrics.gateway + "/", good)),
            "gatehouse_access_log_on": http(self.gh_log.gateway + "/", good),
        }

    def churn_run(self, url, headers, seconds):
        """CHURN_PAIRS pairs of adjacent wrk slices, each half a load run long (at least 1 s): a
        calm slice, then the same load while the churn writer runs (started just before wrk
        and running slightly longer, so the whole slice sees the writes). Pairing each churn
        slice with the calm slice just before it keeps the machine's slow drifts (other
        tenants of the host) out of the comparison. → the churn slices' median rps and p99,
        the writes (with those answered while wrk ran: `during_load` in `load_s` seconds), and
        the (calm p99, churn p99) of every pair."""
        slice_s = max(1, seconds // 2)

        def load():
            try:
                r = wrk(url, slice_s, headers)
                r["ok"] = r["socket_errors"] == 0 and r["non2xx"] == 0
            except RuntimeError as e:
                r = {"rps": 0.0, "p99_ms": None, "ok": False, "reason": str(e)}
            return r

        def run():
            pairs, churned, writes = [], [], []
            for _ in range(CHURN_PAIRS):
                calm = load()
                self.churn.start(slice_s + 0.3)
                t0 = time.monotonic()
                churn = load()
                t1 = time.monotonic()
                w = self.churn.join()
                # Only the writes answered while wrk ran loaded the slice.
                w["during_load"], w["load_s"] = self.churn.done_between(t0, t1), t1 - t0
                writes.append(w)
                churned.append(churn)
                if not (calm["ok"] and churn["ok"]):
                    bad = churn if not churn["ok"] else calm
                    return {**bad, "ok": False, "writes": merge_writes(writes), "pairs": pairs}
                pairs.append((calm["p99_ms"], churn["p99_ms"]))
            return {"ok": True, "rps": statistics.median(r["rps"] for r in churned),
                    "p99_ms": statistics.median(r["p99_ms"] for r in churned),
                    "non2xx": 0, "socket_errors": 0, "writes": merge_writes(writes),
                    "pairs": pairs, "slice_s": slice_s}
        return run

    def check_writes_reach_gateway(self):
        """A code created through the management API (as the churn writer does) must become
        valid at the gateway: otherwise the churn did not change the gateway's snapshot."""
        app = self.churn.app_ids[0]
        code = random_code()
        path = f"{self.gh.base}/apps/{app}/app-codes"
        created = self.gh.request("POST", path, {"app_code": code})[1]
        try:
            return self.gh.wait_code(code, 10)
        finally:
            self.gh.request("DELETE", f"{path}/{created['id']}")


# The runs of a round, in groups whose members are compared with each other. Every ratio's two
# runs are adjacent (seconds apart, so they see the shared host in the same state), and each group
# runs in the opposite order in the next round, so that a systematic first-or-second effect (a
# cache or the host warming up after the previous group) does not always favour the same side.
# gatehouse_appcode is compared with three runs; nginx and the signature run stand next to it, the
# throttled run one further (seconds apart, in the same round).
GROUPS = [("nginx_appcode", "gatehouse_appcode", "gatehouse_signature", "gatehouse_throttled"),
          ("gatehouse_churn",), ("nginx_reject", "gatehouse_reject"),
          ("nginx_throttle_reject", "gatehouse_throttle_reject"), ("upstream_direct",),
          ("nginx_tls", "gatehouse_tls"), ("nginx_h2", "gatehouse_h2"),
          ("gatehouse_obs_off", "gatehouse_metrics_on", "gatehouse_access_log_on")]


def round_order(rnd):
    """The run names of round `rnd` (0-based): GROUPS in order, each reversed in odd rounds."""
    return [name for group in GROUPS for name in (group if rnd % 2 == 0 else reversed(group))]


def describe(name, r):
    if "reason" in r and "status_2xx" not in r:  # wrk without a report
        return f"unavailable: {r['reason']}"
    if "status_2xx" in r:  # h2load
        if not r["ok"]:
            return f"unavailable: {r['reason']}"
        return f"{r['rps']:>10.0f} req/s  ({r['protocol']}, {r['cipher']})"
    line = f"{r['rps']:>10.0f} req/s  p99 {r['p99_ms']:.2f} ms  non-2xx {r['non2xx']}"
    if r["socket_errors"]:
        line += f"  socket errors {r['socket_errors']}"
    if "writes" in r:
        w = r["writes"]
        line += (f"  writes {w['ok']}/{w['attempted']} 2xx ({w['writes_per_s']:.0f}/s), "
                 f"{w['writes_per_s_during_load']:.0f}/s while wrk ran")
        if w["first_error"]:
            line += f" first error {w['first_error']}"
    return line


class Report:
    """Medians over rounds; a figure whose runs failed in any round is printed `unavailable`.
    A ratio pairs the two runs of each round (seconds apart, so they see the host in the same
    state) and reports the median of the per-round ratios, as scale_bench.py does: on this
    shared host whole rounds run slower or faster (upstream_direct moves by 20 % between
    rounds), and a ratio of medians taken from different rounds would measure that drift."""

    def __init__(self, results):
        self.results = results

    def failed(self, *names):
        return [n for n in names if not all(r["ok"] for r in self.results[n])]

    def med(self, name, key="rps"):
        return statistics.median(r[key] for r in self.results[name])

    def ratio(self, label, num, den, key="rps"):
        bad = self.failed(num, den)
        if bad:
            print(f"ratio {label} unavailable")
            for n in bad:
                why = next(describe(n, r) for r in self.results[n] if not r["ok"])
                print(f"note {label}: {n} failed: {why}")
            return None
        value = statistics.median(n[key] / d[key]
                                  for n, d in zip(self.results[num], self.results[den]))
        print(f"ratio {label} {value:.3f}")
        return value


def print_cpu_cost(bench, args):
    """instructions_per_request[_reject] under callgrind (cpu_cost.py): the median over the
    repetitions, and their spread (max - min) / min in percent, a check of determinism."""
    n = args.cg_requests or (400 if args.quick else 2000)
    n0 = min(n // 4, 100 if args.quick else 200)
    modes = [("", ())]
    if args.cg_observability:
        modes += [("_metrics_on", ("--metrics-listen", "127.0.0.1:0")),
                  ("_access_log_on", ("--access-log", os.path.join(bench.work, "cg-access.log")))]
    for mode, extra in modes:
        cost = instructions_per_request(bench.gh.dir, bench.work, bench.probe, bench.bad, n=n,
                                        n0=n0, reps=2, extra_args=extra)
        for kind, suffix in (("proxied", ""), ("reject", "_reject")):
            values = cost[kind]
            print(f"figure instructions_per_request{suffix}{mode} {statistics.median(values):.0f}")
            print(f"figure instructions_per_request{suffix}{mode}_spread_pct "
                  f"{100 * (max(values) - min(values)) / min(values):.2f}")
        print(f"note instructions_per_request{mode}: n={n}, n0={n0}, 2 repetitions, "
              f"callgrind took {cost['seconds']:.0f} s", flush=True)


def main():
    args = parse_args()
    seconds = args.seconds or (2 if args.quick else 5)
    started = time.time()
    work = tempfile.mkdtemp(prefix="gh-bench-")
    try:
        bench = Bench(args, work)
        runs = bench.runs(seconds)
        results = {name: [] for name in runs}
        for rnd in range(args.rounds):
            for name in round_order(rnd):
                r = runs[name]()
                results[name].append(r)
                print(f"round {rnd + 1} {name:22s} {describe(name, r)}", flush=True)
            if rnd == 0:
                visible = bench.check_writes_reach_gateway()
                print(f"check: an AppCode created through the management API was accepted by "
                      f"the gateway after {visible:.2f} s", flush=True)

        if args.rounds:  # --rounds 0: the callgrind figures only
            rep = Report(results)
            print()
            for name in runs:
                if rep.failed(name):
                    print(f"figure {name}_rps unavailable")
                    continue
                print(f"figure {name}_rps {rep.med(name):.0f}")
                if results[name][0].get("p99_ms") is not None:
                    print(f"figure {name}_p99_ms {rep.med(name, 'p99_ms'):.3f}")
            appcode_rps = rep.ratio("appcode_proxy_vs_nginx", "gatehouse_appcode", "nginx_appcode")
            rep.ratio("appcode_p99_vs_nginx", "gatehouse_appcode", "nginx_appcode", "p99_ms")
            rep.ratio("reject_vs_nginx", "gatehouse_reject", "nginx_reject")
            # The reject runs saturate wrk's CPU before either server's (docs/benchmarks.md): what a
            # rejection costs each server, nginx's over Gatehouse's (> 1: Gatehouse rejects for less CPU).
            print(f"figure nginx_reject_cpu_us_per_req {rep.med('nginx_reject', 'cpu_us_per_req'):.2f}")
            print(f"figure gatehouse_reject_cpu_us_per_req "
                  f"{rep.med('gatehouse_reject', 'cpu_us_per_req'):.2f}")
            rep.ratio("reject_cpu_vs_nginx", "nginx_reject", "gatehouse_reject", "cpu_us_per_req")
            # The load generator's side of the same runs: wrk's CPU per request and the share of its
            # CPU it used (≈ 1: wrk, not the server, set the rate).
            for run in ("nginx_reject", "gatehouse_reject"):
                print(f"figure {run}_client_cpu_us_per_req "
                      f"{rep.med(run, 'client_cpu_us_per_req'):.2f}")
                print(f"figure {run}_client_busy {rep.med(run, 'client_busy'):.2f}")
            rep.ratio("signature_vs_appcode", "gatehouse_signature", "gatehouse_appcode")
            # An app throttling policy bound (never reached) vs none; 429 refusals vs nginx limit_req.
            rep.ratio("throttled_vs_appcode", "gatehouse_throttled", "gatehouse_appcode")
            rep.ratio("throttle_reject_vs_nginx", "gatehouse_throttle_reject", "nginx_throttle_reject")
            rep.ratio("tls_vs_nginx", "gatehouse_tls", "nginx_tls")
            rep.ratio("h2_vs_nginx", "gatehouse_h2", "nginx_h2")
            # The same AppCode proxy run on three Gatehouses of the same data: without metrics or
            # access log, with --metrics-listen (and a scrape every second), with --access-log FILE.
            rep.ratio("metrics_on_vs_off", "gatehouse_metrics_on", "gatehouse_obs_off")
            rep.ratio("access_log_on_vs_off", "gatehouse_access_log_on", "gatehouse_obs_off")
            print_churn(results)

            rss = rss_mb(bench.gh.proc.pid)
            print(f"figure gatehouse_rss_mb_{len(bench.codes)}_codes {rss:.1f}")
            if len(bench.codes) >= 1_000_000:  # below, fixed overhead dominates the extrapolation
                print(f"figure rss_mb_per_1m_codes {rss * 1e6 / len(bench.codes):.1f}")
            summary = {"codes": len(bench.codes), "startup_s": bench.startup_s, "rss_mb": rss,
                       "appcode_rps": rep.med("gatehouse_appcode") if appcode_rps else None}
            if args.json_out:
                with open(args.json_out, "w") as f:
                    json.dump(summary, f)
            if args.baseline and summary["appcode_rps"]:
                base = json.load(open(args.baseline))
                print(f"ratio codes_{len(bench.codes)}_vs_{base['codes']} "
                      f"{summary['appcode_rps'] / base['appcode_rps']:.3f}")
        sys.stdout.flush()

        if not args.no_callgrind:
            bench.gh.stop()  # callgrind runs on copies of its data dir
            bench.gh_metrics.stop()
            bench.gh_log.stop()
            print_cpu_cost(bench, args)
        print(f"note dataplane_bench took {time.time() - started:.0f} s")
    finally:
        stop_all()
        if not os.environ.get("GATEHOUSE_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"note: kept {work}")


def merge_writes(writes):
    """The churn writer's counts over several slices, as one."""
    ok, failed = sum(w["ok"] for w in writes), sum(w["failed"] for w in writes)
    seconds = sum(w["seconds"] for w in writes)
    during, load_s = sum(w["during_load"] for w in writes), sum(w["load_s"] for w in writes)
    return {"attempted": ok + failed, "ok": ok, "failed": failed, "seconds": seconds,
            "writes_per_s": ok / seconds if seconds else 0.0,
            "during_load": during, "load_s": load_s,
            "writes_per_s_during_load": during / load_s if load_s else 0.0,
            "first_error": next((w["first_error"] for w in writes if w["first_error"]), None)}


def print_churn(results):
    """churn_p99_vs_calm: over every (calm slice, churn slice) pair of every round, the churn
    slice's p99 over the calm slice's; the median of those. Unavailable if the load or the
    writes failed, or if fewer than 90 % of the writes the rate asks for were answered while
    wrk ran (a server that defers its writes until the load stops is not under churn)."""
    runs = results["gatehouse_churn"]
    writes = [r["writes"] for r in runs]
    rate = statistics.median(w["writes_per_s_during_load"] for w in writes)
    failures = sum(w["failed"] for w in writes)
    print(f"figure churn_writes_per_s {statistics.median(w['writes_per_s'] for w in writes):.1f}")
    print(f"figure churn_writes_per_s_during_load {rate:.1f}")
    print(f"figure churn_write_failures {failures}")
    problems = []
    if not all(r["ok"] for r in runs):
        problems.append("wrk errors or non-2xx answers in a churn or calm slice")
    if failures:
        problems.append(f"{failures} writes failed, first: "
                        f"{next(w['first_error'] for w in writes if w['first_error'])}")
    if rate < 0.9 * CHURN_RATE:
        problems.append(f"{rate:.0f} of {CHURN_RATE} writes/s were answered while wrk ran")
    if problems:
        print("ratio churn_p99_vs_calm unavailable")
        for p in problems:
            print(f"note churn_p99_vs_calm: {p}")
        return
    pairs = [pair for r in runs for pair in r["pairs"]]
    print(f"figure churn_calm_slices_p99_ms {statistics.median(q for q, _ in pairs):.3f}")
    print(f"figure churn_slices_p99_ms {statistics.median(c for _, c in pairs):.3f}")
    print(f"ratio churn_p99_vs_calm {statistics.median(c / q for q, c in pairs):.3f}")
    print(f"note churn_p99_vs_calm: median over {len(pairs)} adjacent (calm, churn) pairs of "
          f"{runs[0]['slice_s']} s slices: " + " ".join(f"{c / q:.2f}" for q, c in pairs))


if __name__ == "__main__":
    main()
