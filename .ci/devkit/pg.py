"""PostgreSQL: the configured server, or a private cluster started here."""

import contextlib
import glob
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import ADDON
from .output import Abort, say, step
from .procs import free_port, port_in_use

PG_ENV_VARS = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")
PG_SUPERUSER = "odoo"


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


def database_exists(env, name):
    with contextlib.closing(pg_connect(env)) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return bool(cr.fetchone())


def database_state(env, name):
    """None if the database does not exist, else a dict about its Odoo content."""
    if not database_exists(env, name):
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


def start_throwaway(env, workdir, label="throw-away"):
    """The server named by the ``PG*`` variables of ``env`` (returns None);
    else a private cluster in ``workdir``, started, its variables added to
    ``env``, and returned: the caller stops it (it goes with ``workdir``)."""
    if pg_configured():
        step("PostgreSQL: the configured server (PGHOST/PGPORT/PGUSER/PGPASSWORD)")
        check_pg_user(env)
        pg_connect(env).close()
        return None
    step(f"PostgreSQL: a private {label} cluster (removed at the end)")
    workdir = Path(workdir)
    os.chmod(workdir, 0o755)
    pgdir = workdir / "pg"
    pgdir.mkdir()
    cluster = Cluster(pgdir / "data", pgdir / "postgresql.log", throwaway=True)
    if cluster.os_user:
        cluster._give(pgdir)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    env.update(cluster.env())
    return cluster


@contextlib.contextmanager
def postgres(env, workdir, label="throw-away"):
    """``start_throwaway`` for a ``with`` block: the cluster stops at its end."""
    cluster = start_throwaway(env, workdir, label)
    try:
        yield cluster
    finally:
        if cluster:
            cluster.stop()
