# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may call an endpoint, how often, how many at once and for how long.

Plain helpers, no ORM: ``build_limits`` compiles an endpoint's published
values into a ``Limits`` (None when the endpoint has none, so that serving
it costs nothing more); ``rate_headers`` writes the IETF draft's
``RateLimit-*`` headers; ``Watchdog`` stops a snippet that runs past its
time limit, in whichever thread it runs.
"""

import ctypes
import dataclasses
import heapq
import ipaddress
import logging
import math
import re
import threading
import time
import zlib

_logger = logging.getLogger(__name__)

# The database's counters of calls, one row per endpoint, client and window;
# UNLOGGED: a crash may forget the current windows' counts, never worth a
# write-ahead log entry per call.
RATE_TABLE = "endpoint_rate_counter"
RATE_TABLE_SQL = f"""
    CREATE UNLOGGED TABLE IF NOT EXISTS {RATE_TABLE} (
        bucket varchar NOT NULL,
        window_start bigint NOT NULL,
        expires_at bigint NOT NULL,
        hits integer NOT NULL,
        PRIMARY KEY (bucket, window_start)
    );
    CREATE INDEX IF NOT EXISTS {RATE_TABLE}_expires_at_idx
        ON {RATE_TABLE} (expires_at);
"""
# One statement per call: count it in the current window of its bucket, and
# say how many calls the window has seen and how many seconds it has left.
# The database's clock, so that all servers share the windows.
RATE_HIT_SQL = f"""
    WITH now AS (SELECT extract(epoch FROM clock_timestamp()) AS t)
    INSERT INTO {RATE_TABLE} AS c (bucket, window_start, expires_at, hits)
    SELECT %(bucket)s, w, w + %(period)s, 1
      FROM (SELECT (floor(t / %(period)s) * %(period)s)::bigint AS w FROM now) win
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = c.hits + 1
    RETURNING c.hits, c.expires_at - (SELECT t FROM now)
"""
# Windows over are dropped by the first call of a new window, whichever
# endpoint it calls: each row is deleted once, through the index.
RATE_CLEANUP_SQL = (
    f"DELETE FROM {RATE_TABLE} WHERE expires_at < extract(epoch FROM now())"
)
# The advisory locks of the concurrency slots live in a key space of their
# own: the high bits name the endpoint, the low 16 bits the slot.
SLOT_BITS = 16
MAX_CONCURRENT = (1 << SLOT_BITS) - 1
SLOT_ACQUIRE_SQL = """
    SELECT s FROM generate_series(0, %(slots)s - 1) AS s
     WHERE pg_try_advisory_lock(%(base)s + s) LIMIT 1
"""
SLOT_RELEASE_SQL = "SELECT pg_advisory_unlock(%s)"

_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


def parse_networks(text):
    """The networks of ``text`` (addresses and CIDR ranges separated by
    commas, spaces or lines) as a tuple; raises ``ValueError`` naming the
    first entry that is neither."""
    networks = []
    for item in _ADDRESS_SEPARATORS.split(text or ""):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(item) from exc
    return tuple(networks)


def address_allowed(address, networks):
    """Tell whether the client ``address`` (text) is in one of ``networks``;
    an address that does not parse is in none."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks if net.version == ip.version)


@dataclasses.dataclass(frozen=True)
class Limits:
    """An endpoint's access rules and limits, as published.

    ``group_ids`` empty and ``networks`` empty mean anyone the auth type lets
    in; ``rate_count`` 0 means no rate limit, ``max_concurrent`` 0 no cap.
    """

    group_ids: frozenset = frozenset()
    networks: tuple = ()
    rate_count: int = 0
    rate_period: int = 60
    rate_scope: str = "client"  # or "endpoint"
    max_concurrent: int = 0


def build_limits(values):
    """The ``Limits`` of an endpoint's published ``values``, or None when it
    has none (values published before these fields existed have none)."""
    # Public endpoints run as their "Exec as user", whoever calls: no
    # group to check.
    groups = (
        values.get("allowed_group_ids") if values.get("auth_type") != "public" else ()
    )
    limits = Limits(
        group_ids=frozenset(groups or ()),
        networks=parse_networks(values.get("allowed_addresses")),
        rate_count=max(values.get("rate_limit_count") or 0, 0),
        rate_period=max(values.get("rate_limit_period") or 60, 1),
        rate_scope=values.get("rate_limit_scope") or "client",
        max_concurrent=min(max(values.get("max_concurrent") or 0, 0), MAX_CONCURRENT),
    )
    if limits == Limits(rate_period=limits.rate_period, rate_scope=limits.rate_scope):
        return None
    return limits


def slot_base(model_name, record_id):
    """The first advisory lock key of an endpoint's concurrency slots."""
    name = f"endpoint.slots:{model_name}:{record_id}".encode()
    return (zlib.crc32(name) | (record_id << 32) & 0x7FFF_0000_0000) << SLOT_BITS


def rate_headers(limit, hits, reset, period):
    """The ``RateLimit-*`` headers (IETF httpapi draft) of an answer, the
    window having seen ``hits`` calls and ``reset`` seconds left."""
    reset = max(math.ceil(reset), 0)
    return [
        ("RateLimit-Limit", str(limit)),
        ("RateLimit-Remaining", str(max(limit - hits, 0))),
        ("RateLimit-Reset", str(reset)),
        ("RateLimit-Policy", f"{limit};w={period}"),
    ]


class Exhausted:
    """The rate limit buckets this process saw refused, until their window
    ends: further calls are refused without asking the database. Only
    refusals are remembered; a window's count is always the database's.
    """

    MAX_ENTRIES = 10000

    def __init__(self):
        self._until = {}

    def seconds_left(self, key):
        """Seconds until the window of ``key`` ends, or None when it is not
        known exhausted."""
        until = self._until.get(key)
        if until is None:
            return None
        left = until - time.monotonic()
        if left <= 0:
            self._until.pop(key, None)
            return None
        return left

    def remember(self, key, seconds_left):
        if len(self._until) >= self.MAX_ENTRIES:
            self._until.clear()  # a flood of clients: start over, not grow
        self._until[key] = time.monotonic() + seconds_left


EXHAUSTED = Exhausted()


# --------------------------------------------------------------------------
# Time limit
# --------------------------------------------------------------------------


class SnippetInterrupted(BaseException):  # not an error of the snippet
    """Raised in a snippet's thread when its time is up.

    A ``BaseException``: a snippet's ``except Exception`` does not swallow it.
    """


_SET_ASYNC_EXC = ctypes.pythonapi.PyThreadState_SetAsyncExc


def _raise_in(thread_id, exc_class):
    """Raise ``exc_class`` in thread ``thread_id`` at its next Python line;
    None takes back one raised but not yet seen."""
    arg = None if exc_class is None else ctypes.py_object(exc_class)
    _SET_ASYNC_EXC(ctypes.c_ulong(thread_id), arg)


class _Guard:
    """One timed run; its ``state`` moves under the watchdog's lock only."""

    __slots__ = ("deadline", "on_fire", "seconds", "state", "thread_id")

    def __init__(self, deadline, thread_id, on_fire, seconds):
        self.deadline = deadline
        self.thread_id = thread_id
        self.on_fire = on_fire
        self.seconds = seconds
        self.state = "running"  # then "done" or "fired"

    def __lt__(self, other):
        return self.deadline < other.deadline


class Watchdog:
    """Stops runs that last too long: one thread per process, whatever the
    number of runs it watches, sleeping until the next deadline.

    A run is stopped by raising ``SnippetInterrupted`` in its thread (the
    threaded server runs requests in many threads, where a signal cannot
    reach them) and by calling its ``on_fire`` (which cancels the running
    SQL statement). Both happen under the lock, and only while the run is
    still running: ``stop`` takes the same lock, so that nothing fires once
    the run is over.
    """

    # While no run is watched, the thread wakes this often (seconds), and
    # ends after IDLE_END seconds of it. Waking it for each run costs far
    # more (a thread switch per request): a run whose deadline comes after
    # the thread's next waking does not wake it.
    IDLE_TICK = 1.0
    IDLE_END = 60.0

    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._heap = []
        self._thread = None
        # When the thread wakes next on its own, and when a run last began
        # (time.monotonic()).
        self._wake_at = 0.0
        self._started_at = 0.0

    def start(self, seconds, on_fire=None):
        """Watch the calling thread for ``seconds``; return the guard that
        ``stop`` takes."""
        guard = _Guard(
            time.monotonic() + seconds, threading.get_ident(), on_fire, seconds
        )
        with self._lock:
            self._started_at = guard.deadline - seconds
            heapq.heappush(self._heap, guard)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="endpoint-watchdog", daemon=True
                )
                self._thread.start()
            elif guard.deadline < self._wake_at:
                self._wake.notify()
        return guard

    def stop(self, guard):
        """End the watch; return True when the run was stopped by it.

        A stop that was raised but not yet seen by the thread is taken
        back: it can never surface after this returns."""
        with self._lock:
            if guard.state == "running":
                guard.state = "done"
                # Runs mostly end in the order they started: keep the heap
                # to the runs still going.
                heap = self._heap
                while heap and heap[0].state != "running":
                    heapq.heappop(heap)
                return False
            _raise_in(guard.thread_id, None)
            return True

    def _run(self):
        with self._lock:
            while True:
                while self._heap and self._heap[0].state != "running":
                    heapq.heappop(self._heap)
                now = time.monotonic()
                if not self._heap:
                    if now - self._started_at >= self.IDLE_END:
                        self._thread = None
                        self._wake_at = 0.0
                        return
                    self._wake_at = now + self.IDLE_TICK
                    self._wake.wait(self.IDLE_TICK)
                    continue
                left = self._heap[0].deadline - now
                if left > 0:
                    self._wake_at = self._heap[0].deadline
                    self._wake.wait(left)
                    continue
                guard = heapq.heappop(self._heap)
                guard.state = "fired"
                _raise_in(guard.thread_id, SnippetInterrupted)
                if guard.on_fire:
                    try:
                        guard.on_fire()
                    except Exception:  # the raise is enough
                        _logger.warning(
                            "Cannot cancel a stopped run's SQL", exc_info=True
                        )


WATCHDOG = Watchdog()


def stopped_line(exc, filename):
    """The line of the code named ``filename`` where ``exc`` stopped it, or
    None."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
