"""`python -m autograder grade` starts its zygote before importing the grader (``prestart``):
the first zygote adopts it, and one nobody adopts stops by itself."""

from autograder.sandbox import process
from autograder.sandbox.process import Zygote, prestart


def test_the_first_zygote_adopts_the_prestarted_one():
    process._PRESTARTED.clear()
    prestart()
    prestart()  # one at most
    assert len(process._PRESTARTED) == 1
    pid = process._PRESTARTED[0][0].pid
    zygote = Zygote()
    try:
        assert zygote.process.pid == pid and zygote.alive() and not process._PRESTARTED
    finally:
        zygote.close()


def test_a_prestarted_zygote_nobody_adopts_stops_when_its_line_closes():
    process._PRESTARTED.clear()
    prestart()
    started, control = process._PRESTARTED.pop()
    control.close()
    assert started.wait(timeout=120) is not None
    started.stderr.close()
