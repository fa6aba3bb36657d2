"""Auto-grader for the MLE and EM exercises: hidden checks, sandbox, batch grading, release."""
