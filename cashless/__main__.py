"""`python -m cashless`: the same as the `cashless` command."""

import sys

from cli.main import main

sys.exit(main())
