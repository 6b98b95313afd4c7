"""namelex.py: the lexicon of lib/deid built from the third-party lists in ../shared/data/ner
(first names with frequency, surnames, common words, places, street and unit words, titles,
months), for scripts/train-names.py, which writes it out and trains the tagger on it. Python
3.11 standard library only."""

import csv
import io
import os
import re
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deidlex as L  # noqa: E402


# ---- lexicon ----------------------------------------------------------------------------------

def fold(s):
    return L.fold_bytes(s.encode())


class Lex:
    def __init__(self):
        self.e = {}  # folded bytes -> [fn, sn, wf, flags, gender, cc, popb]
        self.sources = []

    def get(self, k):
        return self.e.get(k)

    def ent(self, k):
        x = self.e.get(k)
        if x is None:
            x = self.e[k] = [0, 0, 0, 0, 0, b"", 0]
        return x

    def flag(self, k, f):
        if k:
            self.ent(k)[3] |= f


def bucket(count, steps):
    b = 0
    for i, s in enumerate(steps):
        if count >= s:
            b = i + 1
    return b


def single_token(s):
    b = s.encode()
    t = L.tokenize(b)
    return len(t) == 1 and t[0].word and t[0].s == 0 and t[0].e == len(b)


def build_lexicon(shared, log):
    lex = Lex()
    ner = shared

    def src(name, n, licence):
        lex.sources.append((name, n, licence))

    # first names: SSA totals 1880-2023 (public domain)
    ssa = {}
    with open(os.path.join(ner, "names-us-ssa/ssa_national_totals_1880_2023.csv"), newline="") as f:
        for r in csv.DictReader(f):
            k = fold(r["name"])
            c = int(r["count_1880_2023"])
            m = ssa.setdefault(k, [0, 0])
            m[0 if r["sex"] == "F" else 1] += c
    n = 0
    for k, (fc, mc) in ssa.items():
        tot = fc + mc
        if tot < 50:
            continue
        e = lex.ent(k)
        e[0] = max(e[0], bucket(tot, [50, 100, 1000, 10000, 100000, 1000000]) + 1)
        e[4] = 1 if fc >= 0.9 * tot else 2 if mc >= 0.9 * tot else 3
        n += 1
    src("names-us-ssa (first names, count >= 50)", n, "public domain")

    # libpostal given names and surnames (MIT, from Wikipedia)
    lp = os.path.join(ner, "libpostal-dictionaries/resources/dictionaries/all")
    n = 0
    lp_given = []
    with open(os.path.join(lp, "given_names.txt"), encoding="utf-8") as f:
        for line in f:
            name = line.strip().split("|")[0]
            if not name or not single_token(name):
                continue
            k = fold(name)
            e = lex.ent(k)
            e[0] = max(e[0], 1)
            lp_given.append((k, name))
            n += 1
    src("libpostal all/given_names.txt", n, "MIT")

    # WGND: international given names with gender (MIT)
    n = 0
    with open(os.path.join(ner, "names-intl-wgnd/wgnd_noctry.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            name = r["name"]
            if " " in name or not name.isalpha() or len(name) < 3 or len(name) > 14:
                continue
            k = fold(name.title())
            e = lex.get(k)
            if e is None or not e[0]:
                continue
            if e[4] == 0:
                e[4] = {"F": 1, "M": 2}.get(r["gender"], 3)
            n += 1
    src("names-intl-wgnd (gender of the names above)", n, "MIT (WIPO)")

    # surnames: Census 2010 (public domain)
    n = 0
    with open(os.path.join(ner, "names-us-census-2010-surnames/us-surnames.csv"), newline="") as f:
        for r in csv.reader(f):
            try:
                c = int(r[1])
            except (ValueError, IndexError):
                continue
            if c < 500 or not r[0].isalpha():
                continue
            k = fold(r[0])
            e = lex.ent(k)
            e[1] = max(e[1], bucket(c, [500, 1000, 10000, 100000, 1000000]) + 1)
            n += 1
    src("names-us-census-2010-surnames (count >= 500)", n, "public domain")
    n = 0
    with open(os.path.join(lp, "surnames.txt"), encoding="utf-8") as f:
        for line in f:
            name = line.strip().split("|")[0]
            if not name or not single_token(name) or len(name) < 3:
                continue
            k = fold(name)
            e = lex.ent(k)
            e[1] = max(e[1], 1)
            n += 1
    src("libpostal all/surnames.txt (single words)", n, "MIT")

    # common words: SCOWL english/american/british words up to size 50 (lower-case entries)
    sc = os.path.join(ner, "scowl/final")
    n = 0
    for size, cls in ((10, 1), (20, 2), (35, 3), (40, 4)):
        for var in ("english", "american", "british"):
            p = os.path.join(sc, "%s-words.%d" % (var, size))
            if not os.path.exists(p):
                continue
            with open(p, encoding="utf-8", errors="replace") as f:
                for line in f:
                    w = line.strip()
                    if not w or not w[0].islower() or "'" in w:
                        continue
                    e = lex.ent(fold(w))
                    if e[2] == 0 or cls < e[2]:
                        e[2] = cls
                        n += 1
    src("scowl english/american/british-words.10-40 (lower-case words)", n, "SCOWL (MIT-like)")
    n = 0
    public = set()
    for size in (10, 35, 40, 50):
        for kind in ("upper", "proper-names"):
            p = os.path.join(sc, "english-%s.%d" % (kind, size))
            if not os.path.exists(p):
                continue
            with open(p, encoding="utf-8", errors="replace") as f:
                for line in f:
                    w = line.strip()
                    if not w or "'" in w or not single_token(w):
                        continue
                    k = fold(w)
                    lex.flag(k, L.F_UPPER)
                    public.add(k)
                    n += 1
    src("scowl english-upper/proper-names.10-50", n, "SCOWL (MIT-like)")
    # public figures (for --keep-public-figures): a famous surname in SCOWL's proper-name and
    # upper-case lists that is neither a common surname nor a common first name
    npub = 0
    for k in public:
        e = lex.e[k]
        if e[1] >= 1 and e[1] <= 3 and e[0] <= 3 and e[2] == 0:
            e[3] |= L.F_PUBLIC
            npub += 1

    # places: GeoNames cities >= 15000 (CC-BY 4.0), admin1, countries (PDDL)
    n = 0
    with zipfile.ZipFile(os.path.join(ner, "geonames-cities15000/cities15000.zip")) as z:
        with z.open("cities15000.txt") as f:
            for line in io.TextIOWrapper(f, encoding="utf-8"):
                r = line.rstrip("\n").split("\t")
                if len(r) < 15:
                    continue
                pop = int(r[14] or 0)
                if pop < 40000:
                    continue
                for name in {r[1], r[2]}:
                    if not name or len(name) < 3:
                        continue
                    k = fold(name)
                    e = lex.ent(k)
                    e[3] |= L.F_CITY
                    pb = bucket(pop, [40000, 100000, 300000, 1000000, 5000000])
                    if pb > e[6]:
                        e[6] = pb
                        e[5] = r[8].encode()
                    n += 1
    src("geonames-cities15000 (population >= 40000: name, ascii name)", n, "CC-BY 4.0 (GeoNames)")
    n = 0
    with open(os.path.join(ner, "geonames-cities15000/admin1CodesASCII-with-header.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            r = line.rstrip("\n").split("\t")
            for name in set(r[1:3]):
                if name and len(name) >= 3:
                    lex.flag(fold(name), L.F_REGION)
                    n += 1
    src("geonames admin1 (states, provinces)", n, "CC-BY 4.0 (GeoNames)")
    n = 0
    with open(os.path.join(ner, "country-codes/country-codes.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            for col in ("CLDR display name", "UNTERM English Short", "official_name_en", "ISO3166-1-Alpha-3"):
                name = (r.get(col) or "").strip()
                name = re.sub(r"\s*\(.*\)$", "", name)
                if name and len(name) >= 4 and "," not in name:
                    lex.flag(fold(name), L.F_COUNTRY)
                    n += 1
    src("country-codes (CLDR and UN short names)", n, "ODC-PDDL 1.0")
    n = 0
    with open(os.path.join(ner, "geonames-cities15000/countryInfo.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            r = line.rstrip("\n").split("\t")
            if len(r) > 4 and len(r[4]) >= 4:
                lex.flag(fold(r[4]), L.F_COUNTRY)
                n += 1
    for name in ("United States", "United States of America", "USA", "Czech Republic", "Great Britain",
                 "England", "Scotland", "Wales", "Northern Ireland", "Holland", "Russia", "South Korea",
                 "North Korea", "Vietnam", "Iran", "Syria", "Venezuela", "Bolivia", "Tanzania", "Moldova"):
        lex.flag(fold(name), L.F_COUNTRY)
    src("geonames countryInfo (country names) and common short forms", n, "CC-BY 4.0 (GeoNames)")

    # street types, unit designators, titles, company types, stopwords (USPS: PD; libpostal: MIT)
    us = os.path.join(ner, "usps-street-suffixes")
    n = 0
    with open(os.path.join(us, "2017_USPS_Street_Suffixes.csv"), encoding="utf-8-sig") as f:
        for r in csv.reader(f):
            if r and r[0] != "name":
                for w in r:
                    lex.flag(fold(w.strip()), L.F_STREET)
                    n += 1
    with open(os.path.join(us, "2017_USPS_Secondary_Designators.csv"), encoding="utf-8-sig") as f:
        for r in csv.reader(f):
            if r and r[0] != "Description":
                for w in r:
                    lex.flag(fold(w.strip()), L.F_UNIT)
                    n += 1
    with open(os.path.join(us, "1993_Census_Common_Street_Names.csv"), encoding="utf-8-sig") as f:
        for r in csv.reader(f):
            if r and r[0] != "name" and r[0].strip():
                lex.flag(fold(r[0].strip()), L.F_STREETNAME)
                n += 1
    d = os.path.join(ner, "libpostal-dictionaries/resources/dictionaries")
    for lang in ("en", "de", "fr", "es", "it", "nl", "pt", "da", "sv", "nb", "fi", "pl"):
        for fname, fl in (("street_types.txt", L.F_STREET), ("unit_types_numbered.txt", L.F_UNIT),
                          ("personal_titles.txt", L.F_TITLE), ("company_types.txt", L.F_ORG)):
            p = os.path.join(d, lang, fname)
            if not os.path.exists(p):
                continue
            with open(p, encoding="utf-8") as f:
                for line in f:
                    for w in line.strip().split("|"):
                        if w and single_token(w) and (fl != L.F_TITLE or lang == "en"):
                            lex.flag(fold(w), fl)
                            n += 1
    src("usps street suffixes, unit designators, 1993 common street names; libpostal street/unit/title/company"
        " words", n,
        "public domain / MIT")
    for w in ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "madam", "mme", "mlle", "herr",
              "frau", "sr", "sra", "srta", "sra", "rev", "fr", "capt", "sgt", "lt", "col", "gen", "hon"):
        lex.flag(fold(w), L.F_TITLE)
    for w in ("january february march april may june july august september october november december jan feb mar "
              "apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon "
              "tue tues wed thu thur thurs fri sat sun").split():
        lex.flag(fold(w), L.F_TIME)
    for w in ("inc ltd llc corp co plc gmbh ag sa university college institute school bank hospital church "
              "society association foundation group company corporation agency department ministry council "
              "committee club team museum library center centre airport station").split():
        lex.flag(fold(w), L.F_ORG)
    for w in ("i the a an this that these those my your his her our their its we you he she they it me him us "
              "them mine yours hers ours theirs and or but if when while what which who whom whose where why how "
              "is are was were be been am do does did have has had will would shall should can could may might "
              "must not no yes hi hello hey dear thanks thank please ok okay so then there here also just").split():
        lex.flag(fold(w), L.F_STOP)
    # stopwords of the languages around (libpostal, MIT): "der", "sie", "les" are not names
    n = 0
    for lang in ("de", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi", "pl", "cs", "hu", "tr", "ro", "id"):
        p = os.path.join(d, lang, "stopwords.txt")
        if not os.path.exists(p):
            continue
        with open(p, encoding="utf-8") as f:
            for line in f:
                for w in line.strip().split("|"):
                    if w and single_token(w) and len(w) <= 6:
                        lex.flag(fold(w), L.F_STOP)
                        n += 1
    src("libpostal stopwords (de fr es it nl pt sv da nb fi pl cs hu tr ro id, words of 6 letters or less)", n,
        "MIT")
    for w in ("Africa", "America", "Americas", "Asia", "Europe", "Oceania", "Antarctica", "Eurasia", "Arctic",
              "Caribbean", "Scandinavia", "Balkans", "Latin America", "North America", "South America",
              "Central America", "Middle East", "Far East", "Southeast Asia"):
        lex.flag(fold(w), L.F_COUNTRY)
    for w in "van von de der den da del della di du la le ter ten bin ibn al el y dos das zu af".split():
        lex.flag(fold(w), L.F_PARTICLE)
    log.append("lexicon: %d entries; %d flagged as public-figure surnames" % (len(lex.e), npub))
    return lex
