import numpy as np


def assign_clusters(x, centers):
    x = np.asarray(x, dtype=float)
    c = np.asarray(centers, dtype=float)
    return np.argmin((x[:, None] - c) ** 2, axis=1)


def update_centers(x, labels, centers):
    x = np.asarray(x, dtype=float)
    labels = np.asarray(labels)
    c = np.array(centers, dtype=float)
    for k in range(len(c)):
        if (labels == k).any():
            c[k] = x[labels == k].mean()
    return c


def fit_kmeans(x, centers, n_iter=20):
    x = np.asarray(x, dtype=float)
    c = np.array(centers, dtype=float)
    history = [c]
    for _ in range(n_iter):
        c[:] = update_centers(x, assign_clusters(x, c), c)
        history.append(c)
    return {"centers": np.array(history), "labels": assign_clusters(x, c)}


def hard_responsibilities(x, centers):
    labels = assign_clusters(x, centers)
    out = np.zeros((len(labels), len(centers)))
    for i, l in enumerate(labels):
        out[i, l] = 1
    return out
