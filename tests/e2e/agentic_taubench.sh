# agentic_taubench.sh: real agent trajectories (tau-bench airline, ../shared/data) replayed end to
# end: a candidate that issues each conversation's recorded tool calls plus one made-up call. Every
# step has a source, counts per source add up to the calls the candidate made, recorded calls are
# answered from the tool-call database with the recorded response, the made-up one is recorded as
# source 'error' (no simulator given: counted, never dropped), and no file changes on disk.
# (A real llama-server simulator answering tau-bench calls needs a >= 4k-token context and minutes
# per call on a shared 2-core machine; agentic_escapes.sh covers the simulator path.)
source "$DS_SRC/tests/e2e/lib.sh"
IN=$(shared_file traffic/tau-bench-airline-200.json)
ws="$WORK/ws"
mkdir -p "$ws"
cd "$ws"
fingerprint() {
  { (cd "$ws" && find . -printf '%p %s %T@\n' | sort)
    git -C "$DS_SRC" status --porcelain --untracked-files=all 2>/dev/null | grep -v ' build' || true; } | sha256sum
}
before=$(fingerprint)

"$DEPSIM" ingest "$IN" -o "$WORK/corpus.jsonl" --assume-consent -q > "$WORK/ingest.out" 2>&1 ||
  { cat "$WORK/ingest.out"; fail "ingest of a JSON array of trajectories"; }
assert_eq "$(wc -l < "$WORK/corpus.jsonl" | tr -d ' ')" 200 "records ingested"
"$DEPSIM" toolsim index "$WORK/corpus.jsonl" -o "$WORK/tools.db" > "$WORK/index.out" || fail "toolsim index"
"$DEPSIM" sample "$WORK/corpus.jsonl" -o "$WORK/sub.jsonl" -n 20 -q > /dev/null 2>&1 || fail "sample"

# one call no trajectory holds: no source can answer it
cat > "$WORK/extra.json" <<'JSON'
[{"tool": "get_lounge_access", "arguments": {"airport": "JFK", "membership": "gold"}}]
JSON
start_scripted_agent --replay "$WORK/sub.jsonl" "$WORK/extra.json"
port=$AGENT_PORT

# from each conversation's first turn: the candidate's calls are then made on the states the
# recorded ones were (a recording answers only a call made on the same state)
"$DEPSIM" replay "$WORK/sub.jsonl" --backend "openai:http://127.0.0.1:$port/v1?model=scripted" \
  -o "$WORK/run.db" --agentic --tooldb "$WORK/tools.db" --cut first \
  --max-steps 80 --quiet > "$WORK/replay.out" 2>&1 || { cat "$WORK/replay.out"; fail "agentic replay"; }

stats=$(curl -sf "http://127.0.0.1:$port/")
issued=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d['unmatched']==0, d; print(d['tool_calls'])" "$stats") ||
  fail "the candidate met a conversation it could not find: $stats"
q() { sqlite3 "$WORK/run.db" "$1"; }
assert_eq "$(q "SELECT count(*) FROM samples WHERE status='ok'")" 20 "ok samples"
assert_eq "$(q "SELECT count(*) FROM samples WHERE finish_reason IS NOT 'stop'")" 0 "episodes ending on the final answer"
assert_eq "$(q "SELECT count(*) FROM tool_steps")" "$issued" "tool steps = calls the candidate made"
assert_eq "$(q "SELECT count(*) FROM tool_steps WHERE source IS NULL OR source=''")" 0 "steps without a source"
assert_eq "$(q "SELECT count(*) FROM tool_steps WHERE source='error' AND tool='get_lounge_access'")" 20 "made-up calls recorded as unanswerable"
assert_eq "$(q "SELECT count(*) FROM tool_steps WHERE source NOT IN ('db','error')")" 0 "steps from other sources"
assert_eq "$(q "SELECT count(*) FROM tool_steps WHERE source='db'")" "$((issued - 20))" "recorded calls answered from the database"
assert_eq "$(q "SELECT sum(n) FROM (SELECT count(*) n FROM tool_steps GROUP BY source)")" "$issued" "counts per source add up"

# every db answer is the response recorded for that call in that conversation
python3 - "$WORK/sub.jsonl" "$WORK/run.db" <<'PY' || fail "database answers differ from the recorded responses"
import json, sqlite3, sys
recorded = {}
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    msgs = r["messages"]
    for i, m in enumerate(msgs):
        # the answer to a call is the next tool message with its id (tau-bench reuses call ids
        # within a conversation, so an id alone does not identify the call)
        resp = {}
        for t in msgs[i + 1:]:
            if t.get("role") == "assistant":
                break
            if t.get("role") == "tool":
                resp.setdefault(t.get("tool_call_id"), t.get("content"))
        for c in m.get("tool_calls") or []:
            key = (r["id"], c["name"], json.dumps(json.loads(c["arguments"]), sort_keys=True))
            if c["id"] in resp:
                recorded.setdefault(key, []).append(resp[c["id"]])
db = sqlite3.connect(sys.argv[2])
rows = db.execute("SELECT p.conv_id, t.tool, t.arguments, t.response FROM tool_steps t JOIN samples s ON s.id=t.sample_id "
                  "JOIN prefixes p ON p.id=s.prefix_id WHERE t.source='db'").fetchall()
bad, first_not = [], 0
for conv, tool, args, response in rows:
    want = recorded.get((conv, tool, json.dumps(json.loads(args), sort_keys=True)))
    if not want or response not in want:
        bad.append((conv, tool, args[:80]))
    elif response != want[0]:
        first_not += 1
assert rows and not bad, bad[:5]
print("%d database answers equal a recorded response of the same call (%d repeated calls got the first "
      "recorded answer, not the later one)" % (len(rows), first_not))
PY

assert_eq "$(fingerprint)" "$before" "files on disk (workspace and source tree)"
echo "agentic tau-bench: $issued calls, every step sourced, db answers recorded, nothing on disk changed"
