"""``python -m scoring_service``: the command line.

The collector is kept off what lives as long as the process: the modules' objects load
with it paused and are frozen (left out of its passes), and so is whatever the command
leaves at its end, which the interpreter's shutdown would otherwise walk once more (a
tenth of a second after a province's score run). The command's own work is collected as
usual (``cli.context.with_context`` does the same for the modules a command loads)."""

import gc
import sys

gc.disable()
from scoring_service.cli import main  # noqa: E402

gc.freeze()
gc.enable()
code = main()
gc.freeze()
sys.exit(code)
