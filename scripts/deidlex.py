"""deidlex.py: what scripts/train-names.py and lib/deid share, written once in Python: the
character classes, case folding and tokenizer of lib/deid/tokens.c, the tagger's features of
lib/deid/tagger.c, and the lexicon record layout of lib/deid/lexicon.c. Python 3.11 standard
library only. Each function here has a C twin; tests/unit/test_deid_names.c checks that the two
agree on the vectors this script writes."""

import unicodedata

# ---- code points -------------------------------------------------------------------------

SPECIAL_FOLD = {
    0xDF: "ss", 0xC6: "ae", 0xE6: "ae", 0xD8: "o", 0xF8: "o", 0xD0: "d", 0xF0: "d", 0xDE: "th", 0xFE: "th",
    0x110: "d", 0x111: "d", 0x126: "h", 0x127: "h", 0x131: "i", 0x141: "l", 0x142: "l", 0x152: "oe",
    0x153: "oe", 0x166: "t", 0x167: "t", 0x138: "k", 0x14A: "n", 0x14B: "n", 0x149: "n", 0x132: "ij",
    0x133: "ij", 0x13F: "l", 0x140: "l", 0x17F: "s",
}

FOLD_RANGES = [(0xC0, 0x24F), (0x1E00, 0x1EFF)]


def _latin_fold(cp):
    if cp in SPECIAL_FOLD:
        return SPECIAL_FOLD[cp]
    base = "".join(c for c in unicodedata.normalize("NFKD", chr(cp)) if not unicodedata.combining(c))
    base = base.lower()
    if base and all(ord(c) < 128 and c.isalpha() for c in base):
        return base
    return None


def fold_table():
    """{cp: folded ASCII string} for Latin letters with diacritics (the C table)."""
    t = {}
    for lo, hi in FOLD_RANGES:
        for cp in range(lo, hi + 1):
            if cp in (0xD7, 0xF7):
                continue
            f = _latin_fold(cp)
            if f is not None:
                t[cp] = f
    return t


FOLD = fold_table()


def is_letter(cp):
    if cp < 0x80:
        return (0x41 <= cp <= 0x5A) or (0x61 <= cp <= 0x7A)
    if 0xC0 <= cp <= 0x24F:
        return cp not in (0xD7, 0xF7)
    if 0x386 <= cp <= 0x3CE:
        return cp != 0x387
    if 0x400 <= cp <= 0x52F:
        return not (0x482 <= cp <= 0x489)
    if 0x5D0 <= cp <= 0x5EA or 0x620 <= cp <= 0x64A or 0x900 <= cp <= 0x97F:
        return True
    if 0x1E00 <= cp <= 0x1EFF:
        return True
    if 0x3040 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7AF:
        return True
    return False


def is_upper(cp):
    if cp < 0x80:
        return 0x41 <= cp <= 0x5A
    if 0xC0 <= cp <= 0xDE:
        return cp != 0xD7
    if 0x100 <= cp <= 0x137 or 0x14A <= cp <= 0x177:
        return cp % 2 == 0
    if 0x139 <= cp <= 0x148 or 0x179 <= cp <= 0x17E:
        return cp % 2 == 1
    if cp == 0x178:
        return True
    if cp == 0x386 or 0x388 <= cp <= 0x38F or 0x391 <= cp <= 0x3AB:
        return cp not in (0x38B, 0x38D, 0x3A2)
    if 0x400 <= cp <= 0x42F:
        return True
    if 0x460 <= cp <= 0x481 or 0x48A <= cp <= 0x52F:
        return cp % 2 == 0
    if 0x1E00 <= cp <= 0x1EFF:
        return cp % 2 == 0
    return False


def fold_cp(cp):
    """Folded UTF-8 bytes of one code point."""
    if cp < 0x80:
        if 0x41 <= cp <= 0x5A:
            cp += 32
        return bytes([cp])
    f = FOLD.get(cp)
    if f is not None:
        return f.encode()
    if 0x391 <= cp <= 0x3AB:
        cp += 0x20
    elif cp == 0x386:
        cp = 0x3AC
    elif 0x388 <= cp <= 0x38A:
        cp += 0x25
    elif cp == 0x38C:
        cp = 0x3CC
    elif 0x38E <= cp <= 0x38F:
        cp += 0x3F
    elif 0x410 <= cp <= 0x42F:
        cp += 0x20
    elif 0x400 <= cp <= 0x40F:
        cp += 0x50
    elif (0x460 <= cp <= 0x481 or 0x48A <= cp <= 0x52F) and cp % 2 == 0:
        cp += 1
    return chr(cp).encode("utf-8", "surrogatepass")


def decode(b, i):
    """(code point, byte length) at b[i]; an invalid byte reads as U+FFFD, length 1."""
    c = b[i]
    if c < 0x80:
        return c, 1
    n = len(b)
    if 0xC2 <= c <= 0xDF and i + 1 < n and (b[i + 1] & 0xC0) == 0x80:
        return ((c & 0x1F) << 6) | (b[i + 1] & 0x3F), 2
    if 0xE0 <= c <= 0xEF and i + 2 < n and (b[i + 1] & 0xC0) == 0x80 and (b[i + 2] & 0xC0) == 0x80:
        cp = ((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F)
        if cp >= 0x800 and not (0xD800 <= cp <= 0xDFFF):
            return cp, 3
    if 0xF0 <= c <= 0xF4 and i + 3 < n and all((b[i + k] & 0xC0) == 0x80 for k in (1, 2, 3)):
        cp = ((c & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F)
        if 0x10000 <= cp <= 0x10FFFF:
            return cp, 4
    return 0xFFFD, 1


def fold_bytes(b):
    out = bytearray()
    i = 0
    while i < len(b):
        cp, n = decode(b, i)
        out += fold_cp(cp) if cp != 0xFFFD else b[i:i + n]
        i += n
    return bytes(out)


# ---- tokens --------------------------------------------------------------------------------

C_LETTER, C_DIGIT, C_APOS, C_HYPHEN, C_SPACE, C_NL, C_PUNCT = range(7)


def cclass(cp):
    if is_letter(cp):
        return C_LETTER
    if 0x30 <= cp <= 0x39:
        return C_DIGIT
    if cp == 0x27 or cp == 0x2019:
        return C_APOS
    if cp == 0x2D:
        return C_HYPHEN
    if cp in (0x20, 0x09, 0x0B, 0x0C, 0xA0):
        return C_SPACE
    if cp in (0x0A, 0x0D):
        return C_NL
    return C_PUNCT


class Tok:
    __slots__ = ("s", "e", "word", "cap", "nl", "sp")

    def __init__(self, s, e, word, cap, nl, sp):
        self.s, self.e, self.word, self.cap, self.nl, self.sp = s, e, word, cap, nl, sp


def tokenize(b):
    """Tokens of UTF-8 bytes b: words (letters and digits, inner ' and -) and single
    punctuation characters. A possessive 's ends the word before the apostrophe. nl: a
    newline came before the token; sp: whitespace came before it."""
    toks = []
    n = len(b)
    i = 0
    nl = False
    sp = False
    while i < n:
        cp, ln = decode(b, i)
        c = cclass(cp)
        if c == C_SPACE:
            sp = True
            i += ln
            continue
        if c == C_NL:
            nl = True
            sp = True
            i += ln
            continue
        if c in (C_LETTER, C_DIGIT):
            s = i
            cap = is_upper(cp)
            i += ln
            while i < n:
                cp2, l2 = decode(b, i)
                c2 = cclass(cp2)
                if c2 in (C_LETTER, C_DIGIT):
                    i += l2
                    continue
                if c2 in (C_APOS, C_HYPHEN) and i + l2 < n:
                    cp3, l3 = decode(b, i + l2)
                    if cclass(cp3) in (C_LETTER, C_DIGIT):
                        if c2 == C_APOS and cp3 in (0x73, 0x53):
                            after = i + l2 + l3
                            if after >= n or cclass(decode(b, after)[0]) not in (C_LETTER, C_DIGIT):
                                break
                        i += l2 + l3
                        continue
                break
            toks.append(Tok(s, i, True, cap, nl, sp))
        else:
            toks.append(Tok(i, i + ln, False, False, nl, sp))
            i += ln
        nl = False
        sp = False
    return toks


def is_candidate(b, toks, i, lex):
    """A token the tagger scores: a capitalized word other than the pronoun I, and not a
    common word that is never a name (no first-name or surname class) standing alone or at
    the start of a sentence."""
    t = toks[i]
    if not (t.word and t.cap) or b[t.s:t.e] == b"I":
        return False
    e = lex.get(fold_bytes(b[t.s:t.e]))
    if e is not None and e[0] == 0 and e[1] == 0 and (1 <= e[2] <= 3 or e[3] & (F_STOP | F_TIME)):
        near_cap = (i > 0 and toks[i - 1].word and toks[i - 1].cap) or \
                   (i + 1 < len(toks) and toks[i + 1].word and toks[i + 1].cap)
        if is_sentence_start(b, toks, i) or not near_cap:
            return False
    return True


def shape(b):
    """Run-compressed shape of a word: U upper, l other letter, d digit, ' and - kept; at most
    8 characters."""
    out = []
    i = 0
    while i < len(b):
        cp, ln = decode(b, i)
        c = cclass(cp)
        if c == C_LETTER:
            ch = "U" if is_upper(cp) else "l"
        elif c == C_DIGIT:
            ch = "d"
        elif c == C_APOS:
            ch = "'"
        elif c == C_HYPHEN:
            ch = "-"
        else:
            ch = "p"
        if not out or out[-1] != ch:
            out.append(ch)
        i += ln
    return "".join(out)[:8]


def n_cps(b):
    n = 0
    i = 0
    while i < len(b):
        i += decode(b, i)[1]
        n += 1
    return n


def all_caps(b):
    """Two or more letters, every letter upper case."""
    letters = 0
    i = 0
    while i < len(b):
        cp, ln = decode(b, i)
        if is_letter(cp):
            if not is_upper(cp):
                return False
            letters += 1
        i += ln
    return letters >= 2


# ---- lexicon layout ------------------------------------------------------------------------

# flag bits of a lexicon entry (the C enum lex_flag has the same values)
F_CITY, F_COUNTRY, F_REGION, F_STREET, F_UNIT, F_TITLE, F_TIME, F_UPPER, F_ORG, F_STREETNAME, F_UNUSED, \
    F_STOP, F_PARTICLE, F_PUBLIC = (1 << k for k in range(14))

FLAG_NAMES = ["city", "country", "region", "street", "unit", "title", "time", "upper", "org", "streetname",
              "unused", "stop", "particle", "public"]
# flags the tagger does not see (surrogate pools and policy lists)
HIDDEN_FLAGS = ("streetname", "unused", "public")


def fnv1a(b, h=0x811C9DC5):
    for c in b:
        h ^= c
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


# ---- tagger features -------------------------------------------------------------------------

def lex_cross(e):
    """Compressed (first-name, surname, common-word) classes of a lexicon entry."""
    if e is None:
        return b"000"
    fn, sn, wf = e[0], e[1], e[2]
    a = 0 if fn == 0 else (1 if fn <= 3 else 2)
    b = 0 if sn == 0 else (1 if sn <= 3 else 2)
    c = 0 if wf == 0 else (2 if wf <= 2 else 1)
    return b"%d%d%d" % (a, b, c)


SENT_PUNCT = (b".", b"!", b"?", b":", b";", b'"', b"(", b"[", b"*", b">", b"#", b"|", b"-",
              "\u201c".encode(), "\u201d".encode(), "\u2022".encode())


def is_sentence_start(b, toks, i):
    if i == 0 or toks[i].nl:
        return True
    p = toks[i - 1]
    if p.word:
        return False
    return b[p.s:p.e] in SENT_PUNCT


def ctx_feat(prefix, b, toks, j, lex, tags):
    """Features of the context token j as seen from a candidate (prefix b"p1", b"n1", ...)."""
    if j < 0:
        return [prefix + b"=^"]
    if j >= len(toks):
        return [prefix + b"=$"]
    t = toks[j]
    w = b[t.s:t.e]
    if not t.word:
        return [prefix + b"=" + w]
    f = fold_bytes(w)
    if t.cap:
        out = [prefix + b"=C", prefix + b"lx=" + lex_cross(lex.get(f))]
        if tags is not None:
            out.append(b"p1t=%d" % tags[j])
        return out
    return [prefix + b"=" + f[:24]]


def features(b, toks, i, lex, tags):
    """Feature byte strings of candidate token i (a capitalized word). tags[j] is the decision
    already taken for token j < i (1 = person)."""
    t = toks[i]
    w = b[t.s:t.e]
    f = fold_bytes(w)
    e = lex.get(f)
    feats = [b"b", b"w=" + f[:24], b"s3=" + f[-3:], b"s2=" + f[-2:], b"sh=" + shape(w).encode(),
             b"len=%d" % min(n_cps(w), 10)]
    lx = lex_cross(e)
    feats.append(b"lx=" + lx)
    if e is not None:
        fn, sn, wf, fl = e[0], e[1], e[2], e[3]
        feats += [b"fn=%d" % fn, b"sn=%d" % sn, b"wf=%d" % wf]
        for k, name in enumerate(FLAG_NAMES):
            if fl & (1 << k) and name not in HIDDEN_FLAGS:
                feats.append(b"fl=" + name.encode())
    if all_caps(w):
        feats.append(b"caps")
        feats.append(b"caps|lx=" + lx)
    if is_sentence_start(b, toks, i):
        feats.append(b"st")
        feats.append(b"st|lx=" + lx)
    if i + 1 < len(toks) and not toks[i + 1].word and b[toks[i + 1].s:toks[i + 1].e] == b"." and n_cps(w) == 1:
        feats.append(b"initial")
    feats += ctx_feat(b"p1", b, toks, i - 1, lex, tags)
    feats += ctx_feat(b"p2", b, toks, i - 2, lex, None)
    feats += ctx_feat(b"n1", b, toks, i + 1, lex, None)
    feats += ctx_feat(b"n2", b, toks, i + 2, lex, None)
    return feats
