"""One grading policy for every route: what a submission may use and what is refused.

The batch grader (and ``make demo``), the Gradescope export, the nbgrader hidden
cells and ``nbgrader-grade`` all grade through ``student.grade_exercise`` with a
``Policy``, so the same file earns the same record on every route. Its values
are part of the grader fingerprint: change one and every student is re-graded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from .manifest import forbidden_routines
from ..sandbox import Limits
from ..sandbox.isolation import KERNEL, from_environment


@dataclass(frozen=True)
class Policy:
    """Limits per call and per exercise, and the library routines no submission may call.

    File checks (size, empty file, byte-order mark, notebook extraction) are
    ``submissions.prepare``, which ``grade_exercise`` applies on every route.
    """

    call_timeout: float = 10.0  # seconds one call of a student function (or the import) may take
    budget: float = 60.0  # seconds all checks of one exercise may take
    memory_mb: int = 1024  # address space student code may add to the warm interpreter
    isolation: str = KERNEL  # or audit-hook-only, only when asked for (sandbox/isolation.py)
    #: From exercises.toml's [forbidden] table (SPEC §1); the sandbox and the source scan enforce them.
    forbidden: dict = field(default_factory=forbidden_routines)

    def limits(self) -> Limits:
        return Limits(call_timeout=self.call_timeout, load_timeout=self.call_timeout,
                      memory=self.memory_mb << 20, isolation=self.isolation,
                      forbidden=self.forbidden)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Policy:
        return cls(**data)


DEFAULT = Policy()


def exported() -> Policy:
    """The policy of the routes started by another program (Gradescope's container, nbgrader's
    kernel): the default, with only the isolation an export asked for (``AUTOGRADER_ISOLATION``)."""
    return replace(DEFAULT, isolation=from_environment())
