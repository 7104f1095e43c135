"""The meaningful words of a ticket being written, for the suggestions beside the new-ticket
form (the cache's FTS5) and ``GET /api/kb/suggest`` (PostgreSQL): one rule on both sides.

A search box asks for every word typed; a suggestion has to work from a natural sentence
("my printer jams every morning"), so it matches ANY meaningful word and lets the ranking sort
the best first. Meaningful: letters and digits only (so a word can never be query syntax),
three characters or more, not a common English word. The last word, while it is being typed,
also matches longer words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: At most this many words go into one query (the first ones: a title comes first).
MAX_WORDS = 16
#: Shorter words are left out ("is", "my", "to", "pc" too: the price of a cheap rule).
MIN_LENGTH = 3

# letters and digits, as SQLite's unicode61 tokenizer and PostgreSQL's parser cut words
_WORD = re.compile(r"[^\W_]+")

#: Common English words of three letters or more, and the greetings of a help-desk message.
STOP_WORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "and",
        "any",
        "are",
        "aren",
        "because",
        "been",
        "before",
        "being",
        "below",
        "every",
        "between",
        "both",
        "but",
        "can",
        "cannot",
        "could",
        "couldn",
        "did",
        "didn",
        "does",
        "doesn",
        "doing",
        "don",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "getting",
        "got",
        "had",
        "hadn",
        "has",
        "hasn",
        "have",
        "haven",
        "having",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "into",
        "isn",
        "its",
        "itself",
        "just",
        "let",
        "more",
        "most",
        "mustn",
        "myself",
        "nor",
        "not",
        "now",
        "off",
        "once",
        "only",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "shan",
        "she",
        "should",
        "shouldn",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "too",
        "under",
        "until",
        "very",
        "was",
        "wasn",
        "were",
        "weren",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "won",
        "would",
        "wouldn",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "hello",
        "hi",
        "thanks",
        "thank",
        "please",
        "regards",
        "dear",
        "cheers",
        "help",
        "anyone",
        "someone",
        "something",
    ]
)


@dataclass(frozen=True)
class SuggestionWords:
    """The words to match (any of them), each once, in the order typed, folded as the index
    folds them; ``prefix``: whether the last one also matches as the start of a longer word."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def empty(self) -> bool:
        return not self.words


def fold(word: str) -> str:
    """Case and diacritics folded (as SQLite's unicode61 compares words)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def meaningful(word: str) -> bool:
    return len(word) >= MIN_LENGTH and word not in STOP_WORDS


def suggestion_words(text: str) -> SuggestionWords:
    """The meaningful words of ``text``; never raises, whatever it holds."""
    tokens = [fold(found.group()) for found in _WORD.finditer(text)]
    words: list[str] = []
    for word in tokens:
        if meaningful(word) and word not in words:
            words.append(word)
    words = words[:MAX_WORDS]
    typing_on = bool(text) and not text[-1].isspace() and _WORD.match(text[-1]) is not None
    prefix = typing_on and bool(tokens) and bool(words) and tokens[-1] == words[-1]
    return SuggestionWords(tuple(words), prefix)
