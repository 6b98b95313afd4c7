#!/usr/bin/env python3
"""scripted_agent.py: an OpenAI-compatible chat endpoint on 127.0.0.1 that plays a scripted
coding agent. The reply depends on how many tool results the conversation already holds, so an
agentic replay walks through the script one tool call per turn. Used by e2e tests only.

usage: scripted_agent.py PORT SCRIPT.json   (SCRIPT: a list of {"tool","arguments"} or {"final"})
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
SCRIPT = json.load(open(sys.argv[2]))
calls = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        global calls
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        calls += 1
        msgs = body.get("messages", [])
        last_user = max((i for i, m in enumerate(msgs) if m.get("role") == "user"), default=-1)
        done = sum(1 for m in msgs[last_user + 1:] if m.get("role") == "tool")
        step = SCRIPT[min(done, len(SCRIPT) - 1)]
        if "final" in step:
            message = {"role": "assistant", "content": step["final"]}
            finish = "stop"
        else:
            message = {"role": "assistant", "content": "",
                       "tool_calls": [{"id": "call_%d" % done, "type": "function",
                                       "function": {"name": step["tool"],
                                                    "arguments": json.dumps(step["arguments"])}}]}
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
        out = json.dumps({"calls": calls}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
