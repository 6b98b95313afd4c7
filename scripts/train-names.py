#!/usr/bin/env python3
"""train-names.py: builds what lib/deid knows about names, places and words, and trains its
person-name tagger, from the third-party data in ../shared/data/ner (never needed by the build).

  scripts/train-names.py [--shared DIR] [--epochs N] [--heldout-json FILE] [--presidio FILE]
                         [--presidio-copies N] [--runs N] [--seed N]

Writes (all generated; do not edit by hand):
  lib/deid/lexicon_data.c      the lexicon: first names (SSA, libpostal, WGND), surnames (Census
                               2010, libpostal), common words (SCOWL), places (GeoNames, country
                               codes), street and unit words (USPS, libpostal), titles, months
  lib/deid/tagger_model.c      averaged-perceptron weights (hashed features) and threshold
  tests/unit/data/deid_tagger_vectors.txt   sentences with the scores the C tagger must give
  data/deid/TRAINING.md        the training log: sources, sizes, splits, held-apart scores

Training data (labeled NER corpora, person entities): WNUT-17, Broad Twitter Corpus, Universal
NER English-EWT, GUM. Held apart (never trained or tuned on): WNUT-17 test, BTC section H,
UNER-EWT test, GUM test documents. Tuned on (threshold, epochs): WNUT-17 dev, BTC section E,
UNER-EWT dev, GUM dev documents. Also trained on (not tuned on): the dev part of the synthetic
presidio-research set (../shared/data/pii/presidio-synth-1500.json, MIT; even template ids, as
bench/bench_deid splits it; its odd-template test part is never read), once an epoch: templated
sentences of other kinds than tweets and treebanks. The weights are the average of --runs
trainings (seeds SEED, SEED+1, ...), each kept at its best dev epoch. --heldout-json writes the
held-apart sentences as presidio-style JSON ({"full_text","spans":[{"entity_type":"PERSON",...}]})
for bench_deid; it is derived from CC-BY-SA text in part, so write it outside the repository
(build/).
Python 3.11 standard library only."""

import argparse
import json
import math
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deidlex as L  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE_BITS = 16
TABLE = 1 << TABLE_BITS
PRESIDIO_COPIES = 1
RUNS = 3


from namelex import Lex, bucket, build_lexicon, fold, single_token  # noqa: E402,F401


# ---- corpora ----------------------------------------------------------------------------------

class Sent:
    """A sentence: text and the character spans of its person names."""
    __slots__ = ("text", "spans", "source")

    def __init__(self, text, spans, source):
        self.text, self.spans, self.source = text, spans, source


def from_tokens(tokens, tags, source, text=None):
    """Text (the given one, else tokens joined by spaces) and PER spans from BIO tags (tag
    'PER' already mapped); tokens are found in order in the text."""
    if text is None:
        text = " ".join(tokens)
    spans = []
    pos = 0
    cur = None
    for tok, tag in zip(tokens, tags):
        at = text.find(tok, pos)
        if at < 0:
            at = pos
            end = pos
        else:
            end = at + len(tok)
            pos = end
        if tag == "B" or (tag == "I" and cur is None):
            if cur:
                spans.append(cur)
            cur = [at, end]
        elif tag == "I":
            cur[1] = end
        else:
            if cur:
                spans.append(cur)
            cur = None
    if cur:
        spans.append(cur)
    return Sent(text, [tuple(s) for s in spans if s[1] > s[0]], source)


def read_conll2(path, source, per_labels):
    out = []
    toks, tags = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if toks:
                    out.append(from_tokens(toks, tags, source))
                toks, tags = [], []
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                parts = line.split()
            if len(parts) < 2:
                continue
            tok, tag = parts[0], parts[-1]
            t = "O"
            if tag[2:] in per_labels and tag[:2] in ("B-", "I-"):
                t = tag[0]
            toks.append(tok)
            tags.append(t)
    if toks:
        out.append(from_tokens(toks, tags, source))
    return out


def read_uner(path, source):
    out = []
    text, toks, tags = None, [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# text = "):
                text = line[9:]
                continue
            if line.startswith("#"):
                continue
            if not line.strip():
                if toks:
                    out.append(from_tokens(toks, tags, source, text))
                text, toks, tags = None, [], []
                continue
            p = line.split("\t")
            if len(p) < 3:
                continue
            tag = p[2]
            t = tag[0] if tag in ("B-PER", "I-PER") else "O"
            toks.append(p[1])
            tags.append(t)
    if toks:
        out.append(from_tokens(toks, tags, source, text))
    return out


ENT_OPEN = re.compile(r"\((\d+)-([a-z]+)")
ENT_CLOSE = re.compile(r"(\d+)\)")


def gum_sentence(rows, text, source):
    """rows: (form, upos, head, entity-field). Person mentions whose head word (the one whose
    syntactic head is outside the mention) is a proper noun; the run of proper nouns around the
    head is the name."""
    n = len(rows)
    stack = {}
    mentions = []
    for i, (form, upos, head, ent) in enumerate(rows):
        for m in ENT_OPEN.finditer(ent):
            stack.setdefault(m.group(1), []).append((i, m.group(2)))
        closes = [m.group(1) for m in re.finditer(r"\((\d+)-[^()]*\)", ent)]
        closes += [m.group(1) for m in ENT_CLOSE.finditer(re.sub(r"\(\d+-[^()]*", "", ent))]
        for eid in closes:
            if stack.get(eid):
                a, et = stack[eid].pop()
                if et == "person":
                    mentions.append((a, i))
    tags = ["O"] * n
    for a, b in mentions:
        heads = [i for i in range(a, b + 1) if not (a <= rows[i][2] - 1 <= b)]
        if len(heads) != 1 or rows[heads[0]][1] != "PROPN":
            continue
        h = heads[0]
        lo = h
        while lo - 1 >= a and rows[lo - 1][1] == "PROPN":
            lo -= 1
        hi = h
        while hi + 1 <= b and rows[hi + 1][1] == "PROPN":
            hi += 1
        for i in range(lo, hi + 1):
            tags[i] = "B" if i == lo else "I"
    return from_tokens([r[0] for r in rows], tags, source, text)


def read_gum(path, source):
    """Person names of a GUM CoNLL-U file (see gum_sentence)."""
    out = []
    text, rows = None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# text = "):
                text = line[9:]
                continue
            if line.startswith("#"):
                continue
            if not line.strip():
                if rows:
                    out.append(gum_sentence(rows, text, source))
                text, rows = None, []
                continue
            p = line.split("\t")
            if len(p) < 10 or "-" in p[0] or "." in p[0]:
                continue
            ent = ""
            for field in p[9].split("|"):
                if field.startswith("Entity="):
                    ent = field[7:]
            try:
                head = int(p[6])
            except ValueError:
                head = 0
            rows.append((p[1], p[3], head, ent))
    if rows:
        out.append(gum_sentence(rows, text, source))
    return out


def gum_splits(shared):
    s = open(os.path.join(shared, "gum/splits.md"), encoding="utf-8").read()
    parts = {}
    cur = None
    for line in s.splitlines():
        m = re.match(r"##\s+(\w+)", line)
        if m:
            cur = m.group(1)
            continue
        m = re.match(r"\s*\*\s+(GUM_\S+)", line)
        if m and cur:
            parts.setdefault(cur, set()).add(m.group(1))
    return parts


def load_corpora(shared):
    train, dev, test = [], [], []
    w = os.path.join(shared, "wnut17")
    train += read_conll2(os.path.join(w, "wnut17train.conll"), "wnut17-train", {"person"})
    dev += read_conll2(os.path.join(w, "emerging.dev.conll"), "wnut17-dev", {"person"})
    test += read_conll2(os.path.join(w, "emerging.test.annotated"), "wnut17-test", {"person"})
    b = os.path.join(shared, "broad-twitter-corpus")
    for sec in "abfg":
        train += read_conll2(os.path.join(b, sec + ".conll"), "btc-" + sec, {"PER"})
    dev += read_conll2(os.path.join(b, "e.conll"), "btc-e", {"PER"})
    test += read_conll2(os.path.join(b, "h.conll"), "btc-h", {"PER"})
    u = os.path.join(shared, "uner-english-ewt")
    train += read_uner(os.path.join(u, "en_ewt-ud-train.PRERELEASE-2022-12-02.iob2"), "uner-train")
    dev += read_uner(os.path.join(u, "en_ewt-ud-dev.iob2"), "uner-dev")
    test += read_uner(os.path.join(u, "en_ewt-ud-test.iob2"), "uner-test")
    g = os.path.join(shared, "gum/dep")
    sp = gum_splits(os.path.join(shared, ""))
    for fn in sorted(os.listdir(g)):
        if not fn.endswith(".conllu"):
            continue
        doc = fn[:-7]
        sents = read_gum(os.path.join(g, fn), "gum")
        if doc in sp.get("test", ()):
            for s in sents:
                s.source = "gum-test"
            test += sents
        elif doc in sp.get("dev", ()):
            for s in sents:
                s.source = "gum-dev"
            dev += sents
        else:
            for s in sents:
                s.source = "gum-train"
            train += sents
    return train, dev, test


def load_presidio_dev(path):
    """The development part of the presidio-research synthetic set (even template ids, as
    bench/bench_deid.c splits it; odd ids are its held-apart test part and never read here):
    templated sentences whose PERSON spans are names and whose other entities (places,
    organizations, titles...) are not. Offsets are in code points, as Python indexes a str."""
    with open(path, encoding="utf-8") as f:
        recs = json.load(f)
    out = []
    for r in recs:
        tid = r.get("template_id")
        if not isinstance(tid, int) or tid % 2:
            continue
        spans = [(s["start_position"], s["end_position"]) for s in r["spans"] if s["entity_type"] == "PERSON"]
        out.append(Sent(r["full_text"], spans, "presidio-dev"))
    return out


# ---- instances ----------------------------------------------------------------------------------

def char_to_byte(text):
    m = [0] * (len(text) + 1)
    b = 0
    for i, ch in enumerate(text):
        m[i] = b
        b += len(ch.encode("utf-8", "surrogatepass"))
    m[len(text)] = b
    return m


class Prepared:
    __slots__ = ("b", "toks", "gold", "cand", "spans", "context_only")


def prepare(s, lex):
    p = Prepared()
    p.b = s.text.encode("utf-8", "surrogatepass")
    p.toks = L.tokenize(p.b)
    m = char_to_byte(s.text)
    p.spans = []
    # a title before a name ("President", "Dr.") is not part of the name
    for a, e in ((m[a], m[b]) for a, b in s.spans):
        for t in p.toks:
            if t.s < a or t.e > e:
                continue
            if t.s == a and t.word and (lex.get(L.fold_bytes(p.b[t.s:t.e])) or [0, 0, 0, 0])[3] & L.F_TITLE:
                a = t.e
                while a < e and p.b[a:a + 1] in (b".", b" "):
                    a += 1
        if a < e:
            p.spans.append((a, e))
    p.gold = []
    for t in p.toks:
        g = 0
        if t.word:
            for a, e in p.spans:
                if t.s < e and a < t.e:
                    g = 1
                    break
        p.gold.append(g)
    p.cand = [L.is_candidate(p.b, p.toks, i, lex) for i in range(len(p.toks))]
    p.context_only = False
    return p


def hashed(feats):
    return [L.fnv1a(f) & (TABLE - 1) for f in feats]


class Perceptron:
    def __init__(self):
        self.w = [0.0] * TABLE
        self.u = [0.0] * TABLE  # sum of updates weighted by time, for averaging
        self.c = 1

    def score(self, idx):
        w = self.w
        return sum(w[i] for i in idx)

    def update(self, idx, y):
        for i in idx:
            self.w[i] += y
            self.u[i] += y * self.c

    def average(self):
        return [w - u / self.c for w, u in zip(self.w, self.u)]


IDENTITY = (b"w=", b"s3=", b"s2=")


def tag_sentence(p, lex, scorer, theta, train_cb=None):
    tags = [0] * len(p.toks)
    scores = [None] * len(p.toks)
    for i, t in enumerate(p.toks):
        if not p.cand[i]:
            continue
        feats = L.features(p.b, p.toks, i, lex, tags)
        if train_cb and p.context_only:
            # learn the context of a name, not the name (templated sets reuse a few names)
            feats = [f for f in feats if not f.startswith(IDENTITY)]
        idx = hashed(feats)
        s = scorer(idx)
        y = 1 if s > theta else 0
        if train_cb:
            train_cb(idx, s, p.gold[i])
        tags[i] = y
        scores[i] = s
    return tags, scores


def spans_of(p, tags):
    """Runs of tagged tokens joined by spaces, hyphens or initials' periods: predicted names."""
    out = []
    cur = None
    for i, t in enumerate(p.toks):
        if tags[i]:
            if cur is not None and t.s - cur[1] <= 2 and b"\n" not in p.b[cur[1]:t.s]:
                cur[1] = t.e
            else:
                if cur:
                    out.append(tuple(cur))
                cur = [t.s, t.e]
        elif t.word or p.b[t.s:t.e] not in (b".",):
            if cur:
                out.append(tuple(cur))
            cur = None
    if cur:
        out.append(tuple(cur))
    return out


def evaluate(prepared, lex, scorer, theta):
    """Token and span figures: recall counts a gold name found when every word token of it is
    tagged; precision counts a predicted span right when it overlaps a gold name."""
    tp = fp = fn = 0
    gold_n = found = 0
    pred_n = pred_ok = 0
    for p in prepared:
        tags, _ = tag_sentence(p, lex, scorer, theta)
        for i in range(len(p.toks)):
            if p.gold[i] and tags[i]:
                tp += 1
            elif tags[i]:
                fp += 1
            elif p.gold[i]:
                fn += 1
        for a, e in p.spans:
            gold_n += 1
            ok = True
            for i, t in enumerate(p.toks):
                if t.word and t.s < e and a < t.e and not tags[i]:
                    ok = False
            found += ok
        for a, e in spans_of(p, tags):
            pred_n += 1
            pred_ok += any(a < ge and ga < e for ga, ge in p.spans)
    return {"tok_p": tp / max(1, tp + fp), "tok_r": tp / max(1, tp + fn), "names": gold_n,
            "recall": found / max(1, gold_n), "predicted": pred_n, "precision": pred_ok / max(1, pred_n)}


def train(train_p, dev_p, lex, epochs, log, seed=7):
    pc = Perceptron()
    rnd = random.Random(seed)
    order = list(range(len(train_p)))
    best = None
    for ep in range(1, epochs + 1):
        rnd.shuffle(order)
        mistakes = 0

        def cb(idx, s, g):
            nonlocal mistakes
            y = 1 if g else -1
            if y * s <= 0:
                pc.update(idx, y)
                mistakes += 1
            pc.c += 1

        for k in order:
            tag_sentence(train_p[k], lex, pc.score, 0.0, cb)
        avg = pc.average()
        sc = lambda idx: sum(avg[i] for i in idx)  # noqa: E731
        r = evaluate(dev_p, lex, sc, 0.0)
        f = 2 * r["recall"] * r["precision"] / max(1e-9, r["recall"] + r["precision"])
        log.append("epoch %d: %d mistakes; dev name recall %.4f precision %.4f (F1 %.4f)" %
                   (ep, mistakes, r["recall"], r["precision"], f))
        print(log[-1], flush=True)
        if best is None or f > best[0]:
            best = (f, ep, avg)
    log.append("kept the weights of epoch %d (best dev F1)" % best[1])
    return best[2]


# ---- output -------------------------------------------------------------------------------------

def c_escape(b):
    out = []
    for c in b:
        if c == 0x22:
            out.append('\\"')
        elif c == 0x5C:
            out.append("\\\\")
        elif c == 0x0A:
            out.append("\\n")
        elif c < 0x20 or c == 0x7F:
            out.append("\\%03o" % c)
        elif c == 0x3F:
            out.append("\\?")  # no trigraphs
        else:
            out.append(chr(c) if c < 0x80 else None)
            if c >= 0x80:
                out[-1] = "\\%03o" % c
    return "".join(out)


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def front_coded(keys, tail=None):
    """Sorted keys, front-coded: PREFIX-LEN (char '0'+n, n <= 60) SUFFIX ['|' TAIL] '\n'."""
    out = bytearray()
    prev = b""
    for k in sorted(keys):
        n = 0
        while n < len(prev) and n < len(k) and n < 60 and prev[n] == k[n]:
            n += 1
        out.append(0x30 + n)
        out += k[n:]
        if tail:
            out += b"|" + tail(k)
        out += b"\n"
        prev = k
    return bytes(out)


FLAG_LISTS = [("city", L.F_CITY), ("country", L.F_COUNTRY), ("region", L.F_REGION), ("street", L.F_STREET),
              ("unit", L.F_UNIT), ("title", L.F_TITLE), ("time", L.F_TIME), ("upper", L.F_UPPER), ("org", L.F_ORG),
              ("stop", L.F_STOP), ("particle", L.F_PARTICLE), ("public", L.F_PUBLIC),
              ("streetname", L.F_STREETNAME)]


def in_blob(k, e):
    return (e[0] or e[1] or e[2] or e[3]) and b"|" not in k and b"\n" not in k and b"#" not in k[:1] and \
        0 < len(k) <= 60


def lexicon_blobs(lex):
    """Two blobs of lists, each list "#NAME\n" then its front-coded words. Names: "fN.G" (first
    names of frequency class N, gender G in F M U -), "sN" (surnames of class N). Words: "wN"
    (common words of class N) and one list per flag; "city" entries carry "|CC" and a
    population class digit."""
    good = {k: e for k, e in lex.e.items() if in_blob(k, e)}
    # the tagger is trained on exactly what the C side loads
    lex.e = good
    names = bytearray()
    for fn in range(1, 8):
        for g, gc in ((1, "F"), (2, "M"), (3, "U"), (0, "-")):
            ks = [k for k, e in good.items() if e[0] == fn and e[4] == g]
            if ks:
                names += b"#f%d.%s\n" % (fn, gc.encode()) + front_coded(ks)
    for sn in range(1, 8):
        ks = [k for k, e in good.items() if e[1] == sn]
        if ks:
            names += b"#s%d\n" % sn + front_coded(ks)
    words = bytearray()
    for wf in range(1, 6):
        ks = [k for k, e in good.items() if e[2] == wf]
        if ks:
            words += b"#w%d\n" % wf + front_coded(ks)
    for name, bit in FLAG_LISTS:
        ks = [k for k, e in good.items() if e[3] & bit]
        tail = (lambda k: good[k][5][:2].ljust(2, b"-") + bytes([0x30 + good[k][6]])) if bit == L.F_CITY else None
        if ks:
            words += b"#" + name.encode() + b"\n" + front_coded(ks, tail)
    return bytes(names), bytes(words), len(good)


def write_fold_table(path):
    """ASCII folds of Latin letters with diacritics, U+00C0-U+024F and U+1E00-U+1EFF."""
    lines = ["/* fold_table.c: generated by scripts/train-names.py (from Python's unicodedata); do not edit.",
             " * The ASCII fold of each Latin letter with a diacritic: NFKD without combining marks, lower",
             " * case, with a few letters that do not decompose (ß ss, æ ae, ø o, ł l, đ d, þ th, ...). */",
             '#include "deid_int.h"', ""]
    for name, lo, hi in (("deid_fold_latin", 0xC0, 0x24F), ("deid_fold_ext", 0x1E00, 0x1EFF)):
        lines.append("const char *const %s[%d] = {" % (name, hi - lo + 1))
        row = []
        for cp in range(lo, hi + 1):
            f = L.FOLD.get(cp) if cp not in (0xD7, 0xF7) else None
            row.append('"%s"' % f if f else "0")
            if len(row) == 16:
                lines.append("  " + ", ".join(row) + ",")
                row = []
        if row:
            lines.append("  " + ", ".join(row) + ",")
        lines.append("};")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def write_c_blob(path, header, name, blob, extra=""):
    lines = [header, '#include "deid_int.h"\n', "const char %s[] =" % name]
    # one source line per ~1,500 bytes of data, split after an entry
    i = 0
    while i < len(blob):
        j = min(len(blob), i + 1500)
        nl = blob.rfind(b"\n", i, j)
        if j < len(blob) and nl > i:
            j = nl + 1
        lines.append('  "%s"' % c_escape(blob[i:j]))
        i = j
    lines[-1] += ";"
    lines.append("const size_t %s_len = sizeof %s - 1;" % (name, name))
    if extra:
        lines.append(extra)
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")


def write_model(path, avg, theta, log):
    m = max(abs(x) for x in avg) or 1.0
    scale = 32000.0 / m
    q = [int(round(x * scale)) for x in avg]
    nz = [(i, v) for i, v in enumerate(q) if v != 0]
    # sparse: (gap, weight) pairs; gap and weight as variable-length base64 numbers
    out = bytearray()

    def num(v):
        # zigzag, then 5 bits a digit, high digits first with a continuation bit
        z = (v << 1) ^ (v >> 63) if v < 0 else v << 1
        digits = []
        while True:
            digits.append(z & 31)
            z >>= 5
            if not z:
                break
        digits.reverse()
        for k, dgt in enumerate(digits):
            out.append(ord(B64[dgt | (32 if k < len(digits) - 1 else 0)]))

    last = -1
    for i, v in nz:
        num(i - last - 1)
        num(v)
        last = i
    header = ("/* tagger_model.c: generated by scripts/train-names.py; do not edit. Weights of the person-name\n"
              " * tagger (averaged perceptron over hashed features, %d slots, %d non-zero), quantized to\n"
              " * integers: score = sum of weights / DEID_TAGGER_SCALE. Training log: data/deid/TRAINING.md. */"
              % (TABLE, len(nz)))
    extra = ("const unsigned deid_tagger_bits = %d;\nconst double deid_tagger_scale = %.6f;\n"
             "const double deid_tagger_theta = %.6f;" % (TABLE_BITS, scale, theta))
    write_c_blob(path, header, "deid_tagger_weights", bytes(out), extra)
    log.append("model: %d hashed slots, %d non-zero weights, %d bytes encoded; scale %.3f" %
               (TABLE, len(nz), len(out), scale))
    return q, scale


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data", "ner"))
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--heldout-json")
    ap.add_argument("--seed", type=int, default=7, help="seed of the order sentences are trained in")
    ap.add_argument("--runs", type=int, default=RUNS,
                    help="train this many times (seeds SEED, SEED+1, ...) and average the weights")
    ap.add_argument("--lexicon-only", action="store_true")
    ap.add_argument("--presidio", default=os.path.join(ROOT, "..", "shared", "data", "pii",
                                                       "presidio-synth-1500.json"),
                    help="presidio-research synthetic set; its dev part (even template ids) is trained on")
    ap.add_argument("--presidio-context-only", action="store_true",
                    help="learn only context features (not the words themselves) from the presidio sentences")
    ap.add_argument("--presidio-copies", type=int, default=PRESIDIO_COPIES,
                    help="times each presidio dev sentence is trained on per epoch (0: not at all)")
    a = ap.parse_args()
    if not os.path.isdir(a.shared):
        sys.exit("train-names.py: %s not found (the NER data is only needed to regenerate)" % a.shared)
    t0 = time.time()
    log = []
    lex = build_lexicon(a.shared, log)
    names, words, n = lexicon_blobs(lex)
    for fname, var, blob, what in (("lexicon_names.c", "deid_lexicon_names", names, "first names and surnames"),
                                   ("lexicon_words.c", "deid_lexicon_words", words,
                                    "common words, places, street/unit/title/month words")):
        header = ("/* %s: generated by scripts/train-names.py; do not edit. Part of the lexicon (%s):\n"
                  " * front-coded word lists, format in lib/deid/lexicon.c. Sources and licences:\n"
                  " * data/deid/TRAINING.md. */" % (fname, what))
        write_c_blob(os.path.join(ROOT, "lib/deid", fname), header, var, blob)
    log.append("lexicon: %d words; %d + %d bytes of lists" % (n, len(names), len(words)))
    write_fold_table(os.path.join(ROOT, "lib/deid/fold_table.c"))
    print(log[-1], flush=True)
    if a.lexicon_only:
        return
    train_s, dev_s, test_s = load_corpora(a.shared)
    pres_s = load_presidio_dev(a.presidio) if a.presidio_copies > 0 else []
    if pres_s:
        log.append("presidio dev part: %d sentences, %d person names, each trained on %d times an epoch" %
                   (len(pres_s), sum(len(s.spans) for s in pres_s), a.presidio_copies))
        print(log[-1], flush=True)
    if a.heldout_json:
        recs = [{"full_text": s.text, "source": s.source,
                 "spans": [{"entity_type": "PERSON", "start_position": x, "end_position": y} for x, y in s.spans]}
                for s in test_s]
        with open(a.heldout_json, "w", encoding="utf-8") as f:
            json.dump(recs, f, ensure_ascii=False)
        print("wrote %d held-apart sentences to %s" % (len(recs), a.heldout_json))
    train_p = [prepare(s, lex) for s in train_s]
    pres_p = [prepare(s, lex) for s in pres_s]
    for p in pres_p:
        p.context_only = a.presidio_context_only
    train_p += pres_p * a.presidio_copies
    dev_p = [prepare(s, lex) for s in dev_s]
    test_p = [prepare(s, lex) for s in test_s]
    # BTC tweets use lexicons differently; nothing is weighted: one sentence, one example (the
    # presidio sentences --presidio-copies times: more than once fits its templates, not names)
    avgs = []
    for k in range(a.runs):
        if a.runs > 1:
            log.append("run %d of %d (seed %d)" % (k + 1, a.runs, a.seed + k))
        avgs.append(train(train_p, dev_p, lex, a.epochs, log, a.seed + k))
    avg = [sum(ws) / len(ws) for ws in zip(*avgs)] if len(avgs) > 1 else avgs[0]
    q, scale = write_model(os.path.join(ROOT, "lib/deid/tagger_model.c"), avg, 0.0, log)
    sc = lambda idx: sum(q[i] for i in idx) / scale  # noqa: E731
    print("\n".join(log[-2:]))
    # the threshold: the lowest that keeps dev precision >= 0.80, preferring recall
    best = (0.0, evaluate(dev_p, lex, sc, 0.0))
    for theta in (-6.0, -4.0, -3.0, -2.0, -1.5, -1.0, -0.5, 0.5, 1.0):
        r = evaluate(dev_p, lex, sc, theta)
        if r["precision"] >= 0.80 and r["recall"] > best[1]["recall"]:
            best = (theta, r)
    theta = best[0]
    q, scale = write_model(os.path.join(ROOT, "lib/deid/tagger_model.c"), avg, theta, log)
    log.append("threshold %.2f (dev: recall %.4f, precision %.4f)" % (theta, best[1]["recall"], best[1]["precision"]))
    sizes = {}
    for name, part in (("train", train_s + pres_s), ("dev", dev_s), ("test", test_s)):
        for s in part:
            k = (name, s.source)
            v = sizes.setdefault(k, [0, 0])
            v[0] += 1
            v[1] += len(s.spans)
    per_source = {}
    for p, s in zip(test_p, test_s):
        per_source.setdefault(s.source, []).append(p)
    if pres_p:
        r = evaluate(pres_p, lex, sc, theta)
        log.append("presidio dev part (trained on): recall %.4f, precision %.4f" % (r["recall"], r["precision"]))
    results = [("all held-apart", evaluate(test_p, lex, sc, theta))]
    for src_name in sorted(per_source):
        results.append((src_name, evaluate(per_source[src_name], lex, sc, theta)))
    write_vectors(os.path.join(ROOT, "tests/unit/data/deid_tagger_vectors.txt"), lex, q, scale)
    write_log(os.path.join(ROOT, "data/deid/TRAINING.md"), lex, log, sizes, results, theta, time.time() - t0)
    for name, r in results:
        print("%-16s names %5d recall %.4f precision %.4f" % (name, r["names"], r["recall"], r["precision"]))


def write_vectors(path, lex, q, scale):
    """Sentences and, per candidate token, its byte range and integer score: the C tagger must
    give the same (tests/unit/test_deid_names.c)."""
    sents = ["My name is Ástríður Steinarsdóttir and I live in Reykjavík.",
             "Will you call Mark Scheme tomorrow? Dear Mr. O'Neil, thanks - Jean-Luc Picard",
             "creator.create(\"FitnessMin\", base.Fitness) by Brian Christian\n\"ÉMILE ZOLA\" wrote J. K. Rowling's",
             "Заур Ковалёв and Γιώργος met Kaczmarek's sister on Tuesday in New York City."]
    with open(path, "w", encoding="utf-8") as f:
        f.write("# generated by scripts/train-names.py: sentence, then 'start end score' per candidate token\n")
        for s in sents:
            b = s.encode()
            toks = L.tokenize(b)
            f.write("S\t" + s.replace("\n", "\\n") + "\n")
            tags = [0] * len(toks)
            theta_i = None
            for i, t in enumerate(toks):
                if not L.is_candidate(b, toks, i, lex):
                    continue
                idx = hashed(L.features(b, toks, i, lex, tags))
                sc = sum(q[k] for k in idx)
                tags[i] = 1 if sc / scale > 0 else 0
                f.write("T\t%d\t%d\t%d\n" % (t.s, t.e, sc))
            del theta_i


def write_log(path, lex, log, sizes, results, theta, secs):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Person-name tagger and lexicon: training log\n\n")
        f.write("Generated by `scripts/train-names.py` (%.0f s); rerun it to reproduce. Inputs are read from\n"
                "`../shared/data/ner` (see its README.md) and `../shared/data/pii`; nothing there is needed\n"
                "to build depsim.\n\n" % secs)
        f.write("## Lexicon sources (lib/deid/lexicon_data.c)\n\n| source | entries read | licence |\n|---|---|---|\n")
        for name, n, lic in lex.sources:
            f.write("| %s | %d | %s |\n" % (name, n, lic))
        f.write("\nLists derived from these and shipped in `lib/deid/lexicon_data.c`: first-name and surname\n"
                "frequency classes, gender, common-word classes, place/street/unit/title/month flags, surrogate\n"
                "pools (frequent first names and surnames), public-figure surnames. No CC-BY-SA source\n"
                "(FrequencyWords, UNER, GUM bio/voyage) contributes to the lexicon. GeoNames (CC-BY 4.0):\n"
                "attribution to GeoNames (geonames.org).\n\n")
        f.write("## Tagger training data (person entities)\n\n| split | source | sentences | person names |\n"
                "|---|---|---|---|\n")
        for (part, src), (ns, nn) in sorted(sizes.items()):
            f.write("| %s | %s | %d | %d |\n" % (part, src, ns, nn))
        f.write("\nThe tagger's weights are learned from these corpora (WNUT-17, BTC: CC-BY 4.0; GUM annotations\n"
                "CC-BY 4.0, texts CC-BY/CC-BY-SA; UNER-EWT CC-BY-SA 4.0); the shipped file holds hashed feature\n"
                "weights only, no text. Test parts (WNUT-17 test, BTC section H, UNER-EWT test, GUM test documents)\n"
                "were never trained or tuned on. presidio-dev: the even template ids of the synthetic\n"
                "presidio-research set (MIT; Faker identities, no real people), trained on, never tuned on;\n"
                "its odd template ids (bench_deid's test part) are never read.\n\n## Log\n\n")
        for line in log:
            f.write("- %s\n" % line)
        f.write("\n## Held-apart scores of the tagger alone (threshold %.2f)\n\n" % theta)
        f.write("Recall: a gold name counts as found when every word of it is tagged (lower-case names, which the\n"
                "tagger never considers, count as missed). Precision: a predicted name is right when it overlaps\n"
                "a gold name. The whole detector (rules + tagger) is measured by bench/bench_deid.\n\n")
        f.write("| part | names | recall | predicted | precision | token recall | token precision |\n"
                "|---|---|---|---|---|---|---|\n")
        for name, r in results:
            f.write("| %s | %d | %.4f | %d | %.4f | %.4f | %.4f |\n" % (name, r["names"], r["recall"], r["predicted"],
                                                                   r["precision"], r["tok_r"], r["tok_p"]))


if __name__ == "__main__":
    main()
