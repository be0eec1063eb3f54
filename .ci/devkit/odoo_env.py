"""The Python that runs Odoo 19, and the Odoo command line.

Which Odoo, in this order:

1. ``ODOO_SRC``: an Odoo 19.0 source tree whose requirements are installed in
   the Python running the command (as before this env existed);
2. ``ODOO_SOURCE`` (or ``--odoo-source``): that source, in a private env;
3. an Odoo 19.0 importable from the Python running the command;
4. otherwise Odoo 19.0 Community from GitHub, in a private env.

The private env is a virtual env in ``.odoo-dev/venv`` holding Odoo's
requirements and the addon's (``requirements.txt``); the test tooling
(``test-requirements.txt``) is added by the test command only. Odoo's source
is put on its path by a ``.pth`` file, so the source folder is never written
to. Once the env is ready, the command runs again inside it (``os.execv``),
and everything after that runs there.
"""

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import DEV_DIR, ODOO_SERIES, REPO
from .odoo_source import (
    check_free_space,
    disk_full,
    disk_full_abort,
    odoo_source,
)
from .output import Abort, Progress, say, seconds, stage, step
from .procs import stream

PY = sys.executable
VENV = DEV_DIR / "venv"
READY = ".endpoint-dev-ready.json"
PIP_LOG = DEV_DIR / "logs" / "env-pip.log"
# Set in the command's environment once it runs inside the private env.
IN_ENV = "ENDPOINT_DEV_ENV"
STARTED = "ENDPOINT_DEV_STARTED"
# Some sdists among Odoo's and the addons' requirements still build with
# pkg_resources, which setuptools 81 removed; Odoo's gevent process needs
# pkg_resources too, and setuptools 65 (Python 3.11's) fails it.
PIP_CONSTRAINTS = "setuptools<81\n"
ENV_BASICS = ("setuptools>=70,<81", "wheel")
# Left out of Odoo's requirements: python-ldap builds only with LDAP's C
# headers and serves the auth_ldap addon alone. lxml_html_clean is needed by
# Odoo's lxml and not always pulled in.
LEFT_OUT = {"python-ldap": "it serves auth_ldap only, and needs LDAP headers"}
ADDED = ("lxml_html_clean",)
# Debian packages that a requirement needs to build from its source.
BUILD_DEPS = {
    "psycopg2": "libpq-dev",
    "python-ldap": "libldap2-dev libsasl2-dev",
    "lxml": "libxml2-dev libxslt1-dev",
    "pillow": "libjpeg-dev zlib1g-dev",
    "cffi": "libffi-dev",
    "cryptography": "libssl-dev",
    "libsass": "g++",
}


class Odoo:
    def __init__(self, cmd, version, where):
        self.cmd = cmd  # argv prefix that runs the Odoo CLI
        self.version = version
        self.where = where


# --------------------------------------------------------------------------
# Requirements
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


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


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


@contextlib.contextmanager
def pip_env():
    """os.environ with our build constraints (PIP_CONSTRAINT, unlike -c, also
    reaches pip's isolated build environments)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write(PIP_CONSTRAINTS)
    env = dict(os.environ)
    env["PIP_CONSTRAINT"] = " ".join(filter(None, [env.get("PIP_CONSTRAINT"), fh.name]))
    try:
        yield env
    finally:
        os.unlink(fh.name)


def run_pip(args, python=PY):
    """``python -m pip ARGS`` with our build constraints; returns the exit code."""
    say("    " + " ".join(["pip", *args]))
    with pip_env() as env:
        return subprocess.run(
            [python, "-m", "pip", *args], env=env, stdin=subprocess.DEVNULL, check=False
        ).returncode


def pip_install(reqs, extra=()):
    if run_pip(["install", "-q", *extra, *reqs]):
        raise Abort(f"pip could not install {' '.join(reqs)}: see pip's message above")


def install_requirements(files, with_odoo=True):
    """Install what ``files`` list and this Python lacks (addons without
    their dependency on the ``odoo`` distribution when Odoo runs from a
    source tree, which has none)."""
    reqs = read_requirements(*files)
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
        pip_install(missing_addons, extra=[] if is_installed("odoo") else ["--no-deps"])


# --------------------------------------------------------------------------
# Finding Odoo in a Python
# --------------------------------------------------------------------------

PROBE = (
    "import sys\n"
    "if len(sys.argv) > 1: sys.path.insert(0, sys.argv[1])\n"
    "import odoo.release as r\n"
    "print(r.major_version)\n"
    "print(r.__file__)\n"
)


def probe_odoo(src=None, python=PY):
    """Return (major_version, release_file) of the Odoo ``python`` sees, or None."""
    args = [python, "-c", PROBE] + ([str(src)] if src else [])
    res = subprocess.run(args, capture_output=True, text=True, cwd="/", check=False)
    if res.returncode:
        return None
    version, release_file = res.stdout.split("\n")[:2]
    return version, release_file


def _odoo_from_src(src):
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
    return Odoo([PY, str(src / "odoo-bin")], version, str(src))


def _odoo_importable():
    found = probe_odoo()
    if not found or found[0] != ODOO_SERIES:
        return None
    return Odoo([PY, "-m", "odoo"], found[0], str(Path(found[1]).parent.parent))


def _check_starts(odoo):
    """Importing odoo.release is cheap; the CLI imports Odoo's whole
    dependency set, so check that too before relying on it."""
    res = subprocess.run(
        [*odoo.cmd, "--version"],
        check=False,
        capture_output=True,
        text=True,
        cwd="/",
        stdin=subprocess.DEVNULL,
    )
    if res.returncode or ODOO_SERIES not in res.stdout:
        last = (res.stderr.strip().splitlines() or ["no output"])[-1]
        fix = (
            f"delete {VENV} to build it anew"
            if os.environ.get(IN_ENV)
            else f"install its Python requirements, e.g. {PY} -m pip install -r "
            f"{odoo.where}/requirements.txt"
        )
        raise Abort(
            f"Odoo {ODOO_SERIES} at {odoo.where} does not start ({last}): {fix}"
        )
    return odoo


def odoo_here():
    """The Odoo the command runs in this Python: ODOO_SRC's, the private
    env's, or one installed here. None when there is none."""
    if os.environ.get("ODOO_SRC"):
        return _check_starts(_odoo_from_src(os.environ["ODOO_SRC"]))
    odoo = _odoo_importable()
    if odoo:
        return _check_starts(odoo)
    if os.environ.get(IN_ENV):
        raise Abort(f"the env {VENV} has no working Odoo: delete it to build it anew")
    return None


def launcher(odoo, workdir):
    """``odoo`` run as a script, as a prefork server needs: its master spawns
    the gevent process as ``python <argv[0]> gevent``, and ``python -m odoo``'s
    argv[0] (odoo/__main__.py) cannot run as a script. A launcher file can."""
    if odoo.cmd[1:2] != ["-m"]:
        return odoo  # odoo-bin already
    path = Path(workdir) / "odoo-bin"
    path.write_text("from odoo.cli.command import main\n\nmain()\n", encoding="utf-8")
    return Odoo([odoo.cmd[0], str(path)], odoo.version, odoo.where)


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


# --------------------------------------------------------------------------
# The private env
# --------------------------------------------------------------------------


def ensure_odoo(argv, source=None, script=None):
    """Make sure this process runs with an Odoo 19: return it when this Python
    has one (or ODOO_SRC names one), else set up the private env and run the
    command again inside it (this call then does not return).

    ``source``: the user's choice of Odoo source (option or ODOO_SOURCE);
    with it, the private env is used even when this Python has an Odoo.
    """
    os.environ.setdefault(STARTED, str(time.time()))
    source = source or os.environ.get("ODOO_SOURCE") or None
    if os.environ.get(IN_ENV) or os.environ.get("ODOO_SRC") or not source:
        odoo = odoo_here()
        if odoo or os.environ.get(IN_ENV):
            return odoo
    if sys.version_info < (3, 10):  # noqa: UP036 - say it before venv fails
        raise Abort(
            f"Odoo {ODOO_SERIES} needs Python 3.10 or newer, and {PY} is "
            f"{sys.version.split()[0]}: run the command with a newer python3"
        )
    step(f"Odoo {ODOO_SERIES}: its source and a private env in {DEV_DIR}")
    started = time.monotonic()
    with stage("Odoo's source"):
        src, origin, reused = odoo_source(source)
        say(f"    {'reusing' if reused else 'using'} {src} (from {origin})")
    python = build_env(src, origin)
    say(f"    set-up done in {seconds(time.monotonic() - started)}; running in {VENV}")
    os.environ[IN_ENV] = str(VENV)
    os.environ.pop("ODOO_SOURCE", None)  # the env is built: no source needed now
    script = script or sys.argv[0]
    os.execv(python, [python, str(script), *argv])
    return None  # pragma: no cover - execv does not return


def env_python():
    return VENV / "bin" / "python"


def _wanted_env(src):
    requirements = Path(src, "requirements.txt").read_bytes()
    return {
        "python": sys.version.split()[0],
        "base_python": os.path.realpath(PY),
        "odoo_src": str(src),
        "odoo_requirements": hashlib.sha256(requirements).hexdigest(),
    }


def build_env(src, origin):
    """The private env's python, built (or rebuilt) when it is not ready."""
    wanted = _wanted_env(src)
    ready = VENV / READY
    with contextlib.suppress(OSError, ValueError):
        if json.loads(ready.read_text(encoding="utf-8")) == wanted and probe_odoo(
            python=env_python()
        ):
            say(f"    env {VENV}: ready, reused")
            return str(env_python())
    if VENV.exists():
        why = (
            "was not finished"
            if not ready.exists()
            else "was built for another Odoo or Python"
        )
        say(f"    env {VENV} {why}: building it anew")
        shutil.rmtree(VENV)
    check_free_space()
    try:
        _build_env(src, wanted)
    except OSError as exc:
        if disk_full(exc):
            raise disk_full_abort(VENV) from None
        raise
    return str(env_python())


def _build_env(src, wanted):
    PIP_LOG.parent.mkdir(parents=True, exist_ok=True)
    with stage(f"create env ({sys.version.split()[0]})"):
        res = subprocess.run(
            [PY, "-m", "venv", str(VENV)], capture_output=True, text=True, check=False
        )
        if res.returncode:
            last = (res.stderr or res.stdout).strip().splitlines()[-1:]
            raise Abort(
                f"{PY} -m venv failed ({' '.join(last)}): install Python's venv "
                "module (Debian: apt-get install python3-venv)"
            )
    python = str(env_python())
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Odoo from its source folder, never written to.
    Path(site, "odoo-source.pth").write_text(f"{src}\n", encoding="utf-8")

    odoo_reqs = VENV / "odoo-requirements.txt"
    kept = []
    for line in Path(src, "requirements.txt").read_text(encoding="utf-8").splitlines():
        name = line.split("#")[0].strip()
        if name and canonical(requirement_name(name)) in LEFT_OUT:
            continue
        kept.append(line)
    odoo_reqs.write_text("\n".join([*kept, *ADDED]) + "\n", encoding="utf-8")
    for name, why in LEFT_OUT.items():
        say(f"    left out of Odoo's requirements: {name} ({why})")
    ours = read_requirements("requirements.txt")
    addons = [r for r in ours if requirement_name(r).lower().startswith("odoo-addon")]
    others = [r for r in ours if r not in addons]

    PIP_LOG.unlink(missing_ok=True)
    _pip_stage(
        python, ["install", *ENV_BASICS], "requirements 1/3, build tools",
        extra_names=ENV_BASICS,
    )  # fmt: skip
    _pip_stage(
        python, ["install", "-r", str(odoo_reqs), *others],
        "requirements 2/3, Odoo's and the addon's",
        requirement_files=[odoo_reqs], extra_names=others,
    )  # fmt: skip
    # The addons ask for the "odoo" distribution, which a source folder
    # is not: their other needs are in requirements.txt already.
    _pip_stage(
        python, ["install", "--no-deps", *addons], "requirements 3/3, OCA addons",
        extra_names=addons,
    )  # fmt: skip
    (VENV / READY).write_text(json.dumps(wanted), encoding="utf-8")


def _applicable_names(python, files, extra):
    """Canonical names of the requirements that apply to ``python`` (their
    environment markers evaluated by pip's own packaging)."""
    code = (
        "import sys, json\n"
        "from pip._vendor.packaging.requirements import Requirement\n"
        "names = []\n"
        "for line in sys.stdin.read().splitlines():\n"
        "    line = line.split(' #')[0].strip()\n"
        "    if not line or line.startswith(('#', '-')): continue\n"
        "    r = Requirement(line)\n"
        "    if r.marker is None or r.marker.evaluate(): names.append(r.name)\n"
        "print(json.dumps(names))\n"
    )
    text = "\n".join([*(Path(f).read_text(encoding="utf-8") for f in files), *extra])
    res = subprocess.run(
        [python, "-c", code], input=text, capture_output=True, text=True, check=False
    )
    if res.returncode:
        return None
    return {canonical(n) for n in json.loads(res.stdout)}


# pip's line for each requirement it takes up: from an index, a local file
# (a wheel of a find-links folder), or already there.
COLLECTING = re.compile(
    r"^(?:(?:Collecting |Requirement already satisfied: )([A-Za-z0-9][\w.-]*)"
    r"|Processing \S*/([A-Za-z0-9][\w.]*)-\d)"
)


def _pip_stage(python, args, label, requirement_files=(), extra_names=()):
    """One pip call shown as a stage: ``label N/M`` as the requested
    requirements are collected, the wheels it builds, and its time."""
    wanted = _applicable_names(python, requirement_files, extra_names) or set()
    progress = Progress(label, len(wanted) or None)
    seen = set()

    def show(line):
        m = COLLECTING.match(line)
        name = m and (m[1] or m[2])
        if name and canonical(name) in wanted and canonical(name) not in seen:
            seen.add(canonical(name))
            progress.update(len(seen), name)
        elif line.strip().startswith("Building wheel for") and line.endswith("started"):
            what = line.strip().split(" (")[0].lower()
            say(f"    {label}: {what} (compiles, may take a while)")
        return False  # all of it goes to the log only

    with pip_env() as env:
        env["PIP_PROGRESS_BAR"] = "off"
        rc, lines = stream(
            [python, "-m", "pip", *args], env=env, log_path=PIP_LOG, log_mode="a",
            show=show,
        )  # fmt: skip
    if rc:
        raise _pip_failure(lines, label)
    progress.finish()


def _pip_failure(lines, label):
    text = "\n".join(lines)
    log = PIP_LOG
    for line in lines[-15:]:
        say(f"      {line}")
    if "No space left on device" in text:
        return disk_full_abort(VENV)
    failed = None
    m = re.search(r"Failed to build ([\w.-]+)", text)
    if m:
        failed = m[1]
    elif "subprocess-exited-with-error" in text:
        before = text[: text.index("subprocess-exited-with-error")]
        names = re.findall(
            r"(?:Collecting|Building wheel for) ([A-Za-z0-9][\w.-]*)", before
        )
        failed = names[-1] if names else None
    if "pg_config executable not found" in text:
        failed = "psycopg2"
    if failed:
        debs = BUILD_DEPS.get(canonical(failed).replace("-binary", ""), "")
        if not shutil.which("gcc"):
            debs = f"build-essential {debs}".strip()
        if debs:
            return Abort(
                f"pip could not build {failed}, which needs Debian packages to "
                f"build: apt-get install -y {debs} (then run the command again)"
            )
        return Abort(
            f"pip could not build {failed} (its message is above, all of it in "
            f"{log}): install what it names, then run the command again"
        )
    unreachable = "Could not fetch|NewConnectionError|Temporary failure|No matching"
    if re.search(unreachable, text):
        return Abort(
            f"pip could not reach the package index ({label}; see {log}): "
            "check the network or pip's index settings, then run the command again"
        )
    return Abort(f"pip failed to {label} (see {log}): fix what it says, run again")
