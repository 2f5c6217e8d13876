"""``python -m mer_datasets`` is the ``mer-datasets`` command."""

import sys

from .cli import main

sys.exit(main())
