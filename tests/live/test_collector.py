"""The collector steward: freezes a quiet crowd's objects, sweeps them once the crowd turns over."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from server.live.collector import Steward


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Each test starts and ends with nothing frozen, whatever it did."""
    gc.unfreeze()
    yield
    gc.unfreeze()


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_quiet_crowd_is_frozen_and_a_small_room_is_left_alone(unfrozen: None) -> None:
    steward = Steward(min_sockets=100)
    assert steward.tick(99, quiet=True) is None and gc.get_freeze_count() == 0
    assert steward.tick(400, quiet=False) is None, "sockets still opening: not yet"
    assert steward.tick(400, quiet=True) == "frozen"
    assert gc.get_freeze_count() > 0
    assert steward.tick(450, quiet=True) is None, "grown by less than a quarter"
    assert steward.tick(501, quiet=True) == "frozen"


def test_frozen_garbage_is_collected_once_the_crowd_has_halved(unfrozen: None) -> None:
    steward = Steward(min_sockets=100)
    gone = Cycle()  # the objects of a socket that was open at the freeze
    watch = weakref.ref(gone)
    assert steward.tick(400, quiet=True) == "frozen"
    del gone  # now garbage, but frozen: no ordinary pass frees it
    gc.collect()
    assert watch() is not None
    assert steward.tick(250, quiet=True) is None
    assert steward.tick(199, quiet=True) == "swept"
    assert watch() is None, "the frozen cycle was not collected"


def test_a_room_that_turned_over_is_swept_even_at_the_same_size(unfrozen: None) -> None:
    steward = Steward(min_sockets=100)
    assert steward.tick(400, quiet=True) == "frozen"
    steward.opened = 400  # every phone reconnected once
    assert steward.tick(400, quiet=True) == "swept"
    assert steward.opened == 0
