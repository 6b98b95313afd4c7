# replay_batch_files.sh: `depsim replay --emit-batch` writes the pending samples as an OpenAI
# Batch API input file (each line valid against the Batch input schema: custom_id = prefix key
# and k, the body the openai backend would send, with the sample's seed) and as Anthropic Message
# Batches requests; the output read back with --resume --backend file:OUTPUT gives the same run
# as a live replay of the same completions; what the output lacks stays pending and is emitted
# again; another run's output is refused.
source "$DS_SRC/tests/e2e/lib.sh"

python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
with open(f"{w}/corpus.jsonl", "w") as c:
    for i in range(40):
        m = [{"role": "system", "content": "be brief"}, {"role": "user", "content": f"hello {i}"},
             {"role": "assistant", "content": "hi"}, {"role": "user", "content": "bye"},
             {"role": "assistant", "content": "bye!"}]
        if i % 10 == 3:  # a tool call and its result inside the prefix
            m[2] = {"role": "assistant", "content": None, "tool_calls": [{"id": f"call_{i}", "type": "function",
                    "function": {"name": "lookup", "arguments": "{\"q\": \"x\"}"}}]}
            m.insert(3, {"role": "tool", "tool_call_id": f"call_{i}", "content": "found"})
        c.write(json.dumps({"id": f"u {i}/x", "messages": m}) + "\n")
PY
common=(-k 3 --seed 11 --cut every --temperature 0.7 --max-tokens 64 --quiet)
# nothing listens on port 9: --emit-batch sends nothing
"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "openai:http://127.0.0.1:9/v1?model=cand" "${common[@]}" \
  -o "$WORK/run.db" --emit-batch "$WORK/batch.jsonl" >"$WORK/emit.out" || fail "emit"
grep -q "batch: 240 requests written to" "$WORK/emit.out" || { cat "$WORK/emit.out"; fail "emit summary"; }
assert_eq "$(sqlite3 "$WORK/run.db" "SELECT count(*) FROM prefixes WHERE status='pending'")" 80 "pending after emit"
assert_eq "$(sqlite3 "$WORK/run.db" "SELECT count(*) FROM samples")" 0 "samples after emit"

# the input file against the OpenAI Batch API input schema; the output a batch service writes
python3 - "$WORK" <<'PY' || fail "batch input file"
import json, sys, jsonschema
w = sys.argv[1]
schema = {  # OpenAI Batch API: one request per line (also vLLM's run_batch BatchRequestInput)
    "type": "object", "additionalProperties": False,
    "required": ["custom_id", "method", "url", "body"],
    "properties": {
        "custom_id": {"type": "string", "minLength": 1},
        "method": {"const": "POST"},
        "url": {"enum": ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses"]},
        "body": {"type": "object", "required": ["model", "messages"], "properties": {
            "model": {"type": "string"}, "seed": {"type": "integer"}, "temperature": {"type": "number"},
            "max_tokens": {"type": "integer"},
            "messages": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["role"]}}}}}}
ids = set()
lines = open(f"{w}/batch.jsonl").read().splitlines()
assert len(lines) == 240, len(lines)
with open(f"{w}/out.jsonl", "w") as out, open(f"{w}/live.jsonl", "w") as live:
    for n, l in enumerate(lines):
        r = json.loads(l)
        jsonschema.validate(r, schema)
        assert r["custom_id"] not in ids, r["custom_id"]
        ids.add(r["custom_id"])
        b = r["body"]
        assert b["model"] == "cand" and b["max_tokens"] == 64 and abs(b["temperature"] - 0.7) < 1e-9, b
        assert all(m["role"] != "assistant" or m is not b["messages"][-1] for m in b["messages"])
        body = {"id": f"chatcmpl-{n}", "object": "chat.completion", "model": "cand", "choices": [{"index": 0,
                "message": {"role": "assistant", "content": f"a {r['custom_id']} s{b['seed']}"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 20 + n % 7, "completion_tokens": 5, "total_tokens": 25 + n % 7}}
        line = json.dumps({"id": f"batch_req_{n}", "custom_id": r["custom_id"],
                           "response": {"status_code": 200, "request_id": f"r{n}", "body": body}, "error": None})
        live.write(line + "\n")
        if n not in (5, 77):  # the batch service lost two requests
            out.write(line + "\n")
assert any("tool_calls" in json.dumps(json.loads(l)["body"]["messages"]) for l in lines)
PY

"$DEPSIM" replay --resume "$WORK/run.db" --backend "file:$WORK/out.jsonl" >"$WORK/res.out" 2>"$WORK/res.err" ||
  { cat "$WORK/res.err"; fail "resume with the batch output"; }
grep -q "batch output: 2 samples it did not answer stay pending" "$WORK/res.out" || { cat "$WORK/res.out"; fail "missing counted"; }
assert_eq "$(sqlite3 "$WORK/run.db" "SELECT count(*) FROM prefixes WHERE status='pending'")" 2 "pending after the output"
assert_eq "$(sqlite3 "$WORK/run.db" "SELECT count(*) FROM samples WHERE status!='ok'")" 0 "a lost request stored as failed"
# what is missing is emitted again, only that
"$DEPSIM" replay --resume "$WORK/run.db" --emit-batch "$WORK/batch2.jsonl" --quiet >/dev/null || fail "emit again"
assert_eq "$(wc -l <"$WORK/batch2.jsonl")" 2 "second batch size"
assert_eq "$(python3 -c 'import json,sys; print(" ".join(sorted(json.loads(l)["custom_id"] for l in open(sys.argv[1]))))' "$WORK/batch2.jsonl")" \
  "$(python3 -c 'import json,sys; L=open(sys.argv[1]).read().splitlines(); print(" ".join(sorted(json.loads(L[i])["custom_id"] for i in (5,77))))' "$WORK/batch.jsonl")" \
  "second batch holds the lost requests"
# another run's output answers none of this run's requests: refused, nothing stored
python3 -c 'import sys; [print(l.replace("u ", "v ", 1), end="") for l in open(sys.argv[1])]' "$WORK/live.jsonl" >"$WORK/other.jsonl"
if "$DEPSIM" replay --resume "$WORK/run.db" --backend "file:$WORK/other.jsonl" -q >/dev/null 2>"$WORK/err"; then fail "took another run's output"; fi
grep -q "answers none of the 2 requests" "$WORK/err" || { cat "$WORK/err"; fail "message for another run's output"; }
"$DEPSIM" replay --resume "$WORK/run.db" --backend "file:$WORK/live.jsonl" --quiet >/dev/null || fail "second output"
assert_eq "$(sqlite3 "$WORK/run.db" "SELECT count(*) FROM prefixes WHERE status='done'")" 80 "done after both outputs"

# the same completions replayed live (file backend from the start) give the same run
"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "file:$WORK/live.jsonl" "${common[@]}" -o "$WORK/live.db" >/dev/null ||
  fail "live replay"
dump="SELECT p.conv_id||'#'||p.cut_index||'/'||p.status||'/'||s.k||'/'||s.seed||'/'||s.status||'/'||s.content||'/'||
      coalesce(s.prompt_tokens,'')||'/'||coalesce(s.completion_tokens,'') FROM samples s JOIN prefixes p ON p.id=s.prefix_id ORDER BY 1"
sqlite3 "$WORK/run.db" "$dump" >"$WORK/a.txt"
sqlite3 "$WORK/live.db" "$dump" >"$WORK/b.txt"
assert_eq "$(wc -l <"$WORK/a.txt")" 240 "samples"
cmp -s "$WORK/a.txt" "$WORK/b.txt" || { diff "$WORK/a.txt" "$WORK/b.txt" | head; fail "batch run differs from the live run"; }
# each completion is the one its request (custom_id, seed) asked for
sqlite3 "$WORK/run.db" "SELECT count(*) FROM samples s JOIN prefixes p ON p.id=s.prefix_id
  WHERE s.content != 'a '||p.conv_id||'#'||p.cut_index||'#'||s.k||' s'||s.seed" | grep -qx 0 || fail "sample matched to another request"

# Anthropic Message Batches: requests, ids in Anthropic's alphabet, results back in
"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "openai:http://127.0.0.1:9/v1?model=claude-x" "${common[@]}" \
  -o "$WORK/anth.db" --emit-batch "$WORK/anth.json" --batch-format anthropic >/dev/null || fail "emit anthropic"
python3 - "$WORK" <<'PY' || fail "anthropic batch"
import json, re, sys
w = sys.argv[1]
reqs = json.load(open(f"{w}/anth.json"))["requests"]
assert len(reqs) == 240
with open(f"{w}/anth_out.jsonl", "w") as out:
    for n, r in enumerate(reqs):
        assert set(r) == {"custom_id", "params"} and re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", r["custom_id"]), r["custom_id"]
        p = r["params"]
        assert p["model"] == "claude-x" and p["max_tokens"] == 64 and p["system"] == "be brief", p
        roles = [m["role"] for m in p["messages"]]
        assert roles[0] == "user" and all(a != b for a, b in zip(roles, roles[1:])), roles
        for m in p["messages"]:
            for b in m["content"]:
                assert b["type"] in ("text", "tool_use", "tool_result"), b
        if n in (0, 3):  # one request failed, one (of another prefix) expired before it ran
            res = {"type": "errored", "error": {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}} \
                if n == 0 else {"type": "expired"}
            out.write(json.dumps({"custom_id": r["custom_id"], "result": res}) + "\n")
            continue
        out.write(json.dumps({"custom_id": r["custom_id"], "result": {"type": "succeeded", "message": {
            "id": f"msg_{n}", "type": "message", "role": "assistant", "model": "claude-x",
            "content": [{"type": "text", "text": f"b{n}"}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 9, "output_tokens": 2}}}}) + "\n")
assert any(b["type"] == "tool_use" for r in reqs for m in r["params"]["messages"] for b in m["content"])
PY
"$DEPSIM" replay --resume "$WORK/anth.db" --backend "file:$WORK/anth_out.jsonl" --quiet >/dev/null || fail "anthropic results"
assert_eq "$(sqlite3 "$WORK/anth.db" "SELECT status, count(*) FROM prefixes GROUP BY 1 ORDER BY 1" | tr '\n' ' ')" \
  "done|78 failed|1 pending|1 " "anthropic results stored (errored: failed, expired: pending)"
assert_eq "$(sqlite3 "$WORK/anth.db" "SELECT error FROM samples WHERE status!='ok'")" "batch result errored: busy" "errored's message"
echo "ok: batch files out and in"
