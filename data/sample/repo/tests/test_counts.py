from textstats.counts import char_count, line_count, top_words, word_count


def test_word_count_basic():
    assert word_count("the quick brown fox") == 4


def test_word_count_apostrophe():
    assert word_count("don't stop") == 2


def test_char_count_without_spaces():
    assert char_count("a b\tc\n", include_spaces=False) == 3


def test_line_count_trailing_newline():
    assert line_count("one\ntwo\n") == 2
    assert line_count("one\ntwo") == 2
    assert line_count("") == 0


def test_top_words_ties_sorted_alphabetically():
    assert top_words("b a b a c", 2) == [("a", 2), ("b", 2)]
