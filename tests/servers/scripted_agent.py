#!/usr/bin/env python3
"""scripted_agent.py: an OpenAI-compatible chat endpoint on 127.0.0.1 that plays a scripted
coding agent. The reply depends on how many tool results the conversation already holds, so an
agentic replay walks through the script one tool call per turn. Used by e2e tests only.

usage: scripted_agent.py PORT SCRIPT.json   (SCRIPT: a list of {"tool","arguments"} or {"final"})
       scripted_agent.py PORT --replay CORPUS.jsonl [EXTRA.json]
       scripted_agent.py PORT --turns CORPUS.jsonl
  PORT 0 takes a free port; once listening it prints "port=N" (and flushes) on stdout.
  --replay: for each conversation (found by its first user message in CORPUS, canonical records)
  the agent issues the assistant tool calls recorded in that record, in order and with their
  recorded arguments, then the calls of EXTRA (a list of {"tool","arguments"}), then answers.
  --turns: the candidate repeats each conversation's recorded assistant turns (a run of
  consecutive assistant messages is one turn) as they were: content and all their tool calls
  (ids "rp_" + the recorded id), or for agents that act in text (no tool calls in the record)
  the text with its action, marked as the candidate's own. The turn it gives is the recorded
  turn after the assistant turns the request already holds, so an episode starting at any cut
  continues the recording from there. An episode that starts right after a tool result or an
  observation (cut "every") is answered at once with a final message: it would only repeat the
  episode of the user turn before it.
  GET / reports {"calls": requests, "tool_calls": tool calls issued, "unmatched": requests
  whose conversation was not found, "skipped": episodes answered at once}.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
REPLAY = None
TURNS = None
MARK = "\n\n<!-- scripted candidate: recorded turn -->"


def first_user(msgs):
    return next((json.dumps(m.get("content"), sort_keys=True) for m in msgs if m.get("role") == "user"), None)


def groups_of(msgs):
    """The assistant turns of a message list: runs of consecutive assistant messages."""
    out, prev = [], None
    for m in msgs:
        if m.get("role") == "assistant":
            if prev != "assistant":
                out.append([])
            out[-1].append(m)
        prev = m.get("role")
    return out


if sys.argv[2] == "--turns":
    TURNS = {}
    for line in open(sys.argv[3], encoding="utf-8"):
        rec = json.loads(line)
        msgs = rec["messages"]
        text_mode = not any(m.get("tool_calls") for m in msgs)
        TURNS.setdefault(first_user(msgs), []).append({"msgs": msgs, "groups": groups_of(msgs), "text": text_mode})
    SCRIPT = None
elif sys.argv[2] == "--replay":
    REPLAY = {}
    extra = json.load(open(sys.argv[4])) if len(sys.argv) > 4 else []
    for line in open(sys.argv[3], encoding="utf-8"):
        rec = json.loads(line)
        first = next((m.get("content") for m in rec["messages"] if m.get("role") == "user"), None)
        steps = [{"tool": c["name"], "arguments": c["arguments"]}
                 for m in rec["messages"] if m.get("role") == "assistant" for c in (m.get("tool_calls") or [])]
        REPLAY[first] = steps + extra + [{"final": "Done: replayed %d recorded calls." % len(steps)}]
    SCRIPT = None
else:
    SCRIPT = json.load(open(sys.argv[2]))
calls = 0
tool_calls = 0
unmatched = 0
skipped = 0


def same(a, b):
    return a.get("role") == b.get("role") and a.get("content") == b.get("content")


def turns_reply(msgs):
    """The candidate's next turn for a --turns conversation: (message, finish_reason)."""
    global unmatched, skipped, tool_calls
    cands = TURNS.get(first_user(msgs))
    if not cands:
        unmatched += 1
        return {"role": "assistant", "content": "unknown conversation"}, "stop"
    # the recording whose messages agree longest with the request
    def agree(c):
        n = 0
        for a, b in zip(c["msgs"], msgs):
            if not same(a, b):
                break
            n += 1
        return n
    rec = max(cands, key=agree)
    generated = any(str(c.get("id", "")).startswith("rp_") for m in msgs if m.get("role") == "assistant"
                    for c in (m.get("tool_calls") or [])) or \
        any(m.get("role") == "assistant" and str(m.get("content") or "").endswith(MARK) for m in msgs)
    if not generated and msgs:
        last = msgs[-1]
        before = [m for m in msgs[:-1] if m.get("role") == "assistant"]
        if last.get("role") == "tool" or (last.get("role") == "user" and rec["text"] and before):
            skipped += 1
            return {"role": "assistant", "content": "(cut after a tool result: not replayed)"}, "stop"
    k = len(groups_of(msgs))
    if k >= len(rec["groups"]):
        return {"role": "assistant", "content": "Done: the recorded turns are over."}, "stop"
    group = rec["groups"][k]
    content = "\n\n".join(str(m.get("content") or "") for m in group if m.get("content"))
    calls = [c for m in group for c in (m.get("tool_calls") or [])]
    if not calls:
        return {"role": "assistant", "content": content + (MARK if rec["text"] else "")}, "stop"
    tool_calls += len(calls)
    return {"role": "assistant", "content": content,
            "tool_calls": [{"id": "rp_" + str(c.get("id")), "type": "function",
                            "function": {"name": c["name"], "arguments": c.get("arguments") or "{}"}}
                           for c in calls]}, "tool_calls"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        global calls, tool_calls, unmatched
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        calls += 1
        msgs = body.get("messages", [])
        if TURNS is not None:
            message, finish = turns_reply(msgs)
            self.reply(message, finish)
            return
        if REPLAY is not None:
            first = next((m.get("content") for m in msgs if m.get("role") == "user"), None)
            script = REPLAY.get(first)
            if script is None:
                unmatched += 1
                script = [{"final": "unknown conversation"}]
            # the agent's own calls carry ids "rp_N": count the answers it has had
            done = sum(1 for m in msgs if m.get("role") == "tool" and str(m.get("tool_call_id", "")).startswith("rp_"))
        else:
            script = SCRIPT
            last_user = max((i for i, m in enumerate(msgs) if m.get("role") == "user"), default=-1)
            done = sum(1 for m in msgs[last_user + 1:] if m.get("role") == "tool")
        step = script[min(done, len(script) - 1)]
        if "final" in step:
            message = {"role": "assistant", "content": step["final"]}
            finish = "stop"
        else:
            args = step["arguments"]
            tool_calls += 1
            message = {"role": "assistant", "content": "",
                       "tool_calls": [{"id": ("rp_%d" if REPLAY is not None else "call_%d") % done, "type": "function",
                                       "function": {"name": step["tool"],
                                                    "arguments": args if isinstance(args, str) else json.dumps(args)}}]}
            finish = "tool_calls"
        self.reply(message, finish)

    def reply(self, message, finish):
        out = json.dumps({"id": "x", "object": "chat.completion", "model": "scripted",
                          "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                          "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        out = json.dumps({"calls": calls, "tool_calls": tool_calls, "unmatched": unmatched,
                          "skipped": skipped}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print(f"port={server.server_address[1]}", flush=True)
server.serve_forever()
