"""k-means with plain Python lists, printing every step while debugging (thousands of lines)."""


def assign_clusters(x, centers):
    labels = []
    for xi in x:
        best, best_d = 0, abs(xi - centers[0])
        for k in range(1, len(centers)):
            d = abs(xi - centers[k])
            if d < best_d:
                best, best_d = k, d
        print("point", xi, "-> cluster", best, "at distance", best_d)
        labels.append(best)
    return labels


def update_centers(x, labels, centers):
    new = [float(c) for c in centers]
    for k in range(len(centers)):
        pts = [xi for xi, l in zip(x, labels) if l == k]
        if len(pts) > 0:
            new[k] = sum(pts) / len(pts)
        print("center", k, "now", new[k], "from", len(pts), "points")
    return new


def fit_kmeans(x, centers, n_iter=20):
    x = [float(v) for v in x]
    c = [float(v) for v in centers]
    hist = [list(c)]
    for _ in range(n_iter):
        c = update_centers(x, assign_clusters(x, c), c)
        hist.append(list(c))
        print("iteration", len(hist) - 1, "centers", c)
    return {"centers": hist, "labels": assign_clusters(x, c)}


def hard_responsibilities(x, centers):
    labels = assign_clusters(x, centers)
    return [[1.0 if l == k else 0.0 for k in range(len(centers))] for l in labels]
