"""Codici fiscali built the way the Agenzia delle Entrate builds them.

The check character comes from python-stdnum; omocodic variants (digits replaced by
letters from the right, as the agency does when two people would share a code) are
valid codes too.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from stdnum.it import codicefiscale

_MONTHS = "ABCDEHLMPRST"
_OMOCODIA = "LMNPQRSTUV"
_DIGIT_POSITIONS = (14, 13, 12, 10, 9, 7, 6)
_VOWELS = set("AEIOU")


def _letters(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    return "".join(c for c in plain if c.isalpha())


def _surname_code(surname: str) -> str:
    letters = _letters(surname)
    consonants = [c for c in letters if c not in _VOWELS]
    vowels = [c for c in letters if c in _VOWELS]
    return "".join(consonants + vowels + ["X"] * 3)[:3]


def _name_code(name: str) -> str:
    letters = _letters(name)
    consonants = [c for c in letters if c not in _VOWELS]
    if len(consonants) >= 4:
        consonants = [consonants[0], consonants[2], consonants[3]]
    vowels = [c for c in letters if c in _VOWELS]
    return "".join(consonants + vowels + ["X"] * 3)[:3]


def build(surname: str, name: str, birth: date, sex: str, place_code: str) -> str:
    day = birth.day + (40 if sex == "F" else 0)
    birth_code = f"{birth.year % 100:02d}{_MONTHS[birth.month - 1]}{day:02d}"
    body = f"{_surname_code(surname)}{_name_code(name)}{birth_code}{place_code}"
    return body + codicefiscale.calc_check_digit(body)


def omocodic(cf: str, level: int = 1) -> str:
    """The code with its last ``level`` digits replaced by letters (still valid)."""
    chars = list(cf[:15])
    for position in _DIGIT_POSITIONS[:level]:
        chars[position] = _OMOCODIA[int(chars[position])] if chars[position].isdigit() else chars[position]
    body = "".join(chars)
    return body + codicefiscale.calc_check_digit(body)


def corrupt(cf: str) -> str:
    """The same code with a wrong check character."""
    wrong = "A" if cf[15] != "A" else "B"
    return cf[:15] + wrong
