"""Leave a command's process once its work is written: tearing down NumPy's, SciPy's and
Matplotlib's modules costs half a second and does nothing. Shared by ``python -m autograder``
and the notebooks' grading process (whose hidden cell waits for it to end)."""

import atexit
import os
import sys


def leave(code: int) -> None:
    """Run the exit handlers, flush the output, and exit with ``code`` without interpreter teardown."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing left to say
            pass
    os._exit(code)
