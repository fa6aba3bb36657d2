"""The routes that grade with the core and write what people read: the batch grader,
the Gradescope export, the nbgrader cells and gradebook, the command line and the reports.
"""
