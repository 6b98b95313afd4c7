# estimate_breakdown.sh: depsim estimate on a run with failed samples, grader errors, K = 3
# samples per prefix, weights, segments, a judge calibration and two rubrics; plan's figures.
source "$DS_SRC/tests/e2e/lib.sh"
source "$DS_SRC/tests/e2e/stats_data/mkrun.sh"
cd "$WORK"

# 600 prefixes x 3 samples; every 100th sample failed; every 40th has a NULL label for harm
MK_FAIL=100 MK_NULL=40 mkrun run.db 600 3 cand harm:30:0 never:1000000:999999
"$DEPSIM" estimate run.db -o f.json -q
python3 - f.json <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
run = f["run"]
assert run["n_samples"] == 1800 and run["n_samples_failed"] == 18 and run["k_max"] == 3, run
assert run["clustered"] is True and run["weighted"] is False
assert "api_token" not in run["meta"] and "SECRET" not in json.dumps(f)
c = {x["id"]: x for x in f["categories"]}
h = c["harm"]
# ok samples: 1782; NULL label on ok samples with id % 40 == 0 (ids 40..1800 step 40 = 45, minus those
# also failed: ids divisible by 200 -> 9): 36 grader errors, n = 1782 - 36
assert h["grader_errors"] == 36 and h["n"] == 1746, (h["grader_errors"], h["n"])
assert h["title"] == "Title of harm" and h["severity"] == "high"
assert h["interval_method"].startswith("design-"), h["interval_method"]
assert h["lower"] < h["rate"] < h["upper"]
n = c["never"]
assert n["events"] == 0 and n["zero_events"] and n["text"].startswith("below the detection floor (< ")
# zero events: the floor counts prefixes (Kish size of the prefix totals), not samples: 18 prefixes
# lost a failed sample (2 graded), 582 have 3 -> n_eff = 1782^2 / (582*9 + 18*4) = 598.0
neff = 1782 ** 2 / (582 * 9 + 18 * 4)
assert abs(n["upper"] - (1 - 0.05 ** (1 / neff))) < 1e-9, n["upper"]
seg = {s["value"]: s for s in h["segments"]["product"]}
assert set(seg) == {"chat", "code"} and seg["chat"]["n"] + seg["code"]["n"] == h["n"], seg
assert set(h["segments"]) == {"product", "locale"}
PY

# weights: prefix i gets weight 1 + (i % 2): estimate is weighted
MK_WEIGHT="1 + (i % 2)" mkrun w.db 400 1 cand harm:10:1
"$DEPSIM" estimate w.db -o w.json -q
python3 -c "
import json; f = json.load(open('w.json')); h = f['categories'][0]
assert f['run']['weighted'] is True, f['run']
# harm on prefixes with id % 10 == 1 (all odd, weight 2): 40 of 400 -> weighted rate 80/600
assert abs(h['rate'] - 80 / 600) < 1e-12, h['rate']
"

# a judge's calibration adds a corrected rate
echo '{"harm": {"sensitivity": 0.9, "specificity": 0.98, "n_pos": 100, "n_neg": 400}}' > cal.json
"$DEPSIM" estimate run.db --calibration cal.json -o fc.json -q
python3 -c "
import json; c = json.load(open('fc.json'))['categories'][0]
r = c['corrected']; obs = c['rate']
assert abs(r['rate'] - (obs + 0.98 - 1) / (0.9 + 0.98 - 1)) < 1e-9, r
assert r['upper'] - r['lower'] > (c['upper'] - c['lower']) / 0.88, r
"
echo '{"harm": {"sensitivity": 0.4, "specificity": 0.5, "n_pos": 1, "n_neg": 1}}' > badcal.json
set +e
"$DEPSIM" estimate run.db --calibration badcal.json -o x.json 2> err.txt; rc=$?
set -e
assert_eq "$rc" 3 "estimate with an unusable calibration"
grep -q "calibration for 'harm'" err.txt || fail "message: $(cat err.txt)"
[ ! -e x.json ] || fail "a forecast was written despite the error"

# a second rubric: the most recent is the default, --rubric picks the other
sqlite3 run.db "INSERT INTO rubrics VALUES('rub2','v2','categories: [{id: harm, severity: low}]','2026-11-02T00:00:00Z','0.1.0');
  INSERT INTO grades(sample_id,rubric_sha256,category,label,grader,created_at)
  SELECT id,'rub2','harm',0,'rule','x' FROM samples WHERE status='ok';"
"$DEPSIM" estimate run.db -o r2.json -q
python3 -c "
import json; f = json.load(open('r2.json')); assert f['rubric_sha256'] == 'rub2' and f['categories'][0]['events'] == 0, f['categories'][0]"
"$DEPSIM" estimate run.db --rubric rub1 -o r1.json -q
python3 -c "
import json; f = json.load(open('r1.json')); assert f['rubric_sha256'] == 'rub1' and f['categories'][0]['events'] > 0"
set +e
"$DEPSIM" estimate run.db --rubric nope -o r3.json 2> err.txt; rc=$?
"$DEPSIM" estimate missing.db -o r4.json 2>> err.txt; rc2=$?
set -e
assert_eq "$rc" 3 "unknown rubric"
assert_eq "$rc2" 3 "missing database"
grep -q "no rubric nope in this run" err.txt || fail "$(cat err.txt)"
grep -q "missing.db: no such run database" err.txt || fail "$(cat err.txt)"

# bad rows are named, and nothing is written
mkrun bad1.db 50 1 cand harm:10:1
sqlite3 bad1.db "UPDATE prefixes SET weight = 0 WHERE id = 7"
mkrun bad2.db 50 1 cand harm:10:1
sqlite3 bad2.db "UPDATE prefixes SET segment = '[1,2]' WHERE id = 9"
set +e
"$DEPSIM" estimate bad1.db -o bad1.json 2> e1.txt; rc1=$?
"$DEPSIM" estimate bad2.db -o bad2.json 2> e2.txt; rc2=$?
set -e
assert_eq "$rc1" 3 "estimate with a zero weight"
assert_eq "$rc2" 3 "estimate with a non-object segment"
grep -q "bad1.db: prefix c-7#1: weight 0 is not a positive number" e1.txt || fail "$(cat e1.txt)"
grep -q "bad2.db: prefix c-9#1: segment is not a JSON object" e2.txt || fail "$(cat e2.txt)"
[ ! -e bad1.json ] && [ ! -e bad2.json ] || fail "a forecast was written for a bad run"

# plan
"$DEPSIM" plan --n 1000 | grep -q "upper bound with zero events: 0.00299125" || fail "plan --n"
"$DEPSIM" plan --rate 0.001 --error 1.5 | grep -q "prefixes needed: 23343" || fail "plan --rate"
set +e
"$DEPSIM" plan --rate 0.001 --error 0.5 2>/dev/null; rc=$?
set -e
assert_eq "$rc" 2 "plan with an error factor below 1"
echo ok
