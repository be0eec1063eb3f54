"""The time limits' watchdog: it stops a run past its deadline, never one
that ended, and a run does not wake its thread when the thread wakes in
time on its own (a thread switch per request costs more than the request's
own work on the endpoint)."""

import threading
import time

import pytest
from endpoint_addon.tools import limits


class CountingWatchdog(limits.Watchdog):
    def __init__(self):
        super().__init__()
        self.notified = 0
        wake = self._wake

        class Counting:
            def notify(inner):
                self.notified += 1
                wake.notify()

            def wait(inner, timeout):
                return wake.wait(timeout)

        self._wake = Counting()


def _until(predicate, seconds=5):
    end = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_short_runs_under_a_long_limit_do_not_wake_the_thread():
    watchdog = CountingWatchdog()
    watchdog.stop(watchdog.start(30))
    assert _until(lambda: watchdog._wake_at > 0)
    for _ in range(200):
        assert watchdog.stop(watchdog.start(30)) is False
    assert watchdog.notified == 0


def test_a_run_due_before_the_thread_wakes_wakes_it_and_is_stopped():
    watchdog = CountingWatchdog()
    long_guard = watchdog.start(30)
    assert _until(lambda: watchdog._wake_at > time.monotonic() + 20)
    fired = threading.Event()
    with pytest.raises(limits.SnippetInterrupted):
        guard = watchdog.start(0.2, fired.set)
        try:
            while True:  # the snippet's endless loop
                pass
        finally:
            assert watchdog.stop(guard) is True
    assert fired.is_set()
    assert watchdog.notified == 1
    assert watchdog.stop(long_guard) is False


def test_a_run_that_ended_is_never_stopped():
    watchdog = limits.Watchdog()
    fired = threading.Event()
    guard = watchdog.start(0.1, fired.set)
    assert watchdog.stop(guard) is False
    time.sleep(0.3)  # past the deadline: nothing is raised here
    assert not fired.is_set()
