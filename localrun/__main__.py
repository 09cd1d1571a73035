"""Entry point of `python -m localrun`."""

import sys

from localrun.cli import main

sys.exit(main())
