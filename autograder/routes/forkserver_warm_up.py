"""Imported last by the workers' forkserver, and by nothing else: once the checks are imported,
the references answer their questions (``core.warm_up``) while the zygote imports the scientific
stack, and every worker forked from the server inherits the answers."""

from ..core import framework
from ..core.warm_up import warm_up

warm_up(list(framework.REGISTRY))
