"""k-means with cdist; the hard responsibilities next to my own EM's e_step (a sibling file)."""
import numpy as np
from scipy.spatial.distance import cdist

from em_gmm import e_step  # my exercise 3, to compare soft and hard assignments


def assign_clusters(x, centers):
    X = np.asarray(x, dtype=float).reshape(-1, 1)
    C = np.asarray(centers, dtype=float).reshape(-1, 1)
    return cdist(X, C, "sqeuclidean").argmin(axis=1)


def update_centers(x, labels, centers):
    x = np.asarray(x, dtype=float)
    labels = np.asarray(labels)
    K = len(centers)
    sums = np.bincount(labels, weights=x, minlength=K)
    counts = np.bincount(labels, minlength=K)
    out = np.array(centers, dtype=float)
    nonempty = counts > 0
    out[nonempty] = sums[nonempty] / counts[nonempty]
    return out


def fit_kmeans(x, centers, n_iter=20):
    x = np.asarray(x, dtype=float)
    history = np.empty((n_iter + 1, len(centers)))
    history[0] = centers
    for t in range(1, n_iter + 1):
        history[t] = update_centers(x, assign_clusters(x, history[t - 1]), history[t - 1])
        print("round", t, history[t])
    return {"centers": history, "labels": assign_clusters(x, history[-1])}


def hard_responsibilities(x, centers):
    """Soft EM's responsibilities (my e_step, equal weights and variances), pushed to 0 or 1."""
    K = len(centers)
    soft = e_step(x, np.full(K, 1.0 / K), np.asarray(centers, dtype=float), np.ones(K))
    hard = np.zeros_like(soft)
    hard[np.arange(soft.shape[0]), assign_clusters(x, centers)] = 1.0
    return hard
