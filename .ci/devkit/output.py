"""What the commands print: messages, timed stages, progress, the tally."""

import contextlib
import sys
import time


class Abort(Exception):
    """A problem the user must fix; the message is one line saying what to do."""


def say(msg=""):
    # Never let a closed terminal or pipe stop the cleanup that follows.
    with contextlib.suppress(OSError):
        print(msg, flush=True)


def step(msg):
    say(f"==> {msg}")


def seconds(value):
    """A duration as people read it: 0.4 s, 12 s, 3 min 05 s."""
    if value < 10:
        return f"{value:.1f} s"
    if value < 60:
        return f"{value:.0f} s"
    minutes, secs = divmod(round(value), 60)
    return f"{minutes} min {secs:02d} s"


def size(count):
    """A byte count as people read it."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"  # pragma: no cover - the loop always returns


@contextlib.contextmanager
def stage(label):
    """One line when a long step starts, one when it ends, with its time."""
    say(f"    {label} ...")
    started = time.monotonic()
    yield
    say(f"    {label}: done in {seconds(time.monotonic() - started)}")


class Progress:
    """A counter of a long step. On a terminal it rewrites one line; in a log
    (CI) it prints a line at each tenth of the way, so a reader can follow it
    without being flooded."""

    def __init__(self, label, total=None, unit=None):
        self.label = label
        self.total = total
        self.unit = unit  # "bytes" to show sizes, None for a plain count
        self.done = 0
        self.tty = sys.stdout.isatty()
        self._last_tenth = -1
        self._last_draw = 0.0
        self._started = time.monotonic()

    def _text(self):
        if self.unit == "bytes":
            text = size(self.done)
            if self.total:
                text += f" of {size(self.total)}"
        else:
            text = f"{self.done}/{self.total}" if self.total else str(self.done)
        if self.total:
            text += f" ({min(100, 100 * self.done // self.total)}%)"
        return f"    {self.label}: {text}"

    def update(self, done, note=""):
        self.done = done
        now = time.monotonic()
        if self.tty:
            if now - self._last_draw >= 0.2 or (self.total and done >= self.total):
                self._last_draw = now
                line = f"{self._text()} {note}".rstrip()[:100]
                with contextlib.suppress(OSError):
                    sys.stdout.write("\r\x1b[K" + line)
                    sys.stdout.flush()
            return
        tenth = 10 * done // self.total if self.total else done // 1_000_000
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            say(f"{self._text()} {note}".rstrip())

    def finish(self, note=""):
        if self.tty:
            with contextlib.suppress(OSError):
                sys.stdout.write("\r\x1b[K")
        took = seconds(time.monotonic() - self._started)
        say(f"{self._text()} {note}".rstrip() + f", in {took}")


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
