"""``python -m scoring_service``: the command line."""

import sys

from scoring_service.cli import main

sys.exit(main())
