#!/usr/bin/env python3
"""Rate limit and time limit under hostile load, on a live server.

    python3 .bench/limits.py [--servers prefork,threaded] [--keep]

For each server kind (prefork: ``--workers=2``; threaded: ``--workers=0``)
serves a fresh database with ``endpoint`` and its demo data, adds three
public endpoints from an ``odoo shell``, then:

- flood: several threads call ``/bench/limits/rated`` (RATE calls per
  PERIOD seconds, per client) without pause for one period, from just after
  a period begins to just before it ends: exactly RATE answers must be 200
  and all others 429 (with Retry-After); meanwhile ``/demo/hello`` (no
  limits) is called in a loop, and its p50 must stay within reach of its
  p50 on the idle server;
- loop: ``/bench/limits/loop`` (``while True: pass``, time limit LIMIT s)
  and ``/bench/limits/sql`` (``pg_sleep(60)``) must answer 504 within LIMIT
  plus one second, while ``/demo/hello`` keeps answering meanwhile, and
  after them (the worker is back).

Exit status: 0 when all holds, 1 when not, 2 on an error. PostgreSQL comes
from the ``PG*`` variables, as for ``.bench/bench.py``.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench
import hostile
from devkit.output import Abort, say, step

HELLO = "/demo/hello"
RATED = "/bench/limits/rated"
FREE = "/bench/limits/free"
LOOP = "/bench/limits/loop"
SQL = "/bench/limits/sql"
RATE = 20
PERIOD = 10
LIMIT = 2
FLOOD_THREADS = 6
# The p50 of the unlimited endpoint while the limited one is flooded, against
# its p50 while an unlimited twin is flooded the same way: a flood of several
# threads keeps the server's workers busy whatever it calls (and shares the
# machine's CPUs with it), so the idle p50 is printed, not compared; refusing
# a call must cost no more than serving it.
P50_SLOWDOWN = 1.25

SETUP = f"""
user = env.ref("base.user_demo")
common = dict(request_method="GET", auth_type="public", exec_as_user_id=user.id)
Endpoint = env["endpoint.endpoint"]
Endpoint.create([
    dict(common, name="free", route={FREE!r},
         code_snippet="result = {{'payload': 1}}"),
    dict(common, name="rated", route={RATED!r}, rate_limit_count={RATE},
         rate_limit_period={PERIOD}, code_snippet="result = {{'payload': 1}}"),
    dict(common, name="loop", route={LOOP!r}, time_limit={LIMIT},
         code_snippet="while True:\\n    pass\\n"),
    dict(common, name="sql", route={SQL!r}, time_limit={LIMIT},
         code_snippet="env.cr.execute('SELECT pg_sleep(60)')\\nresult = {{}}"),
]).action_sync_registry()
env.cr.commit()
print("SETUP DONE")
"""


class LimitsServer(hostile.DemoServer):
    """The demo database, served prefork (``WORKERS``) or threaded."""

    def install(self):
        super().install()
        # The endpoints of the checks, created and synced as an admin would.
        res = subprocess.run(
            [*self.cmd, "shell", *self.args()[len(self.cmd) :], "--no-http"],
            input=SETUP,
            env=self.env,
            cwd=bench.REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        if "SETUP DONE" not in res.stdout:
            raise Abort(f"creating the endpoints failed: {res.stderr[-2000:]}")

    def start(self, gevent_port):
        if self.WORKERS:
            return super().start(gevent_port)
        with open(self.stderr, "wb") as stderr:
            self.proc = self._spawn(gevent_port, stderr)
        deadline = time.monotonic() + 180
        while self.call(HELLO)[0] != 200:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise Abort(f"{HELLO} does not answer; see {self.log}")
            time.sleep(0.5)
        self.gevent = None
        return None


class ThreadedServer(LimitsServer):
    WORKERS = 0


class Sampler:
    """Calls ``path`` in a loop from one thread; keeps each call's seconds."""

    def __init__(self, server, path=HELLO):
        self.server, self.path = server, path
        self.times, self.statuses = [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            status, _data, wall = self.server.call(self.path)
            self.statuses.append(status)
            self.times.append(wall)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def p50_ms(self):
        return statistics.median(self.times) * 1000 if self.times else float("nan")


def idle_p50(server, seconds=3.0):
    with Sampler(server) as sampler:
        time.sleep(seconds)
    return sampler.p50_ms()


def hammer(server, path, seconds):
    """Call ``path`` from FLOOD_THREADS threads for ``seconds`` while HELLO is
    sampled; return the statuses, the bodies of odd 429s and the sampler."""
    stop_at = time.monotonic() + seconds
    statuses, odd = [], []

    def loop():
        while time.monotonic() < stop_at:
            status, data, _wall = server.call(path)
            statuses.append(status)
            if status == 429 and b"Too many calls" not in data:
                odd.append(data)

    threads = [threading.Thread(target=loop) for _i in range(FLOOD_THREADS)]
    with Sampler(server) as sampler:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return statuses, odd, sampler


def flood(server):
    """Flood RATED for one period; return whether the figures hold."""
    idle = idle_p50(server)
    _statuses, _odd, free = hammer(server, FREE, PERIOD - 1.0)
    # Start just after a period begins (the database's clock and ours agree
    # closely enough on one machine) and stop before it ends.
    time.sleep(PERIOD - time.time() % PERIOD + 0.3)
    statuses, odd, rated = hammer(server, RATED, PERIOD - 1.0)
    ok200, ok429 = statuses.count(200), statuses.count(429)
    others = len(statuses) - ok200 - ok429
    served = set(rated.statuses) == {200} and set(free.statuses) == {200}
    holds = (
        ok200 == RATE
        and not others
        and not odd
        and served
        and rated.p50_ms() <= free.p50_ms() * P50_SLOWDOWN + 5
    )
    say(
        f"    flood: {len(statuses)} calls in {PERIOD - 1} s from {FLOOD_THREADS} "
        f"threads: {ok200} x 200 (limit {RATE}), {ok429} x 429, {others} other"
    )
    say(
        f"    {HELLO} p50: {idle:.1f} ms idle; {free.p50_ms():.1f} ms while "
        f"{FREE} (no limit) is flooded, {rated.p50_ms():.1f} ms while {RATED} "
        f"is ({len(rated.times)} calls; all 200: {served})"
    )
    return holds


def endless(server, path, parallel=1):
    """Call ``path`` ``parallel`` times at once (2: both prefork workers
    busy); return whether all answer 504 in time and HELLO is served
    meanwhile and after."""
    results = []

    def call():
        status, _data, wall = server.call(path)
        results.append((status, wall))

    threads = [threading.Thread(target=call) for _i in range(parallel)]
    with Sampler(server) as sampler:
        time.sleep(0.3)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    after = server.call(HELLO)
    worst = max(wall for _status, wall in results)
    holds = all(status == 504 for status, _wall in results) and worst <= LIMIT + 1
    say(
        f"    {path} x {parallel}: {[s for s, _w in results]} in {worst:.2f} s "
        f"at worst (limit {LIMIT} s); meanwhile {HELLO}: {len(sampler.times)} "
        f"calls, statuses {sorted(set(sampler.statuses), key=str)}, worst "
        f"{max(sampler.times) * 1000:.0f} ms, p50 {sampler.p50_ms():.0f} ms; "
        f"after: {after[0]}"
    )
    # With two prefork workers, both loops hold both workers until they are
    # stopped: HELLO waits, but is answered.
    served = bool(sampler.times) and all(s == 200 for s in sampler.statuses)
    return holds and served and after[0] == 200


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 .bench/limits.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--servers",
        default="prefork,threaded",
        help="server kinds, comma-separated; default: %(default)s",
    )
    parser.add_argument("--port", type=int, default=8323, help="HTTP port (+1: gevent)")
    parser.add_argument("--db", default=f"bench_limits_{os.getpid()}")
    parser.add_argument("--keep", action="store_true", help="keep database and logs")
    args = parser.parse_args(argv)
    args.servers = args.servers.split(",")
    unknown = set(args.servers) - {"prefork", "threaded"}
    if unknown:
        parser.error(f"unknown server kinds: {', '.join(sorted(unknown))}")
    return args


def main(argv=None):
    args = parse_args(argv)
    codes = []
    base_db = args.db
    for kind in args.servers:
        server_class = LimitsServer if kind == "prefork" else ThreadedServer
        args.db = f"{base_db}_{kind}"

        def run(server, kind=kind):
            step(f"{kind} server: flood {RATED}")
            ok = flood(server)
            step(f"{kind} server: snippets that never end")
            for parallel in (1, 2):
                ok = endless(server, LOOP, parallel) and ok
                ok = endless(server, SQL, parallel) and ok
            say(f"    {kind}: {'all holds' if ok else 'FAILED'}")
            return ok

        session = bench.Session(args, f"endpoint-limits-{kind}-", server_class)
        codes.append(session.run(run))
    say(
        f"\nMachine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}:"
        " other work on the machine slows every figure."
    )
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
