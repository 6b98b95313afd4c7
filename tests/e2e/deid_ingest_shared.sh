# deid_ingest_shared.sh: ingest of real ShareGPT traffic (with real e-mail addresses and phone
# numbers) leaves nothing the post-scan finds, and none of the raw values found in the input
# (by an independent regex here, not by depsim's detector) survives in the corpus.
. "$DS_SRC/tests/e2e/lib.sh"
IN=$(shared_file traffic/sharegpt-1000.jsonl)

"$DEPSIM" ingest "$IN" -o "$WORK/corpus.jsonl" --assume-consent -q >"$WORK/out.txt" 2>"$WORK/err.txt" ||
  { cat "$WORK/err.txt" >&2; fail "ingest exited $?"; }
[ -s "$WORK/corpus.jsonl" ] || fail "no corpus written"

# the manifest records de-identification with counts and a clean post-scan
python3 - "$WORK/corpus.jsonl.manifest.json" <<'PY' || fail "manifest deid section"
import json, sys
m = json.load(open(sys.argv[1]))
d = m["deid"]
assert d["enabled"] is True, d
assert d["post_scan"]["findings"] == 0, d["post_scan"]
assert d["replaced"]["EMAIL"] > 0 and d["replaced"]["PHONE"] > 0, d["replaced"]
PY

# raw e-mail addresses and phone numbers in the input, found by plain regexes
python3 - "$IN" "$WORK/corpus.jsonl" <<'PY' || fail "raw personal data survived"
import json, re, sys
email = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
phone = re.compile(r"(?<![\w.])(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w])")
allowed = ("example.com", "example.org", "example.net")
emails, phones = set(), set()
for line in open(sys.argv[1], encoding="utf-8"):
    for m in json.loads(line).get("conversations", []):
        v = m.get("value") or ""
        for e in email.findall(v):
            if not e.lower().endswith(allowed) and not re.search(r"\.(png|jpg|js|css)$", e): emails.add(e)
        for p in phone.findall(v):
            if "phone" in v[max(0, v.find(p) - 60):v.find(p)].lower(): phones.add(p)
assert len(emails) >= 5, f"expected real e-mail addresses in the input, found {len(emails)}"
assert len(phones) >= 1, "expected phone numbers in the input"
out = open(sys.argv[2], encoding="utf-8").read()
left = [x for x in emails | phones if x in out or json.dumps(x)[1:-1] in out]
assert not left, f"{len(left)} raw values left, e.g. {sorted(left)[:3]}"
print(f"checked {len(emails)} e-mail addresses and {len(phones)} phone numbers: none left")
PY

# --no-deid is loud: stderr and the manifest say so
"$DEPSIM" ingest "$IN" -o "$WORK/raw.jsonl" --assume-consent --no-deid -q >/dev/null 2>"$WORK/err2.txt" ||
  fail "ingest --no-deid failed"
grep -q "de-identification is OFF" "$WORK/err2.txt" || fail "--no-deid did not warn"
python3 -c "
import json,sys; d=json.load(open('$WORK/raw.jsonl.manifest.json'))['deid']
assert d['enabled'] is False and 'TURNED OFF' in d['warning'], d" || fail "manifest does not flag --no-deid"
echo ok
