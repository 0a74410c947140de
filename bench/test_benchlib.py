"""Parsers of the load generators' reports (samples are real wrk 4.1.0 / h2load 1.52 output).
Run: /usr/bin/python3 -m pytest -q bench/test_benchlib.py"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib import parse_h2load, parse_wrk  # noqa: E402

WRK_OK = """Running 1s test @ http://127.0.0.1:43411/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   696.71us    1.36ms   9.49ms   86.86%
    Req/Sec    24.90k     3.97k   32.98k    80.00%
  Latency Distribution
     50%   70.00us
     75%  429.00us
     90%    2.64ms
     99%    6.26ms
  24861 requests in 1.01s, 3.53MB read
Requests/sec:  24613.29
Transfer/sec:      3.50MB
"""

WRK_ERRORS = """Running 2s test @ http://127.0.0.1:40000/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms    2.00ms  30.00ms   90.00%
    Req/Sec     8.00k     1.00k   10.00k    70.00%
  Latency Distribution
     50%  800.00us
     75%    1.50ms
     90%    2.00ms
     99%    1.02s
  16000 requests in 2.00s, 2.00MB read
  Socket errors: connect 0, read 5, write 0, timeout 2
  Non-2xx or 3xx responses: 120
Requests/sec:   8000.00
Transfer/sec:      1.00MB
"""

H2_HEAD = """starting benchmark...
spawning thread #0: 16 total client(s). Timing-based test with 1s of warm-up time and 2s of main duration for measurements.
TLS Protocol: TLSv1.3
Cipher: TLS_AES_128_GCM_SHA256
Server Temp Key: X25519 253 bits
Application protocol: {proto}
Main benchmark duration is over for thread #0. Stopping all clients.

"""
H2_TAIL = """finished in 3.02s, 8656.50 req/s, 574.85KB/s
requests: {done} total, {done} started, {done} done, {succ} succeeded, {failed} failed, {err} errored, 0 timeout
status codes: {s2} 2xx, 0 3xx, {s4} 4xx, 0 5xx
traffic: 1.12MB (1177284) total, 1.14MB (1197792) headers (space savings 51.02%), 48.74KB (49908) data
"""


def h2(proto="h2", done=17313, succ=17313, failed=0, err=0, s2=17313, s4=0):
    return (H2_HEAD.format(proto=proto) +
            H2_TAIL.format(done=done, succ=succ, failed=failed, err=err, s2=s2, s4=s4))


def test_wrk_report():
    r = parse_wrk(WRK_OK)
    assert r == {"rps": 24613.29, "p99_ms": 6.26, "requests": 24861, "non2xx": 0,
                 "socket_errors": 0}


def test_wrk_errors_and_units():
    r = parse_wrk(WRK_ERRORS)
    assert r["p99_ms"] == pytest.approx(1020.0)
    assert r["non2xx"] == 120 and r["socket_errors"] == 7 and r["requests"] == 16000


def test_wrk_without_report_raises():
    with pytest.raises(RuntimeError):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_h2load_success_counts_2xx_over_the_measured_duration():
    r = parse_h2load(h2())
    assert r["ok"] and r["protocol"] == "h2" and r["cipher"] == "TLS_AES_128_GCM_SHA256"
    assert r["rps"] == pytest.approx(8656.50)  # not 17313 / 3.02 s (that includes warm-up)


def test_h2load_any_non_2xx_makes_the_run_unusable():
    r = parse_h2load(h2(done=17313, succ=17000, failed=313, s2=17000, s4=313))
    assert not r["ok"] and r["rps"] == 0.0 and "313 non-2xx" in r["reason"]


def test_h2load_errors_make_the_run_unusable():
    r = parse_h2load(h2(done=100, succ=100, err=4, s2=100))
    assert not r["ok"] and "4 errored" in r["reason"]


def test_h2load_all_rejected():
    r = parse_h2load(h2(succ=0, failed=17313, s2=0, s4=17313))
    assert not r["ok"] and r["reason"] == "no 2xx answers"


def test_h2load_http1_fallback_is_not_h2():
    r = parse_h2load(h2(proto="http/1.1"))
    assert not r["ok"] and "http/1.1" in r["reason"]


def test_h2load_no_protocol_negotiated():
    out = H2_TAIL.format(done=0, succ=0, failed=0, err=0, s2=0, s4=0)
    r = parse_h2load("starting benchmark...\nNo protocol negotiated. Exiting...\n" + out)
    assert not r["ok"] and r["reason"] == "negotiated no protocol, not h2"


def test_h2load_without_report():
    r = parse_h2load("h2load: command not found\n")
    assert not r["ok"] and r["reason"].startswith("no h2load report")


def test_round_order_runs_every_run_once_with_compared_runs_adjacent():
    import dataplane_bench as db
    names = [n for g in db.GROUPS for n in g]
    assert len(names) == len(set(names))
    for rnd in range(4):
        order = db.round_order(rnd)
        assert sorted(order) == sorted(names)
        for a, b in (("nginx_appcode", "gatehouse_appcode"),
                     ("gatehouse_appcode", "gatehouse_signature"),
                     ("nginx_reject", "gatehouse_reject"), ("nginx_tls", "gatehouse_tls"),
                     ("nginx_h2", "gatehouse_h2"),
                     ("nginx_throttle_reject", "gatehouse_throttle_reject")):
            assert abs(order.index(a) - order.index(b)) == 1, (rnd, a, b)
        # throttled_vs_appcode: in the same round, one run between them at most.
        assert abs(order.index("gatehouse_throttled") - order.index("gatehouse_appcode")) <= 2
    # Alternating rounds: whichever side went first goes second in the next round.
    assert db.round_order(0).index("nginx_reject") < db.round_order(0).index("gatehouse_reject")
    assert db.round_order(1).index("nginx_reject") > db.round_order(1).index("gatehouse_reject")


def test_rotations_are_cycled_to_the_same_length():
    import scale_bench
    small, big = scale_bench.same_length(["a", "b"], ["1", "2", "3", "4", "5"])
    assert small == ["a", "b", "a", "b", "a"] and big == ["1", "2", "3", "4", "5"]


def test_scale_rounds_are_abba_and_alternate():
    import scale_bench
    assert scale_bench.abba_order(0) == ("small", "big", "big", "small")
    assert scale_bench.abba_order(1) == ("big", "small", "small", "big")


def test_scale_ratio_sums_each_round_then_takes_the_median():
    import scale_bench

    def runs(*rates):
        return [{"rps": r} for r in rates]
    big = [runs(90, 110), runs(50, 50), runs(99, 99)]
    small = [runs(100, 100), runs(100, 100), runs(100, 100)]
    # round ratios 1.0, 0.5, 0.99 -> median 0.99
    assert scale_bench.paired_ratio(big, small) == 0.99


def test_typical_code_is_the_first_nearest_the_middle_length():
    assert benchlib.typical_code(["a" * 64, "b" * 121, "c" * 123, "d" * 180]) == "b" * 121
    assert benchlib.typical_code(["a" * 64, "b" * 122, "c" * 122]) == "b" * 122
