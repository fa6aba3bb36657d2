"""The EM reference (solutions/em_gmm.py) against independent computations:
scipy.stats densities summed in plain float loops, a second EM written here as
plain Python loops, and scikit-learn's GaussianMixture from the same start."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from solutions import em_gmm as ref

CASES = [  # (K, weights, means, variances) of the mixture the data come from
    (2, [0.3, 0.7], [-1.5, 2.5], [0.8, 1.6]),
    (3, [0.5, 0.3, 0.2], [-4.0, 0.0, 3.0], [1.0, 0.5, 2.0]),
]
STARTS = {
    2: ([0.5, 0.5], [-0.5, 0.8], [3.0, 3.0]),
    3: ([0.3, 0.3, 0.4], [-1.0, 0.0, 1.0], [4.0, 4.0, 4.0]),
}


def _data(seed, n, case):
    _, weights, means, variances = case
    return ref.sample_mixture(n, np.array(weights), np.array(means), np.array(variances), seed=seed)[0]


def _loop_log_likelihood(x, weights, means, variances):
    """sum_i log sum_k pi_k N(x_i): densities from scipy.stats, summed one float at a time."""
    total = 0.0
    for value in x:
        mixture = 0.0
        for w, m, v in zip(weights, means, variances):
            mixture += w * stats.norm.pdf(value, loc=m, scale=math.sqrt(v))
        total += math.log(mixture)
    return total


def _pdf(value, mean, variance):
    return math.exp(-((value - mean) ** 2) / (2 * variance)) / math.sqrt(2 * math.pi * variance)


def _loop_em(x, weights, means, variances, n_iter):
    """EM in plain Python: responsibilities as ratios of densities (fine for points near the bells)."""
    x = [float(v) for v in x]
    w, m, v = list(map(float, weights)), list(map(float, means)), list(map(float, variances))
    K, n = len(w), len(x)
    rows = [(w, m, v)]
    for _ in range(n_iter):
        resp = []
        for value in x:
            joint = [w[k] * _pdf(value, m[k], v[k]) for k in range(K)]
            resp.append([j / sum(joint) for j in joint])
        nk = [sum(r[k] for r in resp) for k in range(K)]
        m = [sum(r[k] * value for r, value in zip(resp, x)) / nk[k] for k in range(K)]
        v = [sum(r[k] * (value - m[k]) ** 2 for r, value in zip(resp, x)) / nk[k] for k in range(K)]
        w = [nk[k] / n for k in range(K)]
        rows.append((w, m, v))
    return rows


@pytest.mark.parametrize("case", CASES, ids=["K=2", "K=3"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_log_likelihood_matches_scipy_densities_in_loops(case, seed):
    x = _data(seed, 40, case)
    for params in (case[1:], STARTS[case[0]]):
        assert math.isclose(ref.gmm_log_likelihood(x, *params), _loop_log_likelihood(x, *params), rel_tol=1e-12)


def test_lesson_log_likelihood_at_the_truth():
    x, _ = ref.sample_mixture()
    truth = (ref.TRUE_WEIGHTS, ref.TRUE_MEANS, ref.TRUE_VARIANCES)
    want = _loop_log_likelihood(x, *truth)
    assert math.isclose(ref.gmm_log_likelihood(x, *truth), want, rel_tol=1e-12)
    assert math.isclose(want, -1114.2497959, rel_tol=1e-9)  # the number the public test states


def test_far_points_stay_finite():
    weights, means, variances = [0.4, 0.6], [-1.0, 1.0], [1.0, 0.5]
    assert stats.norm.pdf(60.0, 1.0, math.sqrt(0.5)) == 0.0  # the density does underflow
    ll = ref.gmm_log_likelihood([60.0], weights, means, variances)
    want = float(np.logaddexp(*(np.log(weights) + stats.norm.logpdf(60.0, means, np.sqrt(variances)))))
    assert math.isclose(ll, want, rel_tol=1e-12)
    resp = ref.e_step([60.0, -1e4, 0.0], weights, means, variances)
    assert np.all(np.isfinite(resp)) and np.allclose(resp.sum(axis=1), 1.0)
    assert np.array_equal(resp[0], [1.0, 0.0])  # far to the right the wider bell (sigma^2 = 1) wins


@pytest.mark.parametrize("case", CASES, ids=["K=2", "K=3"])
def test_e_and_m_steps_match_loops(case):
    x = _data(4, 30, case)
    weights, means, variances = STARTS[case[0]]
    resp = ref.e_step(x, weights, means, variances)
    for i, value in enumerate(x):
        joint = [w * stats.norm.pdf(value, m, math.sqrt(v)) for w, m, v in zip(weights, means, variances)]
        assert np.allclose(resp[i], [j / sum(joint) for j in joint], rtol=1e-12, atol=1e-15)
    w, m, v = _loop_em(x, weights, means, variances, 1)[1]
    got = ref.m_step(x, resp)
    for a, b in zip(got, (w, m, v)):
        assert np.allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=["K=2", "K=3"])
@pytest.mark.parametrize("seed", [5, 6])
def test_history_matches_a_plain_loop_em(case, seed):
    x = _data(seed, 120, case)
    start = STARTS[case[0]]
    history = ref.fit_gmm_em(x, *start, n_iter=15)
    rows = _loop_em(x, *start, 15)
    for t, (w, m, v) in enumerate(rows):
        assert np.allclose(history["weights"][t], w, rtol=1e-10)
        assert np.allclose(history["means"][t], m, rtol=1e-10, atol=1e-12)
        assert np.allclose(history["variances"][t], v, rtol=1e-10)
        if t in (0, 1, len(rows) - 1):
            assert math.isclose(history["log_likelihood"][t], _loop_log_likelihood(x, w, m, v), rel_tol=1e-10)


@pytest.mark.parametrize("covariance_type", ["spherical", "diag"])
@pytest.mark.parametrize("case", CASES, ids=["K=2", "K=3"])
@pytest.mark.parametrize("n_iter", [1, 7, 20])
def test_final_parameters_match_scikit_learn(covariance_type, case, n_iter):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    x = _data(7, 400, case)
    weights, means, variances = (np.array(p) for p in STARTS[case[0]])
    precisions = 1.0 / variances if covariance_type == "spherical" else (1.0 / variances)[:, None]
    gm = GaussianMixture(len(weights), covariance_type=covariance_type, tol=0.0, reg_covar=0.0,
                         max_iter=n_iter, n_init=1, weights_init=weights, means_init=means[:, None],
                         precisions_init=precisions, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # tol=0: it never "converges"; we want n_iter steps
        gm.fit(x[:, None])
    assert gm.n_iter_ == n_iter
    history = ref.fit_gmm_em(x, weights, means, variances, n_iter=n_iter)
    # sklearn adds 10 * eps to every N_k: 1e-9 relative is far above that and far below any mistake.
    assert np.allclose(history["weights"][-1], gm.weights_, rtol=1e-9)
    assert np.allclose(history["means"][-1], gm.means_[:, 0], rtol=1e-9, atol=1e-12)
    assert np.allclose(history["variances"][-1], np.ravel(gm.covariances_), rtol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=["K=2", "K=3"])
@pytest.mark.parametrize("seed", range(5))
def test_log_likelihood_never_decreases(case, seed):
    x = _data(10 + seed, 300, case)
    ll = ref.fit_gmm_em(x, *STARTS[case[0]], n_iter=30)["log_likelihood"]
    assert np.all(np.diff(ll) >= -1e-10 * np.abs(ll[:-1])), ll


def test_zero_and_one_iteration():
    x = _data(8, 50, CASES[0])
    start = STARTS[2]
    h0 = ref.fit_gmm_em(x, *start, n_iter=0)
    assert {k: v.shape for k, v in h0.items()} == {"weights": (1, 2), "means": (1, 2), "variances": (1, 2),
                                                   "log_likelihood": (1,)}
    assert np.allclose(h0["means"][0], start[1]) and np.allclose(h0["variances"][0], start[2])
    assert math.isclose(h0["log_likelihood"][0], _loop_log_likelihood(x, *start), rel_tol=1e-12)
    h1 = ref.fit_gmm_em(x, *start, n_iter=1)
    assert np.allclose(h1["means"][1], _loop_em(x, *start, 1)[1][1], rtol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=["K=2", "K=3"])
def test_converges_near_the_truth_on_large_data(case):
    K, weights, means, variances = case
    x = _data(9, 20_000, case)
    # A start from which 150 iterations converge (EM crawls along flat ridges from worse ones).
    start = STARTS[2] if K == 2 else ([0.3, 0.3, 0.4], [-2.0, 0.0, 2.0], [2.0, 2.0, 2.0])
    history = ref.fit_gmm_em(x, *start, n_iter=150)
    assert abs(history["log_likelihood"][-1] - history["log_likelihood"][-2]) < 1e-6  # converged
    # 20 000 points: the sampling error (one standard error) of a weight is < 0.004, of a
    # mean < 0.03 and of a variance < 0.05; the tolerances are about three of them.
    assert np.allclose(history["weights"][-1], weights, atol=0.015)
    assert np.allclose(history["means"][-1], means, atol=0.08)
    assert np.allclose(history["variances"][-1], variances, atol=0.15)


def test_inputs_are_not_modified():
    x = _data(3, 20, CASES[0])
    start = tuple(np.array(p) for p in STARTS[2])
    before = (x.copy(), *(p.copy() for p in start))
    ref.fit_gmm_em(x, *start, n_iter=3)
    ref.m_step(x, ref.e_step(x, *start))
    assert all(np.array_equal(a, b) for a, b in zip((x, *start), before))
