#!/usr/bin/env python3
"""Scale: how the costs grow with the number of endpoints, and what the addon
costs the rest of Odoo.

    python3 .bench/scale.py [--sizes 10,1000,10000] [--compare main] [--keep]

Serves a fresh database (``endpoint`` and the benchmark addon, as
``.bench/bench.py`` does) with ``--workers=2`` and, for each size, brings the
number of endpoint records up to it (created and synced from another process,
1,000 per transaction, timed), then measures:

- the first request of a worker: Odoo restarted, each worker's first answer to
  an endpoint route (its own time, from Odoo's access log);
- p50 of an endpoint route, then each worker's memory (RSS);
- a sync: another process creates and syncs one endpoint while clients call an
  endpoint route; the slowest of their requests meanwhile, and how long after
  the commit every worker serves the new route;
- "no tax": the SQL queries of a plain Odoo route (``/web/service-worker.js``)
  against the same route on a database without the addon.

Then, at the largest size, a second Odoo server on the same database: a sync
committed by another process while both servers are under load must be served
by the second one within a second, with no wrong answer after that.

``--compare REF`` first runs it all on the addon as of git revision ``REF``
(exported with ``git archive``, nothing checked out), then on the working
tree, and prints both tables side by side. Exit status: 0 when the working
tree meets the targets, 1 when not, 2 on an error.
"""

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench
from devkit import REPO
from devkit.output import Abort, say, step
from devkit.pg import drop_database
from devkit.procs import free_port, port_in_use

PREFIX = "/bench/scale/"
PLAIN_ODOO_ROUTE = "/web/service-worker.js"
PROBE = PREFIX + "e0"

# The targets.
P50_GROWTH = 1.10  # p50 at the largest size at most 10% above the smallest
SYNC_STALL = 0.100  # seconds: the slowest request while a sync lands
SYNC_REACH = 1.0  # seconds: every worker (every server) serves the new route

SCALE_AGENT = r"""
USER = None
for line in sys.stdin:
    command, *rest = line.split()
    t0 = time.time()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Endpoint = env["endpoint.endpoint"].with_context(active_test=False)
        user = env.ref("endpoint_bench.user_bench").id

        def vals(route, payload):
            return {
                "name": f"Scale {route}", "route": route,
                "request_method": "GET", "auth_type": "public",
                "exec_as_user_id": user,
                "code_snippet": f"result = {{'payload': {payload!r}}}",
            }

        if command == "populate":
            target = int(rest[0])
            have = Endpoint.search_count([("route", "=like", PREFIX + "e%")])
            for start in range(have, target, 1000):
                stop = min(target, start + 1000)
                records = Endpoint.create(
                    [vals(f"{PREFIX}e{i}", f"e{i}") for i in range(start, stop)]
                )
                records.action_sync_registry()
                cr.commit()  # its post-commit hook syncs, and commits
        elif command == "probe":
            Endpoint.create(vals(PREFIX + rest[0], rest[0])).action_sync_registry()
            cr.commit()
    print("done", t0, time.time(), flush=True)
"""


def export_ref(ref, dest):
    """The ``endpoint`` addon as of git revision ``ref``, in ``dest``."""
    res = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, "endpoint"],
        capture_output=True,
        check=False,
    )
    if res.returncode:
        raise Abort(f"git archive {ref}: {res.stderr.decode().strip()}")
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(res.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def scale_server_class(addons):
    """A bench Server serving the addon from the ``addons`` folder."""

    class ScaleServer(bench.Server):
        CONTENTS = f"endpoint ({addons}) + endpoint_bench"

        def args(self, *extra):
            return [
                f"--addons-path={bench.BENCH_ADDONS},{addons}"
                if a.startswith("--addons-path=")
                else a
                for a in super().args(*extra)
            ]

        def cold_start(self, gevent_port):
            """Start without calling any route: the workers are fresh."""
            with open(self.stderr, "ab") as stderr:
                self.proc = self._spawn(gevent_port, stderr)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise Abort(f"Odoo exited; see {self.log}")
                if port_in_use(self.port):
                    return
                time.sleep(0.2)
            raise Abort(f"Odoo did not listen on {self.port}; see {self.log}")

    return ScaleServer


class Agent(bench.SyncAgent):
    def run(self, *words):
        self.send(" ".join(words))
        t0, t1 = (float(x) for x in self._expect("done"))
        return t0, t1


def access(server, start, path=None):
    for m in server.access_lines(start):
        if path is None or m["path"] == path:
            yield m


def first_requests(server, route, workers=bench.WORKERS, timeout=120):
    """The slowest worker's own time (SQL + Python, seconds) for its first
    request of ``route``: clients call it from as many threads as there are
    workers until each worker answered once."""
    start = server.log_offset()
    first = {}
    deadline = time.monotonic() + timeout

    def call():
        while len(first) < workers and time.monotonic() < deadline:
            server.get(route, timeout=60)
            time.sleep(0.05)

    threads = [threading.Thread(target=call) for _ in range(workers)]
    for thread in threads:
        thread.start()
    while len(first) < workers and time.monotonic() < deadline:
        time.sleep(0.3)  # the access lines
        for m in access(server, start, route):
            first.setdefault(m["pid"], float(m["sql_time"]) + float(m["py_time"]))
    for thread in threads:
        thread.join()
    return max(first.values()) if len(first) == workers else None


def p50(server, route, count):
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        status, body = server.get(route)
        if status != 200:
            raise Abort(f"{route} answered {status}: {body[:200]!r}")
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def queries(server, route, count=20):
    """The median SQL query count of ``route`` once warm (Odoo's access log)."""
    for _ in range(3):
        server.get(route)
    start = server.log_offset()
    for _ in range(count):
        server.get(route)
    time.sleep(0.3)
    counts = [int(m["queries"]) for m in access(server, start, route)]
    return statistics.median(counts) if counts else None


def served_after(events, since, accept, run=20):
    """Seconds from ``since`` to the first of ``run`` consecutive right
    answers to requests sent after it, and the wrong answers after those
    began; (None, wrong) when they never came."""
    events = sorted(e for e in events if e[0] >= since)
    streak_start = None
    streak = 0
    for index, (_sent, _done, status, body) in enumerate(events):
        if accept(status, body):
            if streak == 0:
                streak_start = index
            streak += 1
            if streak >= run:
                wrong = sum(not accept(s, b) for _t, _d, s, b in events[streak_start:])
                return max(0.0, events[streak_start][0] - since), wrong
        else:
            streak = 0
    return None, None


def measure_sync(agents, pollers_servers, name):
    """Commit a sync of a new endpoint ``name`` from another process while
    clients call ``PROBE`` and the new route on every server."""
    new_route = PREFIX + name

    def accept(status, body):
        return status == 200 and name.encode() in body

    pollers = []
    for server in pollers_servers:
        pollers += [bench.Poller(server, PROBE), bench.Poller(server, new_route)]
    for poller in pollers:
        poller.__enter__()
    try:
        time.sleep(1.0)
        _t0, committed = agents.run("probe", name)
        time.sleep(3.0)
    finally:
        for poller in pollers:
            poller.__exit__(None, None, None)
    stall = max(
        (done - sent for p in pollers[0::2] for sent, done, _s, _b in p.events
         if done >= committed - 0.05 and sent <= committed + 2.0),
        default=None,
    )  # fmt: skip
    reach = [served_after(p.events, committed, accept) for p in pollers[1::2]]
    return stall, reach


def measure_size(server, agent, size, args):
    step(f"{size} endpoints")
    t0, t1 = agent.run("populate", str(size))
    say(f"    created and synced up to {size}: {t1 - t0:.1f} s")
    server.stop()
    server.cold_start(args.port + 1)
    first = first_requests(server, PROBE)
    first_requests(server, bench.CASES[0].path("plain"))  # both workers warm
    row = {
        "size": size,
        "populate": t1 - t0,
        "first": first,
        "p50": p50(server, PROBE, args.requests),
        "rss": max(bench.worker_rss(server).values() or [0]) / 1024,
        "queries_plain": queries(server, PLAIN_ODOO_ROUTE),
        "queries_endpoint": queries(server, PROBE),
    }
    stall, reach = measure_sync(agent, [server], f"probe{size}")
    row["stall"] = stall
    row["reach"] = reach[0][0]
    row["wrong"] = reach[0][1]
    say(
        "    first request {first:.3f} s, p50 {p50_ms:.1f} ms, RSS {rss:.0f} MiB, "
        "sync: slowest {stall_ms} ms, served after {reach}".format(
            p50_ms=row["p50"] * 1000,
            stall_ms=f"{stall * 1000:.0f}" if stall is not None else "?",
            **row,
        )
    )
    return row


def baseline_queries(session, args):
    """Queries of the plain Odoo route on a database without the addon."""
    db = f"{args.db}_noaddon"
    step(f"Baseline: {PLAIN_ODOO_ROUTE} on {db} (web, without endpoint)")
    workdir = session.workdir / "noaddon"
    workdir.mkdir()
    cmd = bench.launcher(session.odoo, workdir).cmd
    server = bench.Server(cmd, session.env, db, args.port + 4, workdir)
    base = [a for a in server.args() if not a.startswith("--addons")]
    try:
        subprocess.run(
            [*base, "--init=web", "--stop-after-init", "--workers=0",
             f"--http-port={free_port()}", f"--logfile={workdir / 'install.log'}"],
            env=session.env, cwd=REPO, check=True, capture_output=True,
        )  # fmt: skip
        with open(workdir / "odoo.stderr", "wb") as stderr:
            server.proc = subprocess.Popen(
                [*base, "--workers=2", f"--http-port={server.port}",
                 f"--gevent-port={args.port + 5}", f"--logfile={server.log}"],
                env=session.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while server.get(PLAIN_ODOO_ROUTE)[0] != 200:
            if time.monotonic() > deadline:
                raise Abort(f"the baseline server did not answer; see {server.log}")
            time.sleep(0.5)
        return queries(server, PLAIN_ODOO_ROUTE)
    finally:
        if server.proc:
            server.stop()
        drop_database(session.env, db)


def measure_two_servers(session, server, agent, args):
    """A second server on the same database; a sync lands on both."""
    step("Two servers on one database, both under load")
    workdir = session.workdir / "server_b"
    workdir.mkdir(exist_ok=True)
    cmd = bench.launcher(session.odoo, workdir).cmd
    other = type(server)(cmd, session.env, server.db, args.port + 2, workdir)
    other.start(args.port + 3)
    try:
        results = []
        for cycle in range(args.cycles):
            _stall, reach = measure_sync(agent, [server, other], f"two{cycle}")
            results.append(reach)
            say(
                "    A: served after {:.3f} s ({} wrong after), "
                "B: served after {:.3f} s ({} wrong after)".format(
                    *(x if x is not None else -1 for pair in reach for x in pair)
                )
            )
        return results
    finally:
        other.stop()


def run_one(args, label, addons, baseline=False):
    """Every measurement on the addon in ``addons``; returns the report."""
    say(f"\n=== {label} ===")
    db_args = argparse.Namespace(**{**vars(args), "db": f"{args.db}_{label}"})
    session = bench.Session(db_args, f"endpoint-scale-{label}-")
    session.server_class = scale_server_class(addons)
    result = {"label": label, "rows": [], "two": None, "baseline": None}

    def measure(server):
        # The working tree's code creates the endpoints of every run: an
        # older one's save checks may compare each new route with all others.
        agent = Agent(server, script=bench.AGENT_SETUP + SCALE_AGENT, PREFIX=PREFIX)
        try:
            for size in args.sizes:
                result["rows"].append(measure_size(server, agent, size, db_args))
            if args.cycles:
                result["two"] = measure_two_servers(session, server, agent, db_args)
        finally:
            agent.close()
        if baseline:
            result["baseline"] = baseline_queries(session, db_args)
        return True

    code = session.run(measure)
    if code:
        raise Abort(f"the {label} run failed (exit {code})")
    return result


def fmt(value, scale=1.0, digits=0, unit=""):
    if value is None:
        return "?"
    return f"{value * scale:,.{digits}f}{unit}"


def report(results, baseline):
    say("\nScale (prefork, 2 workers; a sync = one new endpoint committed by "
        "another process while clients call):")  # fmt: skip
    head = (
        f"  {'':<8} {'endpoints':>9} {'create+sync':>11} {'first req':>9} "
        f"{'p50':>7} {'RSS/worker':>10} {'sync: slowest':>13} {'served after':>12} "
        f"{'queries plain/endpoint':>22}"
    )
    say(head)
    for result in results:
        for row in result["rows"]:
            say(
                f"  {result['label']:<8} {row['size']:>9,} "
                f"{fmt(row['populate'], 1, 1, ' s'):>11} "
                f"{fmt(row['first'], 1000, 0, ' ms'):>9} "
                f"{fmt(row['p50'], 1000, 1, ' ms'):>7} "
                f"{fmt(row['rss'], 1, 0, ' MiB'):>10} "
                f"{fmt(row['stall'], 1000, 0, ' ms'):>13} "
                f"{fmt(row['reach'], 1000, 0, ' ms'):>12} "
                f"{fmt(row['queries_plain']):>11}/{fmt(row['queries_endpoint'])}"
            )
    say(f"  Without the addon, {PLAIN_ODOO_ROUTE} runs {fmt(baseline)} queries.")
    for result in results:
        rows = result["rows"]
        if len(rows) >= 2 and rows[-1]["size"] > rows[0]["size"]:
            growth = (rows[-1]["rss"] - rows[0]["rss"]) * 1024 * 1024
            per = growth / (rows[-1]["size"] - rows[0]["size"])
            previous = [{"size": 0}, *rows]
            rates = [
                r["populate"] / max(1, r["size"] - p["size"])
                for p, r in zip(previous, rows, strict=False)
            ]
            say(
                f"  {result['label']}: {per / 1024:.1f} KiB of worker memory per "
                f"endpoint; create+sync {rates[-1] * 1000:.1f} ms per endpoint "
                f"at the last step ({rates[0] * 1000:.1f} ms at the first)"
            )
        if result["two"]:
            say(f"  {result['label']}: two servers, served after (s, wrong after) "
                f"A/B: {result['two']}")  # fmt: skip


def check(result, baseline):
    """The targets, on the working tree's run."""
    rows = result["rows"]
    failures = []
    small, large = rows[0], rows[-1]
    if large["p50"] > small["p50"] * P50_GROWTH:
        failures.append(f"p50 grew {large['p50'] / small['p50']:.2f}x")
    for row in rows:
        if row["queries_plain"] != baseline:
            failures.append(
                f"{row['size']}: plain route queries {row['queries_plain']}"
            )
        if row["stall"] is None or row["stall"] > SYNC_STALL:
            failures.append(
                f"{row['size']}: slowest request during a sync {row['stall']}"
            )
        if row["reach"] is None or row["reach"] > SYNC_REACH or row["wrong"]:
            failures.append(f"{row['size']}: new route served after {row['reach']}")
    for cycle in result["two"] or ():
        for reach, wrong in cycle:
            if reach is None or reach > SYNC_REACH or wrong:
                failures.append(f"two servers: served after {reach}, {wrong} wrong")
    for failure in failures:
        say(f"  NOT MET: {failure}")
    if not failures:
        say("  ALL MET")
    return not failures


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 .bench/scale.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", default="10,1000,10000", help="default: %(default)s")
    parser.add_argument("--compare", metavar="REF", help="also run on git REF, first")
    parser.add_argument("--requests", type=int, default=300, help="for the p50")
    parser.add_argument(
        "--cycles", type=int, default=3, help="two-server syncs (0: skip)"
    )
    parser.add_argument("--port", type=int, default=8401, help="uses 6 ports from it")
    parser.add_argument("--db", default=f"bench_scale_{os.getpid()}")
    parser.add_argument("--keep", action="store_true", help="keep databases and logs")
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    return args


def main(argv=None):
    args = parse_args(argv)
    bench.find_odoo()
    for port in range(args.port, args.port + 6):
        if port_in_use(port):
            raise Abort(f"port {port} is in use: pass --port N (uses N to N+5)")
    results = []
    scratch = Path(tempfile.mkdtemp(prefix="endpoint-scale-ref-"))
    try:
        if args.compare:
            addons = export_ref(args.compare, scratch / "ref")
            label = re.sub(r"\W", "_", args.compare)[:8]
            results.append(run_one(args, label, addons))
        results.append(run_one(args, "tree", REPO, baseline=True))
        baseline = results[-1]["baseline"]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(results, baseline)
    return 0 if check(results[-1], baseline) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Abort as exc:
        say(f"ERROR: {exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
