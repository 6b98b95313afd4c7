"""Counting functions. All take the text as a str and never read files themselves."""
import re
from collections import Counter

WORD_RE = re.compile(r"[A-Za-z0-9']+")


def word_count(text):
    return len(WORD_RE.findall(text))


def char_count(text, include_spaces=True):
    if include_spaces:
        return len(text)
    return sum(1 for c in text if not c.isspace())


def line_count(text):
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def average_word_length(text):
    words = WORD_RE.findall(text)
    return sum(len(w) for w in words) / len(words)


def top_words(text, n=10):
    counts = Counter(w.lower() for w in WORD_RE.findall(text))
    return counts.most_common(n)
