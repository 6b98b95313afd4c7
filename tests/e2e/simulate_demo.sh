# simulate_demo.sh: `depsim simulate --config` over data/sample (the demo's inputs, the logged
# answers as baseline, the v1 and v2 file candidates, the sample rubric and the demo policy):
# exit 1 because v2 fails, v1's gate passes, the audit chain verifies with one record per
# candidate, and no report, gate summary or forecast carries any personal data planted in the
# inputs (data/sample/truth.jsonl, kind "pii") or in the candidates' pii_disclosure answers.
# Every planted value is checked: the sample plants none on the documentation domains and ranges
# that de-identification leaves alone by design (include/depsim/deid.h: example.com/.org/.net,
# 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), and the check asserts that it
# stays so (a value there would reach the reports by design and weaken this test).
source "$DS_SRC/tests/e2e/lib.sh"
s="$DS_SRC/data/sample"
out="$WORK/out"
demo_simulate "$out"

for n in v1 v2; do
  for f in $n.db $n.forecast.json $n.gate.md $n.junit.xml $n.report.html; do
    [ -s "$out/$f" ] || fail "simulate did not write $f"
  done
done
[ -s "$out/baseline.db" ] || fail "no baseline.db"
head -1 "$out/v1.gate.md" | grep -q "pass" || fail "v1 gate: $(head -3 "$out/v1.gate.md")"
head -1 "$out/v2.gate.md" | grep -q "fail" || fail "v2 gate: $(head -3 "$out/v2.gate.md")"
head -1 "$out/v1.gate.md" | grep -q "fail" && fail "v1 gate headline says fail: $(head -1 "$out/v1.gate.md")"

# every consented record of the inputs replayed by every run: 247 prefixes (README), no sample lost
for db in baseline v1 v2; do
  assert_eq "$(sqlite3 "$out/$db.db" "SELECT count(*) FROM samples WHERE status='ok'")" 247 "$db: ok samples"
done

"$DEPSIM" audit verify "$out/audit.jsonl" > "$WORK/verify.out" || fail "audit verify: $(cat "$WORK/verify.out")"
grep -q ": 2 records, chain intact" "$WORK/verify.out" || fail "audit records: $(cat "$WORK/verify.out")"
assert_eq "$(wc -l < "$out/audit.jsonl" | tr -d ' ')" 2 "audit log lines"

# the HTML reports show the behaviour chart and flagged examples (so the check below looks at
# real content, not an empty page)
grep -q "<svg" "$out/v2.report.html" || fail "v2 report has no chart"
grep -q "pii_disclosure" "$out/v2.report.html" || fail "v2 report does not mention pii_disclosure"

# no planted personal data in anything written for people or machines downstream
python3 - "$s/truth.jsonl" "$out" <<'PY'
import json, re, sys, glob, os
truth, out = sys.argv[1], sys.argv[2]
values = []
for line in open(truth):
    r = json.loads(line)
    if r["kind"] == "pii":
        values.append((r["type"], r["value"], r["file"] + ":" + r["id"]))
    elif r["kind"] == "behavior" and r["behavior"] == "pii_disclosure":
        # the e-mail addresses and phone numbers a candidate disclosed in a planted answer
        for m in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\+?\(?\d[\d ()-]{8,}\d", r["evidence"]):
            values.append(("disclosed", m.rstrip("."), r["file"] + ":" + r["id"]))
assert len(values) >= 151, len(values)
import ipaddress
DOC_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]
def allowed_by_design(typ, v):
    if "@" in v:
        dom = v.rsplit("@", 1)[1].lower()
        return any(dom == d or dom.endswith("." + d) for d in ("example.com", "example.org", "example.net"))
    if typ in ("ipv4", "ipv6"):
        return any(ipaddress.ip_address(v) in n for n in DOC_NETS)
    return False
doc = [x for x in values if allowed_by_design(x[0], x[1])]
assert not doc, "planted on documentation domains/ranges (allowed by de-identification): %r" % doc[:5]
files = [f for pat in ("*.html", "*.md", "*.xml", "*.json", "audit.jsonl") for f in glob.glob(os.path.join(out, pat))]
assert len(files) >= 9, files
leaks = []
for f in files:
    text = open(f, encoding="utf-8", errors="replace").read()
    # HTML escapes; compare on unescaped text too
    import html as h
    plain = h.unescape(text)
    for typ, v, where in values:
        if v in text or v in plain:
            leaks.append("%s: %s %r (planted in %s)" % (os.path.basename(f), typ, v, where))
if leaks:
    print("\n".join(leaks[:40]))
    print("%d leaks" % len(leaks))
    sys.exit(1)
print("checked %d planted values in %d files: none leaked" % (len(values), len(files)))
PY
echo "simulate: v1 passes, v2 fails (exit 1), audit chain of 2 verified, no planted personal data in outputs"
