# backend_faults.sh: the openai backend against our fault server: every fault ends as a
# result or a recorded error with its cause, retries stop at max_attempts, Retry-After and the
# deadline are honored, the API key never shows, endpoints are balanced, a dead one is taken
# out and one that comes back is probed back in.
source "$DS_SRC/tests/e2e/lib.sh"
[ -x "${DS_fault_server:-}" ] || fail "fault_server not built"
[ -x "${DS_backend_probe:-}" ] || fail "backend_probe not built"

# start_fault [PORT]: sets FPORT
start_fault() {
  local out="$WORK/fault.$RANDOM.out"
  "$DS_fault_server" ${1:+--port "$1"} >"$out" 2>&1 &
  _ds_pids+=("$!")
  for _ in $(seq 1 100); do
    FPORT=$(sed -n 's/^port=//p' "$out")
    [ -n "$FPORT" ] && return 0
    sleep 0.05
  done
  fail "fault_server did not start"
}
start_fault
BASE="http://127.0.0.1:$FPORT"
stats() { curl -sf -m 10 "$BASE/stats"; }
count_mode() { stats | python3 -c "import sys,json; print(json.load(sys.stdin)['by_mode'].get('$1',0))"; }

# a hang becomes a failure here, not a CTest timeout
probe() { timeout 120 "$DS_backend_probe" "$@"; }

# check FILE N STATUS ATTEMPTS CAUSE: N result lines, each with STATUS, ATTEMPTS attempts and
# CAUSE in its error, plus the summary line
check() {
  python3 - "$@" <<'EOF' || fail "results of $1 (see above)"
import json, sys
path, n, status, attempts, cause = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
rows = [json.loads(l) for l in open(path)]
summ = [r for r in rows if "summary" in r]
res = [r for r in rows if "summary" not in r]
ok = True
if len(summ) != 1 or summ[0]["summary"]["n"] != n: print("bad summary", summ); ok = False
if sorted(r["id"] for r in res) != list(range(n)): print("ids", [r["id"] for r in res]); ok = False
for r in res:
    if r["status"] != status: print("status", r); ok = False
    if attempts != "-" and r["attempts"] != int(attempts): print("attempts", r); ok = False
    if cause != "-" and cause not in r.get("error", ""): print("cause", repr(cause), r); ok = False
    if status != "DS_OK" and "content" in r: print("error result with content", r); ok = False
sys.exit(0 if ok else 1)
EOF
}

common=(--max-attempts 3 --backoff 0.02 --backoff-max 0.05 --attempt-timeout 0.5 --timeout 20 --n 4)

# --- each fault: cause recorded, retries stop at max_attempts (the server counts requests)
run_fault() { # MODE STATUS ATTEMPTS CAUSE
  probe --spec "openai:$BASE/$1/v1?model=m" "${common[@]}" >"$WORK/$1.jsonl" 2>"$WORK/$1.log" ||
    { cat "$WORK/$1.log"; fail "probe $1 failed"; }
  check "$WORK/$1.jsonl" 4 "$2" "$3" "$4"
  assert_eq "$(count_mode "$1")" $((4 * ${3})) "requests the server saw for $1"
}
run_fault 500 DS_E_BACKEND 3 "HTTP 500"
run_fault 503 DS_E_BACKEND 3 "HTTP 503"
run_fault reset DS_E_NET 3 "reset"
run_fault stall DS_E_TIMEOUT 3 "timed out"
run_fault malformed DS_E_PARSE 3 "malformed JSON"
run_fault ctype DS_E_PARSE 3 "is not JSON"
run_fault nochoices DS_E_PARSE 3 "no choices"
run_fault error200 DS_E_BACKEND 1 "context length exceeded"
# a 4xx other than 429 is final at once
run_fault auth DS_E_BACKEND 1 "HTTP 401"
# transient failures then success: the result is a completion, attempts counted
probe --spec "openai:$BASE/flaky-2/v1" --n 1 --max-attempts 5 --backoff 0.01 >"$WORK/flaky.jsonl" 2>/dev/null
check "$WORK/flaky.jsonl" 1 DS_OK 3 -
# what was sent: canonical tool calls go out in wire form, sampling fields pass through
cat >"$WORK/msgs.json" <<'EOF'
[{"role":"user","content":"list files"},
 {"role":"assistant","content":"","tool_calls":[{"id":"t1","name":"shell","arguments":"{\"cmd\":\"ls\"}"}]},
 {"role":"tool","tool_call_id":"t1","content":"a.txt"}]
EOF
echo '[{"type":"function","function":{"name":"shell","parameters":{"type":"object"}}}]' >"$WORK/tools.json"
probe --spec "openai:$BASE/echo/v1?model=cand" --messages "$WORK/msgs.json" --tools "$WORK/tools.json" --seed 7 \
  --temperature 0.5 --max-tokens 9 --extra '{"top_k":3}' >"$WORK/echo.jsonl" 2>/dev/null
python3 - "$WORK/echo.jsonl" <<'EOF' || fail "request body"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
b = json.loads(r["content"])
tc = b["messages"][1]["tool_calls"][0]
assert tc == {"id": "t1", "type": "function", "function": {"name": "shell", "arguments": "{\"cmd\":\"ls\"}"}}, tc
assert b["model"] == "cand" and b["seed"] == 7 and b["temperature"] == 0.5 and b["max_tokens"] == 9, b
assert b["top_k"] == 3 and b["tools"][0]["function"]["name"] == "shell", b
assert b["messages"][2]["tool_call_id"] == "t1"
EOF
# messages given as JSON text (a stored prefix, spliced into the body unparsed unless it holds
# tool calls) make the same request as the parsed form, with tool calls and without
python3 -c "import json; m=json.load(open('$WORK/msgs.json')); json.dump(m[:1], open('$WORK/plain.json','w'))"
for m in msgs plain; do
  for form in "" --messages-as-text; do
    probe --spec "openai:$BASE/echo/v1?model=cand" --messages "$WORK/$m.json" --tools "$WORK/tools.json" --seed 7 \
      --temperature 0.5 --max-tokens 9 --extra '{"top_k":3}' $form >"$WORK/echo-$m$form.jsonl" 2>/dev/null ||
      fail "probe $m $form"
  done
  python3 - "$WORK/echo-$m.jsonl" "$WORK/echo-$m--messages-as-text.jsonl" <<'EOF' || fail "messages as text ($m)"
import json, sys
a, b = (json.loads(json.loads(open(p).readline())["content"]) for p in sys.argv[1:])
assert a == b, (a, b)
assert len(a["messages"]) in (1, 3) and a["model"] == "cand" and a["top_k"] == 3, a
EOF
done
# tool calls come back flattened
probe --spec "openai:$BASE/toolcall/v1" >"$WORK/tc.jsonl" 2>/dev/null
python3 -c "
import json,sys; r=json.loads(open('$WORK/tc.jsonl').readline())
assert r['tool_calls']==[{'id':'call_7','name':'shell','arguments':'{\"cmd\":\"ls -la\"}'}], r
assert r['finish_reason']=='tool_calls' and r['content']=='', r" || fail "tool call parsing"

# --- keep-alive: 200 requests, 8 in flight, at most 8 new connections
conns_before=$(stats | python3 -c "import sys,json; print(json.load(sys.stdin)['connections'])")
probe --spec "openai:$BASE/fast/v1" --n 200 --max-in-flight 8 >"$WORK/ka.jsonl" 2>/dev/null
check "$WORK/ka.jsonl" 200 DS_OK 1 -
conns_after=$(stats | python3 -c "import sys,json; print(json.load(sys.stdin)['connections'])")
# (+1: the stats request itself)
[ $((conns_after - conns_before)) -le 9 ] || fail "keep-alive: $((conns_after - conns_before)) connections for 200 requests"

# --- Retry-After: seconds and HTTP date; the wait is a lower bound on latency
probe --spec "openai:$BASE/429-1/v1" --n 1 --max-attempts 2 --backoff 0.01 >"$WORK/ra.jsonl" 2>/dev/null
check "$WORK/ra.jsonl" 1 DS_E_BACKEND 2 "HTTP 429"
python3 -c "import json; r=json.loads(open('$WORK/ra.jsonl').readline()); assert r['latency_s']>=1.0, r" ||
  fail "Retry-After: 1 not honored"
probe --spec "openai:$BASE/429date-2/v1" --n 1 --max-attempts 2 --backoff 0.01 >"$WORK/rad.jsonl" 2>/dev/null
check "$WORK/rad.jsonl" 1 DS_E_BACKEND 2 "HTTP 429"
python3 -c "import json; r=json.loads(open('$WORK/rad.jsonl').readline()); assert r['latency_s']>=0.9, r" ||
  fail "Retry-After as an HTTP date not honored"
# a Retry-After beyond the deadline ends the request at once, saying why
probe --spec "openai:$BASE/429-30/v1" --n 1 --max-attempts 5 --timeout 3 >"$WORK/rax.jsonl" 2>/dev/null
check "$WORK/rax.jsonl" 1 DS_E_TIMEOUT 1 "Retry-After beyond the deadline"

# --- the per-request deadline: a slow server, a long attempt timeout, a short deadline
probe --spec "openai:$BASE/slow-4000/v1" --n 2 --timeout 1 --attempt-timeout 30 >"$WORK/dl.jsonl" 2>/dev/null
check "$WORK/dl.jsonl" 2 DS_E_TIMEOUT 1 "deadline of 1.0 s"
python3 -c "
import json
for l in open('$WORK/dl.jsonl'):
    r=json.loads(l)
    if 'summary' in r: assert r['summary']['wall_s'] < 3.5, r
    else: assert 0.9 <= r['latency_s'] < 3.5, r" || fail "deadline not enforced"

# --- the API key: sent, accepted, never in results, errors, logs or describe()
KEY="sk-test-$RANDOM$RANDOM-do-not-leak"
export DS_TEST_KEY="$KEY"
FAULT_KEY_OK=$(FAULT_EXPECT_KEY="$KEY" bash -c 'echo ok')
assert_eq "$FAULT_KEY_OK" ok "env"
# a second server that expects the key
out2="$WORK/fault2.out"
FAULT_EXPECT_KEY="$KEY" "$DS_fault_server" >"$out2" 2>&1 &
_ds_pids+=("$!")
for _ in $(seq 1 100); do P2=$(sed -n 's/^port=//p' "$out2"); [ -n "$P2" ] && break; sleep 0.05; done
probe --spec "openai:http://127.0.0.1:$P2/auth/v1?key_env=DS_TEST_KEY" --n 3 >"$WORK/key_ok.jsonl" 2>"$WORK/key_ok.log"
check "$WORK/key_ok.jsonl" 3 DS_OK 1 -
grep -q '"authorized"' "$WORK/key_ok.jsonl" || fail "the key was not sent"
# a wrong key makes the server echo the header it got: the error must not carry the key
WRONG="sk-wrong-$RANDOM$RANDOM-secret"
DS_WRONG_KEY="$WRONG" probe --spec "openai:http://127.0.0.1:$P2/auth/v1" --key-env DS_WRONG_KEY --n 2 \
  >"$WORK/key_bad.jsonl" 2>"$WORK/key_bad.log"
check "$WORK/key_bad.jsonl" 2 DS_E_BACKEND 1 "HTTP 401"
grep -q 'Bearer \*\*\*' "$WORK/key_bad.jsonl" || fail "the echoed header was not scrubbed"
# faults with a key set: retries and logs
probe --spec "openai:$BASE/500/v1?key_env=DS_TEST_KEY" "${common[@]}" >"$WORK/key_500.jsonl" 2>"$WORK/key_500.log"
for f in "$WORK"/key_*; do
  if grep -q -e "$KEY" -e "$WRONG" "$f"; then fail "API key found in $(basename "$f")"; fi
done
grep -q 'key_env=DS_TEST_KEY' "$WORK/key_ok.jsonl" || fail "describe() should name the variable"
# a key in the spec itself is refused
if probe --spec "openai:$BASE/echo/v1?api_key=$KEY" >"$WORK/inline.out" 2>&1; then fail "inline key accepted"; fi
grep -q -e "$KEY" "$WORK/inline.out" && fail "inline key echoed"
# an unset key variable is an error naming the variable
if probe --spec "openai:$BASE/echo/v1?key_env=DS_NO_SUCH_VAR_X" >"$WORK/nokey.out" 2>&1; then fail "missing key accepted"; fi
grep -q DS_NO_SUCH_VAR_X "$WORK/nokey.out" || fail "missing key variable not named"

# --- two endpoints balanced by outstanding requests; a dead third one taken out
DEAD=$(free_port)
probe --spec "openai:$BASE/slow-5/v1?endpoint=$BASE/echo/v1&endpoint=http://127.0.0.1:$DEAD/v1" --n 300 \
  --max-in-flight 16 --backoff 0.01 >"$WORK/bal.jsonl" 2>"$WORK/bal.log"
python3 - "$WORK/bal.jsonl" "$BASE" <<'EOF' || fail "balancing"
import json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
res = [r for r in rows if "summary" not in r]
assert len(res) == 300 and all(r["status"] == "DS_OK" for r in res), [r for r in res if r["status"] != "DS_OK"][:3]
by = collections.Counter(r["endpoint"] for r in res)
base = sys.argv[2]
# the fast endpoint takes more (fewer outstanding), the slow one still takes a share
assert by[base + "/echo/v1"] > by[base + "/slow-5/v1"] > 15, by
extra = sum(r["attempts"] - 1 for r in res)
assert extra <= 20, ("dead endpoint kept getting requests", extra)
EOF
grep -q "127.0.0.1:$DEAD/v1: .*taken out" "$WORK/bal.log" || fail "dead endpoint not reported as taken out"

# --- an endpoint that comes back is probed back in
LATE=$(free_port)
timeout 120 "$DS_backend_probe" --spec "openai:$BASE/slow-100/v1?endpoint=http://127.0.0.1:$LATE/echo/v1" --n 60 --max-in-flight 2 \
  --backoff 0.01 >"$WORK/back.jsonl" 2>"$WORK/back.log" &
PROBE=$!
sleep 1
"$DS_fault_server" --port "$LATE" >/dev/null 2>&1 &
_ds_pids+=("$!")
wait "$PROBE" || fail "probe (endpoint back) failed"
grep -q "127.0.0.1:$LATE/echo/v1 answers again; back in" "$WORK/back.log" || { cat "$WORK/back.log" | grep -v DEBUG; fail "endpoint not probed back in"; }
python3 -c "
import json
res=[json.loads(l) for l in open('$WORK/back.jsonl')]
res=[r for r in res if 'summary' not in r]
assert len(res)==60 and all(r['status']=='DS_OK' for r in res)
assert any(r['endpoint'].endswith(':$LATE/echo/v1') for r in res)" || fail "endpoint back: results"
echo "backend_faults: ok"
