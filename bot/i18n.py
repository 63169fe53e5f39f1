"""Translations (Babel gettext catalogs in locales/) and locale-aware formatting."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Protocol

from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.config import SUPPORTED_LANGUAGES
from storage.zones import zone_info

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

log = logging.getLogger(__name__)


class Speaker(Protocol):
    """Anyone with a chosen language (a resident, an official's dashboard session): None when never chosen."""

    @property
    def language(self) -> str | None: ...


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the user's language is known."""
    return message


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Build each messages.mo from its .po when missing or older; returns the files written."""
    written = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)  # atomic, so two processes starting together never read half a file
        written.append(mo_path)
    return written


@dataclass(frozen=True)
class Translator:
    """Everything language-specific a reply needs: gettext plus number and date formatting."""

    lang: str
    translations: NullTranslations  # Translations, or NullTranslations where a catalogue is missing

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def decimal(self, value: float, digits: int = 1) -> str:
        return format_decimal(round(value, digits), format="#,##0." + "0" * digits, locale=self.lang)

    def integer(self, value: int) -> str:
        return format_decimal(value, format="#,##0", locale=self.lang)

    def hour(self, hour: int) -> str:
        """A full hour of the day as the language writes it: 21.00 in Indonesian, 21:00 in English."""
        return format_skeleton("Hm", time(hour), locale=self.lang)

    def day(self, value: date) -> str:
        """A date in full, as the language writes it: "Jumat, 11 Desember 2026", "Friday, December 11, 2026"."""
        # Babel's "full" for id pads the day ("Jumat, 04 Desember 2026"); Indonesian writes it without the zero.
        return format_date(value, "EEEE, d MMMM y" if self.lang == "id" else "full", locale=self.lang)

    def datetime(self, value: datetime, zone: str) -> str:
        """A moment in a region's zone, with the zone's Indonesian abbreviation (WIB/WITA/WIT)."""
        local = format_datetime(value, "d MMM y, HH.mm" if self.lang == "id" else "d MMM y, HH:mm",
                                tzinfo=zone_info(zone), locale=self.lang)
        return f"{local} {zone}"


class I18n:
    """Loads every catalogue once at start-up and hands out translators."""

    def __init__(self, default_language: str = "id", locales_dir: Path = LOCALES_DIR) -> None:
        compile_catalogs(locales_dir)
        self.default = default_language
        self._translators = {
            lang: Translator(lang, Translations.load(str(locales_dir), [lang], DOMAIN)) for lang in SUPPORTED_LANGUAGES
        }

    def resolve(self, chosen: str | None, telegram_code: str | None) -> str:
        """The resident's choice, else Telegram's language_code, else the default."""
        if chosen in self._translators:
            return chosen
        if telegram_code:
            base = telegram_code.split("-")[0].lower()
            if base in self._translators:
                return base
            if base == "ms":  # Malay readers understand Indonesian better than English
                return "id"
        return self.default

    def get(self, lang: str) -> Translator:
        return self._translators.get(lang) or self._translators[self.default]

    def recipient(self, who: Speaker | None) -> Translator:
        """The translator for a message to someone who is not the sender: their language, else the default."""
        return self.get((who.language if who is not None else None) or self.default)
