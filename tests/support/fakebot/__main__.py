"""``python -m tests.support.fakebot``: the standalone server (see the package docstring)."""

from tests.support.fakebot.standalone import main

main()
