"""Imported first by the workers' forkserver, and by nothing else: when the run ends the
server leaves at once instead of tearing down the scientific stack it preloaded (half a
second of a run's wall time, with nothing to flush: it only forks workers)."""

import atexit
import os

atexit.register(os._exit, 0)  # registered first, so it runs after every other exit handler
