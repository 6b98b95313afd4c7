#!/usr/bin/env python3
"""make_fixtures.py: writes the Inspect test logs of this folder, from Inspect's own layout
(inspect_ai src/inspect_ai/log/_log.py, _recorders/eval.py, model/_chat_message.py):
zstd.eval (zip members compressed with zstd, method 93, as Inspect >= 0.3.206 writes them; the
zip structure is written by hand and each member compressed with the zstd CLI), deflate.eval
(the same members, deflate, as older Inspect wrote them), broken.eval (one member's CRC wrong)
and tools.json (one EvalLog document). Run it from this folder; the outputs are committed."""
import json, struct, subprocess, zipfile, zlib

EVAL = {"eval_id": "EvAlId0000000000000001", "run_id": "RunId00000000000000001", "created": "2026-05-02T10:00:00+00:00",
        "task": "swe_lite", "task_id": "T1", "task_version": 0, "dataset": {"name": "swe_lite", "samples": 2},
        "model": "anthropic/claude-sonnet-4-5", "packages": {"inspect_ai": "0.3.210"},
        "revision": {"type": "git", "origin": "https://github.com/acme/evals.git", "commit": "a1b2c3d"},
        "config": {"epochs": 2}}
BASH_DOC = "Use this function to execute bash commands."
ATT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def sample(sid, epoch, extra_msgs=()):
    msgs = [
        {"id": "m1", "role": "system", "content": "You are a software engineer.", "source": "input"},
        {"id": "m2", "role": "user", "content": "Fix add() in calc.py.", "source": "input"},
        {"id": "m3", "role": "assistant", "source": "generate", "model": "claude-sonnet-4-5",
         "content": [{"type": "reasoning", "reasoning": "Read the file first.", "signature": "EqQB", "redacted": False},
                     {"type": "text", "text": "Let me read calc.py."}],
         "tool_calls": [{"id": "toolu_1", "function": "bash", "arguments": {"cmd": "cat calc.py"}, "type": "function",
                         "view": {"title": "bash", "format": "markdown", "content": "```bash\ncat calc.py\n```"}}]},
        {"id": "m4", "role": "tool", "tool_call_id": "toolu_1", "function": "bash", "source": "generate",
         "content": "attachment://" + ATT},
        {"id": "m5", "role": "assistant", "source": "generate",
         "content": [{"type": "reasoning", "reasoning": "gAAAAABencrypted", "summary": "Edit the operator.", "redacted": True}],
         "tool_calls": [{"id": "toolu_2", "function": "text_editor",
                         "arguments": {"command": "str_replace", "path": "/repo/calc.py", "old_str": "a - b", "new_str": "a + b"},
                         "type": "function"}]},
        {"id": "m6", "role": "tool", "tool_call_id": "toolu_2", "function": "text_editor", "content": "",
         "error": {"type": "permission", "message": "Permission denied: /repo/calc.py"}},
        {"id": "m7", "role": "assistant", "content": "I cannot write the file.", "source": "generate"},
    ] + list(extra_msgs)
    events = [
        {"timestamp": "2026-05-02T10:00:01.000000+00:00", "event": "sample_init", "sample": {"id": sid}},
        {"timestamp": "2026-05-02T10:00:02.000000+00:00", "event": "model", "model": "anthropic/claude-sonnet-4-5",
         "input": [], "tools": [{"name": "bash", "description": "attachment://" + "aa" * 16,
                                 "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}},
                                {"name": "text_editor", "description": "Edit files",
                                 "parameters": {"type": "object", "properties": {"command": {"type": "string"}}}}],
         "tool_choice": "auto", "config": {}, "output": {"model": "claude-sonnet-4-5", "choices": []}},
    ]
    return {"id": sid, "epoch": epoch, "input": "Fix add() in calc.py.", "target": "a + b", "messages": msgs,
            "output": {"model": "claude-sonnet-4-5", "choices": []}, "scores": {"match": {"value": "I"}},
            "metadata": {"repo": "acme/calc", "base_commit": "0123abcd"}, "store": {}, "events": events,
            "model_usage": {}, "started_at": "2026-05-02T10:00:01+00:00", "uuid": "u-%s-%d" % (sid, epoch),
            "attachments": {ATT: "def add(a, b):\n    return a - b\n", "aa" * 16: BASH_DOC}}


def members():
    header = {"version": 2, "status": "success", "eval": EVAL, "plan": {"name": "plan", "steps": []},
              "results": {"total_samples": 3, "completed_samples": 3}, "stats": {}}
    return [
        ("_journal/start.json", {"version": 2, "eval": EVAL, "plan": header["plan"]}),
        ("samples/1_epoch_1.json", sample(1, 1)),
        ("samples/1_epoch_2.json", sample(1, 2, [{"role": "user", "content": "Try again.", "source": "input"}])),
        ("samples/calc-b_epoch_1.json", dict(sample("calc-b", 1), messages=[], input="Only the input survived.")),
        ("_journal/summaries/1.json", [{"id": 1, "epoch": 1}]),
        ("summaries.json", [{"id": 1, "epoch": 1}, {"id": 1, "epoch": 2}, {"id": "calc-b", "epoch": 1}]),
        ("reductions.json", [{"scorer": "match", "samples": []}]),
        ("header.json", header),
    ]


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c", "-19"], input=data, stdout=subprocess.PIPE, check=True).stdout


def write_zip(path, method, corrupt=None):
    out, cd = bytearray(), bytearray()
    for name, obj in members():
        data = json.dumps(obj).encode()
        crc = zlib.crc32(data)
        if name == corrupt:
            crc ^= 0xFFFF
        comp = zstd(data) if method == 93 else data
        nm = name.encode()
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 63, 0, method, 0, 0x5C21, crc, len(comp), len(data), len(nm), 0) + nm + comp
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 63, 63, 0, method, 0, 0x5C21, crc, len(comp), len(data),
                          len(nm), 0, 0, 0, 0, 0, off) + nm
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members()), len(members()), len(cd), len(out), 0)
    open(path, "wb").write(bytes(out + cd + eocd))


write_zip("zstd.eval", 93)
write_zip("broken.eval", 93, corrupt="samples/1_epoch_2.json")
with zipfile.ZipFile("deflate.eval", "w", zipfile.ZIP_DEFLATED) as z:
    for name, obj in members():
        z.writestr(zipfile.ZipInfo(name, (2026, 5, 2, 10, 0, 0)), json.dumps(obj), zipfile.ZIP_DEFLATED)
log = {"version": 2, "status": "success", "eval": dict(EVAL, run_id="RunIdJson0000000000001"), "plan": {}, "results": {},
       "stats": {}, "samples": [sample("s1", 1)]}
open("tools.json", "w").write(json.dumps(log, indent=2))
