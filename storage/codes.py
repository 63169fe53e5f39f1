"""Random identifiers the database hands out: ticket numbers, pseudonym salts, deployment keys.

Ticket numbers use Crockford's base32: the ten digits and the capitals without I, L, O and U. Nothing in it
sounds or looks like something else when a resident reads their number to an official on the phone or
types it from a note, and case does not matter.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
# 25 random bits after the region: 33 million numbers per region, so a collision (retried at insert)
# stays rare, and a number says nothing about how many tickets came before it.
TICKET_CHARS = 5
SALT_BYTES = 8


def crockford(value: int, length: int) -> str:
    """The lowest 5 × length bits of value, most significant character first."""
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(length)))


def ticket_prefix(region_code: str) -> str:
    """The region's part of a ticket number: its Kemendagri code without the dot ("32.73" → "3273")."""
    return region_code.replace(".", "")


def new_ticket(region_code: str) -> str:
    """A fresh ticket number such as 3273-K7PXD: the region, then 5 random characters."""
    return f"{ticket_prefix(region_code)}-{crockford(secrets.randbits(5 * TICKET_CHARS), TICKET_CHARS)}"


def new_salt() -> str:
    """A resident's pseudonym salt: drawn again when they come back after erasing their data."""
    return secrets.token_hex(SALT_BYTES)


def new_deployment_key() -> str:
    """32 random bytes, hex-encoded: the key a deployment without SECRET_KEY generates once."""
    return secrets.token_hex(32)
