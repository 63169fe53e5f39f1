"""The deployment's keys: SECRET_KEY, or a random key generated on the first start and kept in the database.

Nothing is ever derived from the bot token: whoever holds the token (BotFather, a leaked .env) must not be
able to recompute residents' pseudonyms. Each use gets its own key, derived with HMAC and a label, so that
a key seen in one place (a signed button) tells nothing about another (a pseudonym).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import keys as store
from storage.codes import new_deployment_key

log = logging.getLogger(__name__)

STORED_KEY = "secret"  # the row of deployment_keys used when SECRET_KEY is unset
PSEUDONYM_LABEL = b"quickwin:pseudonyms:v2"
BUTTON_LABEL = b"quickwin:rating-buttons:v1"


@dataclass(frozen=True, slots=True)
class Keys:
    pseudonym: bytes  # residents' pseudonyms shown to officials, in exports and in the data API
    button: bytes  # signatures on rating buttons (bot/services/feedback.py)


def derive(master: bytes) -> Keys:
    def sub(label: bytes) -> bytes:
        return hmac.new(master, label, hashlib.sha256).digest()

    return Keys(pseudonym=sub(PSEUDONYM_LABEL), button=sub(BUTTON_LABEL))


async def load_keys(session: AsyncSession, secret_key: SecretStr | None) -> Keys:
    """The keys of this deployment: from SECRET_KEY when set, else from the key stored on the first start."""
    if secret_key is not None:
        return derive(secret_key.get_secret_value().encode())
    candidate = new_deployment_key()
    stored = await store.stored_key(session, name=STORED_KEY, candidate=candidate)
    if stored == candidate:
        log.warning("SECRET_KEY is not set: generated a random deployment key and stored it in the database "
                    "(table deployment_keys). Keep it with the database backups; pseudonyms change without it.")
    else:
        log.info("SECRET_KEY is not set: using the deployment key stored in the database")
    return derive(bytes.fromhex(stored))
