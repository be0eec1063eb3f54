#!/usr/bin/env python3
"""Developer entry point for this repository: test the addon, or run it.

    python3 .ci/dev.py test   # lint, unit tests, the Odoo suite when Odoo 19 is here
    python3 .ci/dev.py run    # serve the addon and its demo endpoints on 127.0.0.1:8069

Both commands use the Python that runs this script: Odoo 19 must be importable
from it (``python3 -c "import odoo.release"``), or ``ODOO_SRC`` must name an
Odoo 19 source tree. PostgreSQL is the one named by the standard ``PGHOST``,
``PGPORT``, ``PGUSER`` and ``PGPASSWORD`` variables; when none of them is set,
a private cluster is started (a throw-away one for ``test``, a kept one under
``.odoo-dev/`` for ``run``).

Only the standard library is used here, so the script can always explain what
is missing before anything is installed.
"""

import argparse
import contextlib
import glob
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDON = "endpoint"
PY = sys.executable
ODOO_SERIES = "19.0"
UNIT_TESTS = Path(ADDON, "tests", "unit")
DEV_DIR = Path(os.environ.get("ENDPOINT_DEV_DIR") or REPO / ".odoo-dev")
PG_ENV_VARS = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")
PG_SUPERUSER = "odoo"
BROWSERS = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")
# Some sdists among Odoo's and the addons' requirements still build with
# pkg_resources, which setuptools 81 removed.
PIP_CONSTRAINTS = "setuptools<81\n"

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>\S+?): (?P<msg>.*)$"
)
TEST_SUMMARY = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests "
    r"when loading database"
)


class Abort(Exception):
    """A problem the user must fix; the message is one line saying what to do."""


def say(msg=""):
    # Never let a closed terminal or pipe stop the cleanup that follows.
    with contextlib.suppress(OSError):
        print(msg, flush=True)


def step(msg):
    say(f"==> {msg}")


# --------------------------------------------------------------------------
# Counting what ran
# --------------------------------------------------------------------------


class Tally:
    """Passed / failed / skipped items, with one labelled row per group."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.rows = []

    def add(self, label, passed=0, failed=0, skipped=0, note=""):
        self.passed += passed
        self.failed += failed
        self.skipped += skipped
        self.rows.append((label, passed, failed, skipped, note))

    def report(self):
        say()
        say("Summary")
        width = max([len(r[0]) for r in self.rows] + [10])
        for label, passed, failed, skipped, note in self.rows:
            counts = f"{passed:>4} passed {failed:>3} failed {skipped:>3} skipped"
            line = f"  {label:<{width}}  {counts}"
            say(f"{line}  {note}".rstrip())
        # The closing line is read by CI: keep it last and in this exact form.
        say(f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped")


# --------------------------------------------------------------------------
# Small process and network helpers
# --------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def wait_for_port(port, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.5)
    return False


_TERMINATED = []  # set when SIGTERM, not a terminal's Ctrl-C, stopped us


def _on_sigterm(signum, frame):
    _TERMINATED.append(signum)
    raise KeyboardInterrupt


def stop_process(proc, timeout=60):
    """Stop a child. After a Ctrl-C it got the signal too (the terminal sends
    it to the whole process group): give it time to stop by itself; then ask
    as Ctrl-C does, then insist."""
    steps = [(signal.SIGINT, timeout), (signal.SIGTERM, 10), (signal.SIGKILL, 10)]
    if not _TERMINATED:
        steps.insert(0, (None, 30))
    for sig, wait in steps:
        if proc.poll() is not None:
            break
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait)
    return proc.poll()


def stream(cmd, *, env=None, cwd=REPO, log_path=None, show=None):
    """Run ``cmd``, keep its output in ``log_path`` (or memory), echo what ``show``
    accepts (every line when ``show`` is None). Returns (returncode, lines)."""
    lines = []
    log = open(log_path, "w", encoding="utf-8") if log_path else None  # noqa: SIM115
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
    )
    try:
        for line in proc.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            if log:
                log.write(line + "\n")
            if show is None or show(line):
                say(line)
        proc.wait()
    except KeyboardInterrupt:
        stop_process(proc)
        raise
    finally:
        if log:
            log.close()
    return proc.returncode, lines


# --------------------------------------------------------------------------
# Finding Odoo
# --------------------------------------------------------------------------


class Odoo:
    def __init__(self, cmd, version, where):
        self.cmd = cmd  # argv prefix that runs the Odoo CLI
        self.version = version
        self.where = where


PROBE = (
    "import sys\n"
    "if len(sys.argv) > 1: sys.path.insert(0, sys.argv[1])\n"
    "import odoo.release as r\n"
    "print(r.major_version)\n"
    "print(r.__file__)\n"
)


def probe_odoo(src=None):
    """Return (major_version, release_file) of the Odoo this Python sees, or None."""
    args = [PY, "-c", PROBE] + ([str(src)] if src else [])
    res = subprocess.run(args, capture_output=True, text=True, cwd="/", check=False)
    if res.returncode:
        return None
    version, release_file = res.stdout.split("\n")[:2]
    return version, release_file


def find_odoo():
    """The Odoo 19 to use; None with a reason when there is none (test can go
    on without it); Abort when one was named but is unusable."""
    src = os.environ.get("ODOO_SRC")
    if src:
        src = Path(src).expanduser().resolve()
        if not (src / "odoo" / "release.py").is_file():
            raise Abort(
                f"ODOO_SRC={src} is not an Odoo source tree (no odoo/release.py): "
                "point it at the folder that holds odoo-bin"
            )
        found = probe_odoo(src)
        if not found:
            raise Abort(f"cannot read odoo/release.py under ODOO_SRC={src} with {PY}")
        version, _release = found
        if version != ODOO_SERIES:
            raise Abort(
                f"ODOO_SRC={src} is Odoo {version}, this addon needs Odoo "
                f"{ODOO_SERIES}: point ODOO_SRC at an Odoo {ODOO_SERIES} tree"
            )
        odoo = Odoo([PY, str(src / "odoo-bin")], version, str(src))
    else:
        found = probe_odoo()
        if not found:
            return (
                None,
                f"odoo {ODOO_SERIES} is not importable in {PY} and ODOO_SRC is not set",
            )
        version, release = found
        where = str(Path(release).parent.parent)
        if version != ODOO_SERIES:
            return None, (
                f"the odoo importable in {PY} is version {version} ({where}), "
                f"not {ODOO_SERIES}, and ODOO_SRC is not set"
            )
        odoo = Odoo([PY, "-m", "odoo"], version, where)
    # Importing odoo.release is cheap; the CLI imports Odoo's whole dependency
    # set, so check that too before relying on it.
    res = subprocess.run(
        odoo.cmd + ["--version"],
        check=False,
        capture_output=True,
        text=True,
        cwd="/",
        stdin=subprocess.DEVNULL,
    )
    if res.returncode or ODOO_SERIES not in res.stdout:
        last = (res.stderr.strip().splitlines() or ["no output"])[-1]
        raise Abort(
            f"Odoo {ODOO_SERIES} at {odoo.where} does not start ({last}): install "
            f"its Python requirements, e.g. {PY} -m pip install -r "
            f"{odoo.where}/requirements.txt"
        )
    return odoo, ""


# --------------------------------------------------------------------------
# Python requirements
# --------------------------------------------------------------------------


def read_requirements(*names):
    reqs = []
    for name in names:
        path = REPO / name
        if not path.is_file():
            continue
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.split(" #")[0].strip()
            if line and not line.startswith(("#", "-")):
                reqs.append(line)
    return reqs


def requirement_name(req):
    return re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", req).group(0)


def is_installed(req):
    from importlib import metadata

    try:
        installed = metadata.version(requirement_name(req))
    except metadata.PackageNotFoundError:
        return False
    try:
        from packaging.requirements import Requirement
    except ImportError:
        return True  # cannot compare versions without packaging; presence will do
    try:
        specifier = Requirement(req).specifier
    except ValueError:
        return True  # not for us to judge; pip will say what is wrong
    return specifier.contains(installed, prereleases=True)


def run_pip(args):
    """``python -m pip ARGS`` with our build constraints; returns the exit code."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write(PIP_CONSTRAINTS)
    env = dict(os.environ)
    # PIP_CONSTRAINT (unlike -c) also reaches the isolated build environments.
    env["PIP_CONSTRAINT"] = " ".join(filter(None, [env.get("PIP_CONSTRAINT"), fh.name]))
    cmd = [PY, "-m", "pip", *args]
    say("    " + " ".join(["pip", *args]))
    try:
        return subprocess.run(
            cmd, env=env, stdin=subprocess.DEVNULL, check=False
        ).returncode
    finally:
        os.unlink(fh.name)


def pip_install(reqs, extra=()):
    if run_pip(["install", "-q", *extra, *reqs]):
        raise Abort(f"pip could not install {' '.join(reqs)}: see pip's message above")


def install_requirements(with_odoo):
    reqs = read_requirements("requirements.txt", "test-requirements.txt")
    addons = [r for r in reqs if requirement_name(r).lower().startswith("odoo-addon")]
    others = [r for r in reqs if r not in addons]
    if not with_odoo and addons:
        say(f"    without Odoo, the Odoo addons are not installed: {', '.join(addons)}")
        addons = []
    missing = [r for r in others if not is_installed(r)]
    missing_addons = [r for r in addons if not is_installed(r)]
    if not missing and not missing_addons:
        say("    all requirements are installed")
        return
    if missing:
        pip_install(missing)
    if missing_addons:
        # Addon distributions require the "odoo" distribution; an Odoo run from
        # a plain source tree (ODOO_SRC) has none, so do not let pip look for it.
        if is_installed("odoo"):
            pip_install(missing_addons)
        else:
            pip_install(missing_addons, extra=["--no-deps"])


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------


def pg_configured():
    return any(os.environ.get(var) for var in PG_ENV_VARS)


def pg_bindir():
    """Folder holding initdb and pg_ctl (PG_BINDIR, PATH, then Debian's layout)."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).parent)

    def version_key(path):
        return [int(x) for x in re.findall(r"\d+", path)]

    for path in sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=version_key, reverse=True
    ):
        candidates.append(Path(path))
    candidates.append(Path("/usr/local/pgsql/bin"))
    for path in candidates:
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            return path
    raise Abort(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install them "
        "(Debian: apt-get install postgresql), set PG_BINDIR to their folder, or point "
        "PGHOST/PGPORT/PGUSER/PGPASSWORD at a running PostgreSQL"
    )


def pg_os_user():
    """The OS user that runs a private cluster: ourselves, unless we are root
    (PostgreSQL refuses to run as root); then ``postgres``, or a system user
    created for the purpose."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("ENDPOINT_PG_OS_USER", "postgres")
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    name = "endpoint-pg"
    try:
        return pwd.getpwnam(name)
    except KeyError:
        say(
            f"    creating the system user {name!r} to run PostgreSQL "
            "(it refuses to run as root)"
        )
        useradd = ["useradd", "--system", "--no-create-home", "--shell", "/bin/false"]
        res = subprocess.run(
            [*useradd, name], capture_output=True, text=True, check=False
        )
        if res.returncode:
            raise Abort(
                f"cannot create an OS user to run PostgreSQL ({res.stderr.strip()}): "
                "create one and name it in ENDPOINT_PG_OS_USER"
            ) from None
        return pwd.getpwnam(name)


class Cluster:
    """A private PostgreSQL cluster listening on 127.0.0.1 only."""

    def __init__(self, data_dir, log_file, state_file=None, throwaway=False):
        self.data_dir = Path(data_dir)
        self.log_file = Path(log_file)
        self.state_file = Path(state_file) if state_file else None
        self.throwaway = throwaway
        self.bindir = pg_bindir()
        self.os_user = pg_os_user()
        self.port = None
        self.password = None
        self.started_here = False

    # -- running as the cluster's OS user --------------------------------
    def _run(self, args, check=True):
        kwargs = {}
        if self.os_user:
            kwargs = {
                "user": self.os_user.pw_uid,
                "group": self.os_user.pw_gid,
                "extra_groups": [],
            }
        res = subprocess.run(
            args,
            check=False,
            capture_output=True,
            text=True,
            cwd="/",
            stdin=subprocess.DEVNULL,
            **kwargs,
        )
        if check and res.returncode:
            detail = (res.stderr.strip() or res.stdout.strip()).splitlines()
            raise Abort(f"{Path(args[0]).name} failed: {' / '.join(detail[-3:])}")
        return res

    def _give(self, path):
        if self.os_user:
            os.chown(path, self.os_user.pw_uid, self.os_user.pw_gid)

    def env(self):
        return {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": PG_SUPERUSER,
            "PGPASSWORD": self.password,
        }

    # -- lifecycle --------------------------------------------------------
    def _load_state(self):
        if self.state_file and self.state_file.is_file():
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
            self.password = state["password"]
            self.port = state.get("port")

    def _save_state(self):
        if self.state_file:
            self.state_file.write_text(
                json.dumps({"password": self.password, "port": self.port}),
                encoding="utf-8",
            )
            os.chmod(self.state_file, 0o600)

    def init(self):
        self.password = secrets.token_urlsafe(18)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        self._give(self.data_dir)
        if (
            self.os_user
            and self._run(["ls", str(self.data_dir)], check=False).returncode
        ):
            raise Abort(
                f"the OS user {self.os_user.pw_name!r} that runs PostgreSQL cannot "
                f"reach {self.data_dir}: set ENDPOINT_DEV_DIR to a folder it can reach"
            )
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o700)
            self._give(tmp)
            pwfile = Path(tmp, "pw")
            pwfile.write_text(self.password + "\n", encoding="utf-8")
            self._give(pwfile)
            self._run(
                [
                    str(self.bindir / "initdb"),
                    "-D", str(self.data_dir),
                    "-U", PG_SUPERUSER,
                    "-A", "scram-sha-256",
                    f"--pwfile={pwfile}",
                    "-E", "UTF8",
                    "--locale=C",
                ]
            )  # fmt: skip
        settings = [
            "# set by .ci/dev.py: loopback TCP only, no unix socket",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
        ]
        if self.throwaway:
            # Data that is deleted at the end needs no durability.
            settings += [
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
            ]
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n" + "\n".join(settings) + "\n")
        self._save_state()

    def running_port(self):
        """Port of a postmaster already running on this data dir, if any."""
        res = self._run(
            [str(self.bindir / "pg_ctl"), "status", "-D", str(self.data_dir)],
            check=False,
        )
        if res.returncode != 0:
            return None
        pid_lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        return int(pid_lines[3])

    def start(self):
        fresh = not (self.data_dir / "PG_VERSION").is_file()
        if fresh:
            self.init()
        else:
            self._load_state()
            if not self.password:
                raise Abort(
                    f"{self.state_file} is missing, so the password of the cluster "
                    f"in {self.data_dir} is unknown: restore it, or move that folder "
                    "away to start anew"
                )
        port = self.running_port()
        if port:
            # Left over by a run that could not stop it, or used by another
            # run: adopt it; stop() leaves it up while others use it.
            say(f"    PostgreSQL already running on 127.0.0.1:{port} ({self.data_dir})")
            self.port = port
            self.started_here = True
            return
        if not self.port or port_in_use(self.port):
            self.port = free_port()
        self._save_state()
        if not self.throwaway:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
        if not self.log_file.exists():
            self.log_file.touch()
        self._give(self.log_file)
        self._run(
            [
                str(self.bindir / "pg_ctl"), "start", "-w", "-t", "120",
                "-D", str(self.data_dir),
                "-l", str(self.log_file),
                "-o", f"-p {self.port}",
            ]
        )  # fmt: skip
        self.started_here = True
        say(f"    PostgreSQL running on 127.0.0.1:{self.port} (data: {self.data_dir})")

    def in_use_by_others(self):
        try:
            conn = pg_connect(self.env())
        except Abort:
            return False
        with contextlib.closing(conn), conn.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            return cr.fetchone()[0] > 0

    def stop(self):
        if not self.started_here:
            return
        if not self.throwaway and self.in_use_by_others():
            say(f"    PostgreSQL left running: other clients use it ({self.data_dir})")
            return
        self._run(
            [
                str(self.bindir / "pg_ctl"),
                "stop",
                "-w",
                "-t",
                "120",
                "-m",
                "fast",
                "-D",
                str(self.data_dir),
            ],
            check=False,
        )
        self.started_here = False


def pg_connect(env, dbname="postgres"):
    """A psycopg2 connection with the given PG* settings (psycopg2 comes with Odoo)."""
    import psycopg2

    params = {"dbname": dbname, "connect_timeout": 10}
    for var, key in (
        ("PGHOST", "host"),
        ("PGPORT", "port"),
        ("PGUSER", "user"),
        ("PGPASSWORD", "password"),
    ):
        if env.get(var):
            params[key] = env[var]
    try:
        conn = psycopg2.connect(**params)
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0]
        raise Abort(
            f"cannot connect to PostgreSQL ({first}): check PGHOST/PGPORT/PGUSER/"
            "PGPASSWORD, or unset them all to use a private cluster"
        ) from None
    conn.autocommit = True
    return conn


def check_pg_user(env):
    user = env.get("PGUSER") or pwd.getpwuid(os.getuid()).pw_name
    if user == "postgres":
        raise Abort(
            "Odoo refuses to connect as the PostgreSQL user 'postgres': create "
            "another role with CREATEDB (createuser --createdb odoo), set PGUSER to it"
        )


def drop_database(env, name):
    import psycopg2

    with contextlib.closing(pg_connect(env)) as conn, conn.cursor() as cr:
        try:
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg2.Error as exc:
            raise Abort(str(exc).strip()) from None


def database_state(env, name):
    """None if the database does not exist, else a dict about its Odoo content."""
    with contextlib.closing(pg_connect(env)) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if not cr.fetchone():
            return None
    with contextlib.closing(pg_connect(env, name)) as conn, conn.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
        if not cr.fetchone()[0]:
            return {"odoo": False}
        cr.execute(
            "SELECT name, state, latest_version, demo FROM ir_module_module "
            "WHERE name IN ('base', %s)",
            (ADDON,),
        )
        rows = {r[0]: r[1:] for r in cr.fetchall()}
    base = rows.get("base", (None, None, False))
    addon = rows.get(ADDON, (None, None, None))
    return {
        "odoo": True,
        "base_version": base[1] or "",
        "demo": bool(base[2]),
        "addon_installed": addon[0] == "installed",
    }


# --------------------------------------------------------------------------
# Running Odoo
# --------------------------------------------------------------------------


def odoo_args(odoo, conf_dir, data_dir, db, http_port, extra=()):
    """Common Odoo options. An empty config file keeps ~/.odoorc out of the way."""
    conf = Path(conf_dir, "odoo.conf")
    if not conf.exists():
        conf.write_text("[options]\n", encoding="utf-8")
    return odoo.cmd + [
        "--config", str(conf),
        "--addons-path", str(REPO),
        "--data-dir", str(data_dir),
        "--database", db,
        "--db-filter", f"^{re.escape(db)}$",
        "--http-interface", "127.0.0.1",
        "--http-port", str(http_port),
        *extra,
    ]  # fmt: skip


class OdooLog:
    """Reads an Odoo log: test counts, skips, errors and warnings that matter."""

    NOISE = (
        "At least one test failed when loading the modules.",
        "when loading database",
    )

    def __init__(self, lines):
        self.lines = lines
        self.summary = None
        self.skipped = 0
        self.test_failures = []  # "FAIL: ..." / "ERROR: ..." records
        # Problems logged by Odoo or the addon, not by the test cases. A clean
        # install logs no error and no warning. Tests mute the errors they
        # provoke on purpose (odoo.tools.mute_logger), as Odoo's CI demands;
        # warnings logged while tests run are listed, not counted.
        self.errors = []
        self.install_warnings = []
        self.test_warnings = []
        self._read()

    @staticmethod
    def is_test_logger(logger):
        return (
            logger.startswith("odoo.tests")
            or ".tests." in logger
            or logger.endswith(".tests")
        )

    def _read(self):
        tests_started = False
        for line in self.lines:
            m = LOG_LINE.match(line)
            if not m:
                continue
            level, logger, msg = m["level"], m["logger"], m["msg"]
            if self.is_test_logger(logger):
                tests_started = tests_started or msg.startswith("Starting ")
                summary = TEST_SUMMARY.search(msg)
                if summary:
                    self.summary = {k: int(v) for k, v in summary.groupdict().items()}
                elif level == "INFO" and msg.startswith("skipped "):
                    self.skipped += 1
                elif level != "WARNING" and msg.startswith(("FAIL:", "ERROR:")):
                    self.test_failures.append(msg)
                continue
            if level not in ("WARNING", "ERROR", "CRITICAL"):
                continue
            if any(n in msg for n in self.NOISE) or re.match(
                r"Module \S+: \d+ failures?", msg
            ):
                continue
            if level in ("ERROR", "CRITICAL"):
                self.errors.append(line)
            elif tests_started:
                self.test_warnings.append(line)
            else:
                self.install_warnings.append(line)


def show_odoo_line(verbose):
    """Filter for Odoo's output: problems with their tracebacks, and test progress."""
    state = {"keep": False}

    def show(line):
        if verbose:
            return True
        m = LOG_LINE.match(line)
        if not m:
            return state["keep"]  # continuation line (traceback) of the last record
        logger, msg = m["logger"], m["msg"]
        keep = (
            m["level"] in ("WARNING", "ERROR", "CRITICAL")
            or (
                OdooLog.is_test_logger(logger)
                and msg.startswith(("Starting ", "skipped "))
            )
            or logger in ("odoo.tests.stats", "odoo.tests.result")
            or re.match(r"(loading \d+ modules|Modules loaded|\d+ post-tests)", msg)
            is not None
        )
        state["keep"] = keep
        return keep

    return show


# --------------------------------------------------------------------------
# test
# --------------------------------------------------------------------------


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
    step(f"Unit tests: pytest {UNIT_TESTS}/ (plain Python, no Odoo)")
    if not (REPO / UNIT_TESTS).is_dir():
        say(f"    no {UNIT_TESTS}/ folder: no unit tests")
        tally.add("unit tests (pytest)", note="none yet")
        return
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp, "junit.xml")
        # Run from inside the folder, with it as rootdir: pytest then never
        # imports the addon package above it (which needs Odoo).
        cmd = [
            PY, "-m", "pytest", ".", "-q", "-p", "no:cacheprovider",
            "--rootdir", ".", f"--junitxml={junit}",
        ]  # fmt: skip
        rc, _ = stream(cmd, cwd=REPO / UNIT_TESTS)
        if rc == 5:
            say("    pytest collected no tests")
            tally.add("unit tests (pytest)", note="none collected")
            return
        if not junit.is_file():
            tally.add(
                "unit tests (pytest)",
                failed=1,
                note=f"pytest exited with {rc} and wrote no report",
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
        tally.add(
            "unit tests (pytest)",
            max(total - failed - skipped, 0),
            failed,
            skipped,
            note,
        )


def browser_status():
    """Why browser tours cannot run, or '' when they can."""
    browser = next((b for b in BROWSERS if shutil.which(b)), None)
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
        say(f"    Browser tours: will run in {shutil.which(browser)}")

    tag = secrets.token_hex(3)
    db_demo, db_nodemo = f"{ADDON}_test_{tag}", f"{ADDON}_test_{tag}_nodemo"
    keep_logs_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{ADDON}-test-"))
    cluster = None
    env = dict(os.environ)
    created = []
    try:
        if pg_configured():
            step("PostgreSQL: the configured server (PGHOST/PGPORT/PGUSER/PGPASSWORD)")
        else:
            step("PostgreSQL: a private throw-away cluster (removed at the end)")
            os.chmod(tmp, 0o755)
            pgdir = tmp / "pg"
            pgdir.mkdir()
            cluster = Cluster(pgdir / "data", pgdir / "postgresql.log", throwaway=True)
            if cluster.os_user:
                cluster._give(pgdir)
            cluster.start()
            env.update(cluster.env())
        check_pg_user(env)
        pg_connect(env).close()

        # 1. install with demo data and run the addon's whole suite
        step(
            f"Odoo: install {ADDON} with demo data in a new database {db_demo}, "
            "run its tests"
        )
        created.append(db_demo)
        log1 = keep_logs_dir / "test-with-demo.log"
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
        created.append(db_nodemo)
        log2 = keep_logs_dir / "test-without-demo.log"
        cmd = odoo_args(
            odoo, tmp, tmp / "odoo-data", db_nodemo, free_port(),
            ["-i", ADDON, "--stop-after-init",
             "--workers", "0", "--max-cron-threads", "0"],
        )  # fmt: skip
        rc, lines = stream(cmd, env=env, log_path=log2, show=show_odoo_line(verbose))
        say(f"    full log: {log2}")
        report_install(
            tally, "Odoo install clean (without demo data)", OdooLog(lines), rc
        )
        # 3. the published downstream addons' own tests, on top of ours
        db_down = f"{ADDON}_test_{tag}_downstream"
        created.append(db_down)
        run_downstream_suite(tally, odoo, env, tmp, db_down, keep_logs_dir, verbose)
    finally:
        step("Cleaning up the test databases" + (" and cluster" if cluster else ""))
        if cluster:
            cluster.stop()
        else:
            for db in created:
                try:
                    drop_database(env, db)
                except Abort as exc:  # report, but keep cleaning
                    say(f"    could not drop {db}: {exc}")
        shutil.rmtree(tmp, ignore_errors=True)


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


def cmd_test(args):
    tally = Tally()
    exit_code = 0
    try:
        step(f"Python: {PY}")
        odoo, why = find_odoo()
        if odoo:
            say(f"    Odoo {odoo.version}: {odoo.where}")
        else:
            say(f"    Odoo: none ({why})")
        step("Requirements: requirements.txt, test-requirements.txt")
        install_requirements(with_odoo=bool(odoo))
        shadow = shadowing_addon()
        if odoo and shadow:
            raise Abort(
                f"another {ADDON} addon is installed at {shadow} and would be "
                f"tested instead of this one: pip uninstall odoo-addon-{ADDON}"
            )
        if not args.no_lint:
            run_lint(tally)
        run_packaging_check(tally)
        run_unit_tests(tally)
        if odoo:
            run_odoo_suite(tally, odoo, args.verbose, DEV_DIR / "logs")
        else:
            say()
            say(f"Odoo suite SKIPPED: {why}.")
            say(
                f"    To run it, install Odoo {ODOO_SERIES} in this Python, "
                "or set ODOO_SRC to its source tree."
            )
            tally.add("Odoo suite", skipped=1, note=f"skipped: {why}")
    except Abort as exc:
        say(f"ERROR: {exc}")
        tally.add("setup", failed=1, note=str(exc))
        exit_code = 2
    except KeyboardInterrupt:
        say("Interrupted.")
        tally.add("interrupted", failed=1)
        exit_code = 130
    tally.report()
    if tally.failed and not exit_code:
        exit_code = 1
    return exit_code


# --------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------


def sample_body(route, content_type):
    """A request body for a demo endpoint: a file of the addon's demo/ folder
    named after the route (``/demo/contact``: ``demo_contact.json`` or
    ``contact.json``) when there is one, else a minimal placeholder."""
    ext = {
        "application/json": ".json",
        "application/xml": ".xml",
        "text/xml": ".xml",
    }.get(content_type, "")
    parts = [p for p in route.split("/") if p]
    demo = REPO / ADDON / "demo"
    for stem in ["_".join(parts), parts[-1]] if parts and demo.is_dir() else []:
        for path in sorted(demo.rglob(f"{stem}{ext}")):
            if path.is_file():
                return f"@{path.relative_to(REPO)}"
    return {".json": "{}", ".xml": "<request/>"}.get(ext, "example")


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
    for route, method, content_type, auth, name, synced, summary in rows:
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
        parts.append(
            f"'{base}{concrete_path(route)}'" if "<" in route else f"{base}{route}"
        )
        flag = (
            ""
            if synced in (True, None)
            else "  [not synced: click Sync registry on it first]"
        )
        about = f"{name or route}: {summary}" if summary else name or route
        out.append(f"# {about} ({method}, auth {auth}){flag}")
        out.append(" ".join(parts))
    return out


def cmd_run(args):
    port = args.port
    cluster = None
    odoo_proc = None
    try:
        odoo, why = find_odoo()
        if not odoo:
            raise Abort(
                f"{why}: install Odoo {ODOO_SERIES} in this Python, "
                "or set ODOO_SRC to its source tree"
            )
        say(f"Odoo {odoo.version}: {odoo.where}")
        if port_in_use(port):
            raise Abort(
                f"port {port} on 127.0.0.1 is in use (another Odoo?): "
                "stop it, or pass --port N"
            )
        step("Requirements: requirements.txt, test-requirements.txt")
        install_requirements(with_odoo=True)

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
        step(f"Odoo: {verb}")
        install_log = logs / "run-install.log"
        cmd = odoo_args(
            odoo,
            DEV_DIR,
            data_dir,
            db,
            free_port(),
            [*action, "--stop-after-init", "--workers", "0"],
        )
        rc, _lines = stream(
            cmd, env=env, log_path=install_log, show=show_odoo_line(args.verbose)
        )
        if rc:
            raise Abort(f"Odoo could not {verb} (exit {rc}): see {install_log}")

        step(f"Odoo: serving database {db} on http://127.0.0.1:{port}")
        cmd = odoo_args(odoo, DEV_DIR, data_dir, db, port, ["--workers", "0"])
        odoo_proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdin=subprocess.DEVNULL)
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
        rc = odoo_proc.wait()
        say(f"Odoo stopped (exit {rc}).")
        return rc
    except Abort as exc:
        say(f"ERROR: {exc}")
        return 2
    except KeyboardInterrupt:
        say("\nStopping Odoo...")
        return 0
    finally:
        if odoo_proc is not None:
            stop_process(odoo_proc)
        if cluster and cluster.started_here:
            say("Stopping the private PostgreSQL cluster...")
            cluster.stop()


# --------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 .ci/dev.py", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser(
        "test", help="lint, unit tests, and the Odoo suite when Odoo 19 is available"
    )
    t.add_argument("--no-lint", action="store_true", help="skip pre-commit")
    t.add_argument("-v", "--verbose", action="store_true", help="show Odoo's whole log")
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
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    return cmd_test(args) if args.command == "test" else cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
