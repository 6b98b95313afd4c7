#!/usr/bin/env bash
# ingest_small.sh: `depsim ingest` end to end on inputs this test writes: every format,
# .gz and .zst, a JSON array, consent handling, bad lines with FILE:LINE messages, exit
# codes, --on-error=fail leaving the final name untouched, and the manifest's accounting.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

cat > openai.jsonl <<'J'
{"id":"o1","consent":true,"time":"2026-03-01T10:00:00Z","segment":{"product":"agent"},"messages":[{"role":"user","content":"list"},{"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"shell","arguments":"{\"cmd\":\"ls\"}"}}]},{"role":"tool","tool_call_id":"t1","content":"a b"}],"tools":[{"type":"function","function":{"name":"shell"}}]}
{"id":"o2","consent":false,"messages":[{"role":"user","content":"no consent"}]}
{"id":"o3","consent":true,"messages":[{"role":"user","content":"caf
{"id":"o4","consent":true,"messages":[{"role":"alien","content":"x"}]}
J
cat > sharegpt.jsonl <<'J'
{"id":"s1","consent":true,"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"hello"}]}
{"id":"s2","consent":true,"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"hello"}]}
J
gzip -k sharegpt.jsonl
cat > wild.jsonl <<'J'
{"conversation_hash":"w1","consent":true,"model":"gpt-4","timestamp":"2026-03-05T08:00:00Z","language":"English","conversation":[{"role":"user","content":"yo"},{"role":"assistant","content":"hey"}],"toxic":false}
J
wild=wild.jsonl
if command -v zstd >/dev/null; then zstd -q wild.jsonl -o wild.jsonl.zst; wild=wild.jsonl.zst; fi
cat > traj.json <<'J'
[
  {"task_id": 1, "consent": true, "reward": 1.0,
   "traj": [{"role": "user", "content": "book"}, {"role": "assistant", "content": "done"}]},
  {"task_id": 2, "consent": true, "traj": []}
]
J

"$DEPSIM" ingest openai.jsonl sharegpt.jsonl.gz "$wild" traj.json -o corpus.jsonl >out.txt 2>err.txt \
  || { cat err.txt; fail "ingest failed"; }
grep -q "openai.jsonl:3: invalid JSON" err.txt || { cat err.txt; fail "no FILE:LINE message for the bad JSON line"; }
grep -q "openai.jsonl:4: .*alien.*\[unknown_role\]" err.txt || { cat err.txt; fail "no message for the unknown role"; }
grep -q "traj.json:4: .*\[empty_conversation\]" err.txt || { cat err.txt; fail "no message for the empty trajectory"; }
python3 - <<'PY' || fail "corpus content"
import json
m = json.load(open("corpus.jsonl.manifest.json"))
r = m["records"]
assert r["in"] == 9 and r["kept"] == 4, r
assert r["filtered"]["by_reason"] == {"no_consent": 1, "duplicate": 1}, r
assert r["failed"]["by_reason"] == {"bad_json": 1, "unknown_role": 1, "empty_conversation": 1}, r
assert r["in"] == r["kept"] + r["filtered"]["total"] + r["failed"]["total"]
fmts = [(i["format"], i["container"]) for i in m["inputs"]]
assert fmts == [("openai", "jsonl"), ("sharegpt", "jsonl"), ("wildchat", "jsonl"), ("traj", "json_array")], fmts
assert m["time_range"]["min"] == "2026-03-01T10:00:00Z" and m["time_range"]["max"] == "2026-03-05T08:00:00Z"
assert m["segments"]["product"] == {"agent": 1} and m["segments"]["model"] == {"gpt-4": 1}
recs = [json.loads(l) for l in open("corpus.jsonl")]
ids = [x["id"] for x in recs]
assert ids[:3] == ["o1", "s1", "w1"] and ids[3].startswith("c-") and len(ids[3]) == 18, ids
assert recs[0]["messages"][1]["tool_calls"] == [{"id": "t1", "name": "shell", "arguments": "{\"cmd\":\"ls\"}"}]
assert recs[3]["reward"] == 1.0 and recs[3]["task_id"] == 1
PY

# no consent field anywhere: refused with an explanation, exit 3, no corpus
printf '%s\n' '{"messages":[{"role":"user","content":"x"}]}' > noconsent.jsonl
set +e
"$DEPSIM" ingest noconsent.jsonl -o nc.jsonl 2>nc.err; rc=$?
set -e
assert_eq "$rc" 3 "exit code without consent"
grep -q -- "--assume-consent" nc.err || fail "the error does not explain --assume-consent"
[ ! -e nc.jsonl ] || fail "a corpus was written although the run failed"
"$DEPSIM" ingest -q --assume-consent noconsent.jsonl -o nc.jsonl >/dev/null || fail "--assume-consent refused"

# --on-error=fail: exit 3, the previous corpus stays, the records before the bad one are in .partial
cp corpus.jsonl before.jsonl
set +e
"$DEPSIM" ingest -q --on-error=fail openai.jsonl -o corpus.jsonl 2>fail.err; rc=$?
set -e
assert_eq "$rc" 3 "exit code with --on-error=fail"
cmp -s corpus.jsonl before.jsonl || fail "--on-error=fail replaced the corpus"
assert_eq "$(wc -l < corpus.jsonl.partial)" 1 "records kept in .partial"
grep -q "openai.jsonl:3:" fail.err || fail "the stopping error names no line"

# limits and usage errors
set +e
"$DEPSIM" ingest --max-line-bytes 50 --assume-consent openai.jsonl -o lim.jsonl 2>lim.err >/dev/null; rc=$?
"$DEPSIM" ingest --on-error=maybe openai.jsonl -o x.jsonl 2>/dev/null; rc2=$?
"$DEPSIM" ingest openai.jsonl 2>/dev/null; rc3=$?
"$DEPSIM" ingest --format csv openai.jsonl -o x.jsonl 2>/dev/null; rc4=$?
set -e
assert_eq "$rc" 3 "exit code when every line is too long"
grep -q "\[too_long\]" lim.err || fail "no too_long report"
grep -q "every record failed" lim.err || fail "no error that every record failed"
[ ! -e lim.jsonl ] && [ ! -e lim.jsonl.manifest.json ] || fail "an all-failed run left a corpus or a manifest"
assert_eq "$rc2" 2 "bad --on-error value"
assert_eq "$rc3" 2 "missing -o"
assert_eq "$rc4" 2 "unknown format"
echo ok
