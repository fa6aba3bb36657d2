"""Exercise 4: k-means as hard EM, on the same 1-D data as exercise 3.

k-means is EM with two simplifications: every variance is the same and
shrinks to zero, and every weight is equal. The E-step then stops hedging:
each point belongs wholly to its nearest center (a one-hot responsibility),
and the M-step moves each center to the plain mean of its points.

The lesson runs it on the data of exercise 3 (``em_gmm.sample_mixture()``:
500 points from two bells at -2 and 3) and compares the hard labels with
EM's soft responsibilities.

Run the public tests with ``pytest test_kmeans.py``.
"""

import numpy as np


def assign_clusters(x, centers):
    """Hard E-step: the index of the nearest center for every point.

    Parameters
    ----------
    x : array-like of float, shape (n,)
    centers : array-like of float, shape (K,)

    Returns
    -------
    ndarray of int, shape (n,)
        ``labels[i]`` is the k minimising |x_i - centers[k]|; a tie goes to
        the lowest index.

    Hint: build the (n, K) table of distances |x_i - c_k| with broadcasting
    (``x[:, None] - centers[None, :]``). Which NumPy reduction gives the
    column of the smallest entry of each row, and which column does it pick
    when two entries are equal?
    """
    x = np.asarray(x, dtype=float)
    centers = np.asarray(centers, dtype=float)
    return np.argmin(np.abs(x[:, None] - centers[None, :]), axis=1)


def update_centers(x, labels, centers):
    """M-step: move each center to the mean of the points assigned to it.

    Parameters
    ----------
    x : array-like of float, shape (n,)
    labels : array-like of int, shape (n,)
    centers : array-like of float, shape (K,), the current centers

    Returns
    -------
    ndarray of float, shape (K,)
        ``new[k]`` is the mean of the x_i with ``labels[i] == k``. A center
        with no points keeps its old value. Do not change ``centers`` in
        place: return a new array.

    Hint: what is ``np.mean`` of an empty array, and what would that value
    do to every later assignment?
    """
    x = np.asarray(x, dtype=float)
    labels = np.asarray(labels)
    new_centers = np.array(centers, dtype=float)
    for k in range(new_centers.size):
        members = x[labels == k]
        new_centers[k] = members.mean()
    return new_centers


def fit_kmeans(x, centers, n_iter=20):
    """Run n_iter rounds of k-means (assign, then update) from the given centers.

    Parameters
    ----------
    x : array-like of float, shape (n,)
    centers : array-like of float, shape (K,), the starting centers
    n_iter : int, the number of rounds (0 is allowed: nothing moves)

    Returns
    -------
    dict
        ``"centers"``: shape (n_iter + 1, K), row 0 the starting centers and
        row t the centers after t rounds; ``"labels"``: shape (n,), every
        point's nearest *final* center (integers).

    Always n_iter rounds: when the centers stop moving, the remaining rows
    repeat them. Hint: after the last update the centers have moved; are your
    labels from before or after that move? And if you keep one array and
    change it in place, what do the rows you stored earlier hold?
    """
    x = np.asarray(x, dtype=float)
    current = np.array(centers, dtype=float)
    rows = [current]
    for _ in range(n_iter):
        current = update_centers(x, assign_clusters(x, current), current)
        rows.append(current)
    return {"centers": np.array(rows), "labels": assign_clusters(x, current)}


def hard_responsibilities(x, centers):
    """The hard E-step written as responsibilities: a one-hot (n, K) array.

    Row i has a 1 in the column of x_i's nearest center and 0 elsewhere:
    the soft EM responsibilities with every probability pushed to 0 or 1.
    Compare them with ``e_step`` from exercise 3.

    Returns
    -------
    ndarray of float, shape (n, K)
        Exactly one 1 per row; ties go to the lowest index, as in
        ``assign_clusters``.

    Hint: row k of the K x K identity matrix is the one-hot vector of label k.
    """
    labels = assign_clusters(x, centers)
    return np.eye(np.asarray(centers).size)[labels]
