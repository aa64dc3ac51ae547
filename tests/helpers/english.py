"""Runs of English words left in text meant for people reading Chinese.

A *word* is a run of Latin letters standing alone between spaces, with at most prose
punctuation around it (``letters,`` ``(default:``). Codes, names and identifiers are not
words: anything holding a digit or one of ``_ - . / = < > $ * @ { } [ ] |`` (``--year``,
``overdue_major``, ``rules/2018/rules.yaml``, ``<token>``), quoted values (``'county'``),
and acronyms in capitals (``CSV``, ``FILE``, ``URL``). Chinese characters and punctuation end a run.
"""

from __future__ import annotations

import re

# Chinese characters and full-width punctuation split text like spaces do.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef—…→·]+")
_PROSE_PUNCTUATION = "()\"'“”‘’,;:!?"
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def _is_word(token: str) -> bool:
    # A quoted value ('county', "type") is an identifier the message quotes.
    if re.match(r"""^\(?['"]""", token):
        return False
    bare = token.strip(_PROSE_PUNCTUATION)
    if not _WORD.fullmatch(bare):
        return False
    # Acronyms and argparse metavars are names, not prose.
    return not (len(bare) > 1 and bare.isupper())


def english_runs(text: str, min_words: int = 3) -> list[str]:
    """Every run of ``min_words`` or more English words in ``text``, as written."""
    runs: list[str] = []
    for piece in _CJK.split(text):
        for line in piece.splitlines():
            current: list[str] = []
            for token in [*line.split(), ""]:
                if token and _is_word(token):
                    current.append(token)
                    continue
                if len(current) >= min_words:
                    runs.append(" ".join(current))
                current = []
    return runs
