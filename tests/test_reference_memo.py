"""The references' answers remembered per worker: the key is the arguments' content and dtype,
every caller gets its own copy, and anything that is not plain data is never remembered."""

import numpy as np

from autograder.core.reference_memo import remembered


def counted(name):
    """A reference named ``name``: answers are kept per process, by module and name."""
    calls = []

    def reference(x, scale=1):
        calls.append(x)
        return x if isinstance(x, np.random.Generator) else np.asarray(x) * scale

    reference.__qualname__ = name
    return remembered(reference), calls


def test_same_arguments_are_answered_from_memory_as_a_copy():
    reference, calls = counted("copies")
    first = reference(np.arange(3.0))
    first[0] = 99.0  # a check that edits its answer changes nothing for the next student
    assert reference(np.arange(3.0)).tolist() == [0.0, 1.0, 2.0] and len(calls) == 1


def test_dtype_type_and_keywords_are_part_of_the_key():
    reference, calls = counted("keys")
    for x in (np.arange(3.0), np.arange(3, dtype=np.float32), np.float32(2), np.float64(2), 2.0, 2):
        reference(x)
    reference(np.arange(3.0), scale=2)
    assert len(calls) == 7


def test_what_is_not_plain_data_is_computed_every_time():
    reference, calls = counted("generator")
    rng = np.random.default_rng(0)
    reference(rng)
    reference(rng)
    assert len(calls) == 2


def test_a_reference_calling_another_is_remembered_once_not_per_inner_call():
    inner, inner_calls = counted("inner")

    def outer(x):
        return [inner(x) for _ in range(3)]

    outer.__qualname__ = "outer"
    outer = remembered(outer)
    outer(np.arange(2.0))
    outer(np.arange(2.0))
    assert len(inner_calls) == 3  # the inner steps ran once, straight through, and were not kept
    inner(np.arange(2.0))
    assert len(inner_calls) == 4  # asked directly, the inner reference computes and remembers
