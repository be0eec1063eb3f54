"""Processes and ports: start children, stream their output, stop them."""

import contextlib
import ctypes
import signal
import socket
import subprocess
import threading
import time

from . import REPO
from .output import say

_PR_SET_PDEATHSIG = 1


def _child_setup():
    """In a child, before it runs: die with us (Linux), even if we are killed
    outright, so that no Odoo or pip is left behind."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def popen(cmd, **kwargs):
    """``subprocess.Popen`` for a child that we stop ourselves.

    The child gets a session of its own, so a Ctrl-C in the terminal reaches
    only us; we then stop it with one signal of our choosing (``stop_process``).
    That way Ctrl-C in a terminal and ``kill -INT`` of our process alone (what
    a supervisor sends) stop it the same way, at once.
    """
    kwargs.setdefault("cwd", REPO)
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    # preexec_fn is unsafe once other threads run (the benchmark's pollers).
    setup = _child_setup if threading.active_count() == 1 else None
    # preexec_fn is only given while no other thread runs (see above).
    return subprocess.Popen(
        cmd,
        start_new_session=True,
        preexec_fn=setup,  # noqa: PLW1509
        **kwargs,
    )


def stop_process(proc, timeout=30):
    """Stop a child as Ctrl-C would (Odoo then stops cleanly), then insist."""
    if proc is None:
        return None
    for sig, wait in (
        (signal.SIGINT, timeout),
        (signal.SIGTERM, 5),
        (signal.SIGKILL, 5),
    ):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait)
    return proc.poll()


def _sigterm_to_interrupt(signum, frame):
    raise KeyboardInterrupt


def stop_on_sigterm():
    """SIGTERM (a supervisor's stop, a CI time-out) cleans up like Ctrl-C."""
    signal.signal(signal.SIGTERM, _sigterm_to_interrupt)


def stream(
    cmd, *, env=None, cwd=REPO, log_path=None, log_mode="w", show=None, stop_timeout=30
):
    """Run ``cmd``, keep its output in ``log_path`` (or memory), echo what ``show``
    accepts (every line when ``show`` is None). Returns (returncode, lines)."""
    lines = []
    log = open(log_path, log_mode, encoding="utf-8") if log_path else None  # noqa: SIM115
    proc = popen(
        cmd,
        cwd=cwd,
        env=env,
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
        stop_process(proc, stop_timeout)
        raise
    finally:
        if log:
            log.close()
    return proc.returncode, lines


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As Odoo binds: connections of a previous run in TIME_WAIT are fine.
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
        time.sleep(0.2)
    return False
