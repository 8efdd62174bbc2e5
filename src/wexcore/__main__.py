"""``python -m wexcore ...`` is the ``wexcore`` command."""

import sys

from .cli import main

sys.exit(main())
