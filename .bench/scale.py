#!/usr/bin/env python3
"""Scale: how the costs grow with the number of endpoints, and what the addon
costs the rest of Odoo.

    python3 .bench/scale.py [--sizes 10,1000,10000] [--xml-sizes 1000,10000]
                            [--syncs 5] [--compare main] [--keep]

Serves a fresh database (``endpoint`` and the benchmark addon, as
``.bench/bench.py`` does) with ``--workers=2`` and, for each size, brings the
number of endpoint records up to it (created and synced from another process,
1,000 per transaction, timed), then measures:

- the first request of a worker: Odoo restarted, each worker's first answer to
  an endpoint route (its own time, from Odoo's access log);
- p50 of an endpoint route, then each worker's memory (RSS);
- a sync, ``--syncs`` times: another process creates and syncs one endpoint
  while clients call an endpoint route; the slowest of their requests
  meanwhile (against the slowest in as long a window before, with no sync:
  the machine's own noise), the longest a worker spent on one of them, and
  how long after the commit every worker serves the new route;
- "no tax": the SQL queries of a plain Odoo route (``/web/service-worker.js``)
  against the same route on a database without the addon.

Then modules shipping ``--xml-sizes`` endpoints as XML data are installed,
each timed net of an empty module's install.

Then, at the largest size, a second Odoo server on the same database: a sync
committed by another process while both servers are under load must be served
by the second one within a second, with no wrong answer after that.

``--compare REF`` first runs it all on the addon as of git revision ``REF``
(exported with ``git archive``, nothing checked out), then on the working
tree, and prints both tables side by side. Exit status: 0 when the working
tree meets the targets, 1 when not, 2 on an error.
"""

import argparse
import contextlib
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
from devkit.pg import Cluster, drop_database, pg_connect
from devkit.procs import free_port, port_in_use

PREFIX = "/bench/scale/"
PLAIN_ODOO_ROUTE = "/web/service-worker.js"
PROBE = PREFIX + "e0"

# The targets.
P50_GROWTH = 1.10  # p50 at the largest size at most 10% above the smallest
SYNC_STALL = 0.100  # seconds: the slowest request while a sync lands
SYNC_REACH = 1.0  # seconds: every worker (every server) serves the new route
# Creating and syncing in time proportional to the number: the time per
# endpoint at the largest size at most this much above the smallest's.
LINEAR = 1.5

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
    """The ``endpoint`` addon as of git revision ``ref``, in ``dest``, with
    that revision's bench addon: the tree's may use what it does not have."""
    res = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, "endpoint"]
        + [".bench/addons"] * bool(git_has(ref, ".bench/addons")),
        capture_output=True,
        check=False,
    )
    if res.returncode:
        raise Abort(f"git archive {ref}: {res.stderr.decode().strip()}")
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(res.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def git_has(ref, path):
    """Tell whether git revision ``ref`` holds ``path``."""
    res = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{ref}:{path}"],
        capture_output=True,
        check=False,
    )
    return res.returncode == 0


def bench_addons(addons):
    """The bench addon's folder that goes with the ``endpoint`` in
    ``addons``: its revision's own, when exported with it."""
    own = Path(addons) / ".bench" / "addons"
    return own if own.is_dir() else bench.BENCH_ADDONS


def scale_server_class(addons, replica_port=None):
    """A bench Server serving the addon from the ``addons`` folder (and
    reading from a replica on ``replica_port``, when given)."""

    class ScaleServer(bench.Server):
        CONTENTS = f"endpoint ({addons}) + endpoint_bench"

        def args(self, *extra):
            args = [
                f"--addons-path={bench_addons(addons)},{addons}"
                if a.startswith("--addons-path=")
                else a
                for a in super().args(*extra)
            ]
            if replica_port:
                args += [
                    "--db_replica_host=127.0.0.1",
                    f"--db_replica_port={replica_port}",
                ]
            return args

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


def p50(server, routes, count):
    """The median time of each of ``routes``, called in turn ``count`` times
    each (one connection per call): measured side by side, a slower or
    faster moment of the machine weighs on all of them alike."""
    times = {route: [] for route in routes}
    for _ in range(count):
        for route in routes:
            t0 = time.perf_counter()
            status, body = server.get(route)
            if status != 200:
                raise Abort(f"{route} answered {status}: {body[:200]!r}")
            times[route].append(time.perf_counter() - t0)
    return [statistics.median(times[route]) for route in routes]


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


def slowest(events, since, until):
    """The longest request among those in flight between two instants."""
    return max(
        (
            done - sent
            for sent, done, _s, _b in events
            if done >= since and sent <= until
        ),
        default=None,
    )


def measure_sync(agent, pollers_servers, name, window=2.0):
    """Commit a sync of a new endpoint ``name`` from another process while
    clients call ``PROBE`` and the new route on every server.

    Returns the slowest ``PROBE`` request in flight within ``window`` seconds
    of the commit; the same for as long a window just before the sync (the
    machine's own noise, nothing synced); the longest time a worker of the
    first server spent on a ``PROBE`` request of the sync's window (SQL and
    Python, from its access log: without the time waiting for a worker); and,
    per server, when the new route was served."""
    new_route = PREFIX + name

    def accept(status, body):
        return status == 200 and name.encode() in body

    pollers = []
    for server in pollers_servers:
        pollers += [bench.Poller(server, PROBE), bench.Poller(server, new_route)]
    first = pollers_servers[0]
    for poller in pollers:
        poller.__enter__()
    try:
        time.sleep(0.5)
        quiet_from = time.time()
        time.sleep(window)
        offset = first.log_offset()
        _t0, committed = agent.run("probe", name)
        time.sleep(window)
        own_lines = list(access(first, offset, PROBE))
        time.sleep(1.0)
    finally:
        for poller in pollers:
            poller.__exit__(None, None, None)
    probe_events = pollers[0].events
    return {
        "stall": slowest(probe_events, committed - 0.05, committed + window),
        "quiet": slowest(probe_events, quiet_from, quiet_from + window),
        "own": max(
            (float(m["sql_time"]) + float(m["py_time"]) for m in own_lines),
            default=None,
        ),
        "reach": [served_after(p.events, committed, accept) for p in pollers[1::2]],
    }


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def measure_size(server, agent, size, args, prober=None):
    step(f"{size} endpoints")
    t0, t1 = agent.run("populate", str(size))
    say(f"    created and synced up to {size}: {t1 - t0:.1f} s")
    server.stop()
    server.cold_start(args.port + 1)
    first = first_requests(server, PROBE)
    control = bench.CASES[0].path("plain")  # a plain controller's route
    first_requests(server, control)  # both workers warm
    endpoint_p50, control_p50 = p50(server, [PROBE, control], args.requests)
    row = {
        "size": size,
        "populate": t1 - t0,
        "first": first,
        "p50": endpoint_p50,
        "p50_plain": control_p50,
        "rss": max(bench.worker_rss(server).values() or [0]) / 1024,
        "queries_plain": queries(server, PLAIN_ODOO_ROUTE),
        "queries_endpoint": queries(server, PROBE),
    }
    syncs = [
        measure_sync(prober or agent, [server], f"probe{size}x{k}")
        for k in range(args.syncs)
    ]
    row["syncs"] = syncs
    row["stall"] = median([s["stall"] for s in syncs])
    row["stall_max"] = max(
        (s["stall"] for s in syncs if s["stall"] is not None), default=None
    )
    row["quiet"] = median([s["quiet"] for s in syncs])
    row["own"] = median([s["own"] for s in syncs])
    reaches = [s["reach"][0] for s in syncs]
    row["reach"] = (
        None if any(r is None for r, _w in reaches) else max(r for r, _w in reaches)
    )
    row["wrong"] = sum(w or 0 for _r, w in reaches)
    say(
        f"    first request {fmt(row['first'], 1, 3)} s, "
        f"p50 {row['p50'] * 1000:.1f} ms, RSS {row['rss']:.0f} MiB"
    )
    say(
        "    {} syncs, ms: slowest request {}; in as long a window before each "
        "{}; a worker's own time {}; served after {}".format(
            len(syncs),
            " ".join(fmt(s["stall"], 1000) for s in syncs),
            " ".join(fmt(s["quiet"], 1000) for s in syncs),
            " ".join(fmt(s["own"], 1000) for s in syncs),
            " ".join(fmt(s["reach"][0][0], 1000) for s in syncs),
        )
    )
    return row


XML_MANIFEST = """{{
    "name": "Scale: {count} endpoints as XML data",
    "version": "19.0.1.0.0",
    "license": "LGPL-3",
    "depends": ["endpoint_bench"],
    "data": ["data/endpoints.xml"],
}}
"""
XML_RECORD = """    <record id="e{i}" model="endpoint.endpoint">
        <field name="name">XML {count} e{i}</field>
        <field name="route">/bench/xml{count}/e{i}</field>
        <field name="request_method">GET</field>
        <field name="auth_type">public</field>
        <field name="exec_as_user_id" ref="endpoint_bench.user_bench"/>
        <field name="code_snippet">result = {{'payload': 'xml{count} e{i}'}}</field>
        <field name="registry_sync" eval="True"/>
    </record>
"""


def xml_module(root, count):
    """A module shipping ``count`` endpoints as XML data, synced."""
    name = f"endpoint_scale_xml_{count}"
    data = root / name / "data"
    data.mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "__manifest__.py").write_text(XML_MANIFEST.format(count=count))
    records = "".join(XML_RECORD.format(i=i, count=count) for i in range(count))
    (data / "endpoints.xml").write_text(f"<odoo>\n{records}</odoo>\n")
    return name


def measure_xml_install(session, server, sizes):
    """Install modules shipping endpoints as XML data; seconds per size, net
    of installing an empty one (Odoo's own cost of an install)."""
    step(f"Endpoints as XML data, at install: {', '.join(map(str, sizes))}")
    root = session.workdir / "xml_addons"
    times = {}
    for count in (0, *sizes):
        name = xml_module(root, count)
        _t0, times[count] = server.run_once(
            f"--init={name}",
            log=session.workdir / f"install_{name}.log",
            what=f"installing {name}",
            addons=root,
        )
        status, body = server.get(f"/bench/xml{count}/e{max(0, count - 1)}")
        served = count == 0 or (status == 200 and f"xml{count}".encode() in body)
        say(f"    {count:>6,} endpoints: {times[count]:.1f} s, "
            f"{'served' if served else f'NOT served ({status})'}")  # fmt: skip
        if not served:
            raise Abort(f"the endpoints of {name} are not served; see its log")
    return {count: times[count] - times[0] for count in sizes}


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
            reach = measure_sync(agent, [server, other], f"two{cycle}")["reach"]
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


REPLICA_AGENT = r"""
for line in sys.stdin:
    command, *rest = line.split()
    t0 = time.time()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Endpoint = env["endpoint.endpoint"]
        if command == "setup":
            user = env.ref("endpoint_bench.user_bench").id
            Endpoint.create([
                {
                    "name": f"Replica {name}", "route": f"/bench/replica/{name}",
                    "request_method": "GET", "auth_type": "public",
                    "exec_as_user_id": user, "readonly": name == "ro",
                    "code_snippet": "result = {'payload': 'v1'}",
                }
                for name in ("ro", "rw")
            ]).action_sync_registry()
        elif command == "edit":
            records = Endpoint.search([("route", "=like", "/bench/replica/%")])
            records.code_snippet = f"result = {{'payload': {rest[0]!r}}}"
            records.action_sync_registry()
        cr.commit()
    print("done", t0, time.time(), flush=True)
"""


def xacts(env, db):
    """Transactions of ``db`` so far on the server ``env`` names."""
    with contextlib.closing(pg_connect(env, db)) as conn, conn.cursor() as cr:
        cr.execute("SELECT pg_stat_clear_snapshot()")
        cr.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database"
            " WHERE datname = current_database()"
        )
        return cr.fetchone()[0]


def sql(env, db, query):
    with contextlib.closing(pg_connect(env, db)) as conn, conn.cursor() as cr:
        conn.autocommit = True
        cr.execute(query)
        return cr.fetchall() if cr.description else None


def pg_tool(bindir, name):
    """PostgreSQL's ``name`` program: next to pg_ctl, else in Debian's
    layout (where a few wrappers alone may be on the PATH)."""
    for folder in (bindir, *sorted(Path("/usr/lib/postgresql").glob("*/bin"))):
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    raise Abort(f"{name} not found (PostgreSQL's programs: set PG_BINDIR)")


def start_replica(primary, workdir):
    """A hot standby of ``primary`` (a private cluster), by pg_basebackup."""
    data = workdir / "pg-replica"
    data.mkdir(mode=0o700)
    replica = Cluster(data, workdir / "pg-replica.log", throwaway=True)
    replica._give(data)
    replica.password, replica.port = primary.password, free_port()
    env = {**os.environ, **primary.env()}
    args = [
        str(pg_tool(replica.bindir, "pg_basebackup")), "-h", "127.0.0.1",
        "-p", str(primary.port), "-U", env["PGUSER"], "-D", str(data),
        "-R", "-X", "stream", "--no-password",
    ]  # fmt: skip
    # As the cluster's OS user, with the password in a file only it reads.
    pgpass = workdir / "pgpass"
    pgpass.write_text(
        f"127.0.0.1:{primary.port}:*:{env['PGUSER']}:{primary.password}\n",
        encoding="utf-8",
    )
    os.chmod(pgpass, 0o600)
    replica._give(pgpass)
    replica._run(["env", "-u", "PGPASSWORD", f"PGPASSFILE={pgpass}", *args])
    replica.log_file.touch()
    replica._give(replica.log_file)
    # Its WAL receiver connects with libpq: the PG* variables of this
    # process would win over the password file.
    replica._run(
        ["env", "-u", "PGPASSWORD", "-u", "PGUSER", "-u", "PGHOST", "-u", "PGPORT",
         str(replica.bindir / "pg_ctl"), "start", "-w", "-t", "120",
         "-D", str(data), "-l", str(replica.log_file), "-o", f"-p {replica.port}"]
    )  # fmt: skip
    replica.started_here = True
    return replica


def measure_replica(args, addons):
    """Read-only endpoints served by a streaming replica, the others by the
    primary; and what a client sees while the replica lags."""
    step("Read replica: a private primary and a pg_basebackup standby")
    workdir = Path(tempfile.mkdtemp(prefix="endpoint-scale-replica-"))
    os.chmod(workdir, 0o755)
    env = {
        k: v for k, v in os.environ.items() if k not in ("PGHOST", "PGPORT", "PGUSER")
    }
    env.pop("PGPASSWORD", None)
    primary = replica = server = agent = None
    db = f"{args.db}_replica"
    result = {}
    try:
        # Private, whatever PG* says: the shared server is not ours to copy.
        pgdir = workdir / "pg"
        pgdir.mkdir()
        primary = Cluster(pgdir / "data", pgdir / "postgresql.log", throwaway=True)
        primary._give(pgdir)
        primary.start()
        env.update(primary.env())
        replica = start_replica(primary, workdir)
        say(f"    primary on port {primary.port}, replica on port {replica.port}")
        cmd = bench.launcher(bench.find_odoo(), workdir).cmd
        klass = scale_server_class(addons, replica_port=replica.port)
        server = klass(cmd, env, db, args.port + 2, workdir)
        server.install()
        agent = Agent(server, script=bench.AGENT_SETUP + REPLICA_AGENT)
        agent.run("setup")
        replica_env = {**env, "PGPORT": str(replica.port)}
        deadline = time.monotonic() + 60
        while not sql(
            replica_env, "postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"
        ):
            if time.monotonic() > deadline:
                raise Abort(f"the replica does not follow; see {replica.log_file}")
            time.sleep(0.5)
        server.cold_start(args.port + 3)
        deadline = time.monotonic() + 60
        while server.get("/bench/replica/ro")[0] != 200:
            if time.monotonic() > deadline:
                raise Abort(f"the replica run does not answer; see {server.log}")
            time.sleep(0.5)
        for name in ("ro", "rw"):
            route = f"/bench/replica/{name}"
            for _ in range(5):
                server.get(route)
            # An idle backend reports its counters within 10 seconds.
            time.sleep(11)
            before = xacts(env, db), xacts(replica_env, db)
            for _ in range(args.replica_requests):
                server.get(route)
            time.sleep(11)
            after = xacts(env, db), xacts(replica_env, db)
            result[name] = (after[0] - before[0], after[1] - before[1])
            say(
                f"    {args.replica_requests} calls of {route}: transactions "
                f"+{result[name][0]} on the primary, +{result[name][1]} on the replica"
            )
        # Lag: replay paused, a sync lands on the primary only.
        sql(replica_env, db, "SELECT pg_wal_replay_pause()")
        agent.run("edit", "v2")
        time.sleep(1.5)
        paused = [server.get(f"/bench/replica/{n}")[1] for n in ("ro", "rw")]
        sql(replica_env, db, "SELECT pg_wal_replay_resume()")
        time.sleep(1.5)
        resumed = [server.get(f"/bench/replica/{n}")[1] for n in ("ro", "rw")]
        result["lag"] = (paused, resumed)
        say(f"    replica paused after a sync: ro, rw answer {paused}")
        say(f"    replica resumed:             ro, rw answer {resumed}")
        return result
    finally:
        if agent:
            agent.close()
        if server and server.proc:
            server.stop()
        for cluster in (replica, primary):
            if cluster:
                cluster.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run_one(args, label, addons, baseline=False):
    """Every measurement on the addon in ``addons``; returns the report."""
    say(f"\n=== {label} ===")
    db_args = argparse.Namespace(**{**vars(args), "db": f"{args.db}_{label}"})
    session = bench.Session(db_args, f"endpoint-scale-{label}-")
    session.server_class = scale_server_class(addons)
    result = {
        "label": label,
        "rows": [],
        "two": None,
        "baseline": None,
        "replica": None,
        "xml": None,
    }

    def measure(server):
        # The working tree's code creates the endpoints of every run: an
        # older one's save checks may compare each new route with all others.
        # The sync that is measured is made by the run's own code.
        agent = Agent(server, script=bench.AGENT_SETUP + SCALE_AGENT, PREFIX=PREFIX)
        prober = agent
        if addons != REPO:
            prober = Agent(
                server,
                script=bench.AGENT_SETUP + SCALE_AGENT,
                name="probe_agent",
                PREFIX=PREFIX,
                ADDONS=f"{bench_addons(addons)},{addons}",
            )
        try:
            for size in args.sizes:
                row = measure_size(server, agent, size, db_args, prober)
                result["rows"].append(row)
            if args.cycles:
                result["two"] = measure_two_servers(session, server, prober, db_args)
            # An older revision may save endpoints one by one in time growing
            # with the square of their number (100 among 10,000 took over 7
            # minutes on 41efa89): on the working tree only.
            xml_sizes = args.xml_sizes if addons == REPO else []
            if xml_sizes:
                result["xml"] = measure_xml_install(session, server, xml_sizes)
        finally:
            agent.close()
            if prober is not agent:
                prober.close()
        if baseline:
            result["baseline"] = baseline_queries(session, db_args)
        return True

    code = session.run(measure)
    if code:
        raise Abort(f"the {label} run failed (exit {code})")
    if baseline and args.replica:
        result["replica"] = measure_replica(db_args, addons)
    return result


def fmt(value, scale=1.0, digits=0, unit=""):
    if value is None:
        return "?"
    return f"{value * scale:,.{digits}f}{unit}"


def populate_rates(rows):
    """Seconds per endpoint created and synced from a script, at each step."""
    previous = [{"size": 0}, *rows]
    return [
        r["populate"] / max(1, r["size"] - p["size"])
        for p, r in zip(previous, rows, strict=False)
    ]


def xml_rates(xml):
    """Seconds per endpoint installed as XML data, at each size."""
    return [xml[count] / count for count in sorted(xml)]


def report(results, baseline, syncs):
    say("\nScale (prefork, 2 workers; a sync = one new endpoint committed by "
        f"another process while clients call; {syncs} syncs per size: the "
        "median and the worst of their slowest requests, and the median of the "
        "slowest in as long a window before each, with no sync):")  # fmt: skip
    head = (
        f"  {'':<8} {'endpoints':>9} {'create+sync':>11} {'first req':>9} "
        f"{'p50 (plain)':>11} {'RSS/worker':>10} {'sync: slowest':>16} {'no sync':>7} "
        f"{'served after':>12} {'queries plain/endpoint':>22}"
    )
    say(head)
    for result in results:
        for row in result["rows"]:
            stall = f"{fmt(row['stall'], 1000)}/{fmt(row.get('stall_max'), 1000)} ms"
            say(
                f"  {result['label']:<8} {row['size']:>9,} "
                f"{fmt(row['populate'], 1, 1, ' s'):>11} "
                f"{fmt(row['first'], 1000, 0, ' ms'):>9} "
                f"{fmt(row['p50'], 1000, 1):>4}/"
                f"{fmt(row.get('p50_plain'), 1000, 1, ' ms'):>6} "
                f"{fmt(row['rss'], 1, 0, ' MiB'):>10} "
                f"{stall:>16} "
                f"{fmt(row.get('quiet'), 1000, 0, ' ms'):>7} "
                f"{fmt(row['reach'], 1000, 0, ' ms'):>12} "
                f"{fmt(row['queries_plain']):>11}/{fmt(row['queries_endpoint'])}"
            )
    say(f"  Without the addon, {PLAIN_ODOO_ROUTE} runs {fmt(baseline)} queries.")
    for result in results:
        rows = result["rows"]
        if len(rows) >= 2:
            say(
                f"  {result['label']}: p50 at {rows[-1]['size']:,} endpoints "
                f"{p50_growth(rows[0], rows[-1]):.2f}x what it is at "
                f"{rows[0]['size']:,}, each relative to the plain route's"
            )
        if len(rows) >= 2 and rows[-1]["size"] > rows[0]["size"]:
            growth = (rows[-1]["rss"] - rows[0]["rss"]) * 1024 * 1024
            per = growth / (rows[-1]["size"] - rows[0]["size"])
            rates = populate_rates(rows)
            say(
                f"  {result['label']}: {per / 1024:.1f} KiB of worker memory per "
                f"endpoint; create+sync {rates[-1] * 1000:.1f} ms per endpoint "
                f"at the last step ({rates[0] * 1000:.1f} ms at the first)"
            )
        if result.get("xml"):
            say(
                f"  {result['label']}: installed as XML data (net of an empty "
                "module's install): " + ", ".join(
                    f"{count:,} in {secs:.1f} s ({secs / count * 1000:.2f} ms each)"
                    for count, secs in sorted(result["xml"].items())
                )
            )  # fmt: skip
        replica = result.get("replica")
        if replica:
            say(
                f"  {result['label']}: read replica, transactions (primary, replica) "
                f"for the calls: read-only endpoint {replica['ro']}, "
                f"read/write endpoint {replica['rw']}"
            )
        if result["two"]:
            cycles = ", ".join(
                "/".join(
                    f"{fmt(reach, 1, 3)} s ({fmt(wrong)} wrong)"
                    for reach, wrong in cycle
                )
                for cycle in result["two"]
            )
            say(f"  {result['label']}: two servers, served after, A/B: {cycles}")


def p50_growth(small, large):
    """How much the endpoint's p50 grew from ``small`` to ``large``, each
    relative to the p50 of a plain controller's route measured side by side
    (the machine's drift between the two sizes cancels out)."""
    if small.get("p50_plain") and large.get("p50_plain"):
        return (large["p50"] / large["p50_plain"]) / (small["p50"] / small["p50_plain"])
    return large["p50"] / small["p50"]


def check(result, baseline):
    """The targets, on the working tree's run."""
    rows = result["rows"]
    failures = []
    small, large = rows[0], rows[-1]
    growth = p50_growth(small, large)
    if growth > P50_GROWTH:
        failures.append(f"p50 grew {growth:.2f}x")
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
    # The first step of a few endpoints is mostly a transaction's own cost.
    steps = [
        (rate, r["size"] - p["size"])
        for rate, p, r in zip(
            populate_rates(rows), [{"size": 0}, *rows], rows, strict=False
        )
    ]
    steps = [rate for rate, added in steps if added >= 500]
    if len(steps) >= 2 and steps[-1] > steps[0] * LINEAR:
        failures.append(f"create+sync per endpoint grew {steps[-1] / steps[0]:.2f}x")
    xml = result.get("xml")
    if xml and len(xml) >= 2:
        rates = xml_rates(xml)
        if rates[-1] > rates[0] * LINEAR:
            failures.append(
                f"XML install per endpoint grew {rates[-1] / rates[0]:.2f}x"
            )
    for cycle in result["two"] or ():
        for reach, wrong in cycle:
            if reach is None or reach > SYNC_REACH or wrong:
                failures.append(f"two servers: served after {reach}, {wrong} wrong")
    replica = result.get("replica")
    if replica:
        ro_primary, ro_replica = replica["ro"]
        rw_primary, _rw_replica = replica["rw"]
        if not ro_replica > ro_primary * 5 or rw_primary < ro_primary + 10:
            failures.append(f"read replica: {replica['ro']} / {replica['rw']}")
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
        "--xml-sizes",
        default="1000,10000",
        help="endpoints installed as a module's XML data (default %(default)s; "
        "'' skips)",
    )
    parser.add_argument(
        "--syncs", type=int, default=5, help="syncs measured per size (default 5)"
    )
    parser.add_argument(
        "--cycles", type=int, default=3, help="two-server syncs (0: skip)"
    )
    parser.add_argument("--port", type=int, default=8401, help="uses 6 ports from it")
    parser.add_argument("--db", default=f"bench_scale_{os.getpid()}")
    parser.add_argument(
        "--no-replica",
        dest="replica",
        action="store_false",
        help="skip the read replica check",
    )
    parser.add_argument(
        "--replica-requests", type=int, default=200, help="per endpoint, on the replica"
    )
    parser.add_argument("--keep", action="store_true", help="keep databases and logs")
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    args.xml_sizes = sorted(int(s) for s in args.xml_sizes.split(",") if s)
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
    report(results, baseline, args.syncs)
    return 0 if check(results[-1], baseline) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Abort as exc:
        say(f"ERROR: {exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
