"""Public tests for exercise 4 (run: pytest test_kmeans.py).

They use the lesson's mixture (the same 500 points as exercise 3) and small
examples you can check by hand. The grader's hidden checks use other data and
edge cases, so make your code right, not these numbers.
"""

import numpy as np

from kmeans import assign_clusters, fit_kmeans, hard_responsibilities, update_centers


def lesson_mixture(n=500, seed=0):
    """The lesson's data, drawn exactly as ``em_gmm.sample_mixture()`` draws it:
    two bells, weights 0.4 and 0.6, at -2 and 3, standard deviations 1 and 1.5."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(2, size=n, p=[0.4, 0.6])
    x = rng.normal(np.array([-2.0, 3.0])[labels], np.array([1.0, 1.5])[labels])
    return x, labels


X, TRUE_LABELS = lesson_mixture()
START = np.array([-1.0, 1.0])
# k-means on the lesson's data from centers (-1, 1): the centers after round 1
# and after 20 rounds (it has converged by round 3), and the cluster sizes.
ROUND_1 = np.array([-2.1325606362, 2.9624711591])
FINAL = np.array([-1.9416371375, 3.0911846172])
SIZES = [194, 306]


def test_assign_clusters_small_example():
    x = [-3.0, -1.0, 0.4, 2.0, 5.0]
    labels = assign_clusters(x, [-2.0, 3.0])
    assert np.array_equal(labels, [0, 0, 0, 1, 1]), (
        f"assign_clusters({x}, [-2.0, 3.0]) returned {labels}, expected [0, 0, 0, 1, 1]: each point "
        f"gets the index of its nearest center.")
    assert np.asarray(labels).dtype.kind in "iu", (
        f"assign_clusters returned labels of dtype {np.asarray(labels).dtype}: labels are indices, "
        f"return an integer array.")


def test_assign_clusters_unsorted_centers_and_ties():
    labels = assign_clusters([4.0, -5.0, 0.5], [3.0, -2.0, 1.0])
    assert np.array_equal(labels, [0, 1, 2]), (
        f"assign_clusters([4.0, -5.0, 0.5], [3.0, -2.0, 1.0]) returned {labels}, expected [0, 1, 2]: "
        f"a label is the index of the center in the order given.")
    tie = assign_clusters([0.5], [1.0, 0.0])
    assert np.array_equal(tie, [0]), (
        f"assign_clusters([0.5], [1.0, 0.0]) returned {tie}: 0.5 is exactly halfway, and a tie goes "
        f"to the lowest index, 0.")


def test_update_centers_small_example():
    got = update_centers([0.0, 1.0, 5.0, 10.0, 12.0], [0, 0, 0, 1, 1], [4.0, 9.0])
    assert np.allclose(got, [2.0, 11.0], rtol=1e-12), (
        f"update_centers returned {got}, expected [2, 11]: the mean of (0, 1, 5) and of (10, 12).")


def test_update_centers_empty_cluster_keeps_its_center():
    got = update_centers([1.0, 2.0, 6.0], [0, 0, 0], [0.5, 7.0])
    assert np.all(np.isfinite(got)) and np.allclose(got, [3.0, 7.0], rtol=1e-12), (
        f"update_centers([1, 2, 6], [0, 0, 0], [0.5, 7.0]) returned {got}, expected [3, 7]: "
        f"cluster 1 has no points, so its center stays at 7.0 (the mean of nothing is NaN).")


def test_fit_kmeans_on_the_lesson_data():
    result = fit_kmeans(X, START)
    centers = np.asarray(result["centers"])
    assert centers.shape == (21, 2), (
        f'fit_kmeans(x, [-1, 1]) returned "centers" of shape {centers.shape}, expected (21, 2): '
        f"row 0 the starting centers, then one row for each of the 20 rounds.")
    assert np.allclose(centers[0], START), f'row 0 of "centers" is {centers[0]}, expected the start {START}'
    assert np.allclose(centers[1], ROUND_1, rtol=1e-8), (
        f'row 1 of "centers" is {centers[1]}, expected {ROUND_1} (one round: assign, then average).')
    assert np.allclose(centers[-1], FINAL, rtol=1e-8), f"final centers {centers[-1]}, expected {FINAL}"
    sizes = np.bincount(np.asarray(result["labels"]), minlength=2).tolist()
    assert sizes == SIZES, f'"labels" put {sizes} points in the two clusters, expected {SIZES}'


def test_fit_kmeans_one_round_labels_use_the_moved_centers():
    result = fit_kmeans(X, START, n_iter=1)
    centers = np.asarray(result["centers"])
    assert centers.shape == (2, 2), f'n_iter=1: "centers" has shape {centers.shape}, expected (2, 2)'
    want = assign_clusters(X, centers[1])
    assert np.array_equal(result["labels"], want), (
        'fit_kmeans(x, [-1, 1], n_iter=1): "labels" should be the nearest of the *final* centers '
        "(row 1), not of the centers before the last update.")


def test_fit_kmeans_zero_rounds():
    result = fit_kmeans(X, START, n_iter=0)
    centers = np.asarray(result["centers"])
    assert centers.shape == (1, 2) and np.allclose(centers[0], START), (
        f'fit_kmeans(x, [-1, 1], n_iter=0) returned "centers" {centers}, expected [[-1, 1]]')


def test_hard_responsibilities_are_one_hot():
    resp = np.asarray(hard_responsibilities(X, FINAL))
    assert resp.shape == (500, 2), (
        f"hard_responsibilities(x, centers) has shape {resp.shape}, expected (500, 2): one row per point, "
        f"one column per center (not one label per point).")
    assert np.all((resp == 0) | (resp == 1)) and np.all(resp.sum(axis=1) == 1), (
        "every row of hard_responsibilities should hold a single 1 and 0 elsewhere")
    assert np.array_equal(resp.argmax(axis=1), assign_clusters(X, FINAL)), (
        "the 1 in row i should sit in the column of x_i's nearest center")


def test_kmeans_recovers_most_true_labels():
    labels = np.asarray(fit_kmeans(X, START)["labels"])
    agreement = np.mean(labels == TRUE_LABELS)
    assert agreement > 0.95, (
        f"k-means agrees with the true components on {agreement:.1%} of the points; expected about 97%.")


def test_inputs_are_not_modified():
    x, centers = X.copy(), START.copy()
    labels = assign_clusters(x, centers)
    labels_before = np.array(labels, copy=True)
    update_centers(x, labels, centers)
    fit_kmeans(x, centers, n_iter=3)
    hard_responsibilities(x, centers)
    assert np.array_equal(x, X) and np.array_equal(centers, START) and np.array_equal(labels, labels_before), (
        "Your functions changed an array they were given: work on a copy (np.array(centers, dtype=float)).")
