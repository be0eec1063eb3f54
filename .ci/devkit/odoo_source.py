"""Odoo's source: named by ``ODOO_SOURCE``, fetched once, checked to be 19.0.

``ODOO_SOURCE`` is one of

- an http(s) URL of a ``.tar.gz`` (or ``.tgz``) of Odoo's source;
- the URL of a git repository, optionally ``URL#ref`` (the branch ``19.0``
  when no ref is given); only that commit's files are fetched, without the
  translations (``*.po``) and the ``l10n_*`` addons;
- a local ``.tar.gz``;
- a local folder holding ``odoo-bin``, used where it is.

By default it is Odoo 19.0 Community on GitHub. A fetched source is kept in
``.odoo-dev/odoo``; a fetch that did not finish leaves nothing there that a
later run would trust (downloads and extractions happen beside it and are
moved in place only once complete and checked).
"""

import contextlib
import errno
import json
import os
import runpy
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from . import DEV_DIR, ODOO_SERIES
from .output import Abort, Progress, say, stage

DEFAULT_SOURCE = f"https://github.com/odoo/odoo.git#{ODOO_SERIES}"
SOURCE_DIR = DEV_DIR / "odoo"
MARKER = ".endpoint-dev-source.json"
# What is left out of a fetched source: nothing this project runs needs it.
LEFT_OUT_GIT = ("!*.po", "!/addons/l10n_*/")
# Room to keep free for the source, the env and pip's work (measured: about
# 280 MB of source, 420 MB of env).
DISK_NEEDED = 1_200_000_000


# The end of every message about a source: what the user can do.
FIX = (
    "set ODOO_SOURCE (or --odoo-source) to another URL, or to a local "
    f"Odoo {ODOO_SERIES} .tar.gz or source folder"
)


def disk_full(exc):
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full_abort(where):
    return Abort(
        f"no space left on the disk of {where}: free some space (Odoo's source "
        f"and env need about {DISK_NEEDED // 1_000_000} MB), or set "
        "ENDPOINT_DEV_DIR to a folder on another disk, then run the command again"
    )


def check_free_space(where=DEV_DIR):
    where = Path(where)
    probe = where
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < DISK_NEEDED:
        raise Abort(
            f"only {free // 1_000_000} MB free on the disk of {where}, and Odoo's "
            f"source and env need about {DISK_NEEDED // 1_000_000} MB: free some "
            "space, or set ENDPOINT_DEV_DIR to a folder on another disk"
        )


class Source:
    """Where Odoo comes from, as the user named it."""

    def __init__(self, spec):
        self.spec = spec
        self.ref = ODOO_SERIES
        if "://" in spec:
            url, _, ref = spec.partition("#")
            scheme = url.split("://", 1)[0].lower()
            if scheme not in ("https", "http", "file"):
                raise Abort(
                    f"ODOO_SOURCE={spec}: only https, http and file URLs are "
                    f"supported: {FIX}"
                )
            self.location = url
            path = url.split("?", 1)[0]
            if path.endswith((".tar.gz", ".tgz")):
                self.kind = "tar-url"
            else:
                self.kind = "git"
                self.ref = ref or ODOO_SERIES
            return
        path = Path(spec).expanduser().resolve()
        self.location = str(path)
        if path.is_dir():
            self.kind = "dir"
        elif path.is_file():
            self.kind = "tar"
        else:
            raise Abort(f"ODOO_SOURCE={spec} does not exist: {FIX}")

    def __str__(self):
        return self.spec


def release_version(src):
    """The major version (``19.0``) of the Odoo source tree ``src``, or None."""
    release = Path(src, "odoo", "release.py")
    if not release.is_file() or not Path(src, "odoo-bin").is_file():
        return None
    try:
        values = runpy.run_path(str(release))
    except Exception:  # noqa: BLE001 - any failure means "not a usable tree"
        return None
    return str(values.get("major_version") or "") or None


def checked(src, source):
    """``src`` when it holds Odoo 19.0; else Abort naming the source."""
    version = release_version(src)
    if version is None:
        raise Abort(
            f"ODOO_SOURCE={source} holds no Odoo source tree (no odoo-bin and "
            f"odoo/release.py): {FIX}"
        )
    if version != ODOO_SERIES:
        raise Abort(f"ODOO_SOURCE={source} is Odoo {version}, not {ODOO_SERIES}: {FIX}")
    return Path(src)


def read_marker():
    with contextlib.suppress(OSError, ValueError):
        return json.loads((SOURCE_DIR / MARKER).read_text(encoding="utf-8"))
    return None


def odoo_source(spec=None):
    """The folder of Odoo 19.0's source to use, fetched when needed.

    ``spec`` is what the user named (option or ``ODOO_SOURCE``), or None for
    "whatever was fetched before, else the default".
    """
    marker = read_marker()
    reuse = marker and (spec is None or marker.get("source") == spec)
    if reuse and release_version(SOURCE_DIR) == ODOO_SERIES:
        return SOURCE_DIR, marker["source"], True
    source = Source(spec or DEFAULT_SOURCE)
    if source.kind == "dir":
        return checked(source.location, source), source.spec, False
    check_free_space()
    DEV_DIR.mkdir(parents=True, exist_ok=True)
    _remove_leftovers()
    partial = DEV_DIR / f"odoo.partial-{os.getpid()}"
    try:
        if source.kind == "git":
            tree = _git_fetch(source, partial)
        else:
            archive = Path(source.location)
            if source.kind == "tar-url":
                archive = _download(source)
            tree = _extract(source, archive, partial)
            if source.kind == "tar-url":
                archive.unlink()
        checked(tree, source)
        (tree / MARKER).write_text(
            json.dumps({"source": source.spec, "fetched": time.time()}),
            encoding="utf-8",
        )
        # Replace what was there only now that the new tree is complete.
        if SOURCE_DIR.exists():
            shutil.rmtree(SOURCE_DIR)
        tree.rename(SOURCE_DIR)
    except OSError as exc:
        if disk_full(exc):
            raise disk_full_abort(DEV_DIR) from None
        raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return SOURCE_DIR, source.spec, False


def _remove_leftovers():
    """What an interrupted fetch left: it is never trusted, only removed."""
    for path in DEV_DIR.glob("odoo.partial-*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in DEV_DIR.glob("odoo-download-*.part"):
        path.unlink(missing_ok=True)


def _download(source):
    url = source.location
    part = DEV_DIR / f"odoo-download-{os.getpid()}.part"
    say(f"    downloading {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "endpoint-dev"})
    try:
        with (
            urllib.request.urlopen(request, timeout=60) as resp,
            open(part, "wb") as out,
        ):
            total = int(resp.headers.get("Content-Length") or 0) or None
            progress = Progress("download", total, unit="bytes")
            done = 0
            while chunk := resp.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                progress.update(done)
            progress.finish()
        if total and done != total:
            raise Abort(
                f"the download of {url} stopped at {done} of {total} bytes: run "
                f"the command again, or {FIX}"
            )
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        part.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        raise Abort(
            f"cannot download Odoo from {url} ({reason}): check the network, or {FIX}"
        ) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return part


def _extract(source, archive, partial):
    """Unpack ``archive`` into ``partial``; return the folder holding odoo-bin."""
    partial.mkdir(parents=True)
    count = 0
    try:
        with open(archive, "rb") as raw, tarfile.open(fileobj=raw, mode="r|*") as tar:
            progress = Progress("extract", archive.stat().st_size, unit="bytes")
            for member in tar:
                if member.name.endswith(".po"):
                    continue
                _extract_member(tar, member, partial)
                count += 1
                progress.update(raw.tell())
            progress.finish(f"read, {count} files (translations left out)")
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise Abort(
            f"ODOO_SOURCE={source} is not a readable .tar.gz ({exc}): download "
            f"it again, or {FIX}"
        ) from None
    tops = [p for p in partial.iterdir() if (p / "odoo-bin").is_file()]
    if (partial / "odoo-bin").is_file():
        return partial
    if len(tops) != 1:
        raise Abort(
            f"ODOO_SOURCE={source} holds no Odoo source tree (no odoo-bin at its "
            f"top): {FIX}"
        )
    return tops[0]


def _extract_member(tar, member, dest):
    # The "data" filter refuses absolute paths, links out of the tree and
    # device files (Python 3.11.4 and later); without it, refuse them here.
    if hasattr(tarfile, "data_filter"):
        tar.extract(member, dest, filter="data")
        return
    target = (dest / member.name).resolve()
    if not str(target).startswith(str(dest.resolve()) + os.sep) or not (
        member.isfile() or member.isdir() or member.issym()
    ):
        return
    tar.extract(member, dest)


def _git_fetch(source, partial):
    git = shutil.which("git")
    if not git:
        raise Abort(
            f"git is needed to fetch {source.location}: install it (Debian: "
            "apt-get install git), or set ODOO_SOURCE to an Odoo "
            f"{ODOO_SERIES} .tar.gz or source folder"
        )
    say(f"    fetching {source.location} (branch {source.ref}, no history)")
    # git's own progress rewrites one line: for a terminal, not for a log.
    progress = "--progress" if sys.stdout.isatty() else "--quiet"

    def run(*args, show=True):
        res = subprocess.run(
            [git, *args],
            cwd=partial if partial.is_dir() else DEV_DIR,
            stdin=subprocess.DEVNULL,
            stdout=None if show else subprocess.PIPE,
            stderr=None if show else subprocess.STDOUT,
            text=True,
            check=False,
        )
        return res

    with stage("git clone (one commit, files fetched as checked out)"):
        res = run(
            "-c", "advice.detachedHead=false",
            "clone", "--depth", "1", "--branch", source.ref,
            "--filter=blob:none", "--no-checkout", progress,
            source.location, str(partial),
        )  # fmt: skip
        if res.returncode:
            raise Abort(
                f"cannot fetch Odoo from {source.location} (git clone failed, its "
                f"message is above): check the network, or {FIX}"
            )
    with stage("git checkout (without translations and l10n_* addons)"):
        res = run(
            "sparse-checkout", "set", "--no-cone", "/*", *LEFT_OUT_GIT, show=False
        )
        if res.returncode == 0:
            res = run("checkout", progress, source.ref)
        if res.returncode:
            raise Abort(
                f"cannot check out {source.ref} of {source.location} "
                f"({(res.stdout or '').strip()[-200:]}): {FIX}"
            )
    shutil.rmtree(partial / ".git", ignore_errors=True)
    return partial
