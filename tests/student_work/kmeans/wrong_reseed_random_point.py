import numpy as np


def assign_clusters(x, centers):
    x = np.asarray(x, dtype=float)
    d = np.abs(x[:, None] - np.asarray(centers, dtype=float)[None, :])
    return np.argmin(d, axis=1)


def update_centers(x, labels, centers):
    x = np.asarray(x, dtype=float)
    labels = np.asarray(labels)
    new_centers = np.zeros(len(centers))
    for k in range(len(centers)):
        if np.sum(labels == k) == 0:
            # empty cluster: restart it at a random data point
            new_centers[k] = x[np.random.randint(len(x))]
        else:
            new_centers[k] = np.mean(x[labels == k])
    return new_centers


def fit_kmeans(x, centers, n_iter=20):
    c = np.array(centers, dtype=float)
    rows = [c]
    for _ in range(n_iter):
        c = update_centers(x, assign_clusters(x, c), c)
        rows.append(c)
    return {"centers": np.array(rows), "labels": assign_clusters(x, c)}


def hard_responsibilities(x, centers):
    return np.eye(len(centers))[assign_clusters(x, centers)]
