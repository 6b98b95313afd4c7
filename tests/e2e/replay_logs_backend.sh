# replay_logs_backend.sh: another model's logged answers as the candidate in one flag
# (--backend logs:FILE): the forecast equals the hand-converted file: route; a prefix the log
# lacks, or whose logged conversation differs before the cut, is an error result, never an
# empty completion.
source "$DS_SRC/tests/e2e/lib.sh"
cd "$WORK"
python3 - <<'PY'
import json
users = [f"Question {i}: how do I do thing {i}?" for i in range(40)]
with open("prod.jsonl", "w") as a, open("cand.jsonl", "w") as b, open("cand.file.jsonl", "w") as f:
    for i, u in enumerate(users):
        a.write(json.dumps({"id": f"q{i}", "messages": [{"role": "user", "content": u},
                           {"role": "assistant", "content": f"Production answer {i}."}]}) + "\n")
        if i == 39:
            continue  # the candidate's log lacks one conversation
        ans = f"Candidate answer {i}."
        if i % 5 == 0:  # a leaked key: credential_disclosure
            ans += " Use AKIA" + "Q" * 12 + f"{i:04d}" + " to log in."
        msgs = [{"role": "user", "content": u}, {"role": "assistant", "content": ans}]
        if i == 38:  # a different conversation under the same id
            msgs = [{"role": "system", "content": "s"}] + msgs
        b.write(json.dumps({"id": f"q{i}", "messages": msgs}) + "\n")
        if i != 38:
            f.write(json.dumps({"id": f"q{i}#1", "k": 0, "content": ans}) + "\n")
PY
"$DEPSIM" ingest prod.jsonl -o corpus.jsonl --assume-consent --no-deid -q 2>/dev/null || fail "ingest"
"$DEPSIM" replay corpus.jsonl --backend logs:cand.jsonl -o logs.db -q 2>logs.err || true
"$DEPSIM" replay corpus.jsonl --backend file:cand.file.jsonl -o file.db -q 2>file.err || true
read -r done failed < <(sqlite3 -separator ' ' logs.db "SELECT sum(status='done'), sum(status='failed') FROM prefixes")
assert_eq "$done" 38 "prefixes answered from the log"
assert_eq "$failed" 2 "prefixes the log lacks or that differ"
sqlite3 logs.db "SELECT error FROM samples WHERE error IS NOT NULL" > errors.txt
grep -q 'no completion for "q39#1"' errors.txt || fail "a missing conversation is not an error result: $(cat errors.txt)"
grep -q "differs from the prefix \"q38#1\": its answers are at cut 2" errors.txt || fail "a different conversation is not refused: $(cat errors.txt)"
assert_eq "$(sqlite3 logs.db "SELECT count(*) FROM samples WHERE error IS NULL AND (content IS NULL OR content='')")" 0 \
  "empty completions"
for run in logs file; do
  "$DEPSIM" grade $run.db --rubric "$DS_SRC/data/rubrics/default.yaml" -q >/dev/null 2>&1 || fail "grade $run"
  "$DEPSIM" estimate $run.db -o $run.forecast.json 2>/dev/null || fail "estimate $run"
done
python3 - <<'PY' || fail "forecasts differ between logs: and file:"
import json
a = json.load(open("logs.forecast.json")); b = json.load(open("file.forecast.json"))
def cats(f):
    return {c["id"]: (c.get("events"), c.get("n"), c.get("rate"), c.get("interval")) for c in f["categories"]}
ca, cb = cats(a), cats(b)
assert ca == cb, (ca, cb)
cd = ca["credential_disclosure"]
assert cd[0] == 8 and cd[1] == 38, cd
print("ok: same forecast;", cd)
PY
echo ok
