#!/usr/bin/env python3
"""Worst-case cost of refusing hostile request bodies, anonymously.

    python3 .bench/hostile.py [--sizes 1M,10M] [--cases all] [--keep]

Serves a fresh database with ``endpoint`` and its demo data (``--workers=2``,
Odoo's default time and memory limits) and sends the demo endpoints bodies
built to be as expensive to refuse as possible, at each size:

- ``json-items``: ``/demo/contact`` with a ``tags`` array whose every item
  fails the schema (one error per item);
- ``json-keys``: ``/demo/contact`` with one unknown key after another
  (``additionalProperties: false``);
- ``xml-lines``: ``/demo/order`` with one invalid ``<line>`` after another
  (one XSD error per line);
- ``xml-attrs``: ``/demo/order`` whose root carries one unknown attribute
  after another.

For each: the status, the answer's size, the CPU time the server used for
one request, the peak memory (RSS) of the worker that served it and its
growth, and the p50 and worst latency of ``/demo/hello`` called in a loop
while two such requests run in parallel (the two workers are then both
busy). Finally, what the evented (gevent) port answers for an endpoint.
It stops everything it started and drops the database unless ``--keep``.
PostgreSQL comes from the ``PG*`` variables, as for ``.bench/bench.py``.
"""

import argparse
import contextlib
import os
import re
import statistics
import sys
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench
from devkit.output import Abort, say, step

HELLO = "/demo/hello"
# /demo/hello is called in a loop for this long, and at least this many
# times (but no longer than the maximum), while two callers send hostile
# bodies one after the other.
SAMPLING_SECONDS = 3.0
MIN_HELLO_CALLS = 3
MAX_SAMPLING_SECONDS = 240
TIMEOUT = 200  # above Odoo's default --limit-time-real (120 s)


def _fill(head, unit, tail, size):
    """``head + unit * n + tail`` of about ``size`` bytes."""
    count = max(1, (size - len(head) - len(tail)) // len(unit))
    return head + unit * count + tail


def json_items(size):
    # A number where the schema wants a string: one error per item.
    body = _fill('{"name": "a", "email": "a@b", "tags": [', "0,", "0]}", size)
    return "/demo/contact", "application/json", body.encode()


def json_keys(size):
    head = '{"name": "a", "email": "a@b"'
    count = max(1, (size - len(head) - 1) // len(', "k0000000": 0'))
    keys = "".join(f', "k{i:07d}": 0' for i in range(count))
    return "/demo/contact", "application/json", f"{head}{keys}}}".encode()


def xml_lines(size):
    # Each line lacks its required qty: one XSD error per line.
    body = _fill(
        '<order ref="x"><customer>c</customer>\n', '<line sku="a"/>\n', "</order>", size
    )
    return "/demo/order", "application/xml", body.encode()


def xml_attrs(size):
    head = '<order ref="x"'
    tail = '><customer>c</customer><line sku="a" qty="1"/></order>'
    count = max(1, (size - len(head) - len(tail)) // len(' a0000000="1"'))
    attrs = "".join(f' a{i:07d}="1"' for i in range(count))
    return "/demo/order", "application/xml", f"{head}{attrs}{tail}".encode()


CASES = {
    "json-items": json_items,
    "json-keys": json_keys,
    "xml-lines": xml_lines,
    "xml-attrs": xml_attrs,
}


def parse_size(text):
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KM]?)", text.strip().upper())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 512K, 1M)")
    factor = {"": 1, "K": 1024, "M": 1024 * 1024}[match.group(2)]
    return int(float(match.group(1)) * factor)


class DemoServer(bench.Server):
    """Odoo with endpoint's demo data, Odoo's default limits."""

    CONTENTS = "endpoint and its demo data"
    WORKERS = bench.WORKERS

    def install(self):
        log = self.workdir / "install.log"
        res = bench.subprocess.run(
            self.args(
                "--init=endpoint",
                "--with-demo",
                "--stop-after-init",
                "--workers=0",
                f"--http-port={bench.free_port()}",
                f"--logfile={log}",
            ),
            env=self.env,
            cwd=bench.REPO,
            stdin=bench.subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if res.returncode:
            raise Abort(f"installing endpoint failed, see {log}")

    def _spawn(self, gevent_port, stderr):
        return bench.subprocess.Popen(
            self.args(
                f"--workers={self.WORKERS}",
                f"--http-port={self.port}",
                f"--gevent-port={gevent_port}",
                f"--logfile={self.log}",
                "--limit-request=100000000",
            ),
            env=self.env,
            cwd=bench.REPO,
            stdin=bench.subprocess.DEVNULL,
            stdout=bench.subprocess.DEVNULL,
            stderr=stderr,
        )

    def start(self, gevent_port):
        with open(self.stderr, "wb") as stderr:
            self.proc = self._spawn(gevent_port, stderr)
        deadline = time.monotonic() + 180
        while self.call(HELLO)[0] != 200:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise Abort(f"{HELLO} does not answer; see {self.log}")
            time.sleep(0.5)
        self.gevent = self.wait_gevent(gevent_port)

    def call(self, path, body=None, content_type=None, port=None):
        """(status, answer size, seconds) of one request on a new connection."""
        headers = {"X-Odoo-Database": self.db, "Connection": "close"}
        if content_type:
            headers["Content-Type"] = content_type
        conn = HTTPConnection("127.0.0.1", port or self.port, timeout=TIMEOUT)
        start = time.perf_counter()
        try:
            conn.request("POST" if body else "GET", path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, data, time.perf_counter() - start
        except OSError as exc:
            return None, str(exc).encode(), time.perf_counter() - start
        finally:
            conn.close()

    def worker_rss(self):
        """{pid: RSS in bytes} of the HTTP workers (not the gevent child)."""
        rss = {}
        for pid, _fields in self.children():
            if pid == self.gevent:
                continue
            with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        rss[pid] = int(line.split()[1]) * 1024
        return rss


class MemoryWatch:
    """Peak RSS of each worker while a block runs, sampled every 5 ms."""

    def __init__(self, server):
        self.server = server
        self.start = server.worker_rss()
        self.peak = dict(self.start)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for pid, rss in self.server.worker_rss().items():
                self.peak[pid] = max(rss, self.peak.get(pid, 0))
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def busiest(self):
        """(peak RSS, growth) of the worker whose memory grew most."""
        growth = {pid: peak - self.start.get(pid, 0) for pid, peak in self.peak.items()}
        pid = max(growth, key=growth.get)
        return self.peak[pid], growth[pid]


def measure(server, name, size):
    path, content_type, body = CASES[name](size)
    cpu_before = server.cpu_seconds()
    with MemoryWatch(server) as memory:
        status, answer, wall = server.call(path, body, content_type)
    cpu = server.cpu_seconds() - cpu_before
    peak, growth = memory.busiest()

    # Two hostile callers in a loop, /demo/hello called meanwhile.
    stop = threading.Event()

    def hostile():
        while not stop.is_set():
            server.call(path, body, content_type)

    threads = [threading.Thread(target=hostile) for _i in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # both hostile requests reach a worker
    latencies = []
    start = time.monotonic()
    while time.monotonic() - start < MAX_SAMPLING_SECONDS and (
        len(latencies) < MIN_HELLO_CALLS or time.monotonic() - start < SAMPLING_SECONDS
    ):
        hello_status, _data, seconds = server.call(HELLO)
        if hello_status == 200:
            latencies.append(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return {
        "case": name,
        "body": len(body),
        "status": status if status is not None else "error",
        "answer": len(answer),
        "wall": wall,
        "cpu": cpu,
        "peak": peak,
        "growth": growth,
        "hello_p50": statistics.median(latencies) if latencies else None,
        "hello_max": max(latencies) if latencies else None,
        "hello_calls": len(latencies),
    }


def _mb(value):
    return f"{value / 1024 / 1024:.1f} MB"


def report(rows):
    say()
    say(
        "| case | body | status | answer | time | CPU | worker peak RSS (growth) "
        "| /demo/hello p50 / max (calls), 2 in parallel |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        hello = (
            f"{row['hello_p50'] * 1000:.0f} ms / {row['hello_max'] * 1000:.0f} ms "
            f"({row['hello_calls']})"
            if row["hello_p50"] is not None
            else "no answer"
        )
        answer = f"{row['answer']} B" if row["answer"] < 10_000 else _mb(row["answer"])
        say(
            f"| {row['case']} | {_mb(row['body'])} | {row['status']} | {answer} "
            f"| {row['wall']:.2f} s | {row['cpu']:.2f} s | {_mb(row['peak'])} "
            f"(+{_mb(row['growth'])}) | {hello} |"
        )


def check_evented(server, gevent_port):
    status, data, _wall = server.call(HELLO, port=gevent_port)
    say(f"\nEvented port {gevent_port}: GET {HELLO} -> {status} {data[:120]!r}")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 .bench/hostile.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        default="1M,10M",
        help="body sizes, comma-separated (K, M suffixes); default: %(default)s",
    )
    parser.add_argument(
        "--cases", default="all", help=f"among {', '.join(CASES)}; default: all"
    )
    parser.add_argument("--port", type=int, default=8313, help="HTTP port (+1: gevent)")
    parser.add_argument("--db", default=f"bench_hostile_{os.getpid()}")
    parser.add_argument("--keep", action="store_true", help="keep database and logs")
    args = parser.parse_args(argv)
    args.sizes = [parse_size(size) for size in args.sizes.split(",")]
    args.cases = list(CASES) if args.cases == "all" else args.cases.split(",")
    unknown = set(args.cases) - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    return args


def main(argv=None):
    args = parse_args(argv)

    def run(server):
        rows = []
        for size in args.sizes:
            for name in args.cases:
                step(f"{name}, {size} bytes")
                rows.append(measure(server, name, size))
        report(rows)
        check_evented(server, args.port + 1)
        say(
            f"\nMachine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}:"
            " other work on the machine slows every figure."
        )
        return True

    return bench.Session(args, "endpoint-hostile-", DemoServer).run(run)


if __name__ == "__main__":
    sys.exit(main())
