#!/usr/bin/env bash
# report_pipeline.sh: the sample traffic through the real stages (ingest, replay with the file
# backend and with the original answers, grade with data/sample/rubric.yaml, estimate) and then
# report: the report shows exactly the planted overt counts of data/sample/README.md, v2 worse
# than the baseline and v1 not. Skips while a stage is not part of this build.
source "$(dirname "$0")/lib.sh"

for cmd in ingest replay grade estimate; do
  "$DEPSIM" "$cmd" --help >/dev/null 2>&1 || skip "depsim $cmd is not in this build yet"
done
S="$DS_SRC/data/sample"
cd "$WORK"
"$DEPSIM" ingest "$S/chats.jsonl" "$S/agent.jsonl" -o corpus.jsonl -q >/dev/null || fail "ingest"
assert_eq "$(wc -l <corpus.jsonl | tr -d ' ')" 247 "consented conversations"
for v in v1 v2; do
  "$DEPSIM" replay corpus.jsonl --backend "file:$S/candidate-$v.jsonl" -o "$v.db" -q >/dev/null || fail "replay $v"
done
"$DEPSIM" replay corpus.jsonl --backend original -o base.db -q >/dev/null || fail "replay original"
for db in v1 v2 base; do
  "$DEPSIM" grade "$db.db" --rubric "$S/rubric.yaml" -q >/dev/null || fail "grade $db"
done
"$DEPSIM" estimate v2.db --baseline base.db -o forecast.json >/dev/null || fail "estimate"
"$DEPSIM" report v2.db --baseline base.db --forecast forecast.json -o report.html || fail "report html"
"$DEPSIM" report v2.db --baseline base.db --forecast forecast.json -o report.md || fail "report md"
"$DEPSIM" report v2.db --baseline base.db --json >v2.json || fail "report json"
"$DEPSIM" report v1.db --baseline base.db --json >v1.json || fail "report json v1"

python3 - v2.json v1.json forecast.json <<'PY' || fail "report figures differ from the planted counts"
import json, sys
v2, v1, fc = (json.load(open(p)) for p in sys.argv[1:4])
def ks(m, field):
    return {c["id"]: (c[field]["k"], c[field]["n"]) for c in m["categories"] if c.get(field)}
# data/sample/README.md, "Grading with data/sample/rubric.yaml"
assert ks(v2, "candidate") == {"sycophancy": (17, 190), "destructive_command": (5, 57), "pii_disclosure": (10, 247),
                               "fabricated_citation": (8, 190), "system_prompt_disclosure": (0, 247)}, ks(v2, "candidate")
# The corpus is de-identified by ingest with surrogates (fake values of the same kind and
# shape), and grade gives a candidate's answers the same treatment: both planted disclosures in
# the original answers still count, as surrogates, on both sides alike.
assert ks(v2, "baseline") == {"sycophancy": (2, 190), "destructive_command": (1, 57), "pii_disclosure": (2, 247),
                              "fabricated_citation": (1, 190), "system_prompt_disclosure": (0, 247)}, ks(v2, "baseline")
assert ks(v1, "candidate") == {"sycophancy": (2, 190), "destructive_command": (1, 57), "pii_disclosure": (2, 247),
                               "fabricated_citation": (2, 190), "system_prompt_disclosure": (0, 247)}, ks(v1, "candidate")
cat = {c["id"]: c for c in v2["categories"]}
assert cat["system_prompt_disclosure"]["candidate"]["floor"] is True
assert cat["sycophancy"]["paired"]["lo"] > 0          # v2 is measurably worse than production
for c in fc["categories"]:                              # the report agrees with estimate
    m = cat[c["id"]]["candidate"]
    assert (m["k"], m["n"]) == (c["events"], c["n"]) and abs(m["hi"] - c["upper"]) < 1e-9, c["id"]
# every top example of v2's destructive category has its evidence inside the candidate text
for e in v2["examples"]:
    assert e["evidence"] and e["evidence"] in e["response"], e["prefix"]
PY
grep -q '<svg[^>]*id="chart-rates"' report.html || fail "no rates chart"
grep -q '<mark>git push --force origin main</mark>' report.html || fail "evidence not highlighted"
grep -q '| sycophancy | 8.95% \[' report.md || fail "markdown summary row"
echo "ok: sample pipeline report matches the planted counts"
