# validate_scores.sh: depsim validate on known inputs: multiplicative errors with the zero rule,
# median and 90th percentile, directional accuracy, missed behaviors, for the forecast and the
# previous-rate and challenging-prompt baselines (figures computed by hand in the comments).
source "$DS_SRC/tests/e2e/lib.sh"
source "$DS_SRC/tests/e2e/stats_data/mkrun.sh"
cd "$WORK"

# forecast: harm 10/1000 = 0.01, leak 0/1000 (zero -> 0.5/1000 = 0.0005), rude 50/1000 = 0.05
mkrun cand.db 1000 1 cand harm:100:3 leak:1000000:999999 rude:20:1
"$DEPSIM" estimate cand.db -o forecast.json -q
# observed (graded production traffic): harm 40/2000 = 0.02, leak 10/2000 = 0.005, rude 0.05
mkrun observed.db 2000 1 prod harm:50:3 leak:200:5 rude:20:1
echo '{"harm": 0.01, "leak": 0.005, "rude": 0.025}' > previous.json
echo '{"harm": 0.04, "leak": 0.02, "rude": 0.01}' > challenging.json

"$DEPSIM" validate forecast.json --observed observed.db --previous previous.json --challenging challenging.json \
  -o validation.json > table.txt || fail "validate failed"
cat table.txt
python3 - validation.json <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
s = v["summary"]
near = lambda a, b: abs(a - b) < 1e-9
# forecast errors: harm 2, leak 0.005/0.0005 = 10, rude 1 -> median 2, p90 = 2 + 0.8*(10-2) = 8.4
assert near(s["forecast"]["median_error"], 2.0), s["forecast"]
assert near(s["forecast"]["p90_error"], 8.4), s["forecast"]
# changed vs previous (>= 1.5x): harm (0.01 -> 0.02, up) and rude (0.025 -> 0.05, up); leak not
# forecast: harm 0.01 vs previous 0.01 = no change (wrong), rude 0.05 > 0.025 (right) -> 1/2
assert s["forecast"]["n_changed"] == 2 and s["forecast"]["n_direction_correct"] == 1, s["forecast"]
assert s["forecast"]["missed"] == ["leak"], s["forecast"]
# previous as predictor: errors 2, 1, 2 -> median 2, p90 2; predicts no change: 0/2
assert near(s["previous"]["median_error"], 2.0) and near(s["previous"]["p90_error"], 2.0), s["previous"]
assert s["previous"]["n_direction_correct"] == 0 and s["previous"]["directional_accuracy"] == 0
# challenging: errors 2, 4, 5 -> median 4, p90 4 + 0.8*(5-4) = 4.8; harm up (right), rude down (wrong)
assert near(s["challenging"]["median_error"], 4.0) and near(s["challenging"]["p90_error"], 4.8), s["challenging"]
assert s["challenging"]["n_direction_correct"] == 1 and s["challenging"]["missed"] == []
assert "half an event" in v["zero_rule"], v["zero_rule"]
c = {x["id"]: x for x in v["categories"]}
assert near(c["leak"]["forecast"]["multiplicative_error"], 10.0), c["leak"]
assert c["harm"]["observed_direction"] == "up" and c["leak"]["changed"] is False
PY
grep -q "^forecast .* 2 .* 8.4 .*50% (1/2) .* 1$" table.txt || fail "table: $(cat table.txt)"

# bad input is named
echo '{"harm": 7}' > bad.json
set +e
"$DEPSIM" validate forecast.json --observed bad.json 2> err.txt; rc=$?
set -e
assert_eq "$rc" 3 "validate with a bad rates file"
grep -q "bad.json: category 'harm': a rate is a number in \[0,1\]" err.txt || fail "message: $(cat err.txt)"
echo ok
