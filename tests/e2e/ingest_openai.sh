#!/usr/bin/env bash
# ingest_openai.sh: ingest every real OpenAI API body of ../shared/data/agent-logs
# (openai-responses: response bodies and an SSE stream; openai-chat-completions: OpenHands SDK
# completion logs and a message list) with zero failed records, and check counts verified by
# hand: the web-search stream (185 events, one response of 14 output items), the shell
# response (5 items), an OpenHands call log (6 request messages + its answer) and the
# 14-message list, and the folding of per-call logs into their sessions.
source "$(dirname "$0")/lib.sh"

base="$DS_SHARED_DATA/agent-logs"
[ -d "$base/openai-responses" ] && [ -d "$base/openai-chat-completions" ] ||
  skip "needs ../shared/data/agent-logs/openai-responses and openai-chat-completions, which are absent"

# every file alone (reading is what is tested here: de-identification off for speed)
for f in "$base"/openai-responses/*.json "$base"/openai-responses/*.txt "$base"/openai-chat-completions/*.json; do
  [ -f "$f" ] || continue
  case "$f" in */SOURCE.txt) continue ;; esac
  out="$WORK/$(basename "$f").corpus.jsonl"
  "$DEPSIM" ingest -q --no-deid --assume-consent "$f" -o "$out" >/dev/null 2>&1 || fail "ingest $f failed"
  python3 - "$out.manifest.json" "$out" <<'PY' || fail "manifest of $f"
import json, sys
m = json.load(open(sys.argv[1]))
i = m["inputs"][0]
assert i["format"] in ("openai-responses", "openai-chat-log"), i["format"]
assert i["failed"] == 0 and i["items"]["failed"] == 0, i
it = i["items"]
assert it["in"] == it["used"] + it["skipped"] + it["duplicate"], it
assert len(open(sys.argv[2]).read().splitlines()) == 1  # one conversation per file
PY
done

check() { # check FOLDER PYTHON
  local out="$WORK/$1.jsonl"
  "$DEPSIM" ingest -q --assume-consent "$base/$1" -o "$out" >/dev/null || fail "ingest of $1 failed"
  python3 - "$out" "$out.manifest.json" <<<"$2" || fail "counts of $1"
}

check openai-responses '
import json, sys
recs = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
m = json.load(open(sys.argv[2]))
i = m["inputs"][0]
assert i["format"] == "openai-responses" and i["failed"] == 0 and i["items"]["failed"] == 0, i
assert len(recs) == 9, len(recs)
files = {f["path"].rsplit("/", 1)[-1]: f for f in i["files"] if "format" in f}
f = files["vercel-ai__openai-web-search-tool.1.chunks.txt"]
assert f["items"] == 185 and f["records"] == 1 and f["skipped"] == {"response.in_progress": 1}, f
assert sum(f["duplicate"].values()) == 182 and f["duplicate"]["response.output_text.delta"] == 121, f["duplicate"]
r = recs["resp_0cc96ac817fdc57e00693337060a408198b92bf1f99cf1b8ec"]
calls = [c for x in r["messages"] for c in x.get("tool_calls", [])]
assert len(r["messages"]) == 13 and len(calls) == 6 and {c["name"] for c in calls} == {"web_search"}
assert r["messages"][-1]["role"] == "assistant" and r["request_logged"] is False
assert r["segment"]["model"] == "gpt-5-mini-2025-08-07"
r = recs["resp_01b6b3812d7541bd00698f7197d5bc81969c3d2a134af0cb66"]
assert [x["role"] for x in r["messages"]] == ["assistant", "tool", "assistant", "tool", "assistant"]
assert json.loads(r["messages"][0]["tool_calls"][0]["arguments"])["commands"][0].startswith("ls -R")
r = recs["resp_0f35ed53160b395301693cc957829881909359e7f80cdd20b5"]  # encrypted reasoning left out
assert r["messages"][0]["reasoning_redacted"] is True and "gAAAA" not in json.dumps(r)
r = recs["resp_custom_tool_test_001"]  # free-form custom tool input as {"input": ...}
assert json.loads(r["messages"][0]["tool_calls"][0]["arguments"]) == {"input": "SELECT * FROM users WHERE age > 25"}
print("openai-responses:", len(recs), "records,", i["items"])
'

check openai-chat-completions '
import json, sys
recs = list(map(json.loads, open(sys.argv[1])))
m = json.load(open(sys.argv[2]))
i = m["inputs"][0]
assert i["format"] == "openai-chat-log" and i["failed"] == 0 and i["items"]["failed"] == 0, i
assert i["items"]["in"] == 20 and i["items"]["used"] == 20, i["items"]
# the three claude calls are steps of the run whose full 14-message list is beside them, and
# the three deepseek calls steps of one run: two conversations
assert len(recs) == 2, [r["id"] for r in recs]
full = [r for r in recs if r["id"] == "oh-sdk__fncall-llm-message"][0]
assert len(full["messages"]) == 14
assert sum(len(x.get("tool_calls", [])) for x in full["messages"]) == 6
assert full["segment"]["model"] == "litellm_proxy/claude-sonnet-4-20250514" and len(full["tools"]) == 3
ds = [r for r in recs if r is not full][0]
assert len(ds["messages"]) == 7 and ds["segment"]["model"] == "litellm_proxy/deepseek-chat"
assert "<function=" not in json.dumps(ds["messages"])  # the function-calling form, not the text one
print("openai-chat-completions:", len(recs), "records,", i["items"])
'

# one OpenHands call log alone: its 6 request messages and its answer
f="$base/openai-chat-completions/oh-sdk__litellm_proxy__anthropic__claude-sonnet-4-20250514-1757015033.222.json"
"$DEPSIM" ingest -q --assume-consent "$f" -o "$WORK/one.jsonl" >/dev/null || fail "ingest of one call log failed"
python3 - "$WORK/one.jsonl" <<'PY' || fail "one call log"
import json, sys
r = json.loads(open(sys.argv[1]).read())
assert len(r["messages"]) == 7 and r["id"] == "chatcmpl-ee33869b-404d-4c2f-a56d-a56643b54dcd"
assert sum(1 for x in r["messages"] if x.get("tool_calls")) == 3
assert r["messages"][-1]["finish_reason"] == "tool_calls"
PY
