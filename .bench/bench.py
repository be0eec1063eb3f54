#!/usr/bin/env python3
"""Benchmark: endpoint records against the same routes written as plain controllers.

    python3 .bench/bench.py [--rounds 8] [--duration 3] [--keep]

Creates a database with ``endpoint`` and the benchmark-only addon
``.bench/addons/endpoint_bench`` (five endpoint records and their plain
``@http.route`` twins), serves it with ``--workers=2`` on 127.0.0.1, and
measures each endpoint route against its twin, interleaved in rounds:
requests/s, p50 and p99 latency, SQL queries per request, ratio
endpoint/plain. Then it measures how long after a committed "Sync registry"
(from another process) every worker serves a new route, serves an edited
snippet, and stops serving an archived route. With ``--log-load N``, it then
loads the logged endpoint for N seconds and counts its call log's entries
against the requests Odoo answered (no deadlock, no entry lost). With
``--memory N``, it reports each worker's memory before and after N calls of
the path parameter route with distinct values. It stops everything it
started and drops the database unless ``--keep``.

Odoo and PostgreSQL come as for ``.ci/dev.py`` (its helpers in
``.ci/devkit/``): Odoo from this Python, ``ODOO_SRC``, ``ODOO_SOURCE`` or the
private env; PostgreSQL named by ``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD``,
else a throw-away private cluster. Load comes from ``wrk`` when installed
(Debian package ``wrk``), else from a small Python client.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / ".ci"))

from devkit import REPO
from devkit.odoo_env import PY, ensure_odoo, launcher
from devkit.output import Abort, say, step
from devkit.pg import (
    database_exists,
    drop_database,
    pg_connect,
    start_throwaway,
)
from devkit.procs import free_port, port_in_use, stop_process

BENCH_ADDONS = HERE / "addons"
WORKERS = 2
SYNC_ROUTE = "/bench/endpoint/sync_probe"

# The targets, on every case.
TARGET_P50 = 1.10  # endpoint p50 at most 10% above the plain twin's
TARGET_RPS = 0.90  # endpoint throughput at least 0.9x the plain twin's

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# werkzeug access line; Odoo appends "<queries> <sql time> <python time>".
ACCESS_LINE = re.compile(
    r"^(?P<ts>\S+ \S+) (?P<pid>\d+) INFO \S+ werkzeug: .*?"
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) \S+ '
    r"(?P<queries>\d+) (?P<sql_time>[\d.]+) (?P<py_time>[\d.]+)\s*$"
)


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------


def items_body(count=100):
    items = [
        {
            "sku": f"ABC-{i:04d}",
            "name": f"Item {i}",
            "qty": i + 1,
            "price": round(i * 1.25, 2),
            "tags": ["bench", f"t{i % 7}"],
        }
        for i in range(count)
    ]
    return json.dumps({"reference": "BENCH-1", "items": items}).encode()


def order_body(count=100):
    lines = "".join(f'<line sku="SKU-{i:04d}" qty="{i + 1}"/>' for i in range(count))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<order ref="BENCH-1"><customer>Bench</customer>{lines}</order>'
    ).encode()


@dataclass
class Case:
    letter: str
    key: str
    label: str
    method: str = "GET"
    content_type: str | None = None
    body: bytes | None = None
    # After the route: a path parameter's value.
    suffix: str = ""

    def path(self, side):
        return f"/bench/{side}/{self.key}{self.suffix}"


CASES = [
    Case("a", "hello", "GET text"),
    Case("b", "json", "GET JSON as another user"),
    Case("c", "items", "POST JSON, YAML schema, 100 items", "POST", "application/json"),
    Case("d", "order", "POST XML, XSD, 100 lines", "POST", "application/xml"),
    # Logging on; the plain twin writes the same row in its own transaction.
    Case("e", "logged", "GET JSON, each call logged"),
    Case("f", "param", "GET path parameter <int:item_id>", suffix="/1234"),
    # Rate limited (never reached): against "b", the cost of counting a call
    # in PostgreSQL; the plain twin counts it the same way.
    Case("g", "limited", "GET JSON, rate limited"),
]
CASES[2].body = items_body()
CASES[3].body = order_body()
SIDES = ("endpoint", "plain")


@dataclass
class Sample:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_ms: float = float("nan")  # time in Odoo, from its access log
    cpu_ms: float = float("nan")  # CPU time of Odoo's processes per request
    queries: list = field(default_factory=list)  # per request, from the log

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class RouteStats:
    samples: list = field(default_factory=list)
    queries: list = field(default_factory=list)


# --------------------------------------------------------------------------
# Processes, ports, PostgreSQL
# --------------------------------------------------------------------------


class Server:
    """Odoo with the bench database: install, then serve with prefork workers."""

    CONTENTS = "endpoint + endpoint_bench (no demo data)"

    def __init__(self, cmd, env, db, port, workdir):
        self.cmd, self.env, self.db, self.port = cmd, env, db, port
        self.workdir = workdir
        self.conf = workdir / "odoo.conf"
        self.conf.write_text("[options]\n", encoding="utf-8")  # no ~/.odoorc
        self.log = workdir / "odoo.log"
        # Python errors before Odoo's logging starts (the gevent child's).
        self.stderr = workdir / "odoo.stderr"
        self.proc = None
        self.gevent = None

    def args(self, *extra):
        return [
            *self.cmd,
            f"--config={self.conf}",
            f"--addons-path={BENCH_ADDONS},{REPO}",
            f"--data-dir={self.workdir / 'data'}",
            f"--database={self.db}",
            f"--db-filter=^{re.escape(self.db)}$",
            "--http-interface=127.0.0.1",
            "--max-cron-threads=0",
            *extra,
        ]

    def install(self):
        self.run_once(
            "--init=endpoint_bench",
            log=self.workdir / "install.log",
            what="installing endpoint_bench",
        )

    def run_once(self, *extra, log, what, addons=None):
        """Run Odoo once (``--stop-after-init``) with ``extra`` arguments, and
        ``addons`` on the addons path too; return when it started (epoch
        seconds) and how long it took. An exit status or an ERROR in its
        log aborts, naming ``what`` failed and the log's last errors."""
        log.unlink(missing_ok=True)
        args = self.args(
            *extra,
            "--stop-after-init",
            "--workers=0",
            f"--http-port={free_port()}",
            f"--logfile={log}",
        )
        if addons:
            args = [
                f"{a},{addons}" if a.startswith("--addons-path=") else a for a in args
            ]
        t0 = time.time()
        res = subprocess.run(
            args,
            env=self.env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        spent = time.time() - t0
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        bad = [
            line for line in text.splitlines() if re.search(r" (ERROR|CRITICAL) ", line)
        ]
        if res.returncode or bad:
            detail = "\n".join((bad or text.splitlines() or [res.stderr])[-10:])
            raise Abort(f"{what} failed (see {log}):\n{detail}")
        return t0, spent

    def start(self, gevent_port):
        with open(self.stderr, "wb") as stderr:
            self.proc = self._spawn(gevent_port, stderr)
        deadline = time.monotonic() + 180
        paths = [c.path(side) for c in CASES for side in SIDES]
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Abort(f"Odoo exited with {self.proc.returncode}; see {self.log}")
            if all(self.get(p, body=c.body, case=c)[0] == 200 for c, p in _pairs()):
                break
            time.sleep(0.5)
        else:
            raise Abort(
                f"the bench routes did not answer 200 within 3 minutes: {paths}"
            )
        self.gevent = self.wait_gevent(gevent_port)

    def wait_gevent(self, port, timeout=60):
        """The PID of the gevent child once it listens.

        Every prefork server spawns it, and respawns it as soon as it dies: a
        child that cannot start (e.g. gevent's plugins failing to load with an
        old pkg_resources) burns a CPU in a loop and spoils every number.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), 1).close()
                pid = self.gevent_pid()
                if pid:
                    return pid
            time.sleep(0.5)
        errors = [
            line.strip()
            for line in self.stderr.read_text(
                encoding="utf-8", errors="replace"
            ).splitlines()
            if re.match(r"^\w+(\.\w+)*(Error|Exception|NotFound)\b", line.strip())
        ]
        raise Abort(
            "Odoo's gevent process (spawned by every prefork server) does not "
            f"start and is respawned in a loop, which would skew the measurement. "
            f"Its last error: {errors[-1] if errors else 'none printed'} "
            f"(see {self.stderr}). A DistributionNotFound there comes from an "
            "old setuptools: pip install 'setuptools>=70,<81'."
        )

    def gevent_pid(self):
        """The PID of the master's gevent child, or None."""
        for pid, _fields in self.children():
            with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"\0gevent\0" in fh.read():
                    return pid
        return None

    def children(self):
        """(pid, /proc stat fields) of each live child of Odoo's master."""
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                fields = _proc_stat(entry.name)
                is_child = int(fields[1]) == self.proc.pid
            except (OSError, IndexError):
                continue  # gone meanwhile
            if is_child:
                yield int(entry.name), fields

    def gevent_restarted(self):
        """Whether the gevent child died since the measurement began."""
        return self.gevent is not None and self.gevent_pid() != self.gevent

    def _spawn(self, gevent_port, stderr):
        return subprocess.Popen(
            self.args(
                f"--workers={WORKERS}",
                f"--http-port={self.port}",
                f"--gevent-port={gevent_port}",
                f"--logfile={self.log}",
                # No worker recycling in the middle of a measurement.
                "--limit-request=100000000",
                "--limit-time-real=600",
                "--limit-time-cpu=600",
            ),
            env=self.env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )

    def get(self, path, body=None, case=None, timeout=10):
        """One request on a fresh connection: (status, body) or (None, error)."""
        headers = {"X-Odoo-Database": self.db, "Connection": "close"}
        method = "GET"
        if case and case.method != "GET":
            method = case.method
            headers["Content-Type"] = case.content_type
        conn = HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        except OSError as exc:
            return None, str(exc).encode()
        finally:
            conn.close()

    def stop(self):
        stop_process(self.proc)

    def cpu_seconds(self):
        """CPU time used so far by Odoo's processes (Linux /proc; None
        elsewhere): unlike wall time, other work on the machine barely
        changes it."""
        tick = os.sysconf("SC_CLK_TCK")
        try:
            fields = _proc_stat(self.proc.pid)
            total = int(fields[13]) + int(fields[14])  # children already reaped
            for _pid, fields in self.children():
                total += int(fields[11]) + int(fields[12])
        except OSError:
            return None
        return total / tick

    def log_offset(self):
        return self.log.stat().st_size if self.log.exists() else 0

    def access_lines(self, start=0, end=None):
        """Yield the parsed werkzeug access lines between two log offsets."""
        with open(self.log, "rb") as fh:
            fh.seek(start)
            data = fh.read((end - start) if end is not None else -1)
        for raw in data.decode("utf-8", "replace").splitlines():
            match = ACCESS_LINE.match(ANSI.sub("", raw))
            if match:
                yield match


def _proc_stat(pid):
    """Fields of /proc/<pid>/stat after the command name (state is [0])."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def _pairs():
    for case in CASES:
        for side in SIDES:
            yield case, case.path(side)


# --------------------------------------------------------------------------
# Load generators
# --------------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = "%(method)s"
%(body)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


class WrkLoad:
    name = "wrk"

    def __init__(self, server, workdir, connections):
        self.server, self.workdir, self.connections = server, workdir, connections
        self.scripts = {}

    def script(self, case):
        if case.key not in self.scripts:
            body = ""
            if case.body:
                body_file = self.workdir / f"{case.key}.body"
                body_file.write_bytes(case.body)
                body = (
                    f'local f = assert(io.open("{body_file}", "rb"))\n'
                    "wrk.body = f:read('*a')\nf:close()"
                )
            path = self.workdir / f"{case.key}.lua"
            path.write_text(
                WRK_SCRIPT % {"method": case.method, "body": body}, encoding="utf-8"
            )
            self.scripts[case.key] = path
        return self.scripts[case.key]

    def run(self, case, side, seconds):
        cmd = [
            "wrk", "-t1", f"-c{self.connections}", f"-d{seconds}s", "--timeout", "10s",
            "-s", str(self.script(case)),
            "-H", f"X-Odoo-Database: {self.server.db}",
        ]  # fmt: skip
        if case.content_type:
            cmd += ["-H", f"Content-Type: {case.content_type}"]
        cmd.append(f"http://127.0.0.1:{self.server.port}{case.path(side)}")
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        line = next(
            (x for x in res.stdout.splitlines() if x.startswith("BENCH ")), None
        )
        if not line:
            raise Abort(f"wrk failed: {res.stderr.strip() or res.stdout.strip()}")
        requests, duration_us, p50_us, p99_us, errors = map(int, line.split()[1:])
        return Sample(requests, duration_us / 1e6, p50_us / 1e3, p99_us / 1e3, errors)


class PythonLoad:
    """Closed-loop client: one thread per connection, a connection per request
    (Odoo's prefork workers answer HTTP/1.0 and close anyway)."""

    name = "python"

    def __init__(self, server, workdir, connections):
        self.server, self.connections = server, connections

    def run(self, case, side, seconds):
        path = case.path(side)
        latencies, errors = [], [0]
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds

        def worker():
            mine, bad = [], 0
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                status, _body = self.server.get(path, body=case.body, case=case)
                elapsed = time.perf_counter() - t0
                if status is None or status >= 400:
                    bad += 1
                else:
                    mine.append(elapsed)
            with lock:
                latencies.extend(mine)
                errors[0] += bad

        started = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(self.connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        latencies.sort()
        if not latencies:
            return Sample(0, elapsed, 0.0, 0.0, errors[0])

        def pct(p):
            return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1e3

        return Sample(len(latencies), elapsed, pct(0.50), pct(0.99), errors[0])


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------


def trimmed_mean(values, cut=0.1):
    """Mean without the lowest and highest tenth: Odoo logs times to the
    millisecond, so a median would only say 3 or 4 ms."""
    values = sorted(values)
    k = int(len(values) * cut)
    return statistics.fmean(values[k : len(values) - k] or values)


def measure(server, load, cases, rounds, seconds, warmup):
    stats = {(c.key, side): RouteStats() for c in cases for side in SIDES}
    step(f"Warm-up: {warmup}s per route")
    for case in cases:
        for side in SIDES:
            load.run(case, side, warmup)
    for rnd in range(1, rounds + 1):
        # Alternate which twin goes first, so neither always follows the other.
        order = SIDES if rnd % 2 else SIDES[::-1]
        step(f"Round {rnd}/{rounds}")
        for case in cases:
            for side in order:
                sample = measure_slice(server, load, case, side, seconds)
                stats[case.key, side].samples.append(sample)
                stats[case.key, side].queries.extend(sample.queries)
                say(
                    f"    {case.key:<6} {side:<8} {sample.rps:8.1f} req/s  "
                    f"p50 {sample.p50_ms:6.2f} ms  p99 {sample.p99_ms:7.2f} ms  "
                    f"in Odoo {sample.server_ms:5.2f} ms  CPU {sample.cpu_ms:5.2f} ms  "
                    f"{_mean(sample.queries):.2f} queries"
                    + (f"  {sample.errors} FAILED" if sample.errors else "")
                )
    return stats


def measure_slice(server, load, case, side, seconds):
    """Load one route; add what Odoo's log and CPU time say about it."""
    start, cpu_start = server.log_offset(), server.cpu_seconds()
    sample = load.run(case, side, seconds)
    time.sleep(0.3)  # the workers' last access lines
    cpu_end = server.cpu_seconds()
    lines = [m for m in server.access_lines(start) if m["path"] == case.path(side)]
    sample.queries = [int(m["queries"]) for m in lines]
    if lines:
        sample.server_ms = 1000 * trimmed_mean(
            [float(m["sql_time"]) + float(m["py_time"]) for m in lines]
        )
        if cpu_start is not None and cpu_end is not None:
            sample.cpu_ms = (cpu_end - cpu_start) * 1000 / len(lines)
    return sample


def _mean(values):
    return statistics.fmean(values) if values else float("nan")


def _ratio(num, den):
    return num / den if den else float("nan")


def _paired(e, p, attr):
    """Median over the rounds of the endpoint/plain ratio of ``attr``: the two
    twins ran back to back, so each round's ratio cancels the machine's
    slower drifts."""
    return statistics.median(
        _ratio(getattr(a, attr), getattr(b, attr))
        for a, b in zip(e.samples, p.samples, strict=True)
    )


def _median(samples, attr):
    return statistics.median(getattr(s, attr) for s in samples)


def report(stats, cases, rounds):
    """Print the table; return True when every target is met."""
    say()
    say(
        f"Medians over {rounds} interleaved rounds; ratio = endpoint / plain, "
        "the median of the per-round ratios. CPU: CPU time of Odoo's processes "
        "per request; queries: SQL queries per request (Odoo's access log)."
    )
    header = (
        f"{'case':<38} {'twin':<8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>8} "
        f"{'CPU ms':>7} {'queries':>7}"
    )
    say(header)
    say("-" * len(header))
    all_ok = True
    for case in cases:
        e, p = stats[case.key, "endpoint"], stats[case.key, "plain"]
        rps_ratio = _paired(e, p, "rps")
        p50_ratio = _paired(e, p, "p50_ms")
        eq = statistics.fmean(e.queries) if e.queries else float("nan")
        pq = statistics.fmean(p.queries) if p.queries else float("nan")
        errors = sum(s.errors for s in e.samples + p.samples)
        ok = {
            "queries": eq <= pq + 0.005,
            "p50": p50_ratio <= TARGET_P50,
            "req/s": rps_ratio >= TARGET_RPS,
            "no failed request": errors == 0,
        }
        all_ok &= all(ok.values())
        label = f"({case.letter}) {case.label}"
        for name, st, q in (("endpoint", e, eq), ("plain", p, pq)):
            say(
                f"{label:<38} {name:<8} {_median(st.samples, 'rps'):8.1f} "
                f"{_median(st.samples, 'p50_ms'):7.2f} "
                f"{_median(st.samples, 'p99_ms'):8.2f} "
                f"{_median(st.samples, 'cpu_ms'):7.2f} {q:7.2f}"
            )
            label = ""
        verdict = (
            "targets met"
            if all(ok.values())
            else "MISSED: " + ", ".join(k for k, v in ok.items() if not v)
        )
        say(
            f"{'':<38} {'ratio':<8} {rps_ratio:7.2f}x {p50_ratio:6.2f}x "
            f"{_paired(e, p, 'p99_ms'):7.2f}x {_paired(e, p, 'cpu_ms'):6.2f}x "
            f"{eq - pq:+7.2f}  {verdict}"
            + (f" ({errors} failed requests)" if errors else "")
        )
    say("-" * len(header))
    say(
        f"Targets: queries equal, p50 ratio <= {TARGET_P50:.2f}, "
        f"req/s ratio >= {TARGET_RPS:.2f} -> " + ("ALL MET" if all_ok else "NOT MET")
    )
    return all_ok


# --------------------------------------------------------------------------
# Registry sync latency
# --------------------------------------------------------------------------

# What every agent runs first: Odoo's registry of the bench database.
AGENT_SETUP = r"""
import sys, time
sys.argv[1:] = []
import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config
config.parse_config([
    "--config", CONF, "--addons-path", ADDONS, "-d", DB,
    "--http-interface", "127.0.0.1",
])
odoo.modules.module.initialize_sys_path()
registry = odoo.modules.registry.Registry(DB)
print("ready", flush=True)
"""

# The sync latency agent: commands from its stdin.
AGENT_LOOP = r"""
for line in sys.stdin:
    command = line.split()
    if not command:
        continue
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Endpoint = env["endpoint.endpoint"].with_context(active_test=False)
        rec = Endpoint.search([("route", "=", ROUTE)])
        if command[0] == "create":
            rec = Endpoint.create({
                "name": "Bench: sync probe", "route": ROUTE,
                "request_method": "GET", "auth_type": "public",
                "exec_as_user_id": env.ref("endpoint_bench.user_bench").id,
                "code_snippet": "result = {'payload': 'v1'}",
            })
        elif command[0] == "edit":
            rec.code_snippet = "result = {'payload': 'v2'}"
        elif command[0] == "archive":
            rec.active = False
        elif command[0] == "delete":
            rec.unlink()
        if command[0] != "delete":
            rec.action_sync_registry()
        # The sync runs in a post-commit hook, which commits it.
        cr.commit()
        print("done", time.time(), flush=True)
"""

AGENT = AGENT_SETUP + AGENT_LOOP


class SyncAgent:
    """Another process, like ``odoo shell``, committing syncs on command."""

    def __init__(self, server, script=AGENT, name="sync_agent", **constants):
        """Run ``script`` (``AGENT_SETUP`` and a command loop) with the
        constants CONF, ADDONS, DB, ROUTE and ``constants`` defined."""
        self.log = server.workdir / f"{name}.log"
        constants = {
            "CONF": str(server.conf),
            "ADDONS": f"{BENCH_ADDONS},{REPO}",
            "DB": server.db,
            "ROUTE": SYNC_ROUTE,
            **constants,
        }
        script = "\n".join(
            [*(f"{key} = {value!r}" for key, value in constants.items()), script]
        )
        src = os.environ.get("ODOO_SRC")
        env = dict(server.env)
        if src:
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [src, env.get("PYTHONPATH")])
            )
        self.proc = subprocess.Popen(
            [PY, "-c", script],
            env=env,
            cwd="/",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(self.log, "w"),  # noqa: SIM115
            text=True,
        )
        self._expect("ready")

    def _expect(self, word):
        line = self.proc.stdout.readline()
        if not line.startswith(word):
            raise Abort(f"the sync agent failed; see {self.log}")
        return line.split()[1:]

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def command(self, name):
        self.send(name)
        return float(self._expect("done")[0])

    def close(self):
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Poller:
    """Threads calling a route back to back on fresh connections, so requests
    spread over every worker; each answer is kept with its time."""

    def __init__(self, server, path, threads=2):
        self.server, self.path = server, path
        self.events = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._loop) for _ in range(threads)]

    def _loop(self):
        while not self.stopping.is_set():
            t0 = time.time()
            status, body = self.server.get(self.path, timeout=30)
            with self.lock:
                self.events.append((t0, time.time(), status, body))
            time.sleep(0.002)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def confirm(self, accept, since, run, timeout):
        """Wait for ``run`` consecutive right answers to requests sent after
        ``since``; return how many wrong answers came before them, or None
        if they did not come within ``timeout`` seconds."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                events = sorted(e for e in self.events if e[0] >= since)
            wrong = streak = 0
            for _sent, _done, status, body in events:
                if accept(status, body):
                    streak += 1
                    if streak >= run:
                        return wrong
                else:
                    wrong += 1
                    streak = 0
            time.sleep(0.05)
        return None


def log_time(match):
    # Odoo runs and logs in UTC.
    stamp = datetime.strptime(match["ts"], "%Y-%m-%d %H:%M:%S,%f")
    return stamp.replace(tzinfo=UTC).timestamp()


def measure_sync(server, run, cycles):
    """For each step, per cycle: seconds until every worker answered right,
    and the wrong answers to requests sent after the commit."""
    step(f"Registry sync latency: {cycles} cycles, syncs committed by another process")
    agent = SyncAgent(server)
    url = SYNC_ROUTE
    # (command, what is measured, right answer, its status in the access log)
    checks = [
        ("create", "new route served", lambda s, b: s == 200 and b'"v1"' in b, 200),
        ("edit", "edited snippet served", lambda s, b: s == 200 and b'"v2"' in b, 200),
        ("archive", "archived route gone", lambda s, b: s == 404, 404),
    ]
    results = {label: [] for _c, label, _a, _s in checks}
    try:
        with Poller(server, url) as poller:
            for _cycle in range(cycles):
                for command, label, accept, status in checks:
                    start = server.log_offset()
                    since = agent.command(command)
                    wrong = poller.confirm(accept, since, run, timeout=60)
                    time.sleep(0.3)  # the workers' last access lines
                    # When each worker first answered a request it received
                    # after the commit with the right status (the log shows
                    # no body: the poller checked those).
                    first = {}
                    for m in server.access_lines(start):
                        done = log_time(m)
                        began = done - float(m["sql_time"]) - float(m["py_time"])
                        right = m["path"] == url and int(m["status"]) == status
                        if right and began >= since - 0.001:
                            first.setdefault(m["pid"], done - since)
                    every = max(first.values()) if len(first) >= WORKERS else None
                    if wrong is None:
                        every = None
                    results[label].append((every, wrong))
                    say(
                        f"    {label:<22} "
                        + (
                            f"every worker after {every * 1000:7.1f} ms, "
                            f"{wrong} wrong answers"
                            if every is not None
                            else f"NOT REACHED ({len(first)} workers, wrong {wrong})"
                        )
                    )
                agent.command("delete")
    finally:
        agent.close()
    return results


def report_sync(results, run, cycles):
    say()
    say(
        "Registry sync latency: from the commit of 'Sync registry' in another "
        f"process until every one of the {WORKERS} workers answered right "
        f"(then {run} consecutive right answers); {cycles} cycles."
    )
    say(f"  {'step':<24} {'median':>9} {'max':>9}  wrong answers after the commit")
    ok = True
    for label, values in results.items():
        delays = [d for d, _w in values if d is not None]
        wrong = sum(w or 0 for _d, w in values)
        if len(delays) < len(values):
            say(f"  {label:<24} NOT REACHED in {len(values) - len(delays)} cycles")
            ok = False
            continue
        say(
            f"  {label:<24} {statistics.median(delays) * 1000:6.1f} ms "
            f"{max(delays) * 1000:6.1f} ms  {wrong}"
        )
    return ok


# --------------------------------------------------------------------------
# Call log under load
# --------------------------------------------------------------------------


def count_log_entries(server, path):
    with (
        contextlib.closing(pg_connect(server.env, server.db)) as conn,
        conn.cursor() as cr,
    ):
        cr.execute("SELECT count(*), max(id) FROM endpoint_log WHERE path = %s", [path])
        return cr.fetchone()


def measure_log_load(server, load, seconds):
    """Load the logged endpoint; every answer Odoo logged in its access log
    must have its entry, and no worker may report a deadlock or a failure
    to log."""
    case = next(c for c in CASES if c.key == "logged")
    path = case.path("endpoint")
    step(f"Call log under load: {path} for {seconds}s, {WORKERS} workers")
    before, _max_id = count_log_entries(server, path)
    start = server.log_offset()
    sample = load.run(case, "endpoint", seconds)
    time.sleep(1)  # the workers' last access lines
    after, _max_id = count_log_entries(server, path)
    answered = [m for m in server.access_lines(start) if m["path"] == path]
    with open(server.log, "rb") as fh:
        fh.seek(start)
        text = fh.read().decode("utf-8", "replace")
    problems = len(re.findall(r"deadlock|its call was not logged", text, re.IGNORECASE))
    result = {
        "seconds": seconds,
        "sent": sample.requests,
        "failed": sample.errors,
        "answered": len(answered),
        "answered_200": sum(1 for m in answered if m["status"] == "200"),
        "entries": after - before,
        "problems": problems,
    }
    say(
        f"    {result['sent']} requests completed by the client "
        f"({result['failed']} failed), {result['answered']} answered in Odoo's "
        f"log, {result['entries']} entries"
    )
    return result


def report_log_load(result):
    ok = (
        result["entries"] == result["answered"] == result["answered_200"]
        and result["entries"] >= result["sent"]
        and not result["failed"]
        and not result["problems"]
    )
    say()
    say(
        f"Call log under load ({WORKERS} workers, {result['seconds']}s): "
        f"{result['sent']} requests completed by the client, "
        f"{result['answered']} answered by Odoo ({result['answered_200']} with 200), "
        f"{result['entries']} log entries; {result['failed']} failed requests, "
        f"{result['problems']} deadlocks or failures to log in Odoo's log -> "
        + ("no entry lost" if ok else "ENTRIES LOST OR ERRORS")
    )
    return ok


# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# Worker memory across distinct path parameter values
# --------------------------------------------------------------------------


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def worker_rss(server):
    """{pid: RSS in KiB} of the HTTP workers (the gevent child aside)."""
    return {
        pid: rss_kib(pid)
        for pid, _fields in server.children()
        if pid != server.gevent_pid()
    }


def call_distinct(server, side, start, count):
    """GET the path parameter route of ``side`` with ``count`` distinct
    values; return the number of answers that were not 200."""
    failures = 0
    for value in range(start, start + count):
        status, _body = server.get(f"/bench/{side}/param/{value}")
        failures += status != 200
    return failures


def measure_memory(server, calls):
    """RSS of each worker before and after ``calls`` requests with distinct
    path parameter values, on each side (after a warm-up of its own)."""
    results = []
    for side in SIDES:
        call_distinct(server, side, 10_000_000, 500)  # caches filled once
        before = worker_rss(server)
        failures = call_distinct(server, side, 20_000_000, calls)
        after = worker_rss(server)
        results.append((side, before, after, failures))
    return results


def report_memory(results, calls):
    say(f"\nWorker memory (RSS, MiB) across {calls} distinct path parameter values:")
    say(f"  {'side':<9} {'worker':>7} {'before':>8} {'after':>8} {'growth':>8}")
    ok = True
    for side, before, after, failures in results:
        for pid in sorted(before):
            if pid not in after:
                say(f"  {side:<9} {pid:>7}  (worker gone: recycled?)")
                ok = False
                continue
            growth = (after[pid] - before[pid]) / 1024
            say(
                f"  {side:<9} {pid:>7} {before[pid] / 1024:>8.1f} "
                f"{after[pid] / 1024:>8.1f} {growth:>+8.1f}"
            )
        if failures:
            say(f"  {side}: {failures} answers were not 200")
            ok = False
    return ok


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 .bench/bench.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=8, help="default: %(default)s")
    parser.add_argument(
        "--duration", type=int, default=3, help="seconds per route and round"
    )
    parser.add_argument("--warmup", type=int, default=2, help="seconds per route")
    parser.add_argument(
        "--connections", type=int, default=WORKERS, help="concurrent clients"
    )
    parser.add_argument("--port", type=int, default=8301, help="HTTP port (+1: gevent)")
    parser.add_argument("--db", default=f"bench_endpoint_{os.getpid()}")
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--cases",
        default=",".join(c.key for c in CASES),
        help="comma-separated subset of: %(default)s",
    )
    parser.add_argument(
        "--sync-run", type=int, default=20, help="consecutive answers that prove a sync"
    )
    parser.add_argument(
        "--sync-cycles",
        type=int,
        default=3,
        help="create/edit/archive cycles of the sync latency (0: skip it)",
    )
    parser.add_argument(
        "--log-load",
        type=int,
        default=0,
        metavar="SECONDS",
        help="load the logged endpoint that long and count its entries (0: skip)",
    )
    parser.add_argument(
        "--memory",
        type=int,
        default=0,
        metavar="N",
        help="then call the path parameter route with N distinct values on "
        "each side and report the workers' RSS before and after (0: skip)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the logs"
    )
    args = parser.parse_args(argv)
    wanted = args.cases.split(",")
    cases = [c for c in CASES if c.key in wanted]
    if not cases or len(cases) != len(set(wanted)):
        parser.error(f"--cases: choose among {', '.join(c.key for c in CASES)}")
    return args, cases


def find_odoo():
    """Odoo 19, from this Python or the private env: when set up here, the
    command starts again inside that env, so call this before creating
    anything."""
    try:
        return ensure_odoo(sys.argv[1:], script=sys.argv[0])
    except Abort as exc:
        say(f"ERROR: {exc}")
        sys.exit(2)


class Session:
    """What one run of a bench command set up: Odoo serving a new database
    with endpoint + endpoint_bench and prefork workers, on PostgreSQL."""

    def __init__(self, args, prefix, server_class=None):
        self.args = args
        self.server_class = server_class or Server
        self.odoo = find_odoo()
        self.env = dict(os.environ)
        self.workdir = Path(tempfile.mkdtemp(prefix=prefix))
        self.cluster = self.server = None
        self.created = False

    def start(self):
        args = self.args
        cmd = launcher(self.odoo, self.workdir).cmd
        for port in (args.port, args.port + 1):
            if port_in_use(port):
                raise Abort(f"port {port} is in use: pass --port N (uses N and N+1)")
        self.cluster = start_throwaway(self.env, self.workdir)
        if database_exists(self.env, args.db):
            raise Abort(f"database {args.db} exists: drop it or pass --db NAME")
        self.server = self.server_class(cmd, self.env, args.db, args.port, self.workdir)
        step(f"Odoo: create {args.db} with {self.server_class.CONTENTS}")
        self.created = True
        self.server.install()
        step(
            f"Odoo: serving {args.db} with --workers={WORKERS} on 127.0.0.1:{args.port}"
        )
        self.server.start(args.port + 1)
        return self.server

    def run(self, measure):
        """Start, call ``measure(server)`` (True when its targets hold), stop
        and clean up; returns the exit code."""
        code = 0
        try:
            code = 0 if measure(self.start()) else 1
        except Abort as exc:
            say(f"ERROR: {exc}")
            code = 2
        except KeyboardInterrupt:
            say("Interrupted.")
            code = 130
        finally:
            self.stop(code)
        return code

    def stop(self, code):
        args, workdir = self.args, self.workdir
        if self.server:
            self.server.stop()
        if self.created and not args.keep:
            with contextlib.suppress(Exception):
                drop_database(self.env, args.db)
        if self.cluster:
            self.cluster.stop()
        if args.keep or code:
            kept = f", database {args.db}" if args.keep and self.created else ""
            say(f"Logs kept in {workdir}{kept}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    args, cases = parse_args(argv)
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk"))
    if args.load == "wrk" and not shutil.which("wrk"):
        say("ERROR: wrk is not installed (Debian: apt-get install wrk)")
        return 2
    session = Session(args, "endpoint-bench-")

    def run(server):
        load = (WrkLoad if use_wrk else PythonLoad)(
            server, session.workdir, args.connections
        )
        say(
            f"    load: {load.name}, {args.connections} connections, "
            f"{args.duration:g}s per route and round, header X-Odoo-Database"
        )
        load_before = os.getloadavg()[0]
        stats = measure(server, load, cases, args.rounds, args.duration, args.warmup)
        sync = None
        if args.sync_cycles:
            sync = measure_sync(server, args.sync_run, args.sync_cycles)
        log_load = (
            measure_log_load(server, load, args.log_load) if args.log_load else None
        )
        memory = measure_memory(server, args.memory) if args.memory else None
        ok = report(stats, cases, args.rounds)
        if memory is not None:
            ok &= report_memory(memory, args.memory)
        if sync is not None:
            ok &= report_sync(sync, args.sync_run, args.sync_cycles)
        ok &= report_log_load(log_load) if log_load else True
        if server.gevent_restarted():
            say(
                "\nDISTURBED: Odoo's gevent process died during the measurement "
                f"and was respawned (see {server.stderr}); run again."
            )
            ok = False
        say(
            f"\nMachine: {os.cpu_count()} CPUs, load average {load_before:.1f} before "
            f"the measurements, {os.getloadavg()[0]:.1f} after (Odoo's own load "
            f"is about {WORKERS + 1}): with other work running, compare ratios, "
            "not absolute numbers."
        )
        return ok

    return session.run(run)


if __name__ == "__main__":
    sys.exit(main())
