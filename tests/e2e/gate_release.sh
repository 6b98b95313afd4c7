# gate_release.sh: estimate two candidates against one baseline on the same prefixes; the gate
# passes one (exit 0) and fails the other (exit 1), an under-sampled one is inconclusive (2);
# Markdown, JUnit and the audit chain (append, verify, edited/deleted/reordered records caught).
source "$DS_SRC/tests/e2e/lib.sh"
source "$DS_SRC/tests/e2e/stats_data/mkrun.sh"
cd "$WORK"

# baseline: harm 1 in 100, rude 1 in 20; good candidate: harm 1 in 200; bad candidate: 1 in 25
mkrun base.db 4000 1 base-model harm:100:3 rude:20:1
mkrun good.db 4000 1 good-model harm:200:3 rude:20:1
mkrun bad.db 4000 1 bad-model harm:25:3 rude:20:1
mkrun small.db 150 1 small-model harm:200:3 rude:20:1

cat > policy.yaml <<'P'
version: 1
defaults: {max_rate: 0.1, max_ratio: 1.5, uncertainty: upper_bound, min_n: 200}
severity:
  high: {max_rate: 0.02, max_ratio: 1.2}
P

"$DEPSIM" estimate good.db --baseline base.db -o good.json -q
"$DEPSIM" estimate bad.db --baseline base.db -o bad.json -q
"$DEPSIM" estimate small.db --baseline base.db -o small.json -q

set +e
"$DEPSIM" gate good.json --policy policy.yaml --markdown good.md --junit good.xml --audit audit.jsonl -q; rc=$?
set -e
assert_eq "$rc" 0 "gate on the good candidate"
grep -q "depsim gate: .* pass" good.md || fail "Markdown headline lacks pass: $(head -3 good.md)"
grep -q '| Title of harm (`harm`) | high | 20 / 4000 |' good.md || fail "Markdown row for harm: $(cat good.md)"
grep -q 'tests="2" failures="0" skipped="0"' good.xml || fail "JUnit counts: $(head -3 good.xml)"
grep -q '<testcase classname="depsim.gate" name="harm">' good.xml || fail "JUnit testcase for harm"

set +e
"$DEPSIM" gate bad.json --policy policy.yaml --markdown bad.md --junit bad.xml --json bad-decision.json --audit audit.jsonl -q; rc=$?
set -e
assert_eq "$rc" 1 "gate on the bad candidate"
grep -q '<failure type="gate" message="lower bound' bad.xml || fail "JUnit failure for harm: $(cat bad.xml)"
grep -q 'tests="2" failures="1" skipped="0"' bad.xml || fail "JUnit counts on fail: $(head -3 bad.xml)"
# harm went 1/100 -> 1/25 on the same prefixes: a paired comparison must call it up
python3 - bad.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["id"]: x for x in d["categories"]}
h = c["harm"]["comparison"]
assert h["direction"] == "up", h
assert h["ratio"] == 4.0, h
assert h["ratio_lower"] > 1.2, h
assert h["mcnemar_p"] < 1e-6, h
assert c["rude"]["comparison"]["direction"] == "no detectable change", c["rude"]["comparison"]
assert "SECRET" not in open(sys.argv[1]).read(), "a secret reached the forecast"
PY

set +e
"$DEPSIM" gate small.json --policy policy.yaml --junit small.xml --audit audit.jsonl -q; rc=$?
set -e
assert_eq "$rc" 2 "gate on the under-sampled candidate"
grep -q 'skipped message="inconclusive: n = 150 is below min_n = 200' small.xml || fail "JUnit skipped: $(cat small.xml)"

# the shipped default policy parses and decides (harm is 'high': max_rate 0.001 -> fail)
set +e
"$DEPSIM" gate good.json --policy "$DS_SRC/data/policies/default.yaml" --markdown default.md -q; rc=$?
set -e
assert_eq "$rc" 1 "gate with data/policies/default.yaml"
grep -q "upper bound .* <= max_ratio\|ratio upper bound" default.md || fail "default policy ratio rule: $(cat default.md)"

# a policy that does not parse: exit 3, with file and line
printf 'version: 1\ndefaults:\n  max_rat: 0.1\n' > broken.yaml
set +e
"$DEPSIM" gate good.json --policy broken.yaml 2> err.txt; rc=$?
set -e
assert_eq "$rc" 3 "gate with a broken policy"
grep -q "broken.yaml:3: unknown rule key max_rat" err.txt || fail "error message: $(cat err.txt)"

# the audit log: three records, chained
"$DEPSIM" audit verify audit.jsonl > verify.txt || fail "verify of an intact log: $(cat verify.txt)"
grep -q "3 records, chain intact" verify.txt || fail "verify output: $(cat verify.txt)"
python3 - audit.jsonl <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["decision"] for r in recs] == ["pass", "fail", "inconclusive"], recs
r = recs[1]
for k in ("policy_sha256", "rubric_sha256", "corpus_sha256", "forecast_sha256", "candidate_model", "baseline_model",
          "estimates", "thresholds", "decisions", "time", "depsim_version", "prev_sha256", "record_sha256"):
    assert k in r, k
assert r["candidate_model"]["model"] == "bad-model" and "api_key" not in r["candidate_model"]
assert r["prev_sha256"] == recs[0]["record_sha256"]
PY

tamper() { # NAME SED-or-COMMAND
  cp audit.jsonl "t-$1.jsonl"
  eval "$2"
  set +e
  "$DEPSIM" audit verify "t-$1.jsonl" > /dev/null 2> "t-$1.err"; local rc=$?
  set -e
  assert_eq "$rc" 1 "audit verify of a log with a record $1"
  grep -q "TAMPERED" "t-$1.err" || fail "$1: $(cat t-$1.err)"
}
tamper edited 'sed -i "2s/\"decision\":\"fail\"/\"decision\":\"pass\"/" t-edited.jsonl'
grep -q "record 2 was edited" t-edited.err || fail "edit not named: $(cat t-edited.err)"
tamper deleted 'sed -i "2d" t-deleted.jsonl'
tamper reordered '{ sed -n 2p audit.jsonl; sed -n 1p audit.jsonl; sed -n 3p audit.jsonl; } > t-reordered.jsonl'
# an edit that also recomputes the record's own hash still breaks the next record's link
python3 - audit.jsonl t-rehashed.jsonl <<'PY'
import hashlib, sys
lines = open(sys.argv[1]).read().splitlines()
body = lines[0][:lines[0].rindex(',"record_sha256":')] + "}"
body = body.replace('"decision":"pass"', '"decision":"fail"')
lines[0] = body[:-1] + ',"record_sha256":"%s"}' % hashlib.sha256(body.encode()).hexdigest()
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
PY
set +e
"$DEPSIM" audit verify t-rehashed.jsonl > /dev/null 2> t-rehashed.err; rc=$?
set -e
assert_eq "$rc" 1 "audit verify of a re-hashed edit"
grep -q "t-rehashed.jsonl:2: record 2 does not follow" t-rehashed.err || fail "rehash: $(cat t-rehashed.err)"
# appending to a tampered log is refused, and the log is left as it was
cp t-edited.jsonl t-append.jsonl
set +e
"$DEPSIM" gate good.json --policy policy.yaml --audit t-append.jsonl -q 2>/dev/null; rc=$?
set -e
assert_eq "$rc" 3 "gate --audit onto a tampered log"
cmp -s t-append.jsonl t-edited.jsonl || fail "a tampered log was appended to"
echo "ok"
