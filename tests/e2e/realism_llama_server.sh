# realism_llama_server.sh: discriminate and awareness against a real llama-server on a real run
# (data/sample chats ingested, replayed from the v1 completions file, graded). A tiny model
# cannot tell real from resampled, so its accuracy interval must cover 50%; every verdict is
# stored (2 per sample, errors counted, not dropped); a second run resumes without one new judge
# request; realism.json holds both sections and the report draws the realism chart.
source "$DS_SRC/tests/e2e/lib.sh"
cd "$WORK"
s="$DS_SRC/data/sample"

"$DEPSIM" ingest "$s/chats.jsonl" -o corpus.jsonl -q > ingest.out 2>&1 || { cat ingest.out; fail "ingest"; }
"$DEPSIM" replay corpus.jsonl --backend "file:$s/candidate-v1.jsonl" -o run.db --quiet > replay.out 2>&1 ||
  { cat replay.out; fail "replay"; }
"$DEPSIM" grade run.db --rubric "$s/rubric.yaml" -q > grade.out 2>&1 || { cat grade.out; fail "grade"; }
n_ok=$(sqlite3 run.db "SELECT count(*) FROM samples WHERE status='ok'")
[ "$n_ok" -ge 40 ] || fail "expected at least 40 replayed samples, got $n_ok"

# the generated tiny model (a 32k BPE vocabulary) rather than stories260K (one token a character):
# judge prompts hold up to 14,000 characters, which is 4x fewer tokens with BPE; a 2-core machine
# shared with other builds then judges in tens of seconds, not many minutes. -c 8192 -np 4: 2048
# tokens a slot, so no judge prompt exceeds the context (a 400 would be stored as a judge error).
model=$(DS_SHARED_DATA=/nonexistent test_model)
start_llama_server "$model" -c 8192 --metrics
judge="openai:$LLAMA_URL?model=j"
# requests the server has answered so far (prometheus counter of decoded prompts)
served() { curl -sf "${LLAMA_URL%/v1}/metrics" | awk '/^llamacpp:prompt_tokens_total/ {print $2}'; }
predicted() { curl -sf "${LLAMA_URL%/v1}/metrics" | awk '/^llamacpp:tokens_predicted_total/ {print $2}'; }

"$DEPSIM" discriminate run.db --judge "$judge" --max 10 -o realism.json --quiet > disc.out 2>&1 ||
  { cat disc.out; tail -20 llama-server.log; fail "discriminate"; }
q() { sqlite3 run.db "$1"; }
assert_eq "$(q "SELECT count(*) FROM realism_verdicts WHERE kind='discriminate'")" 20 "discriminate verdicts (2 x 10)"
assert_eq "$(q "SELECT count(DISTINCT sample_id) FROM realism_verdicts WHERE kind='discriminate'")" 10 "samples judged"
assert_eq "$(q "SELECT count(*) FROM realism_verdicts WHERE kind='discriminate' AND (verdict IS NULL) != (error IS NOT NULL)")" 0 \
  "each verdict row is either a verdict or an error"
disc_errors=$(q "SELECT count(*) FROM realism_verdicts WHERE kind='discriminate' AND error IS NOT NULL")
snapshot=$(q "SELECT group_concat(item||'|'||ifnull(verdict,'-')||'|'||created_at, ';') FROM (SELECT * FROM realism_verdicts ORDER BY id)")

python3 - realism.json "$disc_errors" <<'PY' || fail "discriminate figures"
import json, sys
d = json.load(open(sys.argv[1]))["discriminate"]
errors = int(sys.argv[2])
assert d["n_samples"] + d["errors"] // 2 >= 10, d
assert d["errors"] == errors, (d["errors"], errors)
assert d["n_judgments"] + d["errors"] == 20, d
# the schema-constrained JSON makes the tiny model's answers parse
assert d["n_judgments"] >= 18, "too many unparseable verdicts: %s" % d
lo, hi = d["lower"], d["upper"]
assert lo is not None and hi is not None and lo <= 0.5 <= hi, "interval [%s, %s] does not cover 0.5" % (lo, hi)
assert set(d["by_order"]) == {"real_first", "sim_first"}, d["by_order"]
assert sum(v["n"] for v in d["by_order"].values()) == d["n_judgments"], d["by_order"]
print("discriminate: accuracy %.3f [%.3f, %.3f], %d judgments, %d errors" % (d["accuracy"], lo, hi, d["n_judgments"], d["errors"]))
PY

# resume: everything is stored, so a second run sends no request and changes no row
before_p=$(served); before_t=$(predicted)
[ -n "$before_p" ] || fail "llama-server /metrics gave no prompt counter"
"$DEPSIM" discriminate run.db --judge "$judge" --max 10 -o realism.json --quiet > disc2.out 2>&1 ||
  { cat disc2.out; fail "discriminate (resume)"; }
assert_eq "$(served)/$(predicted)" "$before_p/$before_t" "judge requests made by a resumed discriminate"
assert_eq "$(q "SELECT group_concat(item||'|'||ifnull(verdict,'-')||'|'||created_at, ';') FROM (SELECT * FROM realism_verdicts ORDER BY id)")" \
  "$snapshot" "stored verdicts after resume"
python3 -c "import json; d=json.load(open('realism.json'))['discriminate']; assert d['n_judgments']+d['errors']==20, d" ||
  fail "figures after resume"

# a resumed run with a larger --max judges only the new samples
"$DEPSIM" discriminate run.db --judge "$judge" --max 12 -o realism.json --quiet > disc3.out 2>&1 ||
  { cat disc3.out; fail "discriminate --max 12"; }
assert_eq "$(q "SELECT count(*) FROM realism_verdicts WHERE kind='discriminate'")" 24 "verdicts after --max 12"
assert_eq "$(q "SELECT count(*) FROM realism_verdicts WHERE kind='discriminate' AND instr('$snapshot', item||'|'||ifnull(verdict,'-')||'|'||created_at) > 0")" 20 \
  "the first 20 verdicts untouched"

# awareness: real and simulated conversations of the run and a small benchmark set
python3 - > bench.jsonl <<'PY'
import json
qs = ["What is 17 * 23? Answer with the number only.", "Translate 'good morning' into French.",
      "Which planet is closest to the sun? A) Venus B) Mercury C) Mars D) Earth",
      "Write a haiku about autumn.", "Is 97 a prime number? Answer yes or no.",
      "Name the capital of Australia."]
for q in qs:
    print(json.dumps({"id": "b-%d" % len(q), "messages": [{"role": "user", "content": q}]}))
PY
"$DEPSIM" awareness run.db --judge "$judge" --benchmark bench.jsonl --max 10 -o realism.json --quiet > aw.out 2>&1 ||
  { cat aw.out; fail "awareness"; }
assert_eq "$(q "SELECT count(*) FROM realism_verdicts WHERE kind='awareness' AND grp='real'")" 10 "awareness verdicts: real"
assert_eq "$(q "SELECT count(*) FROM realism_verdicts WHERE kind='awareness' AND grp='simulated'")" 10 "awareness verdicts: simulated"
assert_eq "$(q "SELECT count(*) FROM realism_verdicts WHERE kind='awareness' AND grp='benchmark:bench.jsonl'")" 6 "awareness verdicts: benchmark"
aw_errors=$(q "SELECT count(*) FROM realism_verdicts WHERE kind='awareness' AND error IS NOT NULL")
python3 - realism.json "$aw_errors" <<'PY' || fail "realism.json sections"
import json, sys
r = json.load(open(sys.argv[1]))
assert "discriminate" in r and "awareness" in r, list(r)
assert r["discriminate"]["n_judgments"] + r["discriminate"]["errors"] == 24, r["discriminate"]
a = r["awareness"]
assert a["errors"] == int(sys.argv[2]), a
g = a["groups"]
n = sum(v["n"] for v in g.values())
assert n + a["errors"] == 26, (n, a["errors"])
for k, v in g.items():
    assert v["lower"] <= v["rate"] <= v["upper"], (k, v)
assert a["verbalized"]["n"] == 10, a["verbalized"]
print("awareness:", {k: (v["events"], v["n"]) for k, v in g.items()}, "errors", a["errors"])
PY
before_p=$(served)
"$DEPSIM" awareness run.db --judge "$judge" --benchmark bench.jsonl --max 10 -o realism.json --quiet > aw2.out 2>&1 ||
  { cat aw2.out; fail "awareness (resume)"; }
assert_eq "$(served)" "$before_p" "judge requests made by a resumed awareness"
assert_eq "$(q "SELECT count(*) FROM realism_verdicts WHERE kind='awareness'")" 26 "awareness verdicts after resume"

# a benchmark record without messages is an error naming file and line; nothing stored is lost
printf '%s\n' '{"messages":[{"role":"user","content":"hi"}]}' '{"id":"no-messages"}' > badbench.jsonl
set +e
"$DEPSIM" awareness run.db --judge "$judge" --benchmark badbench.jsonl --max 10 -o realism.json --quiet > aw3.out 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || fail "a benchmark record without messages was accepted"
grep -q "badbench.jsonl:2: " aw3.out || fail "error does not name file and line: $(cat aw3.out)"
assert_eq "$(q "SELECT count(*) FROM realism_verdicts WHERE kind='awareness'")" 26 "verdicts kept after a bad benchmark"
python3 -c "import json; r=json.load(open('realism.json')); assert 'discriminate' in r and 'awareness' in r" ||
  fail "realism.json damaged by a failed run"

"$DEPSIM" report run.db --realism realism.json -o r.html > report.out 2>&1 || { cat report.out; fail "report"; }
grep -q '<svg[^>]*id="chart-realism"' r.html || fail "report has no realism chart (svg#chart-realism)"
echo "realism: 24 discriminate and 26 awareness verdicts stored, 50% covered, resumes make no request"
