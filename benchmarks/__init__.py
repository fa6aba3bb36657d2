"""On-demand benchmarks: grading throughput against nbgrader, the overhead floor,
student feedback latency, the reference EM against scikit-learn, and the cost of
the sandbox's protections. Run them with ``make benchmark`` (``python -m benchmarks``).

They are never part of the test suite's timing: ``tests/test_benchmarks.py``
only runs the ``--quick`` path on tiny sizes to prove the scripts work.
"""
