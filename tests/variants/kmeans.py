"""Classic mistakes and correct alternatives for exercise 4 (k-means as hard EM)."""

from tests.variants import Alternative, Mutant

ARGMIN = "return np.argmin(np.abs(x[:, None] - centers[None, :]), axis=1)"
FIT_LOOP = """    for _ in range(n_iter):
        current = update_centers(x, assign_clusters(x, current), current)
        rows.append(current)
    return {"centers": np.array(rows), "labels": assign_clusters(x, current)}"""

MUTANTS = [
    # --- assign_clusters -------------------------------------------------
    Mutant("argmax for argmin",
           edits=((ARGMIN, ARGMIN.replace("argmin", "argmax")),),
           hits=frozenset({"assign_clusters"}), says="farthest center"),
    Mutant("ties go to the highest index",
           edits=((ARGMIN, "distance = np.abs(x[:, None] - centers[None, :])\n"
                           "    return centers.size - 1 - np.argmin(distance[:, ::-1], axis=1)"),),
           hits=frozenset({"assign_clusters"}), says="must go to the lowest"),
    Mutant("ties go to the highest index via <=",
           bodies={"assign_clusters": """
               x = np.asarray(x, dtype=float)
               centers = np.asarray(centers, dtype=float)
               labels = np.zeros(x.size, dtype=int)
               best = np.abs(x - centers[0])
               for k in range(1, centers.size):
                   d = np.abs(x - centers[k])
                   closer = d <= best
                   labels[closer], best[closer] = k, d[closer]
               return labels
           """},
           hits=frozenset({"assign_clusters"}), says="lowest"),
    Mutant("labels start at 1",
           edits=((ARGMIN, ARGMIN.replace("axis=1)", "axis=1) + 1")),),
           hits=frozenset({"assign_clusters"}), says="counted from 0"),
    Mutant("signed differences instead of distances",
           edits=((ARGMIN, ARGMIN.replace("np.abs(x[:, None] - centers[None, :])",
                                          "x[:, None] - centers[None, :]")),),
           hits=frozenset({"assign_clusters"}), says="signed differences"),
    Mutant("float labels",
           edits=((ARGMIN, ARGMIN.replace("axis=1)", "axis=1).astype(float)")),),
           hits=frozenset({"assign_clusters"}), says="floats holding whole numbers"),
    Mutant("argmin without axis",
           edits=((ARGMIN, ARGMIN.replace(", axis=1)", ")")),),
           hits=frozenset({"assign_clusters"}), says="axis=1"),
    Mutant("float labels in a list",
           edits=((ARGMIN, ARGMIN.replace("return np.argmin(", "return [float(v) for v in np.argmin(")
                   .replace("axis=1)", "axis=1)]")),),
           hits=frozenset({"assign_clusters"}), says="floats holding whole numbers"),
    Mutant("labels of sorted centers (assumes the centers are sorted)",
           edits=((ARGMIN, "midpoints = (np.sort(centers)[1:] + np.sort(centers)[:-1]) / 2\n"
                           "    return np.searchsorted(midpoints, x)"),),
           hits=frozenset({"assign_clusters"}), says="sorted order"),
    # --- update_centers --------------------------------------------------
    Mutant("NaN for an empty cluster",
           edits=(("        if members.size:\n            new_centers[k] = members.mean()",
                   "        new_centers[k] = members.mean()"),),
           hits=frozenset({"update_centers"}), says="mean of no points is NaN"),
    Mutant("empty cluster set to 0",
           edits=(("new_centers = np.array(centers, dtype=float)",
                   "new_centers = np.zeros(np.size(centers))"),),
           hits=frozenset({"update_centers"}), says="set to 0"),
    Mutant("median for mean",
           edits=(("new_centers[k] = members.mean()", "new_centers[k] = np.median(members)"),),
           hits=frozenset({"update_centers"}), says="median"),
    Mutant("cluster sum divided by n",
           edits=(("new_centers[k] = members.mean()", "new_centers[k] = members.sum() / x.size"),),
           hits=frozenset({"update_centers"}), says="divides each cluster's sum by n"),
    Mutant("updates the centers in place",
           edits=(("new_centers = np.array(centers, dtype=float)",
                   "new_centers = centers if isinstance(centers, np.ndarray) "
                   "else np.array(centers, dtype=float)"),),
           hits=frozenset({"update_centers"}), says="changed its input"),
    # --- fit_kmeans ------------------------------------------------------
    Mutant("labels of the previous centers",
           edits=((FIT_LOOP, """    labels = assign_clusters(x, current)
    for _ in range(n_iter):
        labels = assign_clusters(x, current)
        current = update_centers(x, labels, current)
        rows.append(current)
    return {"centers": np.array(rows), "labels": labels}"""),),
           hits=frozenset({"fit_kmeans"}), says="before the last update"),
    Mutant("history without the initial row",
           edits=(("rows = [current]", "rows = []"),),
           hits=frozenset({"fit_kmeans"}), says="without the initial row"),
    Mutant("centers updated one at a time (Gauss-Seidel)",
           edits=((FIT_LOOP, """    for _ in range(n_iter):
        current = current.copy()
        for k in range(current.size):
            current[k] = update_centers(x, assign_clusters(x, current), current)[k]
        rows.append(current)
    return {"centers": np.array(rows), "labels": assign_clusters(x, current)}"""),),
           hits=frozenset({"fit_kmeans"}), says="one at a time"),
    Mutant("history rows share one array",
           edits=(("        current = update_centers(x, assign_clusters(x, current), current)\n",
                   "        current[:] = update_centers(x, assign_clusters(x, current), current)\n"),),
           hits=frozenset({"fit_kmeans"}), says="changed in place"),
    Mutant("stops early when the centers stop moving",
           edits=(("        current = update_centers(x, assign_clusters(x, current), current)\n",
                   "        moved = update_centers(x, assign_clusters(x, current), current)\n"
                   "        if np.array_equal(moved, current):\n"
                   "            break\n"
                   "        current = moved\n"),),
           hits=frozenset({"fit_kmeans"}), says="stopped early"),
    Mutant("one round too many",
           edits=(("for _ in range(n_iter):\n        current", "for _ in range(n_iter + 1):\n        current"),),
           hits=frozenset({"fit_kmeans"}), says="one round too many"),
    Mutant("calls scipy.cluster.vq.kmeans2",
           bodies={"fit_kmeans": """
               from scipy.cluster.vq import kmeans2
               x = np.asarray(x, dtype=float)
               rows = [np.array(centers, dtype=float)]
               for _ in range(n_iter):
                   new, _labels = kmeans2(x[:, None], rows[-1][:, None], iter=1, minit="matrix")
                   rows.append(new[:, 0])
               return {"centers": np.array(rows), "labels": assign_clusters(x, rows[-1])}
           """},
           hits=frozenset({"fit_kmeans"}), says="scipy.cluster.vq.kmeans2", status="forbidden"),
    # --- hard_responsibilities -------------------------------------------
    Mutant("labels for one-hot responsibilities",
           edits=(("    return np.eye(np.asarray(centers).size)[labels]", "    return labels"),),
           hits=frozenset({"hard_responsibilities"}), says="one-hot"),
    Mutant("transposed responsibilities",
           edits=(("    return np.eye(np.asarray(centers).size)[labels]",
                   "    return np.eye(np.asarray(centers).size)[labels].T"),),
           hits=frozenset({"hard_responsibilities"}), says="transposed"),
    Mutant("soft responsibilities (a softmax of minus the squared distance)",
           bodies={"hard_responsibilities": """
               x = np.asarray(x, dtype=float)
               logits = -(x[:, None] - np.asarray(centers, dtype=float)[None, :]) ** 2
               logits -= logits.max(axis=1, keepdims=True)
               return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
           """},
           hits=frozenset({"hard_responsibilities"}), says="other than 0 and 1"),
    Mutant("empty cluster re-seeded at a random point",
           edits=(("        if members.size:\n            new_centers[k] = members.mean()\n",
                   "        if members.size:\n            new_centers[k] = members.mean()\n"
                   "        else:\n            new_centers[k] = np.random.choice(x)\n"),),
           hits=frozenset({"update_centers"}), says="re-seeded"),
    Mutant("k-means loop over range(1, n_iter)",
           edits=(("    for _ in range(n_iter):\n        current = update_centers",
                   "    for _ in range(1, n_iter):\n        current = update_centers"),),
           hits=frozenset({"fit_kmeans"}), says="ends one round early"),
    Mutant("k-means history holds only the final centers",
           edits=(('return {"centers": np.array(rows), "labels"', 'return {"centers": current, "labels"'),),
           hits=frozenset({"fit_kmeans"}), says="only the final centers"),
]

ALTERNATIVES = [
    Alternative("squared distances", edits=((ARGMIN, ARGMIN.replace(
        "np.abs(x[:, None] - centers[None, :])", "(x[:, None] - centers[None, :]) ** 2")),)),
    Alternative("plain loops and lists", bodies={
        "assign_clusters": """
            labels = []
            for value in x:
                best, best_k = None, 0
                for k, c in enumerate(centers):
                    d = abs(float(value) - float(c))
                    if best is None or d < best:
                        best, best_k = d, k
                labels.append(best_k)
            return labels
        """,
        "update_centers": """
            new = [float(c) for c in centers]
            for k in range(len(new)):
                members = [float(v) for v, label in zip(x, labels) if label == k]
                if members:
                    new[k] = sum(members) / len(members)
            return new
        """,
        "fit_kmeans": """
            current = [float(c) for c in centers]
            rows = [current]
            for _ in range(n_iter):
                current = update_centers(x, assign_clusters(x, current), current)
                rows.append(current)
            return {"centers": rows, "labels": assign_clusters(x, current)}
        """,
        "hard_responsibilities": """
            labels = assign_clusters(x, centers)
            return [[1.0 if k == label else 0.0 for k in range(len(centers))] for label in labels]
        """,
    }),
    Alternative("bincount, cdist and a comparison one-hot", bodies={
        "assign_clusters": """
            from scipy.spatial.distance import cdist
            x = np.asarray(x, dtype=float).reshape(-1, 1)
            return cdist(x, np.asarray(centers, dtype=float).reshape(-1, 1)).argmin(axis=1).astype(np.int32)
        """,
        "update_centers": """
            x = np.asarray(x, dtype=float)
            labels = np.asarray(labels, dtype=int)
            new = np.array(centers, dtype=float)
            counts = np.bincount(labels, minlength=new.size)
            sums = np.bincount(labels, weights=x, minlength=new.size)
            filled = counts > 0
            new[filled] = sums[filled] / counts[filled]
            return new
        """,
        "hard_responsibilities": """
            labels = assign_clusters(x, centers)
            return (labels[:, None] == np.arange(np.size(centers))[None, :]).astype(float)
        """,
    }),
    Alternative("stops when converged and repeats the last row", bodies={
        "fit_kmeans": """
            x = np.asarray(x, dtype=float)
            history = np.empty((n_iter + 1, np.size(centers)))
            history[0] = centers
            for t in range(1, n_iter + 1):
                history[t] = update_centers(x, assign_clusters(x, history[t - 1]), history[t - 1])
                if np.array_equal(history[t], history[t - 1]):
                    history[t:] = history[t]
                    break
            return {"centers": history, "labels": assign_clusters(x, history[-1])}
        """,
    }),
    Alternative("integer one-hot and scipy.cluster.vq.vq (allowed: it only assigns)", bodies={
        "assign_clusters": """
            from scipy.cluster.vq import vq
            x = np.asarray(x, dtype=float)
            codes, _ = vq(x[:, None], np.asarray(centers, dtype=float)[:, None], check_finite=False)
            return codes
        """,
        "hard_responsibilities": """
            return np.eye(np.size(centers), dtype=int)[assign_clusters(x, centers)]
        """,
    }),
]
