"""The parts of the test command: lint, packaging, unit tests, the Odoo suites."""

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from . import ADDON, REPO
from .odoo_env import (
    PY,
    is_installed,
    odoo_args,
    read_requirements,
    requirement_name,
    run_pip,
)
from .odoo_log import OdooLog, show_odoo_line
from .output import Abort, say, step
from .pg import drop_database, postgres
from .procs import free_port, stream

UNIT_TESTS = Path(ADDON, "tests", "unit")
TOOLING_TESTS = Path(".ci", "tests")
BROWSERS = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")


def run_lint(tally):
    step("Lint: pre-commit, check-only stage (ruff, pylint-odoo, XML/CSV/manifest)")
    if not (REPO / ".git").exists():
        tally.add("lint (pre-commit)", skipped=1, note="skipped: not a git checkout")
        say("    lint SKIPPED: pre-commit needs a git checkout")
        return
    skip = [h for h in os.environ.get("SKIP", "").split(",") if h]
    if not (shutil.which("node") and shutil.which("npm")):
        say("    prettier SKIPPED: it needs node and npm on PATH (Debian: npm)")
        skip.append("prettier-xml-check")
    env = dict(os.environ, PRE_COMMIT_COLOR="never", SKIP=",".join(skip))
    rc, lines = stream(
        [PY, "-m", "pre_commit", "run", "--all-files", "--hook-stage", "manual"],
        env=env,
    )
    counts = {"Passed": 0, "Failed": 0, "Skipped": 0}
    failed_hooks = []
    for line in lines:
        m = re.match(
            r"^(?P<name>.+?)\.{3,}(?:\([^)]*\))?(?P<status>Passed|Failed|Skipped)$",
            line.strip(),
        )
        if m:
            counts[m["status"]] += 1
            if m["status"] == "Failed":
                failed_hooks.append(m["name"])
    if rc and not counts["Failed"]:
        counts["Failed"] = 1
        failed_hooks.append(f"pre-commit exited with {rc}")
    tally.add(
        "lint (pre-commit hooks)",
        counts["Passed"],
        counts["Failed"],
        counts["Skipped"],
        ("failed: " + ", ".join(failed_hooks)) if failed_hooks else "",
    )


def run_packaging_check(tally):
    """setup/<addon> must build a wheel of the addon named odoo-addon-<addon>."""
    label = "packaging (setup/)"
    step(f"Packaging: setup/{ADDON} builds the odoo-addon-{ADDON} wheel")
    setup_dir = REPO / "setup" / ADDON
    if not (setup_dir / "setup.py").is_file():
        tally.add(label, failed=1, note=f"no setup/{ADDON}/setup.py")
        return
    # the in-tree build leaves these behind: remove the ones it creates
    before = {setup_dir / "build", *setup_dir.glob("*.egg-info")}
    before = {p for p in before if p.exists()}
    with tempfile.TemporaryDirectory() as tmp:
        rc = run_pip(["wheel", "-q", "--no-deps", "-w", tmp, str(setup_dir)])
        wheels = list(Path(tmp).glob("*.whl"))
        problems = []
        if rc or len(wheels) != 1:
            problems.append(f"pip wheel exited with {rc}")
        else:
            with zipfile.ZipFile(wheels[0]) as whl:
                names = whl.namelist()
                meta = next((n for n in names if n.endswith(".dist-info/METADATA")), "")
                text = whl.read(meta).decode() if meta else ""
            if f"odoo/addons/{ADDON}/__manifest__.py" not in names:
                problems.append(f"the wheel has no odoo/addons/{ADDON}/__manifest__.py")
            if f"\nName: odoo-addon-{ADDON}\n" not in f"\n{text}":
                problems.append(f"the wheel is not named odoo-addon-{ADDON}")
            if not problems:
                say(f"    built {wheels[0].name} ({len(names)} files)")
    for path in {setup_dir / "build", *setup_dir.glob("*.egg-info")} - before:
        shutil.rmtree(path, ignore_errors=True)
    tally.add(label, int(not problems), int(bool(problems)), note="; ".join(problems))


def run_unit_tests(tally):
    """The addon's plain unit tests, then the tooling's own."""
    run_pytest(tally, "unit tests (pytest)", UNIT_TESTS, "plain Python, no Odoo")
    run_pytest(tally, "tooling tests (pytest)", TOOLING_TESTS, "the commands' helpers")


def run_pytest(tally, label, folder, about):
    step(f"{label[0].upper()}{label[1:]}: {folder}/ ({about})")
    if not (REPO / folder).is_dir():
        say(f"    no {folder}/ folder: no tests")
        tally.add(label, note="none yet")
        return
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp, "junit.xml")
        # Run from inside the folder, with it as rootdir: pytest then never
        # imports the addon package above it (which needs Odoo).
        cmd = [
            PY, "-m", "pytest", ".", "-q", "-p", "no:cacheprovider",
            "--rootdir", ".", f"--junitxml={junit}",
        ]  # fmt: skip
        rc, _ = stream(cmd, cwd=REPO / folder)
        if rc == 5:
            say("    pytest collected no tests")
            tally.add(label, note="none collected")
            return
        if not junit.is_file():
            tally.add(
                label, failed=1, note=f"pytest exited with {rc} and wrote no report"
            )
            return
        root = ET.parse(junit).getroot()
        suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
        total = sum(int(s.get("tests", 0)) for s in suites)
        failed = sum(
            int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites
        )
        skipped = sum(int(s.get("skipped", 0)) for s in suites)
        note = ""
        if rc and not failed:
            failed, note = 1, f"pytest exited with {rc}"
        tally.add(label, max(total - failed - skipped, 0), failed, skipped, note)


def find_browser():
    """The path of a Chromium-like browser on PATH, or None."""
    return next(filter(None, map(shutil.which, BROWSERS)), None)


def browser_status():
    """Why browser tours cannot run, or '' when they can."""
    browser = find_browser()
    probe = subprocess.run(
        [PY, "-c", "import websocket"], capture_output=True, cwd="/", check=False
    )
    missing = []
    if not browser:
        missing.append("no chromium on PATH (Debian: apt-get install chromium)")
    if probe.returncode:
        missing.append(
            f"the Python package websocket-client cannot be imported in {PY}"
        )
    return browser, "; ".join(missing)


def run_odoo_suite(tally, odoo, verbose, keep_logs_dir):
    browser, why_not = browser_status()
    if why_not:
        say(
            f"    Browser tours SKIPPED: {why_not}. The rest of the suite runs; "
            "Odoo counts the tours as skipped."
        )
    else:
        say(f"    Browser tours: will run in {browser}")

    tag = secrets.token_hex(3)
    db_demo, db_nodemo = f"{ADDON}_test_{tag}", f"{ADDON}_test_{tag}_nodemo"
    db_down = f"{ADDON}_test_{tag}_downstream"
    keep_logs_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{ADDON}-test-"))
    env = dict(os.environ)
    try:
        with postgres(env, tmp) as cluster:
            try:
                _run_odoo_suites(
                    tally,
                    odoo,
                    env,
                    tmp,
                    verbose,
                    keep_logs_dir,
                    (db_demo, db_nodemo, db_down),
                )
            finally:
                step(
                    "Cleaning up the test databases"
                    + (" and cluster" if cluster else "")
                )
                if not cluster:
                    for db in (db_demo, db_nodemo, db_down):
                        try:
                            drop_database(env, db)
                        except Abort as exc:  # report, but keep cleaning
                            say(f"    could not drop {db}: {exc}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run_odoo_suites(tally, odoo, env, tmp, verbose, logs_dir, dbs):
    db_demo, db_nodemo, db_down = dbs
    # 1. install with demo data and run the addon's whole suite
    step(f"Odoo: install {ADDON} with demo data in a new database {db_demo}, tests")
    log1 = logs_dir / "test-with-demo.log"
    cmd = odoo_args(
        odoo, tmp, tmp / "odoo-data", db_demo, free_port(),
        ["-i", ADDON, "--with-demo", "--test-enable", "--test-tags", f"/{ADDON}",
         "--stop-after-init", "--workers", "0", "--max-cron-threads", "0"],
    )  # fmt: skip
    rc, lines = stream(cmd, env=env, log_path=log1, show=show_odoo_line(verbose))
    log = OdooLog(lines)
    say(f"    full log: {log1}")
    if log.summary:
        s = log.summary
        failed = s["failed"] + s["errors"]
        passed = max(s["run"] - failed - log.skipped, 0)
        note = ""
        if rc and not failed:
            failed, note = 1, f"Odoo exited with {rc}"
        elif not s["run"]:
            failed = 1
            note = f"no Odoo test ran: does {ADDON}/tests/__init__.py import them?"
        tally.add("Odoo tests (with demo data)", passed, failed, log.skipped, note)
    else:
        tally.add(
            "Odoo tests (with demo data)",
            failed=1,
            note=f"no test report (Odoo exited with {rc}); see {log1}",
        )
    report_install(tally, "Odoo log clean (with demo data)", log)

    # 2. install without demo data: must be clean too
    step(f"Odoo: install {ADDON} without demo data in a new database {db_nodemo}")
    log2 = logs_dir / "test-without-demo.log"
    cmd = odoo_args(
        odoo, tmp, tmp / "odoo-data", db_nodemo, free_port(),
        ["-i", ADDON, "--stop-after-init", "--workers", "0", "--max-cron-threads", "0"],
    )  # fmt: skip
    rc, lines = stream(cmd, env=env, log_path=log2, show=show_odoo_line(verbose))
    say(f"    full log: {log2}")
    report_install(tally, "Odoo install clean (without demo data)", OdooLog(lines), rc)
    # 3. the published downstream addons' own tests, on top of ours
    run_downstream_suite(tally, odoo, env, tmp, db_down, logs_dir, verbose)


def downstream_addons():
    reqs = read_requirements(".ci/downstream-requirements.txt")
    names = [requirement_name(r).lower().removeprefix("odoo-addon-") for r in reqs]
    return reqs, [n.replace("-", "_") for n in names]


def shadowing_addon():
    """The path of an installed ``endpoint`` addon that is not this repo's."""
    for entry in map(Path, sys.path):
        candidate = entry / "odoo" / "addons" / ADDON
        if candidate.is_dir() and candidate.resolve() != (REPO / ADDON).resolve():
            return candidate
    return None


def run_downstream_suite(tally, odoo, env, tmp, db, logs_dir, verbose):
    reqs, names = downstream_addons()
    label = f"Downstream tests ({names[0]})"
    step(f"Odoo: install {names[0]} (PyPI) on this {ADDON} and run its own tests")
    missing = [r for r in reqs if not is_installed(r)]
    if missing and run_pip(["install", "-q", "--no-deps", *missing]):
        tally.add(label, failed=1, note="pip could not install " + " ".join(missing))
        return
    log_path = logs_dir / "test-downstream.log"
    cmd = odoo_args(
        odoo, tmp, tmp / "odoo-data", db, free_port(),
        ["-i", names[0], "--with-demo", "--test-enable",
         "--test-tags", f"/{names[0]}", "--stop-after-init",
         "--workers", "0", "--max-cron-threads", "0"],
    )  # fmt: skip
    rc, lines = stream(cmd, env=env, log_path=log_path, show=show_odoo_line(verbose))
    log = OdooLog(lines)
    say(f"    full log: {log_path}")
    s = log.summary
    if not s or not s["run"]:
        tally.add(label, failed=1, note=f"no test report (exit {rc}); see {log_path}")
        return
    failed = s["failed"] + s["errors"]
    if rc and not failed:
        failed = 1
    tally.add(label, max(s["run"] - failed - log.skipped, 0), failed, log.skipped)


def report_install(tally, label, log, rc=0):
    problems = log.errors + log.install_warnings
    if problems:
        say(
            f"    {label}: {len(log.errors)} error lines, and "
            f"{len(log.install_warnings)} warning lines while installing:"
        )
        for line in problems[:20]:
            say(f"      {line}")
    if log.test_warnings:
        say(f"    warnings logged while the tests ran ({len(log.test_warnings)}):")
        for line in log.test_warnings[:20]:
            say(f"      {line}")
    note = ""
    if rc:
        note = f"Odoo exited with {rc}"
    elif problems:
        note = (
            f"{len(log.errors)} errors, "
            f"{len(log.install_warnings)} install warnings in the log"
        )
    tally.add(label, passed=int(not note), failed=int(bool(note)), note=note)
