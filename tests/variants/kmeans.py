"""Classic mistakes and correct alternatives for kmeans."""

MUTANTS = []
ALTERNATIVES = []
