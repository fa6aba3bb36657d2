"""The comparison and attribution rules the checks rely on, on small cases."""

from __future__ import annotations

import numpy as np

from autograder.core import dependencies, framework
from autograder.core.framework import Tolerance, accept, mismatch
from autograder.core.record import CheckResult
from tests.test_student_work import SAME_PRINT


def test_float32_result_passes_with_a_note_and_float64_without():
    want = 195.29112345678
    framework.take_notes()
    assert accept(want * (1 + 1e-15), want, Tolerance(1e-9)) is True
    assert framework.take_notes() == ""
    assert accept(float(np.float32(want)), want, Tolerance(1e-9)) is True
    assert "float64" in framework.take_notes()


def test_the_note_says_what_the_values_show():
    """A float64 answer 1e-5 away passes with a note giving the gap and its usual causes, never
    a claim of float32 work; float32 values get the float32 note; an optimiser's tier alike."""
    want = 195.29112345678
    framework.take_notes()
    assert accept(want * (1 + 1.2e-5), want, Tolerance(1e-9)) is True
    text = framework.take_notes()
    assert "about 1e-5 relative" in text and "float32" not in text and "stopped early" in text
    assert accept(float(np.float32(want)), want, Tolerance(1e-9)) is True
    assert "float32 precision" in framework.take_notes()
    assert accept(want * (1 + 4e-4), want, framework.optimiser_tolerance(1e-4)) is True
    text = framework.take_notes()
    assert "about 4e-4 relative" in text and "stopped before converging, or that the objective" in text
    assert accept(float(np.float32(want * (1 + 4e-4))), want, framework.optimiser_tolerance(1e-4)) is True
    assert "float32" in framework.take_notes()


def test_n_minus_1_is_never_forgiven_as_float32():
    x = np.random.default_rng(1).normal(200, 25, size=40)
    mistakes = {"n - 1": np.std(x, ddof=1)}
    assert accept(np.std(x, ddof=1), np.std(x), Tolerance(1e-9), mistakes) == "n - 1"
    assert accept(float(np.float32(np.std(x, ddof=1))), np.std(x), Tolerance(1e-9), mistakes) == "n - 1"


def test_a_mistake_closer_than_the_answer_wins_at_the_float32_tier():
    want, wrong = 1.0, 1.0 + 3e-5  # float32 tells them apart (tier 2e-5)
    assert accept(1.0 + 1.9e-5, want, Tolerance(1e-9), {"clipped": wrong}) == "clipped"
    assert accept(1.0 + 2e-6, want, Tolerance(1e-9), {"clipped": wrong}) is True
    framework.take_notes()


def test_messages_print_the_digits_that_differ():
    text = mismatch("f(x)", "", 21.416423, 21.416374)
    assert "21.41642" in text and "21.41637" in text and "relative difference 2.3e-06" in text
    assert SAME_PRINT.search(text) is None
    arrays = mismatch("f(x)", "weights", np.array([0.40661, 0.59339]), np.array([0.40662, 0.59338]))
    assert "differ most at [0]" in arrays and "relative difference" in arrays


def test_the_scan_finds_self_contradicting_messages():
    assert SAME_PRINT.search("Called f(): got 21.4164, expected 21.4164.")
    assert SAME_PRINT.search("got array([0.4066, 0.5934]), expected array([0.4066, 0.5934]).")
    assert not SAME_PRINT.search("got 1, expected 1.5.")
    assert not SAME_PRINT.search("got array([1., 2.]), expected array([1., 2.5]).")
    assert not SAME_PRINT.search("got [1, 2, ...], expected [1, 2, ...]; they differ most at [9]: 1 against 2")


SOURCE = '''
def helper(v):
    return e_step(v)

def e_step(x):
    return x

def m_step(x):
    e_step = 3          # a local name, not a call of e_step
    return e_step

def fit(x):
    return helper(x) + m_step(x)

def stub(x):
    raise NotImplementedError
'''


def test_calls_are_found_through_helpers_and_not_through_local_names():
    graph, stubs = dependencies.reached(SOURCE, {"e_step", "m_step", "fit", "stub"})
    assert graph["fit"] == ["m_step", "e_step"]  # nearest first: e_step is reached through helper
    assert graph["m_step"] == []
    assert stubs == {"stub"}
    assert dependencies.reached("def broken(:", {"fit"}) == ({}, set())


def _result(function, status, points=1.0, message="m"):
    return CheckResult("ex", function, f"{function}_check", "t", points if status == "passed" else 0.0,
                       1.0, status, message if status != "passed" else "")


def test_only_failing_callers_of_failing_functions_are_told():
    results = [_result("e_step", "failed"), _result("fit", "failed"), _result("fit", "passed"),
               _result("m_step", "failed")]
    results = dependencies.attribute(results, SOURCE)
    assert results[1].message.startswith("`fit` calls your `e_step` and `m_step`, which fail their own")
    assert results[1].message.endswith("\nm")
    assert results[2].passed and results[2].points == 1.0 and results[2].message == ""
    assert results[0].message == "m" and results[3].message == "m"


def test_a_caller_of_an_unwritten_function_is_not_called_unwritten():
    results = [_result("e_step", "not_implemented"), _result("fit", "not_implemented"),
               _result("stub", "not_implemented")]
    results = dependencies.attribute(results, SOURCE)
    assert results[1].status == "failed" and "which is not implemented yet: write it first" in results[1].message
    assert results[2].status == "not_implemented" and results[2].message == "m"


def test_a_call_repeated_with_the_same_small_arguments_is_answered_once(zygote, tmp_path):
    """Three checks look at one plot: the child is asked once. Large arguments are not digested."""
    from autograder.core.grading import SMALL_CALL_BYTES, Session
    from autograder.core.policy import DEFAULT

    path = tmp_path / "em_gmm.py"
    path.write_text("calls = 0\n\ndef count(x):\n    global calls\n    calls += 1\n    return calls\n")
    session = Session(zygote, path, tmp_path, "em_gmm", DEFAULT.limits(), 30.0)
    try:
        small, large = np.arange(3.0), np.zeros(SMALL_CALL_BYTES // 8 + 1)
        assert [session.call("count", (small,), {})[0].value for _ in range(2)] == [1, 1]
        assert session.call("count", (small + 1,), {})[0].value == 2
        assert [session.call("count", (large,), {})[0].value for _ in range(2)] == [3, 4]
    finally:
        session.close()


def test_mistake_models_are_made_only_for_an_answer_that_is_not_exact():
    from autograder.core.framework import Lazy, Tolerance

    def never():
        raise AssertionError("the mistakes of an exact answer were computed")

    assert accept(1.0, 1.0, Tolerance(1e-9), Lazy(never)) is True
    made = []
    models = Lazy(lambda: made.append(1) or {"mu": {"It is the median.": 2.0}})
    assert accept(2.0, 1.0, Tolerance(1e-9), models["mu"]) == "It is the median."
    assert accept(3.0, 1.0, Tolerance(1e-9), models["mu"]) is False and made == [1]  # made once
