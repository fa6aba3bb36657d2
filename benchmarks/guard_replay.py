"""Replays recorded student calls in a process shaped like a sandbox child, with or without
the audit-hook guard: ``python -I guard_replay.py CHILD_PY CALLS MODE ROUNDS FORBIDDEN_JSON``.

Started as a standalone script (like ``child.py``) so the only hook in the
process is the one being measured. MODE is ``none``, ``guard`` (guard.py's
Guard, as a graded child installs it) or ``count`` (a hook that only counts
audit events). Prints JSON: best seconds per exercise and the event count.
"""

import importlib.util
import json
import os
import pickle
import sys
import tempfile
import time


def main(child_path, calls_path, mode, rounds, forbidden):
    spec = importlib.util.spec_from_file_location("sandbox_child", child_path)
    child = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(child)
    import matplotlib
    import numpy  # noqa: F401  (the zygote's warm imports)
    import scipy.optimize  # noqa: F401
    import scipy.special  # noqa: F401
    import scipy.stats  # noqa: F401

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    child.guard.install_forbidden_wrappers(forbidden)  # the policy's list, as a job carries it
    roots = child.guard.allowed_read_roots()
    with open(calls_path, "rb") as handle:
        jobs = pickle.load(handle)
    scratch = os.path.realpath(tempfile.mkdtemp(prefix="guard-replay-"))
    paths = {}
    for slug, source, _calls in jobs:
        paths[slug] = os.path.join(scratch, f"{slug}.py")
        with open(paths[slug], "w") as handle:
            handle.write(source)
    payloads = {slug: pickle.dumps(calls) for slug, _source, calls in jobs}
    os.chdir(scratch)
    events = [0]
    if mode == "guard":
        sys.addaudithook(child.guard.Guard(scratch, *roots))
    elif mode == "count":
        def count(event, args):
            events[0] += 1
        sys.addaudithook(count)
    best = {}
    for _ in range(rounds):
        for slug in paths:
            calls = pickle.loads(payloads[slug])
            sys.modules.pop(slug, None)
            start = time.perf_counter()
            module = child._load_module(paths[slug], slug)
            for function, args, kwargs in calls:
                try:
                    child.encode(getattr(module, function)(*args, **kwargs), [])
                except Exception:
                    pass
            matplotlib.pyplot.close("all")
            seconds = time.perf_counter() - start
            best[slug] = min(best.get(slug, seconds), seconds)
    print(json.dumps({"seconds": best, "events": events[0] // max(rounds, 1)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5]))
