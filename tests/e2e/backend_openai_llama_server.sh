# backend_openai_llama_server.sh: the openai backend against a real llama-server on loopback:
# every request gets a result with tokens counted, the same seed gives the same text, the
# context length and token counts come from the server, n>1 keeps requests in flight.
source "$DS_SRC/tests/e2e/lib.sh"
[ -x "${DS_backend_probe:-}" ] || fail "backend_probe not built"
MODEL=$(test_model)
start_llama_server "$MODEL" -np 4
SPEC="openai:$LLAMA_URL?model=test"

# 12 requests, 4 slots, 8 in flight: all answered, tokens counted
"$DS_backend_probe" --spec "$SPEC" --n 12 --max-in-flight 8 --max-tokens 16 --seed 1 --temperature 0.8 \
  --context-length --count-tokens --same-prompt --prompt "Once upon a time" >"$WORK/run.jsonl" 2>"$WORK/run.log" ||
  { cat "$WORK/run.log"; fail "probe failed"; }
python3 - "$WORK/run.jsonl" <<'EOF' || { cat "$WORK/run.jsonl"; fail "llama-server results"; }
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
summ = [r["summary"] for r in rows if "summary" in r][0]
res = [r for r in rows if "summary" not in r]
assert sorted(r["id"] for r in res) == list(range(12)), "every request has one result"
for r in res:
    assert r["status"] == "DS_OK", r
    assert r["http_status"] == 200 and r["attempts"] == 1, r
    assert r["prompt_tokens"] > 0 and 0 < r["completion_tokens"] <= 16, r
    assert r["finish_reason"] in ("stop", "length"), r
    assert isinstance(r["content"], str), r
    assert r["latency_s"] > 0
# same prompt, same seed, same sampling: same text (slots do not change the result)
texts = {r["content"] for r in res}
assert len(texts) == 1, texts
assert summ["context_length"] > 0, summ
# the server's own count of the prompt equals count_tokens of the same messages
assert summ.get("count_tokens") == res[0]["prompt_tokens"], (summ, res[0]["prompt_tokens"])
assert summ["prompt_tokens"] == 12 * res[0]["prompt_tokens"]
EOF
CTX=$(python3 -c "import json,sys; print([json.loads(l) for l in open('$WORK/run.jsonl')][-1]['summary']['context_length'])")
# start_llama_server runs -c 4096 over 4 slots: llama-server reports the per-slot context
[ "$CTX" -ge 512 ] && [ "$CTX" -le 4096 ] || fail "context length $CTX out of range"

# a different seed changes the sample (with temperature > 0), the same seed reproduces it
"$DS_backend_probe" --spec "$SPEC" --n 1 --max-tokens 24 --seed 1 --temperature 0.8 --same-prompt \
  --prompt "Once upon a time" >"$WORK/s1.jsonl" 2>/dev/null
"$DS_backend_probe" --spec "$SPEC" --n 1 --max-tokens 24 --seed 2 --temperature 0.8 --same-prompt \
  --prompt "Once upon a time" >"$WORK/s2.jsonl" 2>/dev/null
python3 - "$WORK/run.jsonl" "$WORK/s1.jsonl" "$WORK/s2.jsonl" <<'EOF' || fail "seed determinism"
import json, sys
first = lambda p: json.loads(open(p).readline())
a, b = first(sys.argv[2]), first(sys.argv[3])
assert a["status"] == b["status"] == "DS_OK"
assert a["content"] != b["content"], "seeds 1 and 2 gave the same 24 tokens"
EOF

# several choices in one request
"$DS_backend_probe" --spec "$SPEC" --n 2 --n-choices 2 --max-tokens 8 --temperature 1 >"$WORK/n2.jsonl" 2>/dev/null
python3 -c "
import json
res=[json.loads(l) for l in open('$WORK/n2.jsonl')]
res=[r for r in res if 'summary' not in r]
assert len(res)==2
for r in res:
    assert r['status']=='DS_OK', r
    assert len(r.get('choices',[]))==2, r" || fail "n=2 choices"

# llama-server gone: requests end with a transport error naming the endpoint, none lost
kill "$LLAMA_PID"; wait "$LLAMA_PID" 2>/dev/null || true
"$DS_backend_probe" --spec "$SPEC" --n 3 --max-attempts 2 --backoff 0.01 >"$WORK/gone.jsonl" 2>/dev/null
python3 -c "
import json
res=[json.loads(l) for l in open('$WORK/gone.jsonl')]
res=[r for r in res if 'summary' not in r]
assert len(res)==3
for r in res:
    assert r['status']=='DS_E_NET' and r['attempts']==2 and '127.0.0.1' in r['error'], r" || fail "server gone"
echo "backend_openai_llama_server: ok"
