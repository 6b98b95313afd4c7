#!/usr/bin/env bash
# ingest_anthropic_messages.sh: every real Anthropic Messages API body of
# ../shared/data/agent-logs/anthropic-messages (responses, one SSE stream written one event per
# line) ingests with no failure; two files' records match counts taken from the files by hand.
source "$(dirname "$0")/lib.sh"

dir="$DS_SHARED_DATA/agent-logs/anthropic-messages"
[ -d "$dir" ] || skip "needs ../shared/data/agent-logs/anthropic-messages, which is absent"

"$DEPSIM" ingest -q --assume-consent "$dir" -o "$WORK/all.jsonl" >"$WORK/all.txt" 2>&1 || { cat "$WORK/all.txt"; fail "ingest of the folder"; }
python3 - "$WORK/all.jsonl" "$dir" <<'PY' || fail "records"
import json, sys, os, glob
recs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    recs[r["id"]] = r
m = json.load(open(sys.argv[1] + ".manifest.json"))
assert m["records"]["failed"]["total"] == 0, m["records"]["failed"]
files = {os.path.basename(f["path"]): f for i in m["inputs"] for f in i["files"]}
bodies = sorted(glob.glob(os.path.join(sys.argv[2], "*.json")) + glob.glob(os.path.join(sys.argv[2], "*.chunks.txt")))
assert len(bodies) >= 2
for b in bodies:
    f = files[os.path.basename(b)]
    assert f["format"] == "anthropic" and f["failed"] == 0 and f["records"] == 1, f
# a response alone is one assistant turn with no prefix, kept for grading
for r in recs.values():
    assert len(r["messages"]) == 1 and r["messages"][0]["role"] == "assistant" and r["segment"]["response_only"]

# the SSE stream: 120 events (1 message_start, 21 blocks started and stopped, 75 deltas,
# message_delta, message_stop); blocks: server_tool_use, web_search_tool_result, 19 text.
f = files["vercel-ai__anthropic-web-search-tool.1.chunks.txt"]
assert f["items"] == 120 and f["skipped"] == {} and f["records"] == 1, f
a = recs["msg_01LHpEgU4KbfgXGVi3UtHQY1"]["messages"][0]
types = [p["type"] for p in a["content"]]
assert len(types) == 21 and types[:2] == ["server_tool_use", "web_search_tool_result"] and types.count("text") == 19, types
assert a["content"][0]["input"] == {"query": "tech news today September 26 2025"}
deltas = [json.loads(l) for l in open(os.path.join(sys.argv[2], "vercel-ai__anthropic-web-search-tool.1.chunks.txt"))]
text = "".join(e["delta"]["text"] for e in deltas if e["type"] == "content_block_delta" and e["delta"]["type"] == "text_delta")
assert "".join(p["text"] for p in a["content"] if p["type"] == "text") == text
assert sum(len(p.get("citations", [])) for p in a["content"]) == 14  # 14 citations_delta
assert a["stop_reason"] == "end_turn"

# programmatic tool calling: 8 blocks, 4 of them client tool_use called from the server's code
a = recs["msg_01LPPbjvqcSgBPfApMEiJ4qv"]["messages"][0]
assert [t["name"] for t in a["tool_calls"]] == ["rollDie"] * 4
assert all(t["caller"]["type"] == "code_execution_20250825" for t in a["tool_calls"])
assert [p["type"] for p in a["content"]] == ["text", "server_tool_use", "code_execution_tool_result", "text"]
# thinking kept apart as reasoning, its signature left out
a = recs["msg_01XrsJCi8CQoLcnnWdY8RsJz"]["messages"][0]
assert a["reasoning"] and "signature" not in json.dumps(a)
print("ok:", len(recs), "records")
PY
echo "ok: $(head -1 "$WORK/all.txt")"
