"""Vietnamese order of people's names: by given name (the last word), then the rest, in the Vietnamese
alphabet — a ă â b c d đ e ê g … o ô ơ … u ư …, tones after the letter (a à á ả ã ạ). Python's default
order puts "Đ" after "Z" and "Hải" after "Hùng"; lists of members read wrongly so."""
from __future__ import annotations

import unicodedata

_SHAPES = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve (ă), circumflex (â ê ô), horn (ơ ư)
_TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}  # huyền sắc hỏi ngã nặng


def _letter_key(char: str) -> tuple[int, int, int, int]:
    lower = char.lower()
    if lower == "đ":
        return (ord("d"), 9, 0, 0)
    base, *marks = unicodedata.normalize("NFD", lower)
    shape = next((_SHAPES[m] for m in marks if m in _SHAPES), 0)
    tone = next((_TONES[m] for m in marks if m in _TONES), 0)
    return (ord(base), shape, tone, 0 if char == lower else 1)


def _word_key(text: str) -> tuple:
    return tuple(_letter_key(c) for c in text)


def name_key(full_name: str) -> tuple:
    """Sort key: given name first ("Nguyễn Văn An" sorts under "An"), then the full name."""
    words = full_name.split()
    return (_word_key(words[-1]) if words else (), _word_key(" ".join(words)))
