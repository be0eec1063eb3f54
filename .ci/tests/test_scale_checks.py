"""How ``.bench/scale.py`` judges its measurements: which requests count as
slowed by a sync, and when a target is met."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / ".bench"))
import scale


def row(size, stall=0.02, populate=None, **extra):
    return {
        "size": size,
        "populate": populate if populate is not None else size * 0.001,
        "p50": 0.004,
        "queries_plain": 2,
        "stall": stall,
        "reach": 0.01,
        "wrong": 0,
        **extra,
    }


def result(*rows, xml=None):
    return {"rows": list(rows), "two": None, "replica": None, "xml": xml}


def test_slowest_counts_the_requests_in_flight_in_the_window():
    events = [
        # sent, done, status, body
        (0.0, 0.9, 200, b""),  # done before the window
        (0.5, 1.3, 200, b""),  # in flight when it opens: 0.8 s
        (1.5, 1.6, 200, b""),
        (2.9, 3.1, 200, b""),  # sent in it, done after: 0.2 s
        (3.5, 4.9, 200, b""),  # sent after it
    ]
    assert scale.slowest(events, 1.0, 3.0) == pytest.approx(0.8)
    assert scale.slowest(events, 1.4, 3.0) == pytest.approx(0.2)
    assert scale.slowest(events, 5.0, 6.0) is None


def test_served_after_waits_for_a_run_of_right_answers():
    def accept(status, body):
        return status == 200

    events = [(t / 10, t / 10 + 0.01, 404 if t < 5 else 200, b"") for t in range(30)]
    reach, wrong = scale.served_after(events, 0.2, accept, run=20)
    assert (round(reach, 3), wrong) == (0.3, 0)
    assert scale.served_after(events, 0.2, accept, run=26) == (None, None)


def test_the_sync_target_is_on_the_median_of_the_syncs():
    # One sync of five slowed by the machine: met; most of them slow: not.
    met = result(row(10, stall=scale.median([0.02, 0.15, 0.03, 0.02, 0.04])))
    assert scale.check(met, 2)
    slow = result(row(10, stall=scale.median([0.12, 0.15, 0.03, 0.11, 0.2])))
    assert not scale.check(slow, 2)


def test_creating_from_a_script_must_stay_proportional():
    # The first step of ten is mostly a transaction's own cost: left out.
    steady = result(row(10, populate=0.2), row(1000), row(10000))
    assert scale.check(steady, 2)
    growing = result(row(10), row(1000), row(10000, populate=9000 * 0.0016 + 1.0))
    assert not scale.check(growing, 2)


def test_endpoints_installed_as_xml_data_must_stay_proportional():
    assert scale.check(result(row(10), row(1000), xml={1000: 8.3, 10000: 101.0}), 2)
    assert not scale.check(result(row(10), row(1000), xml={1000: 8.3, 10000: 160.0}), 2)


def test_the_plain_route_runs_no_more_queries_than_without_the_addon():
    assert not scale.check(result(row(10, queries_plain=3)), 2)


def test_p50_growth_is_relative_to_the_plain_route_measured_with_it():
    # The machine slowed down by a fifth between the sizes: both routes did.
    small = row(10, p50=0.0040, p50_plain=0.0030)
    large = row(10000, p50=0.0048, p50_plain=0.0036)
    assert scale.p50_growth(small, large) == pytest.approx(1.0)
    assert scale.check(result(small, large), 2)
    # The endpoint alone slowed down.
    slower = row(10000, p50=0.0048, p50_plain=0.0030)
    assert not scale.check(result(small, slower), 2)
