import atexit
import os
import sys

if sys.argv[1:2] == ["grade"] and not {"-h", "--help"} & set(sys.argv):
    from .sandbox.process import prestart

    prestart()  # the zygote imports the scientific stack while this process imports the grader

from .routes.cli import main

code = main()
# Every file is written and closed by now. Tearing down NumPy's, SciPy's and Matplotlib's
# modules would cost each run half a second and do nothing: run the exit handlers, flush, leave.
atexit._run_exitfuncs()
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except (OSError, ValueError):  # a closed pipe: nothing left to say
        pass
os._exit(code)
