"""Message catalogs (gettext) shared by the web app and the texts we send.

The `.po` sources live in `translations/`; the `.mo` files are build output, compiled at
install time (`make install` runs `python -m checker.catalog`), never at start-up.
Core modules mark strings with `N_` (a no-op) and stay free of Flask; the words are
translated where they are shown, in the screening's language.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"
DEFAULT_LANG = "en"
LANGUAGES: tuple[str, ...] = ("en", "es")  # English is the source language
_compile_lock = threading.Lock()
log = logging.getLogger(__name__)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark `message` for extraction; it is translated later, where it is shown."""
    return message


def normalise_lang(value: object) -> str | None:
    """'es', 'ES', 'es-MX' -> 'es'; None when it is not a language we offer."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def _stale(directory: Path) -> list[Path]:
    """The `.po` files whose `.mo` is missing or older than they are."""
    return [po for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
            if not po.with_suffix(".mo").exists()
            or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]


def check_catalogs(directory: Path = TRANSLATIONS_DIR) -> None:
    """Log (loudly) when a catalog was not compiled: its language would show English."""
    for po_path in _stale(directory):
        log.error("%s is not compiled (or older than its .po): run `make install`; until "
                  "then that language shows English", po_path.with_suffix(".mo"))


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every `.po` whose `.mo` is missing or stale; returns the files written.

    Safe with several processes starting at once (each writes its own temporary file and
    renames it into place). A read-only install keeps whatever `.mo` files it has.
    """
    written = []
    with _compile_lock:
        for po_path in _stale(directory):
            mo_path = po_path.with_suffix(".mo")
            try:
                _compile(po_path, mo_path)
            except OSError:
                log.exception("could not compile %s; that language falls back to English",
                              po_path)
                continue
            written.append(mo_path)
    return written


def _compile(po_path: Path, mo_path: Path) -> None:
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=po_path.parent.parent.name)
    tmp = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with tmp.open("wb") as target:
            write_mo(target, catalog)  # fuzzy entries are left out, as msgfmt does
        tmp.replace(mo_path)  # atomic: no process ever reads half a file
    finally:
        tmp.unlink(missing_ok=True)


@cache
def translations(lang: str) -> NullTranslations:
    """The catalog for `lang` (English: the msgids themselves)."""
    if normalise_lang(lang) in (None, DEFAULT_LANG):
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [lang], DOMAIN)


def translate(lang: str, message: str, **params: object) -> str:
    """`message` in `lang`, with %(name)s placeholders filled from `params`."""
    text = translations(lang).gettext(message)
    return text % params if params else text


if __name__ == "__main__":  # `python -m checker.catalog`: the install step's compile
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for written in compile_catalogs():
        log.info("compiled %s", written)
