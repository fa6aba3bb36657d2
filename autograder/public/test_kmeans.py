"""Public tests for kmeans (run: pytest test_kmeans.py)."""

import kmeans  # noqa: F401
