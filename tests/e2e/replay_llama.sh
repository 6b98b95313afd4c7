# replay_llama.sh: end-to-end replay against a real llama-server on loopback: K samples per
# prefix with distinct seeds, tool-calling cuts, a prefix longer than the context skipped
# (or trimmed with --trim-front), reproducible given seed and backend, the accounting.
source "$DS_SRC/tests/e2e/lib.sh"

MODEL=$(test_model)
start_llama_server "$MODEL" --temp 0.8
SPEC="openai:$LLAMA_URL?model=test"

python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
convs = []
for i in range(5):
    convs.append({"id": f"c{i}", "segment": {"product": "chat"}, "messages": [
        {"role": "system", "content": "You tell short stories."},
        {"role": "user", "content": f"Tell me a story about a cat named {i}."},
        {"role": "assistant", "content": "Once upon a time there was a cat."},
        {"role": "user", "content": "And then?"},
        {"role": "assistant", "content": "The cat slept."}]})
convs.append({"id": "tools", "messages": [
    {"role": "user", "content": "List the files."},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "t1", "name": "shell", "arguments": "{\"cmd\":\"ls\"}"}]},
    {"role": "tool", "tool_call_id": "t1", "content": "a.txt b.txt"},
    {"role": "assistant", "content": "There are two files."}]})
# far longer than the 1024-token slot context: skipped, or trimmed to its last turns
long = [{"role": "system", "content": "You tell short stories."}]
for j in range(40):
    long += [{"role": "user", "content": "Once upon a time there was a big dog. " * 12},
             {"role": "assistant", "content": "The dog ran to the park and played. " * 12}]
long += [{"role": "user", "content": "The end?"}, {"role": "assistant", "content": "Yes."}]
convs.append({"id": "long", "messages": long})
with open(f"{w}/corpus.jsonl", "w") as f:
    for c in convs:
        f.write(json.dumps(c) + "\n")
PY

"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "$SPEC" -k 3 --seed 11 --max-tokens 12 --temperature 0.9 \
  --in-flight 4 -o "$WORK/a.db" >"$WORK/a.out" 2>"$WORK/a.err" || { cat "$WORK/a.err"; fail "replay failed"; }
cat "$WORK/a.out"
DB="$WORK/a.db"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM prefixes")" 7 "prefixes"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM prefixes WHERE status='done'")" 6 "completed"
assert_eq "$(sqlite3 "$DB" "SELECT status||' '||reason FROM prefixes WHERE conv_id='long'")" "skipped context_exceeded" "long prefix"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM samples WHERE status='ok' AND completion_tokens > 0 AND prompt_tokens > 0")" 18 "samples with usage"
assert_eq "$(sqlite3 "$DB" "SELECT count(DISTINCT seed) FROM samples")" 18 "distinct seeds"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM samples WHERE latency_s > 0 AND attempts >= 1")" 18 "latency and attempts"
grep -q "skipped    1 (context_exceeded 1)" "$WORK/a.out" || fail "accounting line for the skipped prefix"
grep -Eq "context_exceeded: prefixes of [0-9]+ to [0-9]+ tokens > context 1024" "$WORK/a.out" ||
  fail "the skipped prefix's length against the context"
grep -q "completed  6" "$WORK/a.out" || fail "accounting line for completed"
sqlite3 "$DB" "SELECT value FROM meta WHERE key='backend_context_length'" | grep -qx 1024 || fail "context length in meta"
# the report says it too, in the run's row
"$DEPSIM" report "$DB" -o "$WORK/a.html" -q || fail "report of the run"
grep -Eq "skipped: context_exceeded 1 \(longest prefix [0-9]+ tokens &gt; context 1024\)" "$WORK/a.html" ||
  fail "the report does not say why the long prefix was skipped"
sqlite3 "$DB" "SELECT value FROM meta WHERE key='backend'" | grep -q "$LLAMA_URL" || fail "backend in meta"
# the tool-calling cut: the candidate saw the tool result's turn only up to the cut
assert_eq "$(sqlite3 "$DB" "SELECT json_array_length(m.messages) FROM prefixes p JOIN prefix_messages m ON m.prefix_id=p.id WHERE p.conv_id='tools'")" 3 "tools prefix"

# same seed, same backend, one request at a time: the same samples
"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "$SPEC" -k 3 --seed 11 --max-tokens 12 --temperature 0.9 \
  --in-flight 1 -o "$WORK/b.db" --quiet >/dev/null || fail "second run failed"
"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "$SPEC" -k 3 --seed 11 --max-tokens 12 --temperature 0.9 \
  --in-flight 1 -o "$WORK/c.db" --quiet >/dev/null || fail "third run failed"
dump="SELECT p.conv_id||'#'||p.cut_index||'/'||s.k||'/'||s.seed||'/'||s.content FROM samples s JOIN prefixes p ON p.id=s.prefix_id ORDER BY 1"
[ "$(sqlite3 "$WORK/b.db" "$dump")" = "$(sqlite3 "$WORK/c.db" "$dump")" ] || fail "same seed gave different samples"
# and the K samples of a prefix are not copies of one another
[ "$(sqlite3 "$WORK/b.db" "SELECT count(DISTINCT content) FROM samples")" -gt 6 ] || fail "samples of a prefix look collapsed"

# --trim-front: the long conversation loses its oldest turns until it fits, then is answered
"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "$SPEC" --max-tokens 12 --trim-front -o "$WORK/t.db" --quiet >/dev/null \
  || fail "trim run failed"
assert_eq "$(sqlite3 "$WORK/t.db" "SELECT status FROM prefixes WHERE conv_id='long'")" done "trimmed prefix"
[ "$(sqlite3 "$WORK/t.db" "SELECT trimmed FROM prefixes WHERE conv_id='long'")" -gt 0 ] || fail "nothing trimmed"
[ "$(sqlite3 "$WORK/t.db" "SELECT prompt_tokens FROM prefixes WHERE conv_id='long'")" -le 1012 ] || fail "trimmed prompt too long"
assert_eq "$(sqlite3 "$WORK/t.db" "SELECT json_extract(m.messages,'\$[0].role')||json_extract(m.messages,'\$[1].role') FROM prefixes p JOIN prefix_messages m ON m.prefix_id=p.id WHERE p.conv_id='long'")" \
  "systemuser" "trimmed prefix keeps the system message and starts on a user turn"

echo "ok: llama-server replay"
