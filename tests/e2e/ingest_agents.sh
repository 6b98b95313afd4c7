#!/usr/bin/env bash
# ingest_agents.sh: ingest every file of ../shared/data/agent-logs/{mini-swe-agent,openhands,
# inspect} (real logs of those tools) with zero failed records, and check counts verified by
# hand against the files for two files per format: messages, tool calls, tool results, items
# skipped by type. SWE-agent has no folder there: its real trajectory (shortened) in
# tests/data/formats/swe-agent is ingested instead.
source "$(dirname "$0")/lib.sh"

logs="$DS_SHARED_DATA/agent-logs"
[ -d "$logs/mini-swe-agent" ] && [ -d "$logs/openhands" ] && [ -d "$logs/inspect" ] ||
  skip "needs ../shared/data/agent-logs/{mini-swe-agent,openhands,inspect}, which are absent"

# ingest DIR NAME: the whole folder into $WORK/NAME.jsonl; no failed record, accounting exact
ingest() {
  "$DEPSIM" ingest -q --assume-consent "$1" -o "$WORK/$2.jsonl" >"$WORK/$2.out" 2>"$WORK/$2.err" ||
    { cat "$WORK/$2.err"; fail "ingest of $1 failed"; }
  grep -q 'warning' "$WORK/$2.err" && { cat "$WORK/$2.err"; fail "ingest of $1 warned"; }
  return 0
}

for d in mini-swe-agent openhands inspect; do ingest "$logs/$d" "$d"; done
ingest "$DS_SRC/tests/data/formats/swe-agent/test-repo.traj" swe-agent

python3 - "$WORK" <<'PY' || fail "counts"
import json, sys
work = sys.argv[1]

def load(name):
    m = json.load(open(f"{work}/{name}.jsonl.manifest.json"))
    recs = {}
    for line in open(f"{work}/{name}.jsonl"):
        r = json.loads(line)
        recs[r["id"]] = r
    r = m["records"]
    assert r["failed"]["total"] == 0, (name, r["failed"])
    assert r["in"] == r["kept"] + r["filtered"]["total"], name
    files = {}
    for i in m["inputs"]:
        assert i["items"]["failed"] == 0, (name, i["items"])
        it = i["items"]
        assert it["in"] == it["used"] + it["skipped"] + it["duplicate"] + it["failed"], (name, it)
        for f in i["files"]:
            files[f["path"].rsplit("/", 1)[-1]] = f
    return m, recs, files

def shape(rec, paired=True):
    msgs = rec["messages"]
    calls = [tc for m in msgs for tc in m.get("tool_calls", [])]
    results = [m for m in msgs if m["role"] == "tool"]
    ids = {tc["id"] for tc in calls}
    assert not paired or all(m["tool_call_id"] in ids for m in results), rec["id"]  # every result answers a call
    for tc in calls:
        json.loads(tc["arguments"])
    return len(msgs), len(calls), len(results)

def agent(rec, name):
    assert rec["segment"]["agent"] == name, (rec["id"], rec["segment"])

# ---- mini-swe-agent: 5 files, 5 sessions ---------------------------------------------------
m, recs, files = load("mini-swe-agent")
assert m["records"]["kept"] == 5, m["records"]
for f in ("astropy__astropy-12907.traj.json", "github_issue.traj.json"):
    assert files[f]["format"] == "mini-swe-agent" and files[f]["failed"] == 0, files[f]
# astropy: 130 messages in the file (system, user, 64 assistant, 63 tool, exit): the exit is no turn
r = recs["astropy__astropy-12907"]
agent(r, "mini-swe-agent")
assert shape(r) == (129, 64, 63), shape(r)
assert r["segment"]["agent_version"] == "2.3.0" and r["segment"]["model"] == "deepseek/deepseek-chat", r["segment"]
assert r["repo"]["cwd"] == "/testbed" and r["exit_status"] == "Submitted"
assert r["tools"][0]["function"]["name"] == "bash"
# github_issue: the early bare list, 22 messages, one item each, bash in the text
g = recs["github_issue"]
assert files["github_issue.traj.json"]["container"] == "json_array" and files["github_issue.traj.json"]["items"] == 22
assert shape(g) == (22, 0, 0), shape(g)
assert sum("```mswea_bash_command" in x["content"] for x in g["messages"] if x["role"] == "assistant") == 10
# deepseek-reasoner: reasoning_content to reasoning, never in content
p = recs["pvlib__pvlib-python-1606"]
assert shape(p) == (10, 4, 4) and all(x.get("reasoning") for x in p["messages"] if x["role"] == "assistant")

# ---- OpenHands: 8 sessions (V0 resolver rows, V1 event directories and JSONL) --------------
m, recs, files = load("openhands")
assert m["records"]["kept"] == 8, m["records"]
assert files["oh-resolver__output.jsonl"]["format"] == "openhands"
r5, r1 = recs["neubig/pr-viewer#5"], recs["neubig/pr-viewer#1"]
for r in (r5, r1):
    agent(r, "openhands")
    assert r["repo"]["path_or_url"] == "https://github.com/neubig/pr-viewer"
# issue 5: message, 3 actions with their observations, finish: 8 events, 8 messages
assert shape(r5) == (8, 3, 3), shape(r5)
assert shape(r1) == (44, 21, 21), shape(r1)
assert all(tc.get("synthetic") for x in r1["messages"] for tc in x.get("tool_calls", []))
cm = files["oh-cli__confirmation_mode"]
assert cm["format"] == "openhands-v1" and cm["container"] == "event_files" and cm["items"] == 13 and cm["skipped"] == {}, cm
c = recs["oh-cli__confirmation_mode"]
assert shape(c) == (13, 3, 3), shape(c)
assert [x["role"] for x in c["messages"][:4]] == ["system", "user", "assistant", "tool"]
assert c["messages"][2]["reasoning"] == "The user wants me to run a simple echo command."
assert len(c["tools"]) == 6
ge = files["oh-sdk__goal__events.jsonl"]
assert ge["items"] == 10 and ge["skipped"] == {"ConversationStateUpdateEvent": 5}, ge
# a fixture cut from a longer session: one observation's action is not in the file
assert shape(recs["oh-sdk__goal__events"], paired=False) == (5, 2, 3)
assert recs["oh-sdk__goal__events"]["segment"]["model"] == "litellm_proxy/minimax-m2.7"
a = recs["oh-cli__cli447_hi_followup_iterative_case_a"]
assert shape(a) == (15, 3, 3) and a["messages"][1].get("context") is True, shape(a)  # the dynamic context
assert files["oh-sdk__v1_11_5_cli_default__base_state.json"]["skipped"] == {"base_state": 1}

# ---- Inspect: 18 samples in 6 logs (one exact repeat across epochs is filtered) -----------
m, recs, files = load("inspect")
assert m["records"]["in"] == 18 and m["records"]["kept"] == 17, m["records"]
assert m["records"]["filtered"]["by_reason"] == {"duplicate": 1}, m["records"]["filtered"]
dd = files["log_message_deduplication.eval"]
assert dd["format"] == "inspect" and dd["container"] == "zip" and dd["items"] == 6 and dd["records"] == 1, dd
assert dd["skipped"] == {"_journal": 1, "summaries.json": 1, "reductions.json": 1}, dd["skipped"]
r = recs["oNudNHL32se6mcUiF8ingo/0#1"]
agent(r, "inspect")
assert shape(r) == (12, 5, 5), shape(r)
assert r["segment"]["task"] == "inspect_test_utils/guess_number" and r["segment"]["epoch"] == 1
assert [t["function"]["name"] for t in r["tools"]] == ["bash", "python"]
b = recs["Ta3ZFVTCTcjsb3AEX9FD9v/1#1"]
assert files["2025-05-12T20-27-36-04-00_browser.json"]["records"] == 1
assert shape(b) == (10, 4, 4), shape(b)
assert b["segment"]["model"] == "openai/gpt-4o-mini" and b["segment"]["agent_version"].startswith("0.3.95")
assert files["2025-02-11T15-17-00-05-00_popularity_dPiJifoWeEQBrfWsAopzWr.eval"]["records"] == 10

# ---- SWE-agent: the real 1.0 trajectory ------------------------------------------------------
m, recs, files = load("swe-agent")
s = recs["SWE-agent__test-repo-i1"]
agent(s, "swe-agent")
assert shape(s) == (10, 4, 4), shape(s)
assert s["segment"]["model"] == "gpt-4o"
print("agent logs: counts as verified by hand")
PY
echo "ingest_agents: ok"
