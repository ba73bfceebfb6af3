"""Korean text matching: initial-consonant (초성) search, so "ㄷㅈㄱㄱ" and "돼ㅈ" find "돼지고기"."""

import re

_SYLLABLE_FIRST, _SYLLABLE_LAST = 0xAC00, 0xD7A3
_SYLLABLES_PER_INITIAL = 21 * 28
INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"


def is_syllable(char: str) -> bool:
    return _SYLLABLE_FIRST <= ord(char) <= _SYLLABLE_LAST


def initial_of(char: str) -> str:
    """The initial consonant of a Hangul syllable, or the character itself."""
    if is_syllable(char):
        return INITIALS[(ord(char) - _SYLLABLE_FIRST) // _SYLLABLES_PER_INITIAL]
    return char


def normalize(text: str) -> str:
    """Lower case, no spaces: "돼지 고기" and "돼지고기" should match alike."""
    return re.sub(r"\s+", "", text).lower()


def initials(text: str) -> str:
    """"돼지고기" -> "ㄷㅈㄱㄱ" (non-Hangul characters kept), on normalized text."""
    return "".join(initial_of(c) for c in normalize(text))


def _char_pattern(char: str) -> str:
    """A lone initial consonant matches itself or any syllable that starts with it."""
    index = INITIALS.find(char)
    if index < 0:
        return re.escape(char)
    first = _SYLLABLE_FIRST + index * _SYLLABLES_PER_INITIAL
    return f"[{char}{chr(first)}-{chr(first + _SYLLABLES_PER_INITIAL - 1)}]"


def query_pattern(query: str) -> re.Pattern:
    """A regex for a (possibly mixed) query over normalized text: "돼ㅈ" -> 돼[ㅈ자-짛]."""
    return re.compile("".join(_char_pattern(c) for c in normalize(query)))


def match_rank(query: str, name: str) -> int | None:
    """Lower is better; None when the name does not match. Exact, prefix, contains, then 초성 match."""
    q, n = normalize(query), normalize(name)
    if not q:
        return None
    if n == q:
        return 0
    if n.startswith(q):
        return 1
    if q in n:
        return 2
    found = query_pattern(q).search(n)
    if found:
        return 3 if found.start() == 0 else 4
    return None
