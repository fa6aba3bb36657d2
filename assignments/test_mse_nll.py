"""Public tests for mse_nll (run: pytest test_mse_nll.py)."""

import mse_nll  # noqa: F401
