"""What generates the student files from the one source of truth (solutions/,
narrative/, public/, exercises.toml): stubs, notebooks, the release bundle, the sample cohort.
"""
