"""k-means in float32."""
import numpy as np

F = np.float32


def assign_clusters(x, centers):
    x = np.asarray(x, dtype=F)
    c = np.asarray(centers, dtype=F)
    return np.argmin((x[:, None] - c[None, :]) ** 2, axis=1)


def update_centers(x, labels, centers):
    x = np.asarray(x, dtype=F)
    labels = np.asarray(labels)
    new = np.array(centers, dtype=F)
    for k in range(len(new)):
        if np.any(labels == k):
            new[k] = x[labels == k].mean()
    return new


def fit_kmeans(x, centers, n_iter=20):
    x = np.asarray(x, dtype=F)
    c = np.array(centers, dtype=F)
    history = [c.copy()]
    for _ in range(n_iter):
        c = update_centers(x, assign_clusters(x, c), c)
        history.append(c.copy())
    return {"centers": np.array(history), "labels": assign_clusters(x, c)}


def hard_responsibilities(x, centers):
    labels = assign_clusters(x, centers)
    return np.eye(len(centers))[labels]
