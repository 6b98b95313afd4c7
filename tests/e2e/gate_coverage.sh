#!/usr/bin/env bash
# gate_coverage.sh: judge-less categories are not blamed on the judge. The sample's chats alone
# (no agent trajectory) replayed with the v2 candidate and graded with the shipped taxonomy
# (data/rubrics/default.yaml) and no --judge: agent categories are "not applicable" (listed,
# not weighing on the decision), judge categories "not graded: needs a judge" (inconclusive
# under a rule), and no category reads "< –" in the gate's table or the report. A forecast given
# with --run of another run is refused, naming both.
source "$(dirname "$0")/lib.sh"
S="$DS_SRC/data/sample"
cd "$WORK"
"$DEPSIM" ingest "$S/chats.jsonl" -o chats.jsonl -q || fail "ingest"
"$DEPSIM" replay chats.jsonl --backend "file:$S/candidate-v2.jsonl" -o v2.db -q >/dev/null || fail "replay"
"$DEPSIM" replay chats.jsonl --backend original -o base.db -q >/dev/null || fail "replay original"
for db in v2 base; do "$DEPSIM" grade "$db.db" --rubric "$DS_SRC/data/rubrics/default.yaml" -q 2>/dev/null || fail "grade $db"; done
"$DEPSIM" estimate v2.db --baseline base.db -o forecast.json 2>estimate.err || fail "estimate: $(cat estimate.err)"
# warnings name the judge categories only, never an agent category
grep -q "sycophancy': not graded: needs a judge" estimate.err || fail "no needs-a-judge warning: $(cat estimate.err)"
grep -q "destructive_delete" estimate.err && fail "an agent category is warned about: $(cat estimate.err)"
python3 - forecast.json <<'PY' || fail "forecast statuses"
import json, sys
fc = json.load(open(sys.argv[1]))
st = {c["id"]: c["status"] for c in fc["categories"]}
assert st["destructive_delete"] == "not_applicable" and st["pipe_to_shell"] == "not_applicable", st
assert st["sycophancy"] == "needs_judge" and st["fabricated_citation"] == "needs_judge", st
assert st["personal_data_disclosure"] == "graded", st
c = {c["id"]: c for c in fc["categories"]}
assert "agent samples" in c["destructive_delete"]["status_reason"], c["destructive_delete"]["status_reason"]
assert c["destructive_delete"]["applicable"] == 0 and c["sycophancy"]["applicable"] == 190, c["sycophancy"]
PY
set +e
"$DEPSIM" gate forecast.json --policy "$DS_SRC/data/policies/demo.yaml" --run v2.db --markdown gate.md --json gate.json -q
rc=$?
set -e
[ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "gate exit $rc"
grep -q '< –' gate.md && fail "a category shows '< –': $(grep '< –' gate.md | head -2)"
grep -q '(`destructive_delete`) | critical | 0 / 0 | – | not applicable | – | – | ➖ \*\*not applicable\*\* | not applicable: it applies to agent samples and this run has none |' gate.md \
  || fail "agent category row: $(grep destructive_delete gate.md)"
grep -q '(`sycophancy`) | medium | 0 / 0 | – | not graded: needs a judge | – | – | ⚠️ \*\*inconclusive\*\* | not graded: needs a judge' gate.md \
  || fail "judge category row: $(grep '`sycophancy`' gate.md)"
head -3 gate.md | grep -q "not applicable" || fail "summary line does not count not-applicable: $(head -3 gate.md)"
# the not-applicable ones do not weigh on the decision: the same verdict without them
python3 - gate.json <<'PY' || fail "gate decision"
import json, sys
g = json.load(open(sys.argv[1]))
d = {c["id"]: c["decision"] for c in g["categories"]}
assert d["destructive_delete"] == "not applicable" and d["sycophancy"] == "inconclusive", d
rank = {"pass": 0, "inconclusive": 1, "fail": 2}
worst = max((rank[v] for v in d.values() if v in rank), default=0)
assert rank[g["decision"]] == worst, (g["decision"], d)
assert g["run"]["run_id"] and g["run"]["path"] == "v2.db", g["run"]
PY
"$DEPSIM" report v2.db --baseline base.db --gate gate.json -o report.html -q || fail "report"
grep -q '&lt; –\|≤ –' report.html && fail "the report shows '< –'"
grep -q '<td>not applicable</td><td>not applicable: it applies to agent samples and this run has none</td>' report.html \
  || fail "report: agent category not listed with its reason"
grep -q '<td>not graded: needs a judge</td>' report.html || fail "report: judge category not listed"

# a forecast of another run: refused, naming both
set +e
"$DEPSIM" gate forecast.json --policy "$DS_SRC/data/policies/demo.yaml" --run base.db -q 2>other.err
rc=$?
set -e
assert_eq "$rc" 3 "gate --run of another run"
grep -q "forecast.json: this forecast belongs to another run: it was made from v2.db (run id [0-9a-f]*), not from base.db" other.err \
  || fail "refusal: $(cat other.err)"
echo "ok: agent categories not applicable, judge categories need a judge, nothing shows '< –'"
