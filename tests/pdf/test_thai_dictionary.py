"""The segmenter's sorted word list answers exactly as PyThaiNLP's trie does (issue 14, sign cold start)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_tokenize
from pythainlp.util import Trie, dict_trie

from eservice.tenant import tenants_dir
from eservice_pdf.thai_dictionary import SortedWords
from eservice_pdf.thai_text import _EXTRA_WORDS

RENDER = Path(__file__).resolve().parents[2] / "layers" / "pdf" / "python" / "eservice_pdf" / "render.py"


def _words() -> set[str]:
    return {word for word in thai_words() if "." not in word} | _EXTRA_WORDS


@pytest.fixture(scope="module")
def dictionaries() -> tuple[Trie, SortedWords]:
    words = _words()
    return dict_trie(words), SortedWords(words)


def _thai_texts() -> list[str]:
    """Every Thai text of the tenant files and of the document templates."""
    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(tenants_dir().glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    for line in RENDER.read_text(encoding="utf-8").splitlines():
        walk(line.split('"')[1::2])
    return [t for t in texts if any("\u0e01" <= c <= "\u0e4f" for c in t)]


def test_given_the_documents_texts_then_every_position_has_the_tries_words(
    dictionaries: tuple[Trie, SortedWords],
) -> None:
    trie, sorted_words = dictionaries
    texts = [*_thai_texts(), "ผู้รับอนุญาตต้องแสดงใบอนุญาตไว้ในที่เปิดเผยเห็นได้ง่าย", " คิวอาร์โค้ด ", "ก"]
    assert len(texts) > 100

    for text in texts:
        for start in range(len(text) + 1):
            assert sorted_words.prefixes(text, start) == trie.prefixes(text, start), (text, start)


def test_given_the_documents_texts_then_newmm_cuts_them_as_with_the_trie(
    dictionaries: tuple[Trie, SortedWords],
) -> None:
    trie, sorted_words = dictionaries

    for text in _thai_texts():
        expected = word_tokenize(text, engine="newmm", keep_whitespace=True, custom_dict=trie)
        assert word_tokenize(text, engine="newmm", keep_whitespace=True, custom_dict=sorted_words) == expected


def test_given_a_word_list_then_membership_size_and_order_are_the_tries() -> None:
    words = ["ก", " ไก่ ", "ไก่ชน", "ข้าว"]
    trie, sorted_words = dict_trie(words), SortedWords(words)

    assert len(sorted_words) == len(trie) == 4
    assert sorted(sorted_words) == sorted(trie)
    assert "ไก่" in sorted_words and "ไก่" in trie
    assert "ไก" not in sorted_words and "ไก" not in trie
    assert sorted_words.prefixes("ไก่ชนะ") == trie.prefixes("ไก่ชนะ") == ["ไก่", "ไก่ชน"]
    with pytest.raises(TypeError):
        sorted_words.add("ปลา")
