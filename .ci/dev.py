#!/usr/bin/env python3
"""Developer entry point for this repository: test the addon, or run it.

    python3 .ci/dev.py test   # lint, packaging, unit tests, the whole Odoo suite
    python3 .ci/dev.py run    # serve the addon and its demo endpoints on 127.0.0.1:8069

Odoo 19 comes from ``ODOO_SRC`` (a source tree whose requirements this Python
has), from ``ODOO_SOURCE`` or ``--odoo-source`` (a .tar.gz or git URL, a local
.tar.gz or source folder), from this Python when it can import Odoo 19.0, or
else from GitHub; the last two kinds are set up once, with their own virtual
env, in ``.odoo-dev/`` (see ``devkit/odoo_env.py``). PostgreSQL is the one
named by the standard ``PGHOST``, ``PGPORT``, ``PGUSER`` and ``PGPASSWORD``
variables; when none of them is set, a private cluster is started (a
throw-away one for ``test``, a kept one under ``.odoo-dev/`` for ``run``).

Only the standard library is used before Odoo's env is there, so the script
can always explain what is missing.
"""

import argparse
import contextlib
import json
import os
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devkit import ADDON, DEV_DIR, ODOO_SERIES, REPO
from devkit.odoo_env import (
    PY,
    STARTED,
    ensure_odoo,
    install_requirements,
    odoo_args,
)
from devkit.odoo_log import show_odoo_line
from devkit.output import Abort, Tally, say, seconds, stage, step
from devkit.pg import (
    Cluster,
    check_pg_user,
    database_state,
    pg_configured,
    pg_connect,
)
from devkit.procs import (
    free_port,
    popen,
    port_in_use,
    stop_on_sigterm,
    stop_process,
    stream,
    wait_for_port,
)
from devkit.suites import (
    run_lint,
    run_odoo_suite,
    run_packaging_check,
    run_unit_tests,
    shadowing_addon,
)

# How long Odoo may take to stop once asked, before it is made to.
STOP_SECONDS = 3


def elapsed():
    """Seconds since the command started (before any re-run inside the env)."""
    return time.time() - float(os.environ.get(STARTED) or time.time())


# --------------------------------------------------------------------------
# test
# --------------------------------------------------------------------------


def cmd_test(args, argv):
    tally = Tally()
    exit_code = 0
    try:
        step(f"Python: {PY}")
        odoo = ensure_odoo(argv, args.odoo_source)
        if not odoo:
            raise Abort(f"no Odoo {ODOO_SERIES} to test with")
        say(f"    Odoo {odoo.version}: {odoo.where}")
        step("Requirements: requirements.txt, test-requirements.txt")
        install_requirements(["requirements.txt", "test-requirements.txt"])
        shadow = shadowing_addon()
        if shadow:
            raise Abort(
                f"another {ADDON} addon is installed at {shadow} and would be "
                f"tested instead of this one: pip uninstall odoo-addon-{ADDON}"
            )
        if not args.no_lint:
            run_lint(tally)
        run_packaging_check(tally)
        run_unit_tests(tally)
        run_odoo_suite(tally, odoo, args.verbose, DEV_DIR / "logs")
    except Abort as exc:
        say(f"ERROR: {exc}")
        tally.add("setup", failed=1, note=str(exc))
        exit_code = 2
    except KeyboardInterrupt:
        say("Interrupted.")
        tally.add("interrupted", failed=1)
        exit_code = 130
    say(f"\ntest took {seconds(elapsed())}")
    tally.report()
    if tally.failed and not exit_code:
        exit_code = 1
    return exit_code


# --------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------


def sample_body(route, content_type):
    """A request body for a demo endpoint: its demo file, else a placeholder."""
    ext = {
        "application/json": ".json",
        "application/xml": ".xml",
        "text/xml": ".xml",
    }.get(content_type, "")
    path = demo_file(route, ext) if ext else None
    if path:
        return f"@{path.relative_to(REPO)}"
    return {".json": "{}", ".xml": "<request/>"}.get(ext, "example")


def demo_file(route, ext):
    """A file of the addon's demo/ folder named after the route
    (``/demo/contact``: ``demo_contact.json`` or ``contact.json``), or None."""
    parts = [p for p in route.split("/") if p]
    demo = REPO / ADDON / "demo"
    for stem in ["_".join(parts), parts[-1]] if parts and demo.is_dir() else []:
        for path in sorted(demo.rglob(f"{stem}{ext}")):
            if path.is_file():
                return path
    return None


def sample_query(route):
    """The query string a demo endpoint needs (``demo/<name>.query``), or ''."""
    path = demo_file(route, ".query")
    return "?" + path.read_text(encoding="utf-8").strip() if path else ""


# A value for each kind of route placeholder, so that the curl line of a
# route such as /demo/partners/<model("res.partner"):partner> calls a URL
# that answers (record 1 exists in every database: the first company's
# partner).
PLACEHOLDER = re.compile(r"<(?:(?P<conv>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
PLACEHOLDER_EXAMPLES = {
    "int": "1",
    "model": "1",
    "models": "1",
    "float": "1.5",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "path": "example/path",
}


def concrete_path(route):
    """``route`` with each placeholder replaced by a value it accepts."""

    def example(match):
        if match["conv"] == "any" and match["args"]:
            return match["args"].split(",")[0].strip().strip("\"'")
        return PLACEHOLDER_EXAMPLES.get(match["conv"], "example")

    return PLACEHOLDER.sub(example, route)


def curl_lines(env, db, port):
    base = f"http://127.0.0.1:{port}"
    try:
        with contextlib.closing(pg_connect(env, db)) as conn, conn.cursor() as cr:
            cr.execute("SELECT to_regclass('endpoint_endpoint') IS NOT NULL")
            if not cr.fetchone()[0]:
                return [f"(no endpoint_endpoint table in {db}: no endpoints yet)"]
            cr.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'endpoint_endpoint'"
            )
            columns = {r[0] for r in cr.fetchall()}
            wanted = [
                "route",
                "request_method",
                "request_content_type",
                "auth_type",
                "name",
                "registry_sync",
                "summary",
                "rate_limit_count",
                "rate_limit_period",
            ]
            select = ", ".join(c if c in columns else f"NULL AS {c}" for c in wanted)
            cr.execute(
                f"SELECT {select} FROM endpoint_endpoint WHERE active ORDER BY id"
            )
            rows = cr.fetchall()
    except Abort as exc:
        return [f"(cannot list the endpoints: {exc})"]
    if not rows:
        return ["(no active endpoint in the database)"]
    out = []
    cookie = Path(tempfile.gettempdir(), f"{db}.cookies")
    if any(r[3] == "user_endpoint" for r in rows):
        login = json.dumps(
            {
                "jsonrpc": "2.0",
                "params": {"db": db, "login": "admin", "password": "admin"},
            }
        )
        out += [
            "# endpoints with auth 'user_endpoint' need a session; log in once with:",
            (
                f"curl -s -c {cookie} -H 'Content-Type: application/json' "
                f"-d '{login}' {base}/web/session/authenticate"
            ),
        ]
    for row in rows:
        route, method, content_type, auth, name, synced, summary = row[:7]
        rate_count, rate_period = row[7:]
        method = (method or "GET").upper()
        parts = ["curl", "-i"]
        if method != "GET":
            parts += ["-X", method]
        if auth == "user_endpoint":
            parts += ["-b", str(cookie)]
        if method in ("POST", "PUT", "PATCH"):
            ctype = content_type or "application/json"
            parts += ["-H", f"'Content-Type: {ctype}'"]
            body = sample_body(route, ctype)
            parts += ["--data-binary", body if body.startswith("@") else f"'{body}'"]
        parts.append(f"'{base}{concrete_path(route)}{sample_query(route)}'")
        flag = (
            ""
            if synced in (True, None)
            else "  [not synced: click Sync registry on it first]"
        )
        about = f"{name or route}: {summary}" if summary else name or route
        out.append(f"# {about} ({method}, auth {auth}){flag}")
        out.append(" ".join(parts))
        if rate_count:
            # Past its limit, a call gets 429 and Retry-After.
            calls = rate_count + 1
            quiet = " ".join(
                ["curl", "-s", "-o", "/dev/null", "-w", "'%{http_code} '", *parts[2:]]
            )
            out.append(
                f"#   rate limited ({rate_count} calls every {rate_period or 60} s): "
                f"call it {calls} times, the last answers 429"
            )
            out.append(f"for i in $(seq {calls}); do {quiet}; done; echo")
    return out


def cmd_run(args, argv):
    port = args.port
    cluster = None
    odoo_proc = None
    try:
        odoo = ensure_odoo(argv, args.odoo_source)
        if not odoo:
            raise Abort(f"no Odoo {ODOO_SERIES} to run")
        say(f"Odoo {odoo.version}: {odoo.where}")
        if port_in_use(port):
            raise Abort(
                f"port {port} on 127.0.0.1 is in use (another Odoo?): "
                "stop it, or pass --port N"
            )
        step("Requirements: requirements.txt")
        install_requirements(["requirements.txt"])

        env = dict(os.environ)
        if pg_configured():
            step("PostgreSQL: the configured server (PGHOST/PGPORT/PGUSER/PGPASSWORD)")
        else:
            step(f"PostgreSQL: the private cluster kept in {DEV_DIR / 'pgdata'}")
            DEV_DIR.mkdir(parents=True, exist_ok=True)
            cluster = Cluster(
                DEV_DIR / "pgdata",
                DEV_DIR / "pgdata" / "postgresql.log",
                DEV_DIR / "pg.json",
            )
            cluster.start()
            env.update(cluster.env())
        check_pg_user(env)

        db = args.db
        state = database_state(env, db)
        if state is None:
            action, verb = (
                ["-i", ADDON, "--with-demo"],
                f"create database {db} and install {ADDON} with demo data",
            )
        elif not state["odoo"]:
            raise Abort(
                f"database {db} exists but is not an Odoo database: "
                "choose another name with --db NAME"
            )
        elif not state["base_version"].startswith(ODOO_SERIES + "."):
            raise Abort(
                f"database {db} was created by Odoo "
                f"{state['base_version'] or 'unknown'}, not {ODOO_SERIES}: choose "
                "another name with --db NAME (the database was left untouched)"
            )
        elif state["addon_installed"]:
            action, verb = ["-u", ADDON], f"update {ADDON} in database {db}"
        else:
            action, verb = (
                ["-i", ADDON],
                f"install {ADDON} in the existing database {db}",
            )
        if state and not state["demo"]:
            say(
                f"    note: {db} was created without demo data, so it has no demo "
                "endpoints; use a new --db for them"
            )

        data_dir = DEV_DIR / "odoo-data"
        logs = DEV_DIR / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        install_log = logs / "run-install.log"
        cmd = odoo_args(
            odoo,
            DEV_DIR,
            data_dir,
            db,
            free_port(),
            [*action, "--stop-after-init", "--workers", "0"],
        )
        with stage(f"Odoo: {verb}"):
            rc, _lines = stream(
                cmd, env=env, log_path=install_log, show=show_odoo_line(args.verbose)
            )
        if rc:
            raise Abort(f"Odoo could not {verb} (exit {rc}): see {install_log}")

        step(f"Odoo: serving database {db} on http://127.0.0.1:{port}")
        cmd = odoo_args(odoo, DEV_DIR, data_dir, db, port, ["--workers", "0"])
        odoo_proc = popen(cmd, env=env)
        if not wait_for_port(port, odoo_proc, 120):
            raise Abort(
                f"Odoo did not start serving on 127.0.0.1:{port}: "
                "see its messages above"
            )
        banner = [
            "",
            "=" * 72,
            f"Odoo is serving {db} at http://127.0.0.1:{port}/odoo",
            "Log in as admin / admin, then open the Endpoints list:",
            f"  http://127.0.0.1:{port}/odoo/action-endpoint.endpoint_endpoint_act_window",
            "(in the menus: Settings > Technical > Endpoints, in developer mode)",
            "",
            *curl_lines(env, db, port),
            "(run the curl lines from the repository root, for the @file bodies)",
            "",
            "Ctrl-C stops Odoo"
            + (" and the private PostgreSQL cluster." if cluster else "."),
            "=" * 72,
            "",
        ]
        say("\n".join(banner))
        say(f"(ready {seconds(elapsed())} after the command started)")
        rc = odoo_proc.wait()
        say(f"Odoo stopped (exit {rc}).")
        return rc
    except Abort as exc:
        say(f"ERROR: {exc}")
        return 2
    except KeyboardInterrupt:
        say("\nStopping Odoo..." if odoo_proc else "\nInterrupted.")
        return 0 if odoo_proc else 130
    finally:
        if odoo_proc is not None:
            stop_process(odoo_proc, STOP_SECONDS)
        if cluster and cluster.started_here:
            say("Stopping the private PostgreSQL cluster...")
            cluster.stop()


# --------------------------------------------------------------------------


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python3 .ci/dev.py", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    source_help = (
        "Odoo's source: a .tar.gz or git URL, a local .tar.gz or source folder "
        "(default: $ODOO_SOURCE, else what was fetched before, else GitHub's)"
    )
    t = sub.add_parser("test", help="lint, packaging, unit tests and the Odoo suite")
    t.add_argument("--no-lint", action="store_true", help="skip pre-commit")
    t.add_argument("-v", "--verbose", action="store_true", help="show Odoo's whole log")
    t.add_argument("--odoo-source", metavar="SOURCE", help=source_help)
    r = sub.add_parser("run", help="serve the addon with demo endpoints")
    r.add_argument(
        "--db", default=f"{ADDON}_demo", help="database name (default: %(default)s)"
    )
    r.add_argument(
        "--port",
        type=int,
        default=8069,
        help="HTTP port on 127.0.0.1 (default: %(default)s)",
    )
    r.add_argument(
        "-v", "--verbose", action="store_true", help="show Odoo's whole install log"
    )
    r.add_argument("--odoo-source", metavar="SOURCE", help=source_help)
    args = parser.parse_args(argv)
    # A background job of a shell starts with SIGINT ignored: a supervisor's
    # kill -INT must stop us all the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    stop_on_sigterm()
    command = cmd_test if args.command == "test" else cmd_run
    return command(args, argv)


if __name__ == "__main__":
    sys.exit(main())
