"""Command-line entry point: textstats [--top N] FILE..."""
import argparse
import sys

from .counts import average_word_length, char_count, line_count, top_words, word_count


def main(argv=None):
    parser = argparse.ArgumentParser(prog="textstats")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--top", type=int, default=0, help="show the N most common words")
    args = parser.parse_args(argv)
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        print(f"{path}: {line_count(text)} lines, {word_count(text)} words, {char_count(text)} chars, "
              f"avg word {average_word_length(text):.2f}")
        for word, n in top_words(text, args.top) if args.top else []:
            print(f"  {word}\t{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
