"""Which tesseract language packs are installed, and the ``-l`` value for a user's setting.

Why apart from ``capture.names``: ``classpulse check`` and the config check a language setting
before any label is read, and a missing pack must fail there in one line.
"""

from __future__ import annotations

import functools
import re
import subprocess

_SCRIPT_PKG = {"Latin": "latn", "Cyrillic": "cyrl", "Greek": "grek", "Arabic": "arab",
               "Hebrew": "hebr", "Devanagari": "deva", "Bengali": "beng", "Tamil": "taml",
               "Hangul": "hang", "Japanese": "jpan", "HanS": "hans", "HanT": "hant",
               "Vietnamese": "viet", "Thai": "thai"}
_LANG_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\+[A-Za-z][A-Za-z0-9_]*)*$")


@functools.lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """The tesseract language packs installed here (empty when tesseract is missing)."""
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                             timeout=20, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def best_language() -> str:
    """'Latin' (reads diacritics: ë, ü, Ł, ø...) when its traineddata is installed, else 'eng'.

    Not 'Latin+Vietnamese': that reads "Nguyễn" (which 'Latin' reads as "Nguyën") but turns
    every "Łukasz" into "tukasz"; ``read_labels`` gives unsure Latin reads a Vietnamese look
    instead, and Vietnamese classes may pass ``--lang Vietnamese+Latin``."""
    return "Latin" if "Latin" in installed_languages() else "eng"


def resolve_languages(spec: str | None) -> str:
    """The tesseract ``-l`` value for a user's language setting ("auto", "", None, or codes
    like "kor+eng"), checked against the installed packs.

    Raises ValueError with a one-line message naming the missing pack and the apt package.
    Shared by ``run``/``analyze`` (config ``[capture] ocr_languages``, ``--lang``) and ``check``.
    """
    if spec is None or spec.strip().lower() in ("", "auto"):
        return best_language()
    spec = spec.strip()
    if not _LANG_CODE.match(spec):
        raise ValueError(f"OCR languages: expected tesseract codes joined by '+' "
                         f"(e.g. kor+eng), got {spec!r}")
    have = installed_languages()
    missing = [c for c in spec.split("+") if have and c not in have]
    if missing:
        code = missing[0]
        pkg = ("tesseract-ocr-script-" + _SCRIPT_PKG.get(code, code[:4].lower())
               if code[0].isupper() else "tesseract-ocr-" + code.lower().replace("_", "-"))
        raise ValueError(f"OCR language {missing[0]!r} is not installed (apt-get install {pkg}); "
                         f"installed: {'+'.join(sorted(have))}")
    return spec
