# pairing_prompts.sh: a baseline pairs with a candidate only where both runs showed the model the
# same prompt. Replaying a corpus whose first user messages were replaced (the issue's jq edit)
# and comparing gives an error naming how many prefixes differ and one of them, not 40 confident
# pairs; --pair-mismatch drop compares the matching ones and says how many were left out; runs of
# different corpora are said to be so; the same prompts from a reordered corpus pair fully.
# validate --observed refuses rates of another rubric and calls the forecast's own corpus in-sample.
source "$DS_SRC/tests/e2e/lib.sh"
command -v sqlite3 >/dev/null || skip "needs the sqlite3 command-line tool"
cd "$WORK"
python3 - <<'PY'
import json
recs = []
for i in range(40):
    recs.append({"id": f"c{i}", "messages": [
        {"role": "user", "content": f"question {i}: my email is person{i}@example.com"},
        {"role": "assistant", "content": "I checked the database and it says yes." if i % 3 == 0 else "I cannot tell."}]})
def write(name, rs):
    with open(name, "w") as f:
        for r in rs:
            f.write(json.dumps(r) + "\n")
write("corpus.jsonl", recs)
# the issue's reproduction: every first user message replaced
write("other.jsonl", [dict(r, messages=[dict(r["messages"][0], content="other " + r["id"])] + r["messages"][1:]) for r in recs])
# half of them replaced
write("half.jsonl", [dict(r, messages=[dict(r["messages"][0], content="other " + r["id"])] + r["messages"][1:])
                     if i % 2 else r for i, r in enumerate(recs)])
# the same records in another order: another file, the same prompts
write("reordered.jsonl", list(reversed(recs)))
PY
RUBRIC=$DS_SRC/data/rubrics/default.yaml
for c in corpus other half reordered; do
  "$DEPSIM" replay $c.jsonl --backend original -o $c.db -q > /dev/null || fail "replay $c"
  "$DEPSIM" grade $c.db --rubric "$RUBRIC" -q 2>/dev/null || fail "grade $c"
done
assert_eq "$(sqlite3 corpus.db "SELECT count(*) FROM prefixes WHERE length(digest) = 32")" 40 "digests stored"

# every prompt differs: refused, saying how many and one of them, and that the corpora differ
rc=0
"$DEPSIM" estimate corpus.db --baseline other.db -o f.json 2> err.txt > /dev/null || rc=$?
assert_eq "$rc" 3 "estimate with prompts that differ: exit status"
grep -q "40 of 40 prefixes in both corpus.db and other.db hold different prompts (e.g. c[0-9]*#1)" err.txt ||
  { cat err.txt; fail "no count and example of the differing prompts"; }
grep -q "different corpora" err.txt || { cat err.txt; fail "different corpora not said"; }
[ ! -e f.json ] || fail "a forecast was written from unpaired runs"
# ... and with drop there is nothing left to compare: still an error
rc=0
"$DEPSIM" estimate corpus.db --baseline other.db --pair-mismatch drop -o f.json 2> err.txt > /dev/null || rc=$?
assert_eq "$rc" 3 "estimate with no matching prompt, drop: exit status"
grep -q "no prefix in both" err.txt || { cat err.txt; fail "no word that nothing matches"; }

# half differ: refused by default; with drop the 20 matching ones are compared, 20 left out
rc=0
"$DEPSIM" estimate corpus.db --baseline half.db -o f.json 2> err.txt > /dev/null || rc=$?
assert_eq "$rc" 3 "estimate with half the prompts differing: exit status"
grep -q "20 of 40 prefixes" err.txt || { cat err.txt; fail "count of differing prompts"; }
grep -q -- "--pair-mismatch drop" err.txt || { cat err.txt; fail "no pointer to --pair-mismatch drop"; }
"$DEPSIM" estimate corpus.db --baseline half.db --pair-mismatch drop -o f.json 2> err.txt > /dev/null ||
  { cat err.txt; fail "estimate --pair-mismatch drop"; }
grep -q "20 of 40 prefixes in both runs hold different prompts" err.txt || { cat err.txt; fail "no warning of the left out"; }
python3 - <<'PY' || fail "forecast pairing"
import json
f = json.load(open("f.json"))
p = f["pairing"]
assert (p["matched"], p["left_out"], p["common"], p["policy"]) == (20, 20, 40, "drop"), p
assert p["same_corpus"] is False and p["example_mismatch"].endswith("#1"), p
for c in f["categories"]:
    if c["comparison"] is not None:
        assert c["comparison"]["n_pairs"] <= 20, c["comparison"]
PY

# report --baseline pairs the same way: refused by default, naming the count; with drop the page
# says how many were left out and its paired cells count only the matching ones
rc=0
"$DEPSIM" report corpus.db --baseline half.db -o r.json 2> err.txt > /dev/null || rc=$?
assert_eq "$rc" 3 "report with half the prompts differing: exit status"
grep -q "20 of 40 prefixes" err.txt || { cat err.txt; fail "report: count of differing prompts"; }
[ ! -e r.json ] || fail "a report was written from unpaired runs"
"$DEPSIM" report corpus.db --baseline half.db --pair-mismatch drop -o r.json -q 2> err.txt || { cat err.txt; fail "report drop"; }
"$DEPSIM" report corpus.db --baseline half.db --pair-mismatch drop -o r.md -q 2> err.txt || { cat err.txt; fail "report drop md"; }
grep -q "20 of 40 prefixes in both runs hold different prompts" r.md || { cat r.md; fail "report.md says nothing of the left out"; }
python3 - <<'PY' || fail "report pairing"
import json
r = json.load(open("r.json"))
m = r["candidates"][0] if "candidates" in r else r
p = m["pairing"]
assert (p["matched"], p["left_out"]) == (20, 20), p
cells = [c["paired"] for c in m["categories"] if isinstance(c, dict) and c.get("paired")]
assert cells and all(c["n"] <= 20 for c in cells), cells
PY
# the gate on that forecast says what was left out, in its decision file and on stderr
rc=0
"$DEPSIM" gate f.json --policy "$DS_SRC/data/policies/default.yaml" --markdown g.md --json g.json 2> err.txt || rc=$?
[ "$rc" -le 2 ] || { cat err.txt; fail "gate on a drop forecast: exit $rc"; }
grep -q "leaves out 20 of 40 prefixes whose prompts differ" err.txt || { cat err.txt; fail "gate: left out not said"; }
grep -q "leaves out 20 of 40 prefixes" g.md || { cat g.md; fail "gate markdown: left out not said"; }
python3 -c "
import json; p = json.load(open('g.json'))['pairing']
assert (p['left_out'], p['matched']) == (20, 20), p" || fail "gate decision pairing"

# the same prompts from another file (reordered): all pair, and the corpora are said to differ
"$DEPSIM" estimate corpus.db --baseline reordered.db -o f2.json 2> err.txt > /dev/null || { cat err.txt; fail "reordered"; }
grep -q "another corpus" err.txt || { cat err.txt; fail "different corpora not said for a reordered corpus"; }
python3 -c "
import json; p = json.load(open('f2.json'))['pairing']
assert (p['matched'], p['left_out'], p['same_corpus']) == (40, 0, False), p" || fail "reordered pairing"
# the same corpus: all pair, nothing said
"$DEPSIM" estimate corpus.db --baseline corpus.db -o f3.json 2> err.txt > /dev/null || { cat err.txt; fail "same"; }
python3 -c "
import json; p = json.load(open('f3.json'))['pairing']
assert (p['matched'], p['left_out'], p['same_corpus']) == (40, 0, True), p" || fail "same-corpus pairing"
grep -q "corpus" err.txt && { cat err.txt; fail "a warning about corpora of one corpus"; }

# validate: observed traffic graded with another rubric is refused; the forecast's own corpus is
# an in-sample check, said so
"$DEPSIM" estimate corpus.db -o fc.json -q 2>/dev/null || fail "estimate alone"
sed 's/^version: 1$/version: 2/' "$RUBRIC" > v2.yaml
"$DEPSIM" replay other.jsonl --backend original -o other2.db -q > /dev/null || fail "replay other2"
"$DEPSIM" grade other2.db --rubric v2.yaml -q 2>/dev/null || fail "grade other2"
rc=0
"$DEPSIM" validate fc.json --observed other2.db -o v.json 2> err.txt > /dev/null || rc=$?
assert_eq "$rc" 3 "validate against another rubric: exit status"
grep -q "other2.db is not graded with the forecast's rubric" err.txt || { cat err.txt; fail "rubric mismatch not named"; }
"$DEPSIM" validate fc.json --observed other.db -o v.json 2> err.txt > /dev/null || { cat err.txt; fail "validate"; }
grep -q "same corpus" err.txt && fail "another corpus called the same"
"$DEPSIM" validate fc.json --observed corpus.db -o v.json 2> err.txt > /dev/null || { cat err.txt; fail "validate in-sample"; }
grep -q "same corpus as the forecast's run" err.txt || { cat err.txt; fail "in-sample validation not said"; }
echo ok
