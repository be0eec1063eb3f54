#!/usr/bin/env python3
"""Concurrency check: two sessions saving and syncing the same endpoints at once.

    python3 .bench/concurrency.py [--endpoints 5] [--rounds 15] [--keep]

Serves a fresh database (``endpoint`` and the benchmark addon, as
``.bench/bench.py`` does) with ``--workers=2``, creates endpoints answering
``{"v": "init"}`` and syncs them. Then two separate processes ("sessions",
like two users or an ``odoo shell``) each write a new snippet version
(``{"v": "<session>-<round>"}``) on all of those same records and commit
"Sync registry", round after round; a transaction refused for a concurrent
update is rolled back and tried again, as Odoo does. Meanwhile client threads
call every route without pause: each answer must be 200 with a version that a
session committed (or the initial one), never an error. At the end, each
``endpoint_route`` row must hold its record's snippet, each record must be
marked synced, and every route must answer its record's version on both
workers. Exit status: 0 when all holds, 1 when not, 2 on an error.
"""

import argparse
import contextlib
import itertools
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench
from devkit.output import Abort, say, step
from devkit.pg import pg_connect

PREFIX = "/bench/concurrency/"
INITIAL = "init"

# A session: set up the endpoints, or run rounds of edit + sync on all of them.
SESSION = r"""
import random, traceback
from odoo.exceptions import ConcurrencyError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

RETRY = (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, ConcurrencyError)
MAX_TRIES = 30


def snippet(version):
    return "result = {'payload': {'v': %r}}" % version


def endpoints(env):
    return env["endpoint.endpoint"].search(
        [("route", "=like", PREFIX + "%")], order="id"
    )


def setup(env, version):
    env["endpoint.endpoint"].create([
        {
            "name": f"Concurrency {index}",
            "route": f"{PREFIX}{index}",
            "request_method": "GET",
            "auth_type": "public",
            "exec_as_user_id": env.ref("endpoint_bench.user_bench").id,
            "code_snippet": snippet(version),
        }
        for index in range(COUNT)
    ]).action_sync_registry()


def edit_and_sync(env, version):
    records = endpoints(env)
    records.write({"code_snippet": snippet(version)})
    records.action_sync_registry()


def commit_retrying(cr, work, version, committed):
    # As odoo.service.model.retrying: on a concurrency error (in the
    # transaction or in the sync committed after it), roll back, reset, wait a
    # random, growing while and try again. Returns the number of retries.
    for tryno in range(MAX_TRIES):
        registry.check_signaling(cr)
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            # Runs first after the COMMIT: the version is then visible.
            cr.postcommit.add(lambda: committed.append(version))
            work(env, version)
            cr.commit()  # the sync runs (and commits) in a post-commit hook
            registry.signal_changes()
            return tryno
        except RETRY as exc:
            cr.rollback()
            env.transaction.reset()
            registry.reset_changes()
            print(f"{version}: {type(exc).__name__}, retry", file=sys.stderr)
            time.sleep(random.uniform(0.0, 0.05 * 2 ** min(tryno + 1, 5)))
    raise RuntimeError(f"{version}: still refused after {MAX_TRIES} tries")


for line in sys.stdin:
    command = line.split()
    if not command:
        continue
    committed, retries, failed = [], 0, 0
    with registry.cursor() as cr:
        if command[0] == "setup":
            commit_retrying(cr, setup, INITIAL, committed)
        elif command[0] == "run":
            for round_ in range(1, int(command[1]) + 1):
                try:
                    retries += commit_retrying(
                        cr, edit_and_sync, f"{NAME}-{round_}", committed
                    )
                except Exception:
                    traceback.print_exc()
                    cr.rollback()
                    failed += 1
    print("done", retries, failed, ",".join(committed) or "-", flush=True)
"""


class RoutesPoller(bench.Poller):
    """``bench.Poller`` over several routes in turn; events are
    ``(sent, done, path, status, body)``."""

    def __init__(self, server, paths, threads):
        super().__init__(server, paths[0], threads)
        self.paths = paths

    def _loop(self):
        for path in itertools.cycle(self.paths):
            if self.stopping.is_set():
                return
            sent = time.time()
            status, body = self.server.get(path, timeout=30)
            with self.lock:
                self.events.append((sent, time.time(), path, status, body))


def version_of(status, body):
    """The version a route answered, or None for anything but the right shape."""
    if status != 200:
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if not isinstance(payload, dict) or set(payload) != {"v"}:
        return None
    return payload["v"]


def registry_rows(env, db):
    """Per endpoint: route, record snippet, registry_sync, synced snippet."""
    query = """
        SELECT e.route, e.code_snippet, e.registry_sync, r.routing
          FROM endpoint_endpoint e
          LEFT JOIN endpoint_route r ON r.key = 'endpoint.endpoint:' || e.id
         WHERE e.route LIKE %s
         ORDER BY e.id
    """
    with contextlib.closing(pg_connect(env, db)) as conn, conn.cursor() as cr:
        cr.execute(query, (PREFIX + "%",))
        rows = cr.fetchall()
    result = []
    for route, snippet, synced, routing in rows:
        runtime = json.loads(routing).get("endpoint_runtime") if routing else None
        result.append((route, snippet, synced, (runtime or {}).get("code_snippet")))
    return result


def run_check(server, args):
    """Return True when no request failed and the registry matches."""
    paths = [f"{PREFIX}{index}" for index in range(args.endpoints)]
    names = [f"s{n}" for n in range(1, args.sessions + 1)]
    sessions = []
    try:
        step(f"Session agents: {', '.join(names)} (separate processes)")
        for name in names:
            sessions.append(
                bench.SyncAgent(
                    server,
                    script=bench.AGENT_SETUP + SESSION,
                    name=f"session_{name}",
                    NAME=name,
                    PREFIX=PREFIX,
                    COUNT=args.endpoints,
                    INITIAL=INITIAL,
                )
            )
        step(f"Create {args.endpoints} endpoints answering {{'v': {INITIAL!r}}}")
        sessions[0].send("setup")
        sessions[0]._expect("done")
        deadline = time.monotonic() + 60
        while not all(
            version_of(*server.get(p)) == INITIAL for p in paths for _ in range(4)
        ):
            if time.monotonic() > deadline:
                raise Abort(f"the new endpoints were not served: {paths}")
            time.sleep(0.2)
        step(
            f"{args.sessions} sessions x {args.rounds} rounds of edit + sync on the "
            f"same {args.endpoints} records; {args.pollers} clients calling the routes"
        )
        started = time.monotonic()
        with RoutesPoller(server, paths, args.pollers) as poller:
            for session in sessions:
                session.send(f"run {args.rounds}")
            results = {}
            for name, session in zip(names, sessions, strict=True):
                retries, failed, committed = session._expect("done")
                results[name] = (int(retries), int(failed), committed.split(","))
        elapsed = time.monotonic() - started
    finally:
        for session in sessions:
            session.close()

    committed = {INITIAL}
    for _retries, _failed, versions in results.values():
        committed.update(v for v in versions if v != "-")
    bad = {}
    for _sent, _done, path, status, body in poller.events:
        if version_of(status, body) not in committed:
            key = (path, status, body[:80])
            bad[key] = bad.get(key, 0) + 1

    step("Consistency, 1 s after the last commit")
    time.sleep(1)
    rows = registry_rows(server.env, server.db)
    consistent = len(rows) == args.endpoints
    final_bad = 0
    for route, snippet, synced, synced_snippet in rows:
        start = server.log_offset()
        answers = [server.get(route) for _ in range(args.final_calls)]
        time.sleep(0.3)  # the workers' last access lines
        pids = {m["pid"] for m in server.access_lines(start) if m["path"] == route}
        expected = snippet.split("'v': ", 1)[1].split("}", 1)[0].strip("'\"")
        wrong = sum(version_of(*a) != expected for a in answers)
        final_bad += wrong
        row_ok = synced and synced_snippet == snippet and not wrong
        consistent &= row_ok
        say(
            f"    {route:<24} record {expected!r:<8} synced={synced!s:<5} "
            f"registry row {'equal' if synced_snippet == snippet else 'DIFFERENT'}  "
            f"{args.final_calls - wrong}/{args.final_calls} answers right "
            f"({len(pids)} workers)" + ("" if row_ok else "  NOT CONSISTENT")
        )

    requests = len(poller.events)
    errors = sum(bad.values())
    retries = sum(r for r, _f, _v in results.values())
    failed = sum(f for _r, f, _v in results.values())
    say()
    say(
        f"Requests while syncing: {requests} in {elapsed:.1f}s, "
        f"{errors} wrong or failed"
    )
    for (path, status, body), count in sorted(bad.items(), key=str)[:10]:
        say(f"    {count} x {path} -> {status} {body!r}")
    for name, (retries_, failed_, versions) in results.items():
        say(
            f"Session {name}: {len(versions)} commits, {retries_} retries after a "
            f"concurrency error, {failed_} rounds given up"
        )
    seen = {version_of(status, body) for _s, _d, _p, status, body in poller.events}
    say(
        f"Versions: {len(committed)} committed (with {INITIAL!r}), "
        f"{len(seen & committed)} of them answered to the clients"
    )
    ok = not errors and not failed and consistent
    say(
        f"Summary: {requests} requests, {errors} errors, {retries} retries, "
        f"{failed} failed rounds, registry "
        + ("consistent" if consistent else "NOT consistent")
        + f" -> {'OK' if ok else 'FAILED'}"
    )
    return ok


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 .bench/concurrency.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--endpoints", type=int, default=5, help="default: %(default)s")
    parser.add_argument(
        "--rounds", type=int, default=15, help="edit + sync rounds per session"
    )
    parser.add_argument("--sessions", type=int, default=2, help="default: %(default)s")
    parser.add_argument("--pollers", type=int, default=3, help="client threads")
    parser.add_argument(
        "--final-calls", type=int, default=20, help="calls per route at the end"
    )
    parser.add_argument("--port", type=int, default=8303, help="HTTP port (+1: gevent)")
    parser.add_argument("--db", default=f"bench_concurrency_{os.getpid()}")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the logs"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    session = bench.Session(args, "endpoint-concurrency-")
    return session.run(lambda server: run_check(server, args))


if __name__ == "__main__":
    sys.exit(main())
