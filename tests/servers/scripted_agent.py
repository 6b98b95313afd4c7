#!/usr/bin/env python3
"""scripted_agent.py: an OpenAI-compatible chat endpoint on 127.0.0.1 that plays a scripted
coding agent. The reply depends on how many tool results the conversation already holds, so an
agentic replay walks through the script one tool call per turn. Used by e2e tests only.

usage: scripted_agent.py PORT SCRIPT.json   (SCRIPT: a list of {"tool","arguments"} or {"final"})
       scripted_agent.py PORT --replay CORPUS.jsonl [EXTRA.json]
  PORT 0 takes a free port; once listening it prints "port=N" (and flushes) on stdout.
  --replay: for each conversation (found by its first user message in CORPUS, canonical records)
  the agent issues the assistant tool calls recorded in that record, in order and with their
  recorded arguments, then the calls of EXTRA (a list of {"tool","arguments"}), then answers.
  GET / reports {"calls": requests, "tool_calls": tool calls issued, "unmatched": requests
  whose conversation was not found}.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
REPLAY = None
if sys.argv[2] == "--replay":
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


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        global calls, tool_calls, unmatched
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        calls += 1
        msgs = body.get("messages", [])
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
        out = json.dumps({"id": "x", "object": "chat.completion", "model": "scripted",
                          "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                          "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        out = json.dumps({"calls": calls, "tool_calls": tool_calls, "unmatched": unmatched}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print(f"port={server.server_address[1]}", flush=True)
server.serve_forever()
