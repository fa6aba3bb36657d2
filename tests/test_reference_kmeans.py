"""The k-means reference against independent computations: SciPy's kmeans2,
scikit-learn's Lloyd iteration, a plain loop written here, and the soft EM of
exercise 3 in the limit where it becomes hard."""

import warnings

import numpy as np
import pytest
from scipy.cluster.vq import kmeans2

from solutions import em_gmm
from solutions import kmeans as ref


def separated(seed, n, means, spread=1.0):
    """Well-separated 1-D clusters: no point near a midpoint, so every method labels alike."""
    rng = np.random.default_rng(seed)
    means = np.asarray(means, dtype=float)
    return rng.normal(means[rng.integers(means.size, size=n)], spread)


CASES = [  # (seed, n, true means, starting centers, rounds)
    (1, 300, [-5.0, 5.0], [-1.0, 0.5], 10),
    (2, 600, [-8.0, 0.0, 8.0], [-9.0, 1.0, 2.0], 15),
    (3, 50, [0.0, 10.0, 20.0], [19.0, 1.0, 9.0], 1),
    (4, 1000, [-3.0, 4.0], [3.0, 5.0], 20),
]


def loop_kmeans(x, centers, n_iter):
    """k-means with nothing but Python loops and lists."""
    x = [float(v) for v in x]
    current = [float(c) for c in centers]
    history = [list(current)]

    def nearest(value, cs):
        best = 0
        for k in range(1, len(cs)):
            if abs(value - cs[k]) < abs(value - cs[best]):
                best = k
        return best

    for _ in range(n_iter):
        labels = [nearest(v, current) for v in x]
        new = list(current)
        for k in range(len(current)):
            members = [v for v, label in zip(x, labels) if label == k]
            if members:
                new[k] = sum(members) / len(members)
        current = new
        history.append(list(current))
    return np.array(history), np.array([nearest(v, current) for v in x])


@pytest.mark.parametrize("seed, n, means, start, n_iter", CASES)
def test_fit_matches_a_plain_loop(seed, n, means, start, n_iter):
    x = separated(seed, n, means)
    result = ref.fit_kmeans(x, start, n_iter=n_iter)
    history, labels = loop_kmeans(x, start, n_iter)
    assert np.allclose(result["centers"], history, rtol=1e-12, atol=1e-12)
    assert np.array_equal(result["labels"], labels)


@pytest.mark.parametrize("seed, n, means, start, n_iter", CASES)
def test_fit_matches_scipy_kmeans2(seed, n, means, start, n_iter):
    x = separated(seed, n, means)
    result = ref.fit_kmeans(x, start, n_iter=n_iter)
    centers, labels = kmeans2(x[:, None], np.asarray(start, dtype=float)[:, None],
                              iter=n_iter, minit="matrix", missing="raise")
    assert np.allclose(result["centers"][-1], centers[:, 0], rtol=1e-12, atol=1e-12)
    assert np.array_equal(result["labels"], labels)


@pytest.mark.parametrize("seed, n, means, start, n_iter", CASES)
def test_fit_matches_sklearn_lloyd(seed, n, means, start, n_iter):
    cluster = pytest.importorskip("sklearn.cluster")
    x = separated(seed, n, means)
    result = ref.fit_kmeans(x, start, n_iter=n_iter)
    model = cluster.KMeans(n_clusters=len(start), init=np.asarray(start, dtype=float)[:, None],
                           n_init=1, algorithm="lloyd", max_iter=n_iter, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "did not converge" for the 1-round case
        model.fit(x[:, None])
    # scikit-learn centres the data before iterating: a few ulps of difference.
    assert np.allclose(result["centers"][-1], model.cluster_centers_[:, 0], rtol=1e-10, atol=1e-10)
    assert np.array_equal(result["labels"], model.labels_)


def test_within_cluster_sum_of_squares_never_increases():
    x = separated(5, 400, [-2.0, 0.0, 3.0], spread=1.5)
    history = ref.fit_kmeans(x, [-0.1, 0.0, 0.1], n_iter=20)["centers"]
    costs = [np.sum((x - row[ref.assign_clusters(x, row)]) ** 2) for row in history]
    assert all(later <= earlier * (1 + 1e-12) for earlier, later in zip(costs, costs[1:]))
    assert costs[-1] < costs[0]


def test_exact_ties_go_to_the_lowest_index():
    assert ref.assign_clusters([0.5, 3.0, 0.0], [4.0, -1.0, 2.0]).tolist() == [1, 0, 1]
    assert ref.assign_clusters([7.5, 5.0], [5.0, 5.0, 10.0]).tolist() == [0, 0]
    assert np.argmax(ref.hard_responsibilities([0.5], [1.0, 0.0]), axis=1).tolist() == [0]


def test_labels_are_integers_and_responsibilities_one_hot():
    x = separated(6, 30, [-1.0, 1.0])
    labels = ref.assign_clusters(list(x), [-1.0, 1.0])
    assert labels.dtype.kind == "i"
    resp = ref.hard_responsibilities(list(x), [-1.0, 1.0])
    assert resp.shape == (30, 2) and resp.dtype.kind == "f"
    assert np.array_equal(resp, np.eye(2)[labels])


def test_empty_cluster_keeps_its_center_and_nothing_is_modified():
    x = separated(7, 40, [-2.0, 2.0])
    start = np.array([-2.0, 500.0, 2.0])
    x_before, start_before = x.copy(), start.copy()
    result = ref.fit_kmeans(x, start, n_iter=4)
    assert np.all(result["centers"][:, 1] == 500.0)
    assert np.all(np.isfinite(result["centers"]))
    assert np.array_equal(ref.update_centers(x, np.zeros(40, dtype=int), start)[1:], start[1:])
    assert np.array_equal(x, x_before) and np.array_equal(start, start_before)


def test_zero_rounds_and_one_round():
    x = separated(8, 25, [-3.0, 3.0])
    zero = ref.fit_kmeans(x, [-1.0, 1.0], n_iter=0)
    assert zero["centers"].tolist() == [[-1.0, 1.0]]
    assert np.array_equal(zero["labels"], ref.assign_clusters(x, [-1.0, 1.0]))
    one = ref.fit_kmeans(x, [-1.0, 1.0], n_iter=1)
    moved = ref.update_centers(x, ref.assign_clusters(x, [-1.0, 1.0]), [-1.0, 1.0])
    assert np.array_equal(one["centers"][1], moved)
    assert np.array_equal(one["labels"], ref.assign_clusters(x, moved))


@pytest.mark.parametrize("means, centers", [([-4.0, 4.0], [-3.0, 3.5]),
                                            ([-6.0, 0.0, 6.0], [5.0, -5.5, 0.5])])
def test_soft_e_step_becomes_hard_as_the_common_variance_shrinks(means, centers):
    """Equal weights and one shared variance s^2 -> 0: EM's responsibilities turn one-hot."""
    x = separated(9, 200, means)
    k = len(centers)
    hard = ref.hard_responsibilities(x, centers)
    gaps = []
    for variance in [1.0, 0.1, 0.01, 1e-3, 1e-4]:
        soft = em_gmm.e_step(x, np.full(k, 1.0 / k), centers, np.full(k, variance))
        gaps.append(np.max(np.abs(soft - hard)))
    assert all(b <= a for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[0] > 1e-3 and gaps[-1] < 1e-12, gaps


def test_m_step_on_hard_responsibilities_is_the_kmeans_update():
    x = separated(10, 300, [-2.0, 1.0, 5.0])
    centers = np.array([-1.0, 0.0, 4.0])
    _, means, _ = em_gmm.m_step(x, ref.hard_responsibilities(x, centers))
    assert np.allclose(means, ref.update_centers(x, ref.assign_clusters(x, centers), centers), rtol=1e-12)


def test_a_drawn_point_at_a_midpoint_is_left_out_not_a_grader_error():
    """Seeded data that happen to put a point within rounding of a midpoint lose that point:
    a correct student's centers may differ by ulps, and no grader error may cost a point."""
    from autograder.checks import kmeans as checks

    x = np.array([-2.0, 0.5 + 1e-9, 3.0, 0.7])
    centers = np.array([-1.0, 2.0])
    assert checks._without_near_ties(x, centers, 2.0).tolist() == [-2.0, 3.0, 0.7]
    assert checks._without_near_ties(list(x), centers, 2.0) == [-2.0, 3.0, 0.7]
    kept, want = checks._fit_data(x, centers, 3, 2.0)
    for row in want["centers"]:
        assert not checks._near_ties(kept, row, 2.0).any()
