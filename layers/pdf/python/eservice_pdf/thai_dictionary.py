"""PyThaiNLP's word list as a sorted list, for its dictionary segmenter (newmm), built in a tenth of the time.

newmm asks its dictionary one question, again and again: which words start at this position of the text
(``Trie.prefixes``). PyThaiNLP answers from a trie that it builds one character at a time in Python: about
0.7 s of CPU for its 61,000 words, paid by the first document of every new sign container (issue 14, cold
start), more than the rest of that first seal. A sorted list answers the same question with binary search,
the text's prefix one character longer at each step, and stops where the trie stops (no word goes on with
that prefix). Sorting the words takes a few tens of milliseconds; a lookup costs a little more than the
trie's, and ``segment_for_wrapping`` caches its answers.

The answers are the trie's: the same words, in the same order (shortest first), whitespace stripped from each
word as ``Trie.add`` does. A test compares both on every position of the documents' texts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator

from pythainlp.util import Trie

__all__ = ["SortedWords"]


class SortedWords(Trie):
    """A read-only word dictionary with ``Trie``'s interface (``prefixes``, ``in``, ``len``, iteration)."""

    def __init__(self, words: Iterable[str]) -> None:
        # Trie's own nodes stay empty: every question is answered from the sorted list.
        self.root = Trie.Node()
        self._words = sorted({word.strip() for word in words} - {""})
        self._word_count = len(self._words)

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        """Every word that ``text`` has at ``start``, shortest first (``Trie.prefixes``)."""
        words, count = self._words, len(self._words)
        found: list[str] = []
        low = 0
        for end in range(start + 1, len(text) + 1):
            prefix = text[start:end]
            # Words sharing a longer prefix sort after those sharing a shorter one: search on from there.
            low = bisect_left(words, prefix, low, count)
            if low == count or not words[low].startswith(prefix):
                break
            if words[low] == prefix:
                found.append(prefix)
        return found

    def __contains__(self, key: str) -> bool:
        index = bisect_left(self._words, key)
        return index < len(self._words) and self._words[index] == key

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return self._word_count

    def add(self, word: str) -> None:
        raise TypeError("SortedWords is read-only: build a new one")

    def remove(self, word: str) -> None:
        raise TypeError("SortedWords is read-only: build a new one")
