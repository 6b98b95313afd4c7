# llama_vs_server.sh: the in-process llama backend and a real llama-server (same llama.cpp,
# same model; asked directly and through depsim's openai backend) answer the same requests:
# same result structure, same token counts, and the same text under greedy decoding and under
# a fixed seed with llama-server's sampling defaults.
source "$DS_SRC/tests/e2e/lib.sh"
[ "${DS_WITH_LLAMA:-0}" = 1 ] || skip "depsim was built without llama.cpp"
[ -n "${DS_llama_probe:-}" ] || fail "llama_probe not built"

# The generated model carries phi-3's chat template. We apply it with llama_chat_apply_template
# (llama.cpp's built-in formats), as llama-server does with --no-jinja; its default jinja
# engine is C++ outside libllama and renders this template differently (it drops system
# messages). stories260K has no template: llama-server would use its own default, we a plain
# transcript, so the comparison runs on the generated model.
model="$DS_BUILD/tests/tiny-test.gguf"
[ -f "$model" ] || "$DS_make_tiny_gguf" "$model" >/dev/null || fail "make_tiny_gguf failed"

cat >"$WORK/requests.jsonl" <<'EOF'
{"id":1,"messages":[{"role":"user","content":"Hello, who are you?"}],"max_tokens":12,"temperature":0}
{"id":2,"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Name three rivers."}],"max_tokens":20,"temperature":0}
{"id":3,"messages":[{"role":"user","content":"Tell me a story."},{"role":"assistant","content":"Once upon a time"},{"role":"user","content":"Go on."}],"max_tokens":16,"temperature":0}
{"id":4,"messages":[{"role":"user","content":"Write a haiku."}],"max_tokens":24,"temperature":0.8,"seed":1234}
{"id":5,"messages":[{"role":"user","content":"Count: one two three"}],"max_tokens":10,"temperature":0.8,"seed":99}
{"id":6,"messages":[{"role":"user","content":"Hello, who are you?"}],"max_tokens":12,"temperature":0,"stop":["zzz","PART"]}
EOF

"$DS_llama_probe" "llama:$model?parallel=4&ctx=1024&threads=1" <"$WORK/requests.jsonl" >"$WORK/ours.jsonl" \
  || fail "llama_probe failed"
[ "$(wc -l <"$WORK/ours.jsonl")" = 6 ] || fail "expected 6 results, got: $(cat "$WORK/ours.jsonl")"

start_llama_server "$model" -t 1 --no-jinja
while IFS= read -r line; do
  id=$(jq -r .id <<<"$line")
  jq -c 'del(.id)' <<<"$line" | curl -sf "$LLAMA_URL/chat/completions" -H 'Content-Type: application/json' -d @- \
    >"$WORK/server-$id.json" || fail "llama-server request $id failed"
done <"$WORK/requests.jsonl"

for id in 1 2 3 4 5 6; do
  ours=$(jq -c "select(.id == $id)" "$WORK/ours.jsonl")
  theirs=$(cat "$WORK/server-$id.json")
  # the structure every backend returns
  jq -e '.status == "DS_OK" and (.content|type) == "string" and (.finish_reason|type) == "string"
         and .prompt_tokens > 0 and .completion_tokens > 0 and .attempts == 1 and .latency_s > 0' \
    <<<"$ours" >/dev/null || fail "request $id: incomplete result from the llama backend: $ours"
  jq -e '(.choices[0].message.content|type) == "string" and (.choices[0].finish_reason|type) == "string"
         and .usage.prompt_tokens > 0 and .usage.completion_tokens > 0' \
    <<<"$theirs" >/dev/null || fail "request $id: unexpected llama-server answer: $theirs"
  assert_eq "$(jq .prompt_tokens <<<"$ours")" "$(jq .usage.prompt_tokens <<<"$theirs")" "request $id prompt_tokens"
  assert_eq "$(jq .completion_tokens <<<"$ours")" "$(jq .usage.completion_tokens <<<"$theirs")" \
    "request $id completion_tokens"
  assert_eq "$(jq -r .finish_reason <<<"$ours")" "$(jq -r .choices[0].finish_reason <<<"$theirs")" \
    "request $id finish_reason"
  assert_eq "$(jq .content <<<"$ours")" "$(jq .choices[0].message.content <<<"$theirs")" "request $id content"
done

# the same requests through depsim's openai backend to that llama-server: the same ds_result
# fields and values as the llama backend's
"$DS_llama_probe" "openai:$LLAMA_URL?model=test" <"$WORK/requests.jsonl" >"$WORK/openai.jsonl" \
  || fail "llama_probe (openai backend) failed"
python3 - "$WORK/ours.jsonl" "$WORK/openai.jsonl" <<'PY' || fail "llama and openai backends disagree"
import json, sys
ours = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
theirs = {r["id"]: r for r in map(json.loads, open(sys.argv[2]))}
assert sorted(ours) == sorted(theirs) == [1, 2, 3, 4, 5, 6], (sorted(ours), sorted(theirs))
for i in ours:
    a, b = ours[i], theirs[i]
    assert set(a) == set(b), (i, sorted(a), sorted(b))
    for k in ("status", "content", "finish_reason", "prompt_tokens", "completion_tokens", "attempts"):
        assert a[k] == b[k], (i, k, a[k], b[k])
PY

# count_tokens is the prompt llama-server sees
"$DS_llama_probe" --count "llama:$model?parallel=1&threads=1" <"$WORK/requests.jsonl" >"$WORK/counts.jsonl" \
  || fail "llama_probe --count failed"
for id in 1 2 3; do
  assert_eq "$(jq "select(.id == $id) | .tokens" "$WORK/counts.jsonl")" \
    "$(jq .usage.prompt_tokens "$WORK/server-$id.json")" "request $id count_tokens"
done
# request 6 ended at its stop string (greedy request 1 goes on past "PART")
assert_eq "$(jq -r 'select(.id == 6) | .finish_reason' "$WORK/ours.jsonl")" stop "request 6 finish_reason"
jq -s -e '.[] | select(.id == 1) | .content | contains("PART")' "$WORK/ours.jsonl" >/dev/null \
  || fail "request 1 no longer contains the stop string of request 6: choose another"
echo "ok: llama backend, llama-server and the openai backend agree on 6 requests"
