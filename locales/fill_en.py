"""Fill the English catalogue's empty entries from their msgids (the msgids are English).

Run by `make catalogs` after `pybabel update`; a translator can still override any entry.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            message.string = message.id
            message.flags.discard("fuzzy")
    with PO.open("wb") as f:
        write_po(f, catalog, width=100)


if __name__ == "__main__":
    main()
