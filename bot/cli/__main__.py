"""`python -m bot.cli …`: the same commands as `quickwin …`."""

import sys

from bot.cli import main

sys.exit(main())
