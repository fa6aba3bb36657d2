"""Hidden checks for exercise 4, k-means as hard EM.

Labels are compared exactly (they are integers). Centers are means, compared
to a tolerance stated below. Data come from hidden seeds, never from the
lesson's mixture (seed 0). Seeded data are checked for near-ties in the
grader (``_near_ties``) and such points left out, so that a correct student whose sums round
differently can never land on the other side of a midpoint; exact ties are
tested only on purpose, with numbers that are exact in binary.
"""

import numpy as np

from solutions import kmeans as ref

from ..core.framework import (CheckFailed, Lazy, Tolerance, as_array, as_dict, call_text, check, expect_close, fmt,
                         returned, rng)

# A center is a mean of n values. Its rounding error is at most about
# n * eps * max|x| for a plain running sum (2e-11 * max|x| at n = 1e5) and far
# less for NumPy's pairwise sum, so 1e-9 (relative, and absolute in units of
# max|x| for centers near 0) accepts any order of summation. The classic
# mistakes (median, sum / n, an empty cluster set to 0) move a center by a
# sizeable part of the data's spread, orders of magnitude above it.
CENTERS_RTOL = 1e-9
# One-hot responsibilities are exact 0s and 1s; 1e-12 lets through nothing
# but the rounding of a softmax pushed to its limit.
ONE_HOT_ATOL = 1e-12


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def _mixture(name, n, means, spread):
    """n points from well-separated bells at ``means`` (hidden seed ``name``)."""
    r = rng(name)
    means = np.asarray(means, dtype=float)
    return r.normal(means[r.integers(means.size, size=n)], spread)


def _near_ties(x, centers, scale):
    """Which points of seeded data lie within 1e-7 * scale of a midpoint between two centers.

    A correct student may compute centers a few ulps away from the
    reference; a point that close to a midpoint could then flip label.
    """
    centers = np.asarray(centers, dtype=float)
    x = np.asarray(x, dtype=float)
    if centers.size < 2 or x.size == 0 or np.unique(centers).size < centers.size:
        return np.zeros(x.size, dtype=bool)
    distances = np.sort(np.abs(x[:, None] - centers[None, :]), axis=1)
    return distances[:, 1] - distances[:, 0] <= 1e-7 * scale


def _without_near_ties(x, centers, scale):
    """``x`` without its near-tie points (a few in a million draws), as the same kind of value:
    a drawn point no correct answer can be sure of is no test of anyone."""
    near = _near_ties(x, centers, scale)
    if not near.any():
        return x
    kept = np.asarray(x, dtype=float)[~near]
    return [float(v) for v in kept] if isinstance(x, list) else kept


def _fit_data(x, centers, n_iter, scale):
    """``x`` without the points near a midpoint of any round's centers, and the reference run on it."""
    for _ in range(10):
        want = ref.fit_kmeans(x, centers, n_iter=n_iter)
        near = np.zeros(np.size(x), dtype=bool)
        for row in want["centers"]:
            near |= _near_ties(x, row, scale)
        if not near.any():
            return x, want
        kept = np.asarray(x, dtype=float)[~near]
        x = [float(v) for v in kept] if isinstance(x, list) else kept
    raise AssertionError("check data keep landing near a midpoint")


def _atol(x):
    return CENTERS_RTOL * max(1.0, float(np.max(np.abs(x)))) if np.size(x) else CENTERS_RTOL


# --------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------

def _as_labels(value, n, k, call, *, what="labels"):
    """Labels of shape (n,): ints, or floats holding whole numbers (the dtype has its own check)."""
    if isinstance(value, int) or (isinstance(value, np.ndarray) and value.ndim == 0):
        raise CheckFailed(f"Called {call}: {what} came back as the single number {fmt(value)}, not one "
                          f"label per point. np.argmin without axis=1 returns one index into the "
                          f"flattened table: take the argmin along axis=1.")
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value)
        except (TypeError, ValueError):
            raise returned(call, f"{what}: an integer array of shape ({n},)", value) from None
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iufb":
        raise returned(call, f"{what}: an integer array of shape ({n},)", value)
    if value.shape != (n,):
        if value.shape == (n, k) and k > 1:
            raise CheckFailed(f"Called {call}: {what} came back with shape {value.shape}, like one-hot "
                              f"responsibilities. Labels are one index per point, shape ({n},).")
        raise CheckFailed(f"Called {call}: {what} should have shape ({n},), one per point, "
                          f"but has shape {value.shape}.")
    if value.dtype.kind == "f" and not np.all(np.isfinite(value) & (value == np.round(value))):
        raise CheckFailed(f"Called {call}: {what} hold values that are not whole numbers "
                          f"(starting {fmt(value[:5])}). A label is the index of a center: 0, 1, ..., K - 1.")
    return value.astype(np.int64)


def _expect_labels(got, want, x, centers, *, call, mistakes=(), what="labels"):
    """Fail unless the labels are equal; name a known mistake when one matches."""
    if np.array_equal(got, want):
        return
    wrong = np.flatnonzero(got != want)
    i = int(wrong[0])
    x = np.asarray(x, dtype=float)
    base = (f"Called {call}: {wrong.size} of {want.size} {what} are wrong; the first is for "
            f"x[{i}] = {fmt(x[i])}: got {got[i]}, expected {want[i]} "
            f"(centers {fmt(np.asarray(centers, dtype=float))}).")
    for message, model in (mistakes() if isinstance(mistakes, Lazy) else mistakes):
        if model is not None and np.shape(model) == got.shape and np.array_equal(got, model):
            raise CheckFailed(f"{base} {message}")
    if got.min() < 0 or got.max() >= np.size(centers):
        raise CheckFailed(f"{base} Labels must lie in 0 .. K - 1 = {np.size(centers) - 1}.")
    raise CheckFailed(base)


def _assign_mistakes(x, centers):
    """The labels the classic wrong nearest-center rules give on the same inputs."""
    x = np.asarray(x, dtype=float)
    centers = np.asarray(centers, dtype=float)
    distance = np.abs(x[:, None] - centers[None, :])
    signed = x[:, None] - centers[None, :]
    return [
        ("It picks the farthest center: take the argmin of the distances, not the argmax.",
         np.argmax(distance, axis=1)),
        ("A tie goes to the highest index; it must go to the lowest (np.argmin returns the first "
         "smallest entry).", centers.size - 1 - np.argmin(distance[:, ::-1], axis=1)),
        ("Labels start at 1: the label is the center's index, counted from 0.",
         np.argmin(distance, axis=1) + 1),
        ("It compares signed differences x - c: the distance is |x - c| (or its square).",
         np.argmin(signed, axis=1)),
        ("It compares signed differences c - x: the distance is |x - c| (or its square).",
         np.argmin(-signed, axis=1)),
        ("It numbers the centers in sorted order: the label is the index of the center in the "
         "order given, and the centers need not be sorted.",
         np.argsort(np.argsort(centers, kind="stable"), kind="stable")[np.argmin(distance, axis=1)]),
    ]


def _assign_check(student, x, centers, *, scale=None):
    if scale is not None:
        x = _without_near_ties(x, centers, scale)
    call = call_text("assign_clusters", (x, centers))
    got = _as_labels(student.assign_clusters(x, centers), np.size(x), np.size(centers), call)
    want = ref.assign_clusters(x, centers)
    _expect_labels(got, want, x, centers, call=call, mistakes=Lazy(lambda: _assign_mistakes(x, centers)))


@check("assign_clusters", points=1)
def assign_small_by_hand(student):
    """Six points and two centers, then three centers not in sorted order."""
    x = np.array([-3.0, -1.0, 0.4, 2.0, 5.0, 100.0])
    _assign_check(student, x, np.array([-2.0, 3.0]))
    _assign_check(student, x, np.array([5.0, -2.0, 0.75]))


@check("assign_clusters", points=1)
def assign_seeded_k2_k3(student):
    """Hidden-seed data, K = 2 and 3, n from 1 to 3000, far outliers and lists."""
    x2 = _mixture("assign-k2", 40, [-4.0, 3.0], 1.0)
    _assign_check(student, x2, np.array([-3.5, 2.0]), scale=4.0)
    x3 = _mixture("assign-k3", 1000, [10.0, 30.0, 50.0], 4.0)
    _assign_check(student, x3, np.array([48.0, 12.0, 29.0]), scale=50.0)
    big = _mixture("assign-big", 3_000, [-1.0, 0.0, 1.0], 0.3)
    _assign_check(student, big, np.array([0.1, -0.9, 1.2]), scale=1.0)
    _assign_check(student, np.array([0.3]), np.array([-1.0, 1.0, 4.0]), scale=1.0)
    outliers = np.append(x2[:10], [1e6, -1e6])
    _assign_check(student, outliers, np.array([-3.5, 2.0]), scale=4.0)
    _assign_check(student, [float(v) for v in x2[:12]], [-3.5, 2.0, 0.25], scale=4.0)


@check("assign_clusters", points=1)
def assign_exact_ties(student):
    """A point exactly halfway between two centers goes to the lower index (also for equal centers)."""
    # Every number is exact in binary, so |x - c| (and its square) tie exactly.
    centers = np.array([4.0, -1.0, 2.0])
    x = np.array([3.0, 0.5, -3.0, 2.25, 6.0, 0.5, 1.0])
    _assign_check(student, x, centers)
    _assign_check(student, np.array([-1.0, 1.0, 0.0, 2.5]), np.array([1.0, -1.0]))
    _assign_check(student, np.array([0.0, 5.0, 7.5]), np.array([5.0, 5.0, 10.0]))


@check("assign_clusters", points=1)
def assign_labels_are_integers(student):
    """Labels come back as an integer array (any integer dtype)."""
    x = _mixture("assign-dtype", 30, [-2.0, 2.0, 6.0], 0.5)
    centers = np.array([-2.0, 2.0, 6.0])
    x = _without_near_ties(x, centers, 2.0)
    call = call_text("assign_clusters", (x, centers))
    value = student.assign_clusters(x, centers)
    labels = _as_labels(value, x.size, centers.size, call)
    _require_integer_labels(value, call)
    _expect_labels(labels, ref.assign_clusters(x, centers), x, centers, call=call,
                   mistakes=Lazy(lambda: _assign_mistakes(x, centers)))


def _require_integer_labels(value, call, what="labels"):
    if isinstance(value, (list, tuple)):
        if all(type(v) is int for v in value):
            return
        try:
            value = np.asarray(value)
        except (TypeError, ValueError):
            raise returned(call, f"{what}: an integer array", value) from None
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        return
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        integral = bool(np.all(np.isfinite(value) & (value == np.round(value))))
        raise CheckFailed(f"Called {call}: {what} came back as floats"
                          + (" holding whole numbers" if integral else "")
                          + ". Labels are indices: return an integer array (np.argmin returns one; "
                            "np.zeros(n) makes floats unless you pass dtype=int).")
    if isinstance(value, np.ndarray) and value.dtype.kind == "b":
        raise CheckFailed(f"Called {call}: {what} came back as booleans. Labels are indices "
                          f"0 .. K - 1: return an integer array.")
    raise returned(call, f"{what}: an integer array", value)


# --------------------------------------------------------------------------
# update_centers
# --------------------------------------------------------------------------

def _cluster_stat(x, labels, centers, stat, empty=None):
    """stat of every cluster; an empty cluster gets ``empty`` (its old center if None)."""
    x, labels = np.asarray(x, dtype=float), np.asarray(labels)
    out = np.array(centers, dtype=float)
    for k in range(out.size):
        members = x[labels == k]
        if members.size:
            out[k] = stat(members)
        elif empty is not None:
            out[k] = empty
    return out


def _update_mistakes(x, labels, centers):
    n = np.size(x)
    return {
        "It is the median of each cluster: the M-step moves a center to the mean.":
            _cluster_stat(x, labels, centers, np.median),
        "An empty cluster was set to 0: a center with no points keeps its old value.":
            _cluster_stat(x, labels, centers, np.mean, empty=0.0),
        "It divides each cluster's sum by n, the number of all points: divide by the cluster's "
        "own count.": _cluster_stat(x, labels, centers, lambda m: m.sum() / n),
        "It is each cluster's sum, not its mean.": _cluster_stat(x, labels, centers, np.sum),
    }


def _update_check(student, x, labels, centers):
    call = call_text("update_centers", (x, labels, centers))
    k = np.size(centers)
    got = as_array(student.update_centers(x, labels, centers), (k,), call,
                   what="new centers", finite=False)
    want = ref.update_centers(x, labels, centers)
    empty = np.array([not np.any(np.asarray(labels) == j) for j in range(k)])
    if np.any(np.isnan(got)):
        if np.any(empty) and np.all(np.isnan(got) <= empty):
            raise CheckFailed(f"Called {call}: got {fmt(got)}, expected {fmt(want)}. Cluster(s) "
                              f"{', '.join(map(str, np.flatnonzero(empty)))} have no points, and the "
                              f"mean of no points is NaN: an empty cluster keeps its old center.")
        raise CheckFailed(f"Called {call}: got {fmt(got)}, which has NaN values (expected {fmt(want)}).")
    if not np.all(np.isfinite(got)):
        raise CheckFailed(f"Called {call}: got {fmt(got)}, which has infinite values (expected {fmt(want)}).")
    _moved_empty_cluster(got, want, empty, call, x)
    expect_close(got, want, call=call, rtol=CENTERS_RTOL, atol=_atol(x),
                 mistakes=_update_mistakes(x, labels, centers))


def _moved_empty_cluster(got, want, empty, call, x):
    """The other centers are right but an empty one moved (and not to 0, named elsewhere):
    it was re-seeded, at a random point or some other rule."""
    tol = Tolerance(CENTERS_RTOL, _atol(x))
    moved = [j for j in np.flatnonzero(empty) if not tol.within32(got[j], want[j]) and got[j] != 0]
    if moved and tol.within32(got[~empty], want[~empty]):
        j = int(moved[0])
        at_point = bool(np.any(np.asarray(x, dtype=float) == got[j]))
        raise CheckFailed(f"Called {call}: got {fmt(got)}, expected {fmt(want)}. Cluster {j} has no points, "
                          f"and its center moved from {fmt(want[j])} to {fmt(got[j])}"
                          + (", one of the data points" if at_point else "")
                          + ": an empty cluster re-seeded (at a random point, say) makes every run "
                            "different. In this exercise a center with no points keeps its old value.")


@check("update_centers", points=1)
def update_small_by_hand(student):
    """Five points in two clusters, where the mean and the median differ."""
    _update_check(student, np.array([0.0, 1.0, 5.0, 10.0, 12.0]), np.array([0, 0, 0, 1, 1]),
                  np.array([4.0, 9.0]))


@check("update_centers", points=1)
def update_seeded_k2_k3(student):
    """Hidden-seed labels, K = 2 and 3, n from 2 to 3000, far outliers and lists."""
    r = rng("update-seeded")
    for n, k in [(2, 2), (40, 2), (1000, 3), (3_000, 3)]:
        x = r.normal(5.0, 3.0, size=n)
        labels = np.arange(n) % k if n < k * 2 else r.integers(k, size=n)
        _update_check(student, x, labels, r.normal(5.0, 3.0, size=k))
    x = np.append(r.normal(0.0, 1.0, size=30), [5000.0, -2000.0])
    labels = r.integers(3, size=x.size)
    labels[-2:] = [1, 2]
    _update_check(student, x, labels, np.array([0.0, 1.0, 2.0]))
    _update_check(student, [1.0, 2.0, 4.0, 8.0, 16.0], [1, 0, 1, 0, 1], [0.0, 0.0])


@check("update_centers", points=1)
def update_empty_cluster_keeps_its_center(student):
    """A cluster with no points keeps its old center (first, middle or last index)."""
    r = rng("update-empty")
    x = r.normal(0.0, 2.0, size=50)
    _update_check(student, x, np.where(x < 0.3, 0, 2), np.array([-1.0, 250.0, 1.0]))
    _update_check(student, x, np.where(x < 0.0, 1, 2), np.array([-80.0, -1.0, 1.0]))
    _update_check(student, x, np.zeros(x.size, dtype=int), np.array([0.5, 7.0]))


# --------------------------------------------------------------------------
# fit_kmeans
# --------------------------------------------------------------------------

def _gauss_seidel(x, centers, n_iter):
    """Centers moved one at a time, reassigning every point in between (a classic slip)."""
    x = np.asarray(x, dtype=float)
    current = np.array(centers, dtype=float)
    rows = [current.copy()]
    for _ in range(n_iter):
        for k in range(current.size):
            members = x[ref.assign_clusters(x, current) == k]
            if members.size:
                current[k] = members.mean()
        rows.append(current.copy())
    return np.array(rows)


def _run(x, centers, n_iter, assign, update):
    """The history a k-means loop gives with the given assignment and update rules."""
    x = np.asarray(x, dtype=float)
    rows = [np.array(centers, dtype=float)]
    for _ in range(n_iter):
        rows.append(update(x, assign(x, rows[-1]), rows[-1]))
    return np.array(rows)


def _fit_mistakes(x, centers, n_iter, history):
    """Histories that classic slips in the loop, or in the functions it calls, produce."""
    assign, update = ref.assign_clusters, ref.update_centers
    farthest = lambda x, c: np.argmax(np.abs(x[:, None] - c[None, :]), axis=1)  # noqa: E731

    def rule(stat, empty=None):
        return lambda x, labels, c: _cluster_stat(x, labels, c, stat, empty)

    return {
        "Every row equals the final centers: the rows share one array that was changed in place. "
        "Store a copy of the centers after each round.": np.repeat(history[-1:], n_iter + 1, axis=0),
        "It moves the centers one at a time, reassigning the points in between: assign every point "
        "with the old centers first, then move all centers at once.": _gauss_seidel(x, centers, n_iter),
        "Row 0 should be the initial centers, and row t the centers after t rounds; your history "
        "starts one round late.": ref.fit_kmeans(x, centers, n_iter=n_iter + 1)["centers"][1:],
        "This history is what you get when each round gives every point to its farthest center: "
        "check the argmin in assign_clusters.": _run(x, centers, n_iter, farthest, update),
        "This history is what you get when each center moves to the median of its points: the "
        "M-step (update_centers) takes the mean.": _run(x, centers, n_iter, assign, rule(np.median)),
        "This history is what you get when an empty cluster's center is set to 0: it must keep "
        "its old value (update_centers).": _run(x, centers, n_iter, assign, rule(np.mean, 0.0)),
    }


def _first_wrong_row(got, history, atol, x=None):
    tol = Tolerance(CENTERS_RTOL, atol)
    rows = [t for t in range(history.shape[0]) if not tol.within32(got[t], history[t])]
    if not rows:
        return ""
    t = rows[0]
    if t == 0:
        return "Row 0 should be the starting centers, unchanged."
    right = "Row 0 is right" if t == 1 else f"Rows 0 to {t - 1} are right"
    text = (f"{right}; row {t} is the first that differs (got {fmt(got[t])}, "
            f"expected {fmt(history[t])}).")
    if x is not None:
        labels = ref.assign_clusters(x, history[t - 1])
        empty = [j for j in range(history.shape[1]) if not np.any(labels == j)]
        wrong = [j for j in range(history.shape[1]) if not tol.within32(got[t][j], history[t][j])]
        if empty and set(wrong) <= set(empty):
            return (f"{text} In round {t} cluster {wrong[0]} has no points and its center moved: an "
                    f"empty cluster keeps its old center (re-seeding it, at a random point say, makes "
                    f"every run different).")
    return (f"{text} Each round assigns every point to its nearest center, then moves each center "
            f"to the mean of its points.")


def _any_empty(x, history):
    return any(np.unique(ref.assign_clusters(x, row)).size < history.shape[1] for row in history)


def _fit_check(student, x, centers, n_iter=None, *, scale):
    kwargs = {} if n_iter is None else {"n_iter": n_iter}
    n_iter = 20 if n_iter is None else n_iter
    x, want = _fit_data(x, centers, n_iter, scale)
    history = want["centers"]
    call = call_text("fit_kmeans", (x, centers), kwargs)
    result = as_dict(student.fit_kmeans(x, centers, **kwargs), ("centers", "labels"), call)
    k = np.size(centers)
    got = _history(result["centers"], call)
    _expect_history_shape(got, history, x, centers, n_iter, call)
    if np.any(np.isnan(got)):
        if _any_empty(x, history):
            raise CheckFailed(f"Called {call}: the history of centers has NaN values. A cluster "
                              f"loses all its points along the way, and the mean of no points is NaN: "
                              f"an empty cluster keeps its old center.")
        raise CheckFailed(f"Called {call}: the history of centers has NaN values.")
    if not np.all(np.isfinite(got)):
        raise CheckFailed(f"Called {call}: the history of centers has infinite values.")
    expect_close(got, history, call=call, rtol=CENTERS_RTOL, atol=_atol(x), what='"centers"',
                 mistakes=_fit_mistakes(x, centers, n_iter, history),
                 hint=_first_wrong_row(got, history, _atol(x), np.asarray(x, dtype=float)))
    labels = _as_labels(result["labels"], np.size(x), k, call, what='"labels"')
    label_mistakes = [
        ("These are the labels computed before the last update (from the centers of the "
         "previous round): assign the points once more, to the final centers.",
         ref.assign_clusters(x, history[-2]) if n_iter >= 1 else None),
        ("These are the labels of the initial centers: assign the points to the final centers.",
         ref.assign_clusters(x, history[0])),
        *_assign_mistakes(x, history[-1]),
    ]
    _expect_labels(labels, want["labels"], x, history[-1], call=call, mistakes=label_mistakes,
                   what='"labels"')
    return result


def _history(value, call):
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise returned(call, 'a "centers" array of shape (n_iter + 1, K)', value) from None
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
        raise returned(call, 'a "centers" array of shape (n_iter + 1, K)', value)
    return value.astype(float)


def _expect_history_shape(got, history, x, centers, n_iter, call):
    shape = history.shape
    if got.shape == shape:
        return
    base = (f'Called {call}: "centers" has shape {got.shape}; with n_iter={n_iter} and K={shape[1]} '
            f"it should have shape {shape} (row 0 the initial centers, then one row per round).")
    tol = Tolerance(CENTERS_RTOL, _atol(x))
    if got.size == 0:
        raise CheckFailed(f"{base} It is empty: row 0 holds the initial centers, even for n_iter=0.")
    if got.shape == (shape[1],) and tol.within32(got, history[-1]):
        raise CheckFailed(f"{base} It holds only the final centers: store a copy of the centers at every "
                          f"row, the initial ones first.")
    if got.shape == (n_iter, shape[1]) and n_iter > 0:
        if tol.within32(got[0], history[0]) and tol.within32(got, history[:-1]):
            raise CheckFailed(f"{base} Row 0 holds the initial centers, but the history ends one round "
                              f"early: it runs n_iter - 1 rounds (as `for _ in range(1, n_iter)` does).")
        if tol.within32(got, history[1:]):
            raise CheckFailed(f"{base} It is the history without the initial row: put the starting "
                              f"centers in row 0.")
    if (got.ndim == 2 and got.shape[1] == shape[1] and got.shape[0] < shape[0]
            and tol.within32(got, history[: got.shape[0]])):
        raise CheckFailed(f"{base} It stopped early, when the centers stopped moving: always run "
                          f"n_iter rounds (the converged rows simply repeat).")
    if got.shape == (n_iter + 2, shape[1]):
        raise CheckFailed(f"{base} It runs one round too many: n_iter rounds give n_iter + 1 rows.")
    if got.shape == shape[::-1] and shape[0] != shape[1]:
        raise CheckFailed(f"{base} It is transposed: one row per round, one column per center.")
    raise CheckFailed(base)


@check("fit_kmeans", points=1)
def fit_one_iteration(student):
    """n_iter=1: the history has two rows and the labels are those of the moved centers."""
    centers = np.array([-6.0, -4.0, 1.0])
    # The check only discriminates if one round moves some point's label: the first draw of
    # this submission's seed where it does (nearly every draw).
    for attempt in range(100):
        x = _mixture("fit-one" if attempt == 0 else f"fit-one-{attempt}", 60, [-5.0, 0.0, 5.0], 0.8)
        if not np.array_equal(ref.fit_kmeans(x, centers, n_iter=1)["labels"], ref.assign_clusters(x, centers)):
            break
    _fit_check(student, x, centers, 1, scale=5.0)
    x2 = _mixture("fit-one-k2", 25, [-3.0, 3.0], 1.0)
    _fit_check(student, x2, np.array([-3.5, -2.5]), 1, scale=3.0)


@check("fit_kmeans", points=1)
def fit_zero_iterations(student):
    """n_iter=0: one row, the initial centers, and the labels of those centers."""
    x = _mixture("fit-zero", 30, [-2.0, 2.0], 0.7)
    _fit_check(student, x, np.array([-1.0, 0.5]), 0, scale=2.0)


@check("fit_kmeans", points=1)
def fit_matches_reference_run(student):
    """Hidden-seed data, K = 2 and 3: the whole history and the labels match the reference run."""
    x2 = _mixture("fit-ref-k2", 200, [-4.0, 4.0], 1.5)
    _fit_check(student, x2, np.array([-0.5, 0.5]), scale=4.0)  # the default n_iter (20)
    x3 = _mixture("fit-ref-k3", 900, [-6.0, 0.0, 7.0], 1.7)
    _fit_check(student, x3, np.array([5.0, -1.0, 6.0]), 7, scale=7.0)
    outliers = np.append(_mixture("fit-ref-out", 50, [0.0, 10.0], 1.0), [400.0])
    _fit_check(student, outliers, np.array([1.0, 9.0, 11.0]), 12, scale=10.0)


@check("fit_kmeans", points=1)
def fit_empty_cluster(student):
    """A center far from every point keeps its value in every row."""
    x = _mixture("fit-empty", 80, [-3.0, 3.0], 1.0)
    centers = np.array([-1.0, 1.0e3, 1.0])
    # The reference itself must keep the far center, or this check tests nothing.
    assert np.all(ref.fit_kmeans(x, centers, n_iter=5)["centers"][:, 1] == 1.0e3)
    _fit_check(student, x, centers, 5, scale=3.0)


@check("fit_kmeans", points=1)
def fit_lists_and_integer_labels(student):
    """Lists in, and the labels are integers."""
    x = [float(v) for v in _mixture("fit-lists", 40, [-2.0, 2.0, 8.0], 0.6)]
    centers = [-3.0, 0.0, 9.0]
    result = _fit_check(student, x, centers, 4, scale=8.0)
    _require_integer_labels(result["labels"], call_text("fit_kmeans", (x, centers), {"n_iter": 4}),
                            what='"labels"')


# --------------------------------------------------------------------------
# hard_responsibilities
# --------------------------------------------------------------------------

def _resp_check(student, x, centers, *, scale=None):
    if scale is not None:
        x = _without_near_ties(x, centers, scale)
    n, k = np.size(x), np.size(centers)
    call = call_text("hard_responsibilities", (x, centers))
    value = student.hard_responsibilities(x, centers)
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise returned(call, f"a one-hot array of shape ({n}, {k})", value) from None
    if isinstance(value, np.ndarray) and value.shape == (n,) and k > 1:
        raise CheckFailed(f"Called {call}: it returned shape ({n},), one label per point. The hard "
                          f"responsibilities are one-hot, shape ({n}, {k}): row i has a 1 in the "
                          f"column of x_i's nearest center and 0 elsewhere.")
    if isinstance(value, np.ndarray) and value.shape == (k, n) and n != k:
        raise CheckFailed(f"Called {call}: it returned shape ({k}, {n}), transposed: one row per "
                          f"point, one column per center, shape ({n}, {k}).")
    got = as_array(value, (n, k), call, what="a one-hot array").astype(float)
    want = ref.hard_responsibilities(x, centers)
    if np.allclose(got, want, rtol=0, atol=ONE_HOT_ATOL):
        return
    zero_or_one = np.isclose(got, 0, atol=ONE_HOT_ATOL) | np.isclose(got, 1, atol=ONE_HOT_ATOL)
    if not np.all(zero_or_one):
        raise CheckFailed(f"Called {call}: got values other than 0 and 1 (starting {fmt(got[0])}). "
                          f"The hard E-step gives each point wholly to its nearest center: a single 1 "
                          f"per row, not probabilities.")
    if not np.allclose(got.sum(axis=1), 1.0):
        bad = int(np.flatnonzero(~np.isclose(got.sum(axis=1), 1.0))[0])
        raise CheckFailed(f"Called {call}: row {bad} is {fmt(got[bad])}; every row needs exactly one 1.")
    _expect_labels(np.argmax(got, axis=1), np.argmax(want, axis=1), x, centers, call=call,
                   mistakes=Lazy(lambda: _assign_mistakes(x, centers)), what="rows (the column of the 1)")


@check("hard_responsibilities", points=1)
def responsibilities_one_hot_k2_k3(student):
    """One-hot rows at the nearest center, K = 2 and 3, hidden-seed data."""
    x = _mixture("resp-k2", 50, [-2.0, 4.0], 1.2)
    _resp_check(student, x, np.array([-2.0, 4.0]), scale=4.0)
    x3 = _mixture("resp-k3", 500, [0.0, 5.0, 10.0], 1.5)
    _resp_check(student, x3, np.array([9.0, 1.0, 5.5]), scale=10.0)


@check("hard_responsibilities", points=1)
def responsibilities_exact_ties(student):
    """A point halfway between two centers is given to the lower index."""
    _resp_check(student, np.array([3.0, 0.5, -3.0, 1.0, 6.0]), np.array([4.0, -1.0, 2.0]))
    _resp_check(student, np.array([0.0, 1.0, 6.0]), np.array([2.0, 2.0, -2.0]))


@check("hard_responsibilities", points=1)
def responsibilities_lists_and_outliers(student):
    """Lists in, one point, and points a million away."""
    _resp_check(student, [0.2, -7.0, 1e6, -1e6, 3.3], [-1.0, 3.0, 0.0], scale=1.0)
    _resp_check(student, [2.5], [0.0, 1.0, 10.0], scale=1.0)
