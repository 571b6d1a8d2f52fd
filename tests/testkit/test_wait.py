"""The test kit's condition wait: what it returns, and that it fails only after asking
once more at the deadline."""

from __future__ import annotations

import pytest

from testkit.wait import wait_until


def test_returns_the_first_true_value_without_waiting_out_the_timeout() -> None:
    answers = iter([None, 0, "ready", "later"])
    calls: list[object] = []

    def predicate() -> object:
        calls.append(value := next(answers))
        return value

    assert wait_until(predicate, timeout=600, interval=0) == "ready"
    assert calls == [None, 0, "ready"]


def test_fails_with_the_message_after_a_last_look_at_the_deadline() -> None:
    calls: list[int] = []

    def never() -> bool:
        calls.append(1)
        return False

    with pytest.raises(AssertionError, match="the door to open"):
        wait_until(never, timeout=0, interval=0, message="the door to open")
    assert len(calls) == 2  # the first look, then the last one at the deadline


def test_a_condition_met_at_the_deadline_counts() -> None:
    answers = iter([False, True])
    assert wait_until(lambda: next(answers), timeout=0, interval=0) is True
