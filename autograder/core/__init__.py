"""The grading core: one pipeline from a student's files to a typed record.

Checks (``autograder.checks``) and the sandbox (``autograder.sandbox``) plug into it; every
route calls ``student.grade_student``/``grade_exercise`` with one ``Policy``.
"""
