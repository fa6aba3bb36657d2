import numpy as np
from scipy.spatial.distance import cdist


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
    labels = assign_clusters(x, centers)
    R = np.zeros((len(labels), len(centers)), dtype=int)
    R[np.arange(len(labels)), labels] = 1
    return R
