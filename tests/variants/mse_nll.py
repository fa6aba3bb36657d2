"""Classic mistakes and correct alternatives for mse_nll."""

MUTANTS = []
ALTERNATIVES = []
