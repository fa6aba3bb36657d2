"""Public tests for exercise 3 (run: pytest test_em_gmm.py).

They use the lesson's mixture (``sample_mixture()``, seed 0) and simple
properties. The grader's hidden checks use other data, K = 3 as well as
K = 2, and points far from every component, so make your code right, not
these numbers.
"""

import math
import sys

import numpy as np

from em_gmm import (TRUE_MEANS, TRUE_VARIANCES, TRUE_WEIGHTS, e_step, fit_gmm_em, gmm_log_likelihood,
                    m_step, plot_em_history, sample_mixture)

X, LABELS = sample_mixture()  # 500 points from the lesson's two bells (seed 0)
TRUTH = (TRUE_WEIGHTS, TRUE_MEANS, TRUE_VARIANCES)
# The lesson's value: the log-likelihood of the 500 points at the true parameters.
LESSON_LL_AT_TRUTH = -1114.2497959
# A poor start: two wide, equal bells between the true ones.
START = (np.array([0.5, 0.5]), np.array([-1.0, 1.0]), np.array([4.0, 4.0]))


def test_log_likelihood_at_the_truth():
    got = gmm_log_likelihood(X, *TRUTH)
    assert isinstance(got, float), f"gmm_log_likelihood should return a float, got {type(got).__name__}"
    assert math.isclose(got, LESSON_LL_AT_TRUTH, rel_tol=1e-7), (
        f"gmm_log_likelihood(x, true weights, means, variances) returned {got:.4f}, expected "
        f"{LESSON_LL_AT_TRUTH:.4f}. Is it a sum over the points of log sum_k pi_k N(x_i; mu_k, sigma_k^2), "
        f"with the variances used as sigma^2 (not squared again)?")


def test_log_likelihood_of_one_component():
    got = gmm_log_likelihood([0.0], [1.0], [0.0], [1.0])
    want = -0.5 * math.log(2 * math.pi)
    assert math.isclose(got, want, rel_tol=1e-9), (
        f"gmm_log_likelihood([0.0], [1.0], [0.0], [1.0]) returned {got}, expected log N(0; 0, 1) = {want:.6f}")


def test_log_likelihood_is_finite_far_from_every_component():
    got = gmm_log_likelihood([0.0, 50.0], *TRUTH)
    assert math.isfinite(got), (
        f"gmm_log_likelihood([0.0, 50.0], ...) returned {got}: at x = 50 every density underflows to 0, "
        f"and log(0) = -inf. Combine the logs log pi_k + log N(...) with log-sum-exp.")


def test_responsibilities_have_the_right_shape_and_rows_sum_to_one():
    resp = e_step(X, *TRUTH)
    assert np.shape(resp) == (500, 2), (
        f"e_step(x, ...) for 500 points and 2 components should return shape (500, 2), got {np.shape(resp)}")
    sums = np.sum(resp, axis=1)
    assert np.allclose(sums, 1.0), (
        f"Rows of the responsibilities should sum to 1; they sum to values from {sums.min():.4f} to "
        f"{sums.max():.4f}. Divide pi_k N(x_i; ...) by its sum over k.")


def test_responsibilities_use_the_weights():
    # One point halfway between two equal bells: only the weights decide.
    resp = np.asarray(e_step([0.0], [0.2, 0.8], [-1.0, 1.0], [1.0, 1.0]))
    assert np.allclose(resp, [[0.2, 0.8]]), (
        f"e_step([0.0], weights [0.2, 0.8], means [-1, 1], variances [1, 1]) returned {resp.tolist()}, "
        f"expected [[0.2, 0.8]]: at the midpoint the densities are equal, so only the weights decide.")


def test_responsibilities_far_from_every_component():
    resp = np.asarray(e_step([50.0, -50.0], *TRUTH))
    assert np.all(np.isfinite(resp)) and np.allclose(resp.sum(axis=1), 1.0), (
        f"e_step([50.0, -50.0], ...) returned {resp.tolist()}: for points this far every density "
        f"underflows to 0 and 0/0 is NaN. Compute log r_ik, then exponentiate.")


def test_m_step_with_the_true_labels_is_the_per_group_mle():
    resp = np.eye(2)[LABELS]  # one-hot: every point belongs to the bell that made it
    weights, means, variances = m_step(X, resp)
    groups = [X[LABELS == k] for k in range(2)]
    want = (np.array([g.size / X.size for g in groups]), np.array([g.mean() for g in groups]),
            np.array([g.var() for g in groups]))
    for name, got, expected in zip(("weights", "means", "variances"), (weights, means, variances), want):
        assert np.allclose(got, expected), (
            f"m_step(x, one-hot true labels) returned {name} {np.round(got, 5).tolist()}, expected "
            f"{np.round(expected, 5).tolist()} (each group's fraction, mean and variance dividing by its own size)")


def test_history_shapes_and_starting_row():
    history = fit_gmm_em(X, *START, n_iter=5)
    for key in ("weights", "means", "variances"):
        assert np.shape(history[key]) == (6, 2), (
            f"history[{key!r}] for n_iter=5 should have shape (6, 2) (the start plus 5 rows), "
            f"got {np.shape(history[key])}")
        assert np.allclose(history[key][0], START[("weights", "means", "variances").index(key)]), (
            f"history[{key!r}][0] should be the starting parameters, got {history[key][0]}")
    assert np.shape(history["log_likelihood"]) == (6,), (
        f"history['log_likelihood'] for n_iter=5 should have shape (6,), got {np.shape(history['log_likelihood'])}")


def test_log_likelihood_never_decreases():
    ll = np.asarray(fit_gmm_em(X, *START, n_iter=20)["log_likelihood"])
    drops = np.flatnonzero(np.diff(ll) < -1e-9 * np.abs(ll[:-1]))
    assert drops.size == 0, (
        f"The log-likelihood went down from iteration {drops[0] if drops.size else 0} to the next: "
        f"{ll.round(3).tolist()}. EM never lowers it, so one step is wrong.")


def test_em_finds_the_lesson_mixture():
    history = fit_gmm_em(X, *START, n_iter=20)
    means, variances, weights = history["means"][-1], history["variances"][-1], history["weights"][-1]
    # 500 points: the estimates land within sampling error of the truth, not on it.
    assert np.allclose(means, TRUE_MEANS, atol=0.3), f"means after 20 iterations {means}, truth {TRUE_MEANS}"
    assert np.allclose(variances, TRUE_VARIANCES, atol=0.5), (
        f"variances after 20 iterations {variances}, truth {TRUE_VARIANCES} (variances, not standard deviations)")
    assert np.allclose(weights, TRUE_WEIGHTS, atol=0.08), f"weights after 20 iterations {weights}, truth {TRUE_WEIGHTS}"


def test_plot_returns_a_labelled_figure():
    # A made-up history of 10 iterations, so that this test needs plot_em_history only.
    t = np.linspace(0.0, 1.0, 11)[:, None]
    history = {"weights": 0.5 + np.array([-0.1, 0.1]) * t, "means": np.array([-1.0, 1.0]) * (1 + 2 * t),
               "variances": 4.0 - np.array([3.0, 2.0]) * t, "log_likelihood": -1300.0 + 200.0 * np.sqrt(t[:, 0])}
    fig = plot_em_history(history)
    # After the call: matplotlib costs a second to import, and an unwritten function never needs it.
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure), (
        f"plot_em_history should return a matplotlib Figure, got {type(fig).__name__}: end with `return fig`.")
    try:
        lines = sum(len(ax.get_lines()) + len(ax.collections) for ax in fig.axes)
        assert lines >= 7, (
            f"The figure has {lines} lines; expected at least 7: two each for means, variances and weights, "
            f"and one for the log-likelihood.")
        unlabelled = [i for i, ax in enumerate(fig.axes)
                      if (ax.get_lines() or ax.collections) and not ax.get_ylabel()]
        assert not unlabelled, f"Axes {unlabelled} have no y label: use ax.set_ylabel(...)."
        assert any(ax.get_xlabel() for ax in fig.axes), "No axes labels its x axis (the iteration)."
    finally:
        # A figure left open is drawn again under the cell in a notebook (a second of its run);
        # this one is test data. pyplot is imported if the figure came from plt.subplots.
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close(fig)


def test_inputs_are_not_modified():
    x = X.copy()
    start = tuple(p.copy() for p in START)
    fit_gmm_em(x, *start, n_iter=3)
    e_step(x, *start)
    assert np.array_equal(x, X) and all(np.array_equal(a, b) for a, b in zip(start, START)), (
        "fit_gmm_em or e_step changed the arrays it was given: work on copies.")
