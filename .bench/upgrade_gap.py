#!/usr/bin/env python3
"""Upgrade gap: how long neither route answers when a module upgrade renames one.

    python3 .bench/upgrade_gap.py [--cycles 3] [--port 8311] [--keep]

Installs a small module shipping one endpoint as XML data (``registry_sync``
set, as module authors write it) in a new database, serves it with
``--workers=2``, then renames the endpoint's route in the module's XML and
runs ``-u`` on it from another process, while client threads call the old
and the new route back to back on fresh connections (so calls spread over
both workers). It reports, per cycle:

- the window in which neither route answered: from the first refusal of the
  old route to the last refusal of a call to the new one sent after it
  (0 when every call sent after the old route went answered the new one);
- when the new route first answered, against the module's own commit and
  against the end of the upgrade (when Odoo signals workers to reload).

The route is renamed back and forth ``--cycles`` times. Exit status: 0 when
no cycle has a window, 1 otherwise, 2 on an error.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench
from devkit import REPO
from devkit.output import Abort, say, step

MODULE = "endpoint_upgrade_gap"
ROUTES = ("/gap/before", "/gap/after")

MANIFEST = """{
    "name": "Endpoint upgrade gap probe",
    "version": "19.0.1.0.0",
    "license": "LGPL-3",
    "depends": ["endpoint"],
    "data": ["data/endpoints.xml"],
}
"""

XML = """<?xml version="1.0" encoding="UTF-8" ?>
<odoo>
    <record id="endpoint_gap" model="endpoint.endpoint">
        <field name="name">Upgrade gap probe</field>
        <field name="route">%(route)s</field>
        <field name="request_method">GET</field>
        <field name="auth_type">public</field>
        <field name="exec_as_user_id" ref="base.user_admin" />
        <field name="code_snippet">result = {"payload": {"ok": True}}</field>
        <field name="registry_sync" eval="True" />
    </record>
</odoo>
"""


def write_module(addons, route):
    root = addons / MODULE
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "__init__.py").write_text("", encoding="utf-8")
    (root / "__manifest__.py").write_text(MANIFEST, encoding="utf-8")
    (root / "data" / "endpoints.xml").write_text(
        XML % {"route": route}, encoding="utf-8"
    )


class GapServer(bench.Server):
    CONTENTS = f"endpoint + {MODULE} (no demo data)"

    def args(self, *extra):
        args = super().args(*extra)
        addons = self.workdir / "addons"
        return [
            f"--addons-path={addons},{REPO}" if a.startswith("--addons-path") else a
            for a in args
        ]

    def install(self):
        write_module(self.workdir / "addons", ROUTES[0])
        self.odoo_once("--init", "install")

    def upgrade(self, route):
        write_module(self.workdir / "addons", route)
        return self.odoo_once("--update", "upgrade")

    def odoo_once(self, flag, label):
        """Run Odoo once on the module (install or upgrade); the seconds it took."""
        return self.run_once(
            f"{flag}={MODULE}",
            log=self.workdir / f"{label}.log",
            what=f"{label} of {MODULE}",
        )

    def start(self, gevent_port):
        with open(self.stderr, "wb") as stderr:
            self.proc = self._spawn(gevent_port, stderr)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Abort(f"Odoo exited with {self.proc.returncode}; see {self.log}")
            if self.get(ROUTES[0])[0] == 200:
                break
            time.sleep(0.5)
        else:
            raise Abort(f"{ROUTES[0]} did not answer 200 within 3 minutes")
        self.gevent = self.wait_gevent(gevent_port)


def window(old_events, new_events, since):
    """(seconds, calls): how long neither route answered, and the calls
    refused by both meanwhile.

    From the first call of the old route that came back refused to the
    last call of the new route refused though sent after it: the old route
    was gone before that call even left, and the new one not there yet.
    Calls sent side by side on two connections reach the workers in any
    order, so only this sequence (one call answered before the other was
    sent) proves a moment when neither route answered.
    """
    old_off = [e[1] for e in old_events if e[0] >= since and e[2] != 200]
    if not old_off:
        return 0.0, 0
    gone = min(old_off)
    refused = [e for e in new_events if e[0] >= gone and e[2] != 200]
    if not refused:
        return 0.0, 0
    return max(e[1] for e in refused) - gone, len(refused)


def switch_time(events, since):
    """When the route's answer last changed (sent time), or None."""
    last, at = None, None
    for sent, _done, status, _body in sorted(events):
        if sent < since:
            continue
        if last is not None and status != last:
            at = sent
        last = status
    return at


LOG_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


def log_moment(log, pattern):
    """The time of the first line of Odoo's ``log`` matching ``pattern``."""
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        stamp = LOG_STAMP.match(line)
        if stamp and re.search(pattern, line):
            return bench.log_time({"ts": stamp[1]})
    return None


def transitions(events, since):
    """The route's answers since the upgrade began, as "status from +s"."""
    parts, last = [], object()
    for sent, _done, status, _body in sorted(events):
        if sent >= since and status != last:
            parts.append(f"{status} from +{sent - since:.2f}s")
            last = status
    return ", ".join(parts) or "no answer"


def measure(server, cycles):
    results = []
    current = 0
    for cycle in range(1, cycles + 1):
        old, new = ROUTES[current], ROUTES[1 - current]
        with bench.Poller(server, old) as p_old, bench.Poller(server, new) as p_new:
            time.sleep(1.0)
            started, spent = server.upgrade(new)
            log = server.workdir / "upgrade.log"
            # The module's own commit (its loaded line follows it), and the
            # end of the upgrade, when Odoo tells workers to reload.
            committed = log_moment(log, rf"Module {MODULE} loaded in")
            reloaded = log_moment(log, r"Registry changed, signaling")
            # Until the new route has answered a while after the upgrade.
            deadline = time.time() + 30
            while time.time() < deadline:
                with p_new.lock:
                    oks = [e for e in p_new.events if e[0] >= started and e[2] == 200]
                if len(oks) >= 20:
                    break
                time.sleep(0.1)
        gap, refused = window(p_old.events, p_new.events, started)
        switched = switch_time(p_new.events, started)
        results.append((cycle, old, new, spent, gap, refused))
        for route, poller in ((old, p_old), (new, p_new)):
            say(f"      {route}: {transitions(poller.events, started)}")
        if switched and committed and reloaded:
            say(
                f"      the new route answered {switched - committed:+.2f}s after "
                f"the module's commit, {switched - reloaded:+.2f}s after the "
                "upgrade signaled the registry reload"
            )
        if gap is None:
            say(f"    cycle {cycle}: {new} never answered after the upgrade")
        else:
            say(
                f"    cycle {cycle}: {old} -> {new}: -u took {spent:.1f}s, "
                f"window {gap * 1000:.0f} ms, {refused} calls refused by both"
            )
        current = 1 - current
    return results


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 .bench/upgrade_gap.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--cycles", type=int, default=3, help="default: %(default)s")
    parser.add_argument("--port", type=int, default=8311, help="HTTP port (+1: gevent)")
    parser.add_argument("--db", default=f"bench_upgrade_gap_{os.getpid()}")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the logs"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    session = bench.Session(args, "endpoint-upgrade-gap-", server_class=GapServer)

    def run(server):
        step(f"Renaming the route by module upgrade, {args.cycles} times")
        results = measure(server, args.cycles)
        gaps = [r[4] for r in results]
        if any(g is None for g in gaps):
            say("\nA renamed route never answered: see the logs.")
            return False
        say(
            f"\nWindow with neither route answering: max {max(gaps) * 1000:.0f} ms, "
            f"over {len(gaps)} upgrades ({os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f})."
        )
        return max(gaps) == 0

    return session.run(run)


if __name__ == "__main__":
    sys.exit(main())
