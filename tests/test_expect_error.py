"""grader.testing.expect_error: the one helper hidden tests use for an expected exception."""

from __future__ import annotations

import pytest

from grader.testing import expect_error


def test_the_expected_exception_is_kept_for_its_fields():
    with expect_error(KeyError, "for a missing name") as caught:
        {}["name"]
    assert isinstance(caught.value, KeyError) and caught.value.args == ("name",)


def test_another_exception_fails_with_what_was_expected_and_what_came():
    with pytest.raises(AssertionError) as failed, expect_error(ValueError, "for n=0"):
        raise KeyError("n")
    assert str(failed.value) == "expected ValueError for n=0, but got KeyError: 'n'"


def test_no_exception_fails_saying_nothing_was_raised():
    with pytest.raises(AssertionError) as failed, expect_error(ValueError, "for n=0"):
        pass
    assert str(failed.value) == "expected ValueError for n=0, but nothing was raised"
