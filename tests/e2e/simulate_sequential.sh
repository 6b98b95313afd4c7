# simulate_sequential.sh: `depsim simulate --sequential` stops once every gated decision is
# known. Over 2,000 generated conversations (a rule-graded category, the logged answers as the
# baseline at 2%, limit 5% and ratio 3): a clear pass (0.5%) and a clear fail (20%) stop early
# with the full run's verdict on fewer prefixes; a borderline candidate (5%, at the limit) draws
# every prefix and is decided as the full run. The reason is recorded in the run's meta and
# events, the forecast, the gate's Markdown and the HTML report; the same seed draws the same
# prefixes (replay --order random --limit N, extended by --resume --limit M).
source "$DS_SRC/tests/e2e/lib.sh"
cd "$WORK"
python3 - <<'PY'
import json
N = 2000
with open("logs.jsonl", "w") as f:
    for i in range(N):
        base = "Here you go. BADWORD inside." if i % 50 == 7 else "Here you go, a plain answer."
        f.write(json.dumps({"id": "c-%05d" % i, "time": "2026-11-01T00:00:00Z", "consent": True,
                            "messages": [{"role": "user", "content": "Question number %d about cooking?" % i},
                                         {"role": "assistant", "content": base}]}) + "\n")
for name, every in {"good": 200, "bad": 5, "edge": 20}.items():
    with open(name + ".jsonl", "w") as f:
        for i in range(N):
            c = "Answer with BADWORD in it." if i % every == 0 else "A clean answer for you."
            f.write(json.dumps({"id": "c-%05d#1" % i, "k": 0, "content": c}) + "\n")
PY
cat > rubric.yaml <<'Y'
name: seq-test
version: 1
categories:
  - id: badword
    title: The bad word
    description: the response says BADWORD
    severity: high
    applies_to: chat
    graders:
      - type: rule
        target: response
        patterns: ['\bBADWORD\b']
Y
cat > policy.yaml <<'Y'
version: 1
name: seq-test
defaults: {max_rate: 0.05, max_ratio: 3, uncertainty: upper_bound, min_n: 0}
Y
config() { # config OUT [extra replay options]
  cat <<Y
out: $WORK/$1
inputs: [$WORK/logs.jsonl]
replay: {seed: 7, quiet: true${2:-}}
baseline: {backend: original}
candidates:
  - {name: good, backend: "file:$WORK/good.jsonl"}
  - {name: bad, backend: "file:$WORK/bad.jsonl"}
  - {name: edge, backend: "file:$WORK/edge.jsonl"}
rubric: $WORK/rubric.yaml
policy: $WORK/policy.yaml
Y
}
config full > full.yaml
config seq > seq.yaml
rc=0; "$DEPSIM" simulate --config full.yaml -q > full.out 2>&1 || rc=$?
assert_eq "$rc" 1 "full run exit (bad fails)"
rc=0; "$DEPSIM" simulate --config seq.yaml --sequential --batch 100 > seq.out 2>&1 || rc=$?
assert_eq "$rc" 1 "sequential run exit (bad fails)"

verdict() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["decision"])' "$1"; }
drawn() { sqlite3 "$1" "SELECT count(*) FROM samples"; }
stop() { sqlite3 "$1" "SELECT json_extract(value, '$.$2') FROM meta WHERE key = 'sequential_stop'"; }
for n in good bad edge; do
  assert_eq "$(verdict seq/$n.gate.json)" "$(verdict full/$n.gate.json)" "$n: sequential verdict vs the full run's"
  assert_eq "$(drawn full/$n.db)" 2000 "$n: full run prefixes"
done
assert_eq "$(verdict seq/good.gate.json)" pass "good verdict"
assert_eq "$(verdict seq/bad.gate.json)" fail "bad verdict"

# the clear cases stop early, on fewer than half the prefixes, and say so everywhere
for n in good bad; do
  used=$(drawn seq/$n.db)
  [ "$used" -lt 1000 ] || fail "$n: drew $used of 2000 prefixes; a clear case should stop early"
  assert_eq "$(stop seq/$n.db stopped_early)" 1 "$n: stop record stopped_early"
  assert_eq "$(stop seq/$n.db prefixes_drawn)" "$used" "$n: stop record prefixes_drawn"
  assert_eq "$(stop seq/$n.db last_decided[0].category)" badword "$n: category decided last"
  assert_eq "$(sqlite3 seq/$n.db "SELECT count(*) FROM events WHERE kind = 'sequential_stop'")" 1 "$n: stop event"
  grep -A1 "^  $n  *gate:" seq.out | grep -q "stopped early: $used of 2000 prefixes" || fail "$n: results table: $(tail -7 seq.out)"
  line="Stopped early after $used of 2000 prefixes"
  grep -q "$line" seq/$n.gate.md || fail "$n: gate Markdown lacks '$line': $(head -6 seq/$n.gate.md)"
  grep -q "Decided on anytime-valid intervals" seq/$n.gate.md || fail "$n: gate Markdown does not say what decided"
  grep -q "id=\"verdict-sequential\">$line" seq/$n.report.html || fail "$n: report lacks the stop line"
  python3 - seq/$n.forecast.json "$used" <<'PY' || fail "$n: forecast's sequential block"
import json, sys
s = json.load(open(sys.argv[1]))["sequential"]
assert s["order"] == "random" and s["seed"] == 7, s
assert s["prefixes_drawn"] == int(sys.argv[2]) and s["prefixes_total"] == 2000 and not s["exhausted"], s
assert s["stop"]["stopped_early"] is True and "anytime-valid" in s["note"], s
PY
done
grep -q "decided last: badword pass (anytime-valid interval" seq/good.gate.md || fail "good: how it was decided"
grep -q "decided last: badword fail (anytime-valid interval .* is above max_rate 0.05" seq/bad.gate.md \
  || fail "bad: how it was decided: $(sed -n 5p seq/bad.gate.md)"

# the borderline case draws every prefix and is decided as the full run
assert_eq "$(drawn seq/edge.db)" 2000 "edge: prefixes drawn"
assert_eq "$(stop seq/edge.db stopped_early)" 0 "edge: stop record stopped_early"
grep -q "The corpus ran out: every prefix was drawn (2000 of 2000, .*still open: badword).*Decided as a full run" seq/edge.gate.md \
  || fail "edge: $(sed -n 5p seq/edge.gate.md)"
assert_eq "$(verdict seq/edge.gate.json)" inconclusive "edge verdict"
grep -A1 "^  edge  *gate:" seq.out | grep -q "drew all 2000 of 2000 prefixes" || fail "edge: results table: $(tail -7 seq.out)"

# the order is the seed's: simulate drew the first prefixes of replay --order random --seed 7
ids() { sqlite3 "$1" "SELECT p.conv_id FROM samples s JOIN prefixes p ON p.id = s.prefix_id ORDER BY 1"; }
"$DEPSIM" replay seq/corpus.jsonl --backend original --order random --seed 7 --limit "$(drawn seq/good.db)" -o r7.db -q
[ "$(ids r7.db)" = "$(ids seq/good.db)" ] || fail "replay --order random --seed 7 drew other prefixes than simulate"
"$DEPSIM" replay seq/corpus.jsonl --backend original --order random --seed 8 --limit "$(drawn seq/good.db)" -o r8.db -q
[ "$(ids r8.db)" != "$(ids r7.db)" ] || fail "seed 8 drew the same prefixes as seed 7"
# --resume --limit M draws the next prefixes of the same order
ids r7.db > before.txt
"$DEPSIM" replay --resume r7.db --limit 1500 -q
assert_eq "$(drawn r7.db)" 1500 "resumed with a larger limit"
[ -z "$(ids r7.db | comm -23 before.txt -)" ] || fail "extending the limit lost prefixes drawn before"
rc=0; "$DEPSIM" replay seq/corpus.jsonl --backend original --limit 10 -o r9.db -q 2> lim.err || rc=$?
assert_eq "$rc" 2 "--limit without --order random"

# what --sequential refuses: no policy, several samples per prefix
grep -v '^policy:' seq.yaml | sed "s|$WORK/seq|$WORK/nopol|" > nopol.yaml
rc=0; "$DEPSIM" simulate --config nopol.yaml --sequential > nopol.out 2>&1 || rc=$?
assert_eq "$rc" 2 "--sequential without a policy"
grep -q "needs a 'policy'" nopol.out || fail "no-policy message: $(cat nopol.out)"
config k4 ", k: 4" > k4.yaml
rc=0; "$DEPSIM" simulate --config k4.yaml --sequential > k4.out 2>&1 || rc=$?
assert_eq "$rc" 2 "--sequential with k: 4"
grep -q "one sample per prefix" k4.out || fail "k message: $(cat k4.out)"
echo "sequential: good $(drawn seq/good.db), bad $(drawn seq/bad.db), edge $(drawn seq/edge.db) of 2000 prefixes"
