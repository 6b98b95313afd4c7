# plan_estimate.sh: `depsim plan --corpus` without a tokenizer: every token figure is labeled an
# estimate and follows the documented rule (docs/backends.md, "Token counts"), the price is the
# arithmetic of the figures printed, the prefixes are replay's (same cut points, no-cut records
# counted), errors are errors (exit 3 for no corpus or no prefix, 2 for half a price), and a
# replay whose backend reports no usage says so instead of giving a cost.
source "$DS_SRC/tests/e2e/lib.sh"

# token estimates worked by hand from the rule:
#   e1 prompt: 3 (the turn opening) + 4 (message) + abcd 1 + efgh 1 + 12345 2 (digits by 3) = 11;
#      answer "ok.": ok 1 + . 1 + end of turn 1 = 3
#   e2 prompt: 3 + system 4 + Be 1 + "  " 1 + brief 2 + ! 1 + user 4 + h 1 + é 1 + llo 1 + \n 1 +
#      world 2 = 22; answer "Sure": 1 + 1 = 2
#   e3: a prompt with no answer: no cut point for --cut last, one for --cut next (3 + 4 + x 1 = 8)
cat > "$WORK/c.jsonl" <<'EOF'
{"id":"e1","messages":[{"role":"user","content":"abcd efgh 12345"},{"role":"assistant","content":"ok."}]}
{"id":"e2","messages":[{"role":"system","content":"Be  brief!"},{"role":"user","content":"héllo\nworld"},{"role":"assistant","content":"Sure"}]}
{"id":"e3","messages":[{"role":"user","content":"x"}]}
EOF
"$DEPSIM" plan --corpus "$WORK/c.jsonl" -k 2 --max-tokens 10 --price-in 2 --price-out 4 >"$WORK/p.out" 2>"$WORK/p.err" ||
  { cat "$WORK/p.err"; fail "plan failed"; }
cat "$WORK/p.out"
python3 - "$WORK/p.out" <<'PY' || fail "estimated plan"
import re, sys
out = open(sys.argv[1]).read()
line = lambda start: next(l for l in out.splitlines() if l.startswith(start))
assert "3 records, 2 prefixes (--cut last); 1 without a cut point" in line("corpus: "), line("corpus: ")
assert line("samples: ") == "samples: 4 (2 prefixes x 2)"
assert line("token counts: ").startswith("token counts: ESTIMATED, not counted (no --backend to count them)")
# every token figure says it is estimated; the bound from --max-tokens is not an estimate
for start in ("prompt tokens: ", "prefill: ", "completion tokens, typical: ", "cost, upper bound: ", "cost, typical: "):
    assert "(estimated)" in line(start), line(start)
assert "(estimated)" not in line("completion tokens, upper bound: ")
assert line("prompt tokens: ").startswith("prompt tokens: 66 (estimated) sent: 33 in the 2 prefixes (mean 16.5, max 22) x -k 2")
assert line("prefill: ").startswith("prefill: 66 (estimated) processed, every sample its whole prompt (no --backend to ask)")
assert line("completion tokens, upper bound: ") == "completion tokens, upper bound: 40 (--max-tokens 10 x 4 samples)"
assert line("completion tokens, typical: ").startswith("completion tokens, typical: 10 (estimated)")
# the price: (66 x $2 + 40 x $4) per million; typical (66 x $2 + 10 x $4) per million
m = re.match(r"cost, upper bound: \$([0-9.]+) \(66 prompt tokens processed, 0 from the cache, 40 completion\)", line("cost, upper bound: "))
assert m and abs(float(m.group(1)) - (66 * 2 + 40 * 4) / 1e6) < 1e-9, line("cost, upper bound: ")
m = re.match(r"cost, typical: \$([0-9.]+) \(66 prompt tokens processed, 0 from the cache, 10 completion\)", line("cost, typical: "))
assert m and abs(float(m.group(1)) - (66 * 2 + 10 * 4) / 1e6) < 1e-9, line("cost, typical: ")
PY

# --cut next: the prompt set's one prefix, no logged answer, so no typical figure nor its cost
"$DEPSIM" plan --corpus "$WORK/c.jsonl" --cut next --price-in 1 --price-out 1 -q >"$WORK/n.out" || fail "plan --cut next"
grep -q "^prompt tokens: 8 (estimated) sent: 8 in the 1 prefixes" "$WORK/n.out" || { cat "$WORK/n.out"; fail "--cut next prompt"; }
grep -q "^completion tokens, typical: none (no logged answer at the cut (--cut next))" "$WORK/n.out" || fail "--cut next typical"
grep -q "^cost, upper bound: none" "$WORK/n.out" || fail "no --max-tokens and no context: no bound"
grep -q "^cost, typical" "$WORK/n.out" && fail "a typical cost without logged answers"

# a backend without a tokenizer: estimated, and the output says why
printf '%s\n' '{"id":"e1#1","k":0,"content":"fine"}' '{"id":"e2#2","k":0,"content":"yes"}' >"$WORK/answers.jsonl"
"$DEPSIM" plan --corpus "$WORK/c.jsonl" --backend "file:$WORK/answers.jsonl" -q >"$WORK/f.out" 2>/dev/null || fail "plan with file:"
grep -q "^token counts: ESTIMATED, not counted (the file backend cannot count tokens)" "$WORK/f.out" ||
  { cat "$WORK/f.out"; fail "file: backend not labeled"; }

# errors: no corpus, no prefix (exit 3, no figure); half a price, --backend original (exit 2)
set +e
"$DEPSIM" plan --corpus "$WORK/absent.jsonl" >"$WORK/e1.out" 2>&1; assert_eq $? 3 "missing corpus"
head -2 "$WORK/c.jsonl" >"$WORK/answered.jsonl"
"$DEPSIM" plan --corpus "$WORK/answered.jsonl" --cut next >"$WORK/e2.out" 2>&1; assert_eq $? 3 "no prefix"
grep -q "no prefix to replay" "$WORK/e2.out" || { cat "$WORK/e2.out"; fail "no prefix: the reason"; }
grep -q "^prompt tokens" "$WORK/e2.out" && fail "a figure printed for no prefix"
: >"$WORK/empty.jsonl"
"$DEPSIM" plan --corpus "$WORK/empty.jsonl" >/dev/null 2>&1; assert_eq $? 3 "empty corpus"
"$DEPSIM" plan --corpus "$WORK/c.jsonl" --price-in 1 >/dev/null 2>&1; assert_eq $? 2 "--price-in alone"
"$DEPSIM" plan --corpus "$WORK/c.jsonl" --backend original >/dev/null 2>&1; assert_eq $? 2 "--backend original"
set -e

# a replay whose backend reports no token usage: no cost, said so
"$DEPSIM" replay "$WORK/c.jsonl" --backend "file:$WORK/answers.jsonl" -o "$WORK/run.db" --price-in 1 --price-out 2 \
  >"$WORK/r.out" 2>/dev/null || fail "replay with file:"
grep -q "^tokens: not reported by the backend" "$WORK/r.out" || { cat "$WORK/r.out"; fail "tokens not reported"; }
grep -q "^cost: not known (the backend reported no token usage)" "$WORK/r.out" || fail "cost without usage"
grep -q '^cost: \$' "$WORK/r.out" && fail "a cost without usage"
echo "ok: estimates labeled and as the rule gives, prices the arithmetic of the figures, errors are errors"
