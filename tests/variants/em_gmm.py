"""Classic mistakes and correct alternatives for em_gmm."""

MUTANTS = []
ALTERNATIVES = []
