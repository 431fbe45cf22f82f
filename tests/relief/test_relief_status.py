"""The offer cycle: offered -> committed -> in-transit -> delivered | released."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from forcegen.relief import NEXT, OFFER_STATUSES, StatusError, check_history, transition

LEGAL = {("offered", "committed"), ("offered", "released"), ("committed", "in-transit"),
         ("committed", "released"), ("in-transit", "delivered")}


@pytest.mark.parametrize(("before", "after"), list(itertools.product(OFFER_STATUSES, repeat=2)))
def test_transition_allows_exactly_the_cycle(before, after):
    if (before, after) in LEGAL:
        assert transition("OF-1", before, after) == after
    else:
        with pytest.raises(StatusError, match=f"OF-1.*from {before} to {after}"):
            transition("OF-1", before, after)


def test_final_statuses_go_nowhere():
    assert NEXT["delivered"] == () and NEXT["released"] == ()
    with pytest.raises(StatusError, match="nothing \\(it is final\\)"):
        transition("OF-1", "delivered", "committed")


def test_unknown_status_is_named():
    with pytest.raises(StatusError, match="unknown status 'lost'"):
        transition("OF-1", "offered", "lost")


def test_history_records_who_and_when():
    t0 = dt.datetime(2027, 2, 10, 6, tzinfo=dt.UTC)
    steps = [("offered", t0, "NZL"), ("committed", t0 + dt.timedelta(hours=2), "NZL-J3"),
             ("in-transit", t0 + dt.timedelta(hours=14), "NZL-J3"),
             ("delivered", t0 + dt.timedelta(hours=30), "TON-NEMO")]
    changes = check_history("OF-1", steps)
    assert [(c.before, c.after, c.by) for c in changes] == [
        ("offered", "committed", "NZL-J3"), ("committed", "in-transit", "NZL-J3"),
        ("in-transit", "delivered", "TON-NEMO")]


def test_delivered_before_committed_is_refused():
    with pytest.raises(StatusError, match="cannot go from offered to delivered"):
        check_history("OF-1", [("offered", None, None), ("delivered", None, None)])


def test_history_going_back_in_time_is_refused():
    with pytest.raises(StatusError, match=r"step 2 .*earlier"):
        check_history("OF-1", [("committed", dt.date(2027, 2, 11), None),
                               ("in-transit", dt.date(2027, 2, 10), None)])
