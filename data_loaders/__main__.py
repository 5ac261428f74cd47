"""`python -m data_loaders …`: the command line (data_loaders/cli)."""

import sys

from data_loaders.cli.main import main

sys.exit(main())
