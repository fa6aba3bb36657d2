import sys

if sys.argv[1:2] == ["grade"] and not {"-h", "--help"} & set(sys.argv):
    from .sandbox.process import prestart

    prestart()  # the zygote imports the scientific stack while this process imports the grader

from .routes.cli import main
from .routes.quick_exit import leave

leave(main())
