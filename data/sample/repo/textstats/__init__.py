"""textstats: word, character and line statistics for text files."""
from .counts import char_count, line_count, top_words, word_count

__all__ = ["char_count", "line_count", "top_words", "word_count"]
__version__ = "0.3.1"
