# deid_cli.sh: `depsim deid` on a small canonical corpus written here: values replaced in
# content, tool-call arguments (through JSON escapes) and tool results, by placeholders and
# (the default) by surrogates of the same shape; bad lines reported with file:line and
# counted; a post-scan finding fails the run (exit 3) and keeps no output.
. "$DS_SRC/tests/e2e/lib.sh"
cat >"$WORK/in.jsonl" <<'JSONL'
{"id":"c1","consent":true,"messages":[{"role":"system","content":"Support line +1 (415) 555-0132"},{"role":"user","content":"I'm Maria, write to maria.g@corp.io, card 4111 1111 1111 1111"},{"role":"assistant","content":null,"tool_calls":[{"id":"t1","name":"send","arguments":"{\"to\":\"maria.g\\u0040corp.io\",\"key\":\"AKIAQ3EGRTWK6NKP7M2X\"}"}]},{"role":"tool","tool_call_id":"t1","content":"sent to maria.g@corp.io from 172.16.254.1"}]}
not json at all
{"id":"c2","consent":true,"messages":[{"role":"user","content":"my IBAN is DE89 3704 0044 0532 0130 00 and SSN 123-45-6789"}]}
JSONL
"$DEPSIM" deid "$WORK/in.jsonl" -o "$WORK/out.jsonl" --replace placeholder --report "$WORK/report.json" 2>"$WORK/err.txt" ||
  { cat "$WORK/err.txt" >&2; fail "deid exited $?"; }
grep -q "in.jsonl:2: " "$WORK/err.txt" || fail "bad line not reported with file:line"
for raw in maria.g corp.io 555-0132 "4111 1111" AKIAQ3EGRTWK6NKP7M2X 172.16.254.1 "DE89 3704" 123-45-6789; do
  grep -q -- "$raw" "$WORK/out.jsonl" && fail "'$raw' left in the output"
done
python3 - "$WORK/out.jsonl" "$WORK/report.json" <<'PY' || fail "output or report"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["id"] for r in recs] == ["c1", "c2"], recs
m = recs[0]["messages"]
args = json.loads(m[2]["tool_calls"][0]["arguments"])      # still valid JSON
assert args == {"to": "<EMAIL_1>", "key": "<AWS_KEY_1>"}, args
assert m[1]["content"].startswith("I'm <PERSON_1>, write to <EMAIL_1>, card <CARD_1>"), m[1]["content"]
assert m[3]["content"] == "sent to <EMAIL_1> from <IP_1>", m[3]["content"]
assert m[2]["tool_calls"][0]["name"] == "send"
rep = json.load(open(sys.argv[2]))
assert rep["bad_records"] == 1 and rep["output_records"] == 2 and rep["post_scan"]["findings"] == 0, rep
assert rep["replaced"]["EMAIL"] == 3 and rep["replaced"]["IBAN"] == 1 and rep["replaced"]["SSN"] == 1, rep["replaced"]
PY

# surrogates (the default): no placeholder, nothing raw left, the same value the same
# surrogate in a conversation, the arguments still JSON, the post-scan clean
"$DEPSIM" deid "$WORK/in.jsonl" -o "$WORK/sur.jsonl" --report "$WORK/sur.json" -q 2>"$WORK/err4.txt" ||
  { cat "$WORK/err4.txt" >&2; fail "deid (surrogates) exited $?"; }
for raw in maria.g corp.io 555-0132 "4111 1111" AKIAQ3EGRTWK6NKP7M2X 172.16.254.1 "DE89 3704" 123-45-6789; do
  grep -q -- "$raw" "$WORK/sur.jsonl" && fail "'$raw' left in the surrogate output"
done
python3 - "$WORK/sur.jsonl" "$WORK/sur.json" <<'PY' || fail "surrogate output"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
text = open(sys.argv[1]).read()
assert not re.search(r"<[A-Z_]+_\d+>", text), "a placeholder in surrogate output"
m = recs[0]["messages"]
args = json.loads(m[2]["tool_calls"][0]["arguments"])
mail = re.search(r"write to (\S+@\S+),", m[1]["content"]).group(1)
assert args["to"] == mail and mail in m[3]["content"], (args, m)        # one value, one surrogate
assert re.fullmatch(r"AKIA[0-9A-Z]{16}", args["key"]), args["key"]        # same shape
assert re.search(r"\+1 \(\d{3}\) 555-01\d\d", m[0]["content"]), m[0]["content"]
rep = json.load(open(sys.argv[2]))
assert rep["replace"] == "surrogate" and rep["post_scan"]["findings"] == 0, rep
PY

# a pattern that matches its own placeholders can never be clean: the post-scan must catch it
echo 'LOOP <[A-Z]+_[0-9]+>' >"$WORK/pat.txt"
set +e
"$DEPSIM" deid "$WORK/in.jsonl" -o "$WORK/bad.jsonl" --replace placeholder --patterns "$WORK/pat.txt" -q 2>"$WORK/err2.txt"
rc=$?
set -e
assert_eq "$rc" 3 "exit code when the post-scan finds data"
grep -q "post-scan found" "$WORK/err2.txt" || fail "no post-scan message"
[ ! -e "$WORK/bad.jsonl" ] && [ ! -e "$WORK/bad.jsonl.tmp" ] || fail "output kept despite post-scan findings"

# unknown type: a clear error
set +e
"$DEPSIM" deid "$WORK/in.jsonl" -o "$WORK/x.jsonl" --types email,bogus 2>"$WORK/err3.txt"
rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "bogus" "$WORK/err3.txt" || fail "bad --types not reported"
echo ok
