"""Public tests for em_gmm (run: pytest test_em_gmm.py)."""

import em_gmm  # noqa: F401
