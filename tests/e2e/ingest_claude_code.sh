#!/usr/bin/env bash
# ingest_claude_code.sh: every real Claude Code session of ../shared/data/agent-logs/claude-code
# (CLI 1.0.98 to 2.1.34), the folder read as a user points ingest at ~/.claude/projects, ingests
# with no failed line; three files' records match counts taken from the files by hand (jq).
source "$(dirname "$0")/lib.sh"

dir="$DS_SHARED_DATA/agent-logs/claude-code"
[ -d "$dir" ] || skip "needs ../shared/data/agent-logs/claude-code, which is absent"

# the whole folder, as a user points ingest at ~/.claude/projects
"$DEPSIM" ingest -q --assume-consent "$dir" -o "$WORK/all.jsonl" >"$WORK/all.txt" 2>&1 || { cat "$WORK/all.txt"; fail "ingest of the folder"; }
python3 - "$WORK/all.jsonl" "$dir" <<'PY' || fail "records of the folder"
import json, sys, os
recs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    recs[r["id"]] = r
m = json.load(open(sys.argv[1] + ".manifest.json"))
assert m["records"]["failed"]["total"] == 0
files = {os.path.basename(f["path"]): f for i in m["inputs"] for f in i["files"]}
# every session file: read as Claude Code, every line accounted for, none failed
sessions = [f for f in os.listdir(sys.argv[2]) if f.endswith(".jsonl")]
assert len(sessions) >= 2, sessions
for name in sessions:
    f = files[name]
    lines = sum(1 for l in open(os.path.join(sys.argv[2], name)) if l.strip())
    assert f["format"] == "claude-code" and f["failed"] == 0 and f["items"] == lines, f
    assert sum(f["skipped"].values()) + sum(f["duplicate"].values()) < lines and f["records"] >= 1, f

def roles(r):
    return "".join({"user": "u", "assistant": "a", "tool": "t", "system": "s"}[x["role"]] for x in r["messages"])
def calls(r):
    return sum(len(x.get("tool_calls", [])) for x in r["messages"])

# 2.1.34 (Entire checkpoint): progress lines in the tree, three parallel calls whose results hang
# under their own lines, a Task whose subagent ran in a file of its own.
# jq: 117 lines; 14 distinct message.id; 16 tool_use; 15 tool_result; 5 user lines with text.
f = files["entire__60fd31fcf44f-0__full.jsonl"]
assert f["items"] == 117 and f["records"] == 1, f
assert f["skipped"] == {"progress": 64, "file-history-snapshot": 4, "system:stop_hook_summary": 1,
                        "system:turn_duration": 1}, f["skipped"]
r = recs["61cb3ba8-484b-4a21-bf99-34f7dc361170"]
s = roles(r)
assert (len(s), s.count("u"), s.count("a"), s.count("t"), calls(r)) == (34, 5, 14, 15, 16), (s, calls(r))
assert r["segment"] == {"agent": "claude-code", "agent_version": "2.1.34", "model": "claude-opus-4-6"}, r["segment"]
assert r["repo"]["branch"] == "20260209-fish-completions" and r["repo"]["cwd"] == "/Users/paul/src/entireio/cli"
assert [x.get("subagent_id") for x in r["messages"] if x.get("subagent_id")] == \
    ["61cb3ba8-484b-4a21-bf99-34f7dc361170/agent-a1f8104"]

# 2.0.76 with an auto-compaction: the context window before it and the one after.
# jq: 54 lines; 12 distinct message.id (and one "<synthetic>"); 10 tool_use; 6 user lines with text.
f = files["entire__a6e4c2a0fbd1-0__full.jsonl"]
assert f["items"] == 54 and f["records"] == 2, f
assert f["skipped"] == {"file-history-snapshot": 3, "system:stop_hook_summary": 2, "system:compact_boundary": 1,
                        "assistant:synthetic": 1}, f["skipped"]
w1, w2 = recs["198393f2-22db-477b-ac77-1825bea883ae/window-1"], recs["198393f2-22db-477b-ac77-1825bea883ae"]
assert roles(w1) == "uuuuatatatatauat" and roles(w2) == "uatatatatata", (roles(w1), roles(w2))
assert w1["parent_id"] == w2["id"] and (w1["window"], w2["window"]) == (1, 2)
assert w2["messages"][0]["context"] is True and "continued from a previous conversation" in w2["messages"][0]["content"]
assert calls(w1) + calls(w2) == 10

# 1.0.98 with five Task sidechains written inline (isSidechain): one record each, linked.
# jq: 438 lines; 9 + 161 distinct message.id; 167 tool_use and 167 tool_result; 5 sidechain roots.
f = files["fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl"]
assert f["items"] == 438 and f["records"] == 6 and f["skipped"] == {"summary:other-session": 1}, f
main = recs["fe5e1c67-53e7-4862-81ae-d0e013e3270b"]
side = [r for k, r in recs.items() if k.startswith("fe5e1c67-53e7-4862-81ae-d0e013e3270b/sidechain-")]
assert len(side) == 5 and all(r["parent_id"] == main["id"] and r["segment"]["sidechain"] for r in side)
linked = {x["tool_call_id"]: x["subagent_id"] for x in main["messages"] if x.get("subagent_id")}
assert sorted(linked.values()) == sorted(r["id"] for r in side)
assert all(linked[r["parent_tool_call_id"]] == r["id"] for r in side)
allr = [main] + side
assert sum(roles(r).count("a") for r in allr) == 170 and sum(calls(r) for r in allr) == 167
assert sum(roles(r).count("t") for r in allr) == 167
print("ok:", len(recs), "records")
PY
echo "ok: $(head -1 "$WORK/all.txt")"
