"""Scale benchmark: a million AppCodes, or ten (docs/benchmarks.md#a-million-appcodes).

Loads 1,000,000 AppCodes (--codes N: N; 200,000 apps with five each, all authorized for one API)
through the documented bulk path `gatehouse import`, then measures:
  figure import_s_1m_codes    the import's wall time (full runs, and --quick runs without a cache)
  figure import_cpu_s_1m_codes  its CPU time (user + system, all threads)
  figure startup_s_1m_codes   process start until the gateway answers with the store's codes loaded
  figure rss_mb_per_1m_codes  RSS of that serving process (after the load rounds), scaled to 1M
                              (with --codes 10000000: rss_mb_per_1m_codes_at_10m)
  ratio codes_1m_vs_10k       AppCode proxy req/s with 1M codes / with 10k codes (median of the
                              per-round ratios; each round runs the stores A B B A)
With --codes 10000000 the names say 10m. The codes are generated as the import file is written
(ten million are never held at once); the rotation is a uniform sample of them.
The throughput rounds rotate through up to 100,000 distinct AppCodes of each store (a wrk Lua
script), so the lookups really go through the large index, not one cached slot; the small store's
codes are cycled to a list of the same length, so wrk does the same work for both. Both gateways run
at the same time on CPU 1 with the upstream, wrk on CPU 0; rounds interleave; medians reported.

--quick keeps the imported data directory under bench/.cache/ (keyed by code count and the store
schema) and reuses it on later runs; then the import is not timed again. Stores above a million
codes are always kept and reused (a ten-million import takes minutes; delete the entry to time
it again).
Everything started binds 127.0.0.1 on free ports and is stopped at the end."""
import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import dataplane_bench as db  # noqa: E402

ROTATION = 100_000  # distinct AppCodes a throughput round cycles through (at most)
# The requests are formatted once, in init() (wrk sets the Host header just before): a request
# then costs wrk a table read and no Lua allocation. Formatting them per request made wrk's
# cost depend on the store: LuaJIT interns every string, so the small store's codes, cycled
# ten times, kept hitting strings still alive while the big store's 100,000 distinct codes
# allocated new ones and fed the collector; against the same `return 200` nginx, wrk did 14 %
# fewer requests per second with the big store's list than with the small one's (1 % when
# pre-formatted).
LUA = """local path = "%s"
local requests = {}
init = function(args)
  for line in io.lines(path) do
    requests[#requests + 1] = wrk.format("GET", "/", {["X-Apig-AppCode"] = line})
  end
end
local i = 0
request = function()
  i = i %% #requests + 1
  return requests[i]
end
"""


def label(n):
    """1000000 → "1m", 10000000 → "10m", 10000 → "10k"; other counts as they are."""
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if n % unit == 0:
            return f"{n // unit}{suffix}"
    return str(n)


def store_key(n):
    """Cache key: code count and the store schema (migrations source) the binary writes."""
    with open(os.path.join(db.ROOT, "src", "store", "migrations.cpp"), "rb") as f:
        schema = hashlib.sha256(f.read()).hexdigest()[:12]
    return f"codes-{n}-schema-{schema}"


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def answers(gateway, code):
    """True once the gateway recognises `code` (any answer but a 401/connection failure)."""
    req = urllib.request.Request(gateway + "/", headers={"X-Apig-AppCode": code})
    try:
        with urllib.request.urlopen(req, timeout=5):
            return True
    except urllib.error.HTTPError as e:
        return e.code != 401
    except OSError:
        return False


def timed_start(work, probe):
    """Starts Gatehouse on work/gatehouse; returns (gatehouse, seconds until it recognises
    `probe`)."""
    started = time.time()
    gh = db.Gatehouse(work)
    deadline = started + 600
    while not answers(gh.gateway, probe):
        if time.time() > deadline:
            raise RuntimeError("the gateway did not recognise the probe AppCode")
        time.sleep(0.02)
    return gh, time.time() - started


def point_api_at(gh, api_id, up_port):
    """Re-points the bench API (cached store) at this run's upstream and publishes it again."""
    api = gh.request("GET", gh.base + f"/apis/{api_id}")[1]
    body = {k: api[k] for k in ("group_id", "name", "type", "req_protocol", "req_method",
                                "req_uri", "match_mode", "auth_type", "auth_opt",
                                "backend_type")}
    body["backend_api"] = {"url_domain": f"127.0.0.1:{up_port}", "req_protocol": "HTTP",
                           "req_method": "GET", "req_uri": "/", "timeout": 5000}
    gh.request("PUT", gh.base + f"/apis/{api_id}", body)
    gh.request("POST", gh.base + "/apis/action",
               {"action": "online", "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID",
                "api_id": api_id})


def random_codes(n, sample):
    """n random AppCodes (as benchlib.random_code: 64..180 characters), generated as they are
    written; fills `sample` with up to ROTATION of them (reservoir sampling, uniform) and
    sample_probe with the middle one. Duplicates (chance ~n^2/2^500) would fail the import."""
    sample.clear()
    made = 0
    while made < n:
        chunk = min(10_000, n - made)
        raw = os.urandom(137 * chunk)
        for k in range(chunk):
            r = raw[137 * k:137 * (k + 1)]
            length = 64 + r[0] % 117
            code = benchlib.CHARSET[r[1] % 62] + base64.b64encode(r[2:])[:length - 1].decode()
            if made == n // 2:
                random_codes.probe = code
            if len(sample) < ROTATION:
                sample.append(code)
            else:
                j = random.randrange(made + 1)
                if j < ROTATION:
                    sample[j] = code
            made += 1
            yield code


def build_store(work, n, up_port):
    """A new store with n AppCodes imported; returns (codes rotation, probe, api id, import s,
    import CPU s). The server is stopped when it returns."""
    rotation = []
    gh = db.Gatehouse(work)
    # Above a million codes the server is stopped during the import: a running gateway applies
    # the import batch by batch, copying its whole growing index each time (quadratic work that
    # competes with the import for the two cores). Up to a million it runs, as it always did.
    stop_first = n > 1_000_000
    try:
        _, _, took = gh.load(up_port, random_codes(n, rotation), work, count=n,
                             stop_first=stop_first)
        api_id = gh.bench_api_id
    finally:
        if gh.proc.poll() is None:
            gh.stop()
    os.unlink(os.path.join(work, "import.jsonl"))
    random.shuffle(rotation)
    return rotation, random_codes.probe, api_id, took, gh.import_cpu_s


def prepare(work, n, up_port, cache):
    """Returns (rotation, probe, api id, import seconds or None when the store came from the
    cache, cache meta or None, import CPU seconds or None). With `cache`, a store imported
    earlier for the same key is copied instead."""
    entry = os.path.join(db.ROOT, "bench", ".cache", store_key(n)) if cache else None
    meta_path = entry and os.path.join(entry, "meta.json")
    if entry and os.path.exists(meta_path):
        meta = json.load(open(meta_path))
        shutil.copytree(os.path.join(entry, "gatehouse"), os.path.join(work, "gatehouse"))
        with open(os.path.join(entry, "rotation.txt")) as f:
            rotation = f.read().split()
        return rotation, meta["probe"], meta["api_id"], None, meta, None
    rotation, probe, api_id, took, cpu = build_store(work, n, up_port)
    if entry:
        tmp = entry + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp, mode=0o700)
        shutil.copytree(os.path.join(work, "gatehouse"), os.path.join(tmp, "gatehouse"),
                        ignore=shutil.ignore_patterns("listen.json", "snapshot.json*"))
        with open(os.path.join(tmp, "rotation.txt"), "w") as f:
            f.write("\n".join(rotation) + "\n")
        with open(os.path.join(tmp, "meta.json"), "w") as f:
            json.dump({"probe": probe, "api_id": api_id, "password": db.PASSWORD,
                       "upstream_port": up_port, "import_s": took, "import_cpu_s": cpu,
                       "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, f)
        shutil.rmtree(entry, ignore_errors=True)
        os.rename(tmp, entry)
    return rotation, probe, api_id, took, None, cpu


def same_length(*rotations):
    """The rotations cycled to the longest one's length: wrk's Lua script then indexes a table of
    the same size for both stores, so the client's own work (and cache misses) is the same and
    the ratio measures the servers. (A 10,000-entry table against a 100,000-entry one cost wrk
    1-2 % of the small store's rate.)"""
    n = max(len(r) for r in rotations)
    return tuple([r[i % len(r)] for i in range(n)] for r in rotations)


def abba_order(rnd):
    """The runs of round `rnd`: A B B A, with A and B swapped every other round. Each store's
    two runs sit symmetrically around the round's midpoint, so a drift of the shared machine
    that is linear over the round weighs on both stores alike (with A B alone it favours the
    first), and the alternation cancels what remains across rounds."""
    a, b = ("small", "big") if rnd % 2 == 0 else ("big", "small")
    return (a, b, b, a)


def paired_ratio(big_rounds, small_rounds):
    """The median over rounds of (big's req/s summed over the round) / (small's, likewise)."""
    return statistics.median(sum(r["rps"] for r in b) / sum(r["rps"] for r in s)
                             for b, s in zip(big_rounds, small_rounds))


def wrk_rotating(url, seconds, script):
    """One wrk run (pinned like dataplane_bench.wrk) whose requests cycle through AppCodes."""
    return db.wrk(url, seconds, {}, script=script)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="shorter rounds; reuse a cached store (bench/.cache/)")
    ap.add_argument("--codes", type=int, default=1_000_000,
                    help="the big store's codes; above 1,000,000 the store is always cached")
    ap.add_argument("--small", type=int, default=10_000, help="the comparison store's codes")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=0)
    args = ap.parse_args()
    # A SIGTERM (e.g. from timeout) still stops every server started (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    seconds = args.seconds or (2 if args.quick else 5)
    big_label, small_label = label(args.codes), label(args.small)
    # A full run times the import again, up to a million codes; a larger store (minutes to
    # import) is imported once and then copied from the cache, like every store with --quick.
    cache = args.quick or args.codes > 1_000_000
    work = tempfile.mkdtemp(prefix="gh-scale-")
    try:
        # A cached store was bootstrapped with its own admin password and upstream port.
        entry = os.path.join(db.ROOT, "bench", ".cache", store_key(args.codes))
        meta = None
        if cache and os.path.exists(os.path.join(entry, "meta.json")):
            meta = json.load(open(os.path.join(entry, "meta.json")))
            db.PASSWORD = benchlib.PASSWORD = meta["password"]  # benchlib's Gatehouse reads it
        up_port = meta["upstream_port"] if meta and port_free(meta["upstream_port"]) \
            else db.free_port()
        up_prefix = os.path.join(work, "upstream")
        db.start_nginx(up_prefix, db.upstream_conf(up_port))

        big_work, small_work = os.path.join(work, "big"), os.path.join(work, "small")
        os.makedirs(big_work)
        os.makedirs(small_work)
        started = time.time()
        rot_big, probe_big, api_big, import_s, _, import_cpu = prepare(big_work, args.codes,
                                                                       up_port, cache=cache)
        if import_s is not None:
            print(f"figure import_s_{big_label}_codes {import_s:.1f}", flush=True)
            print(f"figure import_cpu_s_{big_label}_codes {import_cpu:.1f}", flush=True)
        else:
            print(f"note import_s_{big_label}_codes not measured (store from bench/.cache, "
                  f"imported in {meta['import_s']:.1f} s on {meta['created']}; copied in "
                  f"{time.time() - started:.0f} s)", flush=True)
        rot_small, probe_small, _, _, _, _ = prepare(small_work, args.small, up_port,
                                                     cache=False)

        # The store just copied (8.8 GB at 10M) or imported is still being written back: starts
        # timed during that writeback measured the disk's flush (a first start of 21.5 s against
        # 8-11 s for the next two), not the server. A restarting node has no such backlog.
        synced = time.time()
        os.sync()
        print(f"note synced the copied store in {time.time() - synced:.1f} s before the starts",
              flush=True)
        # Startup: median of three starts (the first also re-points a cached store's API).
        startups = []
        for i in range(3):
            gh, took = timed_start(big_work, probe_big)
            startups.append(took)
            print(f"start {i + 1}: {took:.2f} s  rss {db.rss_mb(gh.proc.pid):.0f} MB", flush=True)
            if i < 2:
                gh.stop()
        if meta and up_port != meta["upstream_port"]:
            point_api_at(gh, api_big, up_port)
        gh.wait_code(probe_big, 120)
        big = gh
        print(f"figure startup_s_{big_label}_codes {statistics.median(startups):.2f}", flush=True)
        small = db.Gatehouse(small_work)
        small.wait_code(probe_small, 60)

        for pid in db.nginx_pids(up_prefix) + [big.proc.pid, small.proc.pid]:
            db.pin(pid, 1)
        scripts = {}
        rot_small, rot_big = same_length(rot_small, rot_big)
        for name, rot in (("small", rot_small), ("big", rot_big)):
            codes_file = os.path.join(work, f"{name}-codes.txt")
            with open(codes_file, "w") as f:
                f.write("\n".join(rot) + "\n")
            scripts[name] = os.path.join(work, f"{name}.lua")
            with open(scripts[name], "w") as f:
                f.write(LUA % codes_file)
        targets = {"small": small.gateway, "big": big.gateway}
        results = {"small": [], "big": []}  # per round: the round's runs of that store
        half = max(1, seconds // 2)
        for rnd in range(args.rounds):
            for name in abba_order(rnd):
                r = wrk_rotating(targets[name] + "/", half, scripts[name])
                if len(results[name]) <= rnd:
                    results[name].append([])
                results[name][rnd].append(r)
                print(f"round {rnd + 1} {name:5s} {r['rps']:>10.0f} req/s  "
                      f"p99 {r['p99_ms']:.2f} ms  non-2xx {r['non2xx']}", flush=True)
        rss = db.rss_mb(big.proc.pid)
        print()
        if args.rounds:  # --rounds 0: import and start-up figures only
            med = {k: statistics.median(r["rps"] for runs in v for r in runs)
                   for k, v in results.items()}
            print(f"figure appcode_rps_{small_label}_codes {med['small']:.0f}")
            print(f"figure appcode_rps_{big_label}_codes {med['big']:.0f}")
        print(f"figure rss_mb_{big_label}_codes {rss:.1f}")
        print(f"figure rss_mb_per_1m_codes{'' if args.codes == 1_000_000 else '_at_' + big_label} "
              f"{rss * 1e6 / args.codes:.1f}")
        if args.rounds:
            print(f"ratio codes_{big_label}_vs_{small_label} "
                  f"{paired_ratio(results['big'], results['small']):.3f}")
        bad = [k for k, v in results.items() if any(r["non2xx"] for runs in v for r in runs)]
        if bad:
            print(f"warning: non-2xx answers in {bad}; see {work}/*/gatehouse.log")
    finally:
        db.PROCS.reverse()
        for entry in db.PROCS:
            if entry[0] == "nginx":
                subprocess.run(["nginx", "-p", entry[1] + "/", "-c", entry[2], "-s", "quit"],
                               stderr=subprocess.DEVNULL)
            else:
                proc = entry[1]
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(30)
                    except subprocess.TimeoutExpired:
                        proc.kill()
        if not os.environ.get("GATEHOUSE_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
