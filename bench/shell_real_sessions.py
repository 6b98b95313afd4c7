#!/usr/bin/env python3
"""shell_real_sessions.py: every tool call of the real coding-agent sessions under
../shared/data/agent-logs (Claude Code tool_use blocks, Codex function_call/custom_tool_call items,
mini-swe-agent bash actions, Inspect and OpenHands tool calls), written as unlabeled records in the
shape of tests/data/shell-eval/*.jsonl (class "harmless": each flag is then listed by
`bench_shell --list` for a person to judge). The logs stay in ../shared; nothing is copied here.
usage: python3 bench/shell_real_sessions.py [AGENT_LOGS_DIR] > /tmp/real.jsonl"""
import json
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                                                         "agent-logs")
calls = []  # (source, name, arguments JSON text)


def add(src, name, args):
    if not isinstance(args, str):
        args = json.dumps(args)
    calls.append((src, name, args))


def walk(o, src):
    """tool calls in any of the shapes these logs use"""
    if isinstance(o, dict):
        t = o.get("type")
        if t == "tool_use" and "name" in o:
            add(src, o["name"], o.get("input", {}))
        elif t in ("function_call", "custom_tool_call") and "name" in o:
            add(src, o["name"], o.get("arguments", o.get("input", "")))
        elif t == "local_shell_call":
            add(src, "local_shell", o.get("action", {}))
        elif "tool_calls" in o and isinstance(o["tool_calls"], list):
            for tc in o["tool_calls"]:
                fn = tc.get("function") if isinstance(tc, dict) else None
                if isinstance(fn, dict):
                    add(src, fn.get("name", ""), fn.get("arguments", ""))
                elif isinstance(tc, dict) and "function" in tc:
                    add(src, tc.get("function", ""), tc.get("arguments", ""))
        if o.get("role") == "assistant" and isinstance(o.get("content"), str) and not o.get("tool_calls"):
            for m in re.finditer(r"```(?:bash|sh)?\n(.*?)```|<mswea_bash_command>(.*?)</mswea_bash_command>",
                                 o["content"], re.S):
                add(src, "bash", {"command": m.group(1) or m.group(2)})
        for v in o.values():
            walk(v, src)
    elif isinstance(o, list):
        for v in o:
            walk(v, src)


for agent in sorted(os.listdir(root)):
    d = os.path.join(root, agent)
    if not os.path.isdir(d):
        continue
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        if not (name.endswith(".json") or name.endswith(".jsonl")):
            continue
        src = "%s/%s" % (agent, name)
        try:
            with open(p) as f:
                text = f.read()
            docs = [json.loads(text)] if name.endswith(".json") else [json.loads(l) for l in text.splitlines() if l.strip()]
        except ValueError:
            continue
        for doc in docs:
            walk(doc, src)

SYSTEM = "You are a coding agent working in a repository."
for i, (src, name, args) in enumerate(calls):
    rid = "real-%05d" % i
    print(json.dumps({"id": rid, "consent": True, "messages": [
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": "Task %s" % rid},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c0", "name": name, "arguments": args}]}],
        "eval": {"split": "real", "source": src, "class": "harmless"}}))
print("shell_real_sessions.py: %d tool calls" % len(calls), file=sys.stderr)
