#!/usr/bin/env python3
"""agentic_replay.py: one coding agent's real sessions replayed agentically, end to end, for the
e2e tests tests/e2e/agentic_<agent>.sh. Ingests the agent's logs with `depsim ingest`, builds
the tool-call database (`depsim toolsim index`), replays every user turn (each session cut at
that turn, `--cut last`) with a scripted candidate that repeats the recorded turns
(tests/servers/scripted_agent.py --turns), and checks:

  - every episode ran and every step has a source;
  - the candidate's calls are the recorded ones, in order;
  - the share of read-only calls (side_effect 0) that got the recorded answer, from the
    database or a connector, is at least --min-share (printed, with the count per source);
  - every call that writes (the agent's write tools, editor commands other than view, shell
    lines that redirect into a file or edit in place) is marked as an intended action;
  - nothing on disk changed: the repo root and the logs hash the same before and after.

usage: agentic_replay.py --depsim BIN --logs DIR --agent NAME --work DIR [--min-share 0.9] [--ingest BIN]
                         [--connectors]
  --connectors: then a replay without the database over checkouts rebuilt from what the sessions
  read (Claude Code's full Reads, mini-swe-agent's cat), printing per tool how many read-only
  calls the connectors alone answered with the recorded text.
exit: 0 passed, 1 failed (with what), 77 skipped (no logs, or no reader for them in this build).
"""
import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys

WRITE_TOOLS = {
    "claude-code": {"Write", "Edit", "MultiEdit", "NotebookEdit"},
    "codex": {"apply_patch"},
    "swe-agent": {"edit", "insert", "create"},
    "mini-swe-agent": set(),
    "openhands": {"edit_file"},
    "inspect": set(),
}
EDITORS = {"str_replace_editor", "file_editor", "text_editor"}
SHELLS = {"Bash", "bash", "shell", "shell_command", "exec_command", "local_shell", "execute_bash", "terminal"}


def die(msg, code=1):
    print(("SKIP: " if code == 77 else "FAIL: ") + msg, file=sys.stderr)
    sys.exit(code)


def fingerprint(*roots):
    h = hashlib.sha256()
    for root in roots:
        for d, dirs, files in sorted(os.walk(root)):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(d, f)
                st = os.lstat(p)
                h.update(f"{p} {st.st_size} {st.st_mtime_ns}\n".encode())
                if os.path.isfile(p) and not os.path.islink(p):
                    with open(p, "rb") as fh:
                        h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()


def text_of(msg):
    c = msg.get("content")
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        return "".join(p if isinstance(p, str) else (p.get("text") or "") for p in c)
    return ""


def calls_after(msgs, cut, text_mode):
    """The recorded calls from message index cut on: (name, arguments, response or None)."""
    out = []
    for i in range(cut, len(msgs)):
        m = msgs[i]
        if m.get("role") != "assistant":
            continue
        tcs = m.get("tool_calls") or []
        for c in tcs:
            resp = None
            for t in msgs[i + 1:]:
                if t.get("role") == "assistant":
                    break
                if t.get("role") == "tool" and t.get("tool_call_id") == c.get("id"):
                    resp = text_of(t)
                    break
            out.append((c.get("name"), c.get("arguments") or "{}", resp, c.get("id")))
        if not tcs and text_mode and i + 1 < len(msgs) and msgs[i + 1].get("role") == "user":
            out.append((None, None, text_of(msgs[i + 1]), None))
    return out


def shell_writes(line):
    """A shell line that plainly writes a file (a redirection into a file, in-place edits)."""
    import re
    if re.search(r"(^|[^0-9&<>])>>?\s*(?!/dev/null|&)[^\s|;&]", line.replace("2>&1", "")):
        return True
    return bool(re.search(r"\bsed\s+(-[a-zA-Z]*\s+)*-i|\btee\s|\b(rm|mv|cp|touch|mkdir|chmod|git\s+(commit|add|checkout|reset|apply))\b|"
                          r"\bapply_patch\b|<<\s*'?EOF", line))


ARROW_LINE = None


def reconstruct(recs, agent, root):
    """Files of each session's checkout as its recorded reads showed them (Claude Code's full
    Reads, a single file's `cat` in mini-swe-agent), written under root/<the cwd's last
    component>: what the connectors can read when no checkout of the repository is at hand.
    The first read of a path wins. Returns the number of files written."""
    import re
    num = re.compile(r"^ *(\d+)\u2192(.*)$")
    n = 0
    seen = set()
    for r in recs:
        cwd = (r.get("repo") or {}).get("cwd") or ""
        if not cwd.startswith("/"):
            continue
        base = os.path.join(root, os.path.basename(cwd.rstrip("/")) or "root")
        msgs = r["messages"]
        for i, m in enumerate(msgs):
            for c in m.get("tool_calls") or []:
                resp = next((text_of(t) for t in msgs[i + 1:] if t.get("role") == "tool" and t.get("tool_call_id") == c.get("id")), None)
                if resp is None:
                    continue
                try:
                    args = json.loads(c.get("arguments") or "{}")
                except Exception:
                    continue
                path, content = None, None
                if agent == "claude-code" and c.get("name") == "Read" and "offset" not in args and "limit" not in args:
                    body = resp.split("\n\n<system-reminder>")[0]
                    lines = body.split("\n")
                    parsed = [num.match(l) for l in lines]
                    if resp.endswith("</system-reminder>\n") and all(parsed) and \
                            [int(p.group(1)) for p in parsed] == list(range(1, len(parsed) + 1)):
                        path, content = args.get("file_path"), "\n".join(p.group(2) for p in parsed)
                elif agent == "mini-swe-agent" and c.get("name") == "bash":
                    mm = re.fullmatch(r"(?:cd (\S+) && )?cat (\S+)", (args.get("command") or "").strip())
                    if mm and resp.startswith("<returncode>0</returncode>\n<output>\n") and resp.endswith("</output>"):
                        d = mm.group(1) or cwd
                        path = mm.group(2) if mm.group(2).startswith("/") else os.path.join(d, mm.group(2))
                        content = resp[len("<returncode>0</returncode>\n<output>\n"):-len("</output>")]
                if not path or content is None:
                    continue
                path = os.path.normpath(path)
                if not path.startswith(cwd.rstrip("/") + "/"):
                    continue
                dest = os.path.join(base, os.path.relpath(path, cwd))
                if dest in seen or not os.path.realpath(dest).startswith(os.path.realpath(root) + "/"):
                    continue
                seen.add(dest)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "w", encoding="utf-8") as f:
                    f.write(content)
                n += 1
    return n


def canon(args):
    try:
        return json.dumps(json.loads(args), sort_keys=True)
    except Exception:
        return args


def turn_starts(msgs):
    """The episodes to replay: one per user turn (a user message; in a text-mode session only the
    first, the others being observations), as the index of the turn's first assistant message.
    Context (a compaction summary, scaffolding) opens a turn too when the agent answers it."""
    text_mode = not any(m.get("tool_calls") for m in msgs)
    out, seen_user = [], False
    for i, m in enumerate(msgs):
        if m.get("role") != "user":
            continue
        if text_mode and seen_user:
            continue
        seen_user = True
        j = next((k for k in range(i + 1, len(msgs)) if msgs[k].get("role") == "assistant"), None)
        if j is not None and j not in out:
            out.append(j)
    return out


def episodes_corpus(corpus, path):
    """Each session once per user turn, cut at that turn's first assistant message (the same id:
    its recordings are the conversation's own): replayed with --cut last, the scripted candidate
    then repeats that turn's recorded turns."""
    with open(path, "w", encoding="utf-8") as f:
        for line in open(corpus, encoding="utf-8"):
            r = json.loads(line)
            for j in turn_starts(r["messages"]):
                t = dict(r)
                t["messages"] = r["messages"][:j + 1]
                f.write(json.dumps(t) + "\n")
    return path


def replay(dep, corpus, run_db, tools_db, root):
    """Agentic replay of every user turn with the scripted candidate; its request counts."""
    turns = episodes_corpus(corpus, run_db + ".turns.jsonl")
    out = open(run_db + ".agent.out", "w")
    srv = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "scripted_agent.py"), "0",
                            "--turns", corpus], stdout=subprocess.PIPE, stderr=out, text=True)
    try:
        port = srv.stdout.readline().strip().split("=")[1]
        cmd = [dep, "replay", turns, "--backend", f"openai:http://127.0.0.1:{port}/v1?model=scripted", "-o", run_db,
               "--agentic", "--cut", "last", "--max-steps", "5000", "--repo-root", root, "--in-flight", "8", "-q"]
        if tools_db:
            cmd += ["--tooldb", tools_db]
        rep = subprocess.run(cmd, capture_output=True, text=True)
        if rep.returncode != 0:
            die(f"replay exit {rep.returncode}: {rep.stderr.strip()[-600:]}")
        import urllib.request
        stats = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/").read())
    finally:
        srv.terminate()
        srv.wait()
    if stats["unmatched"]:
        die(f"the scripted candidate met conversations it could not find: {stats}")
    return stats


def connectors_only(dep, corpus, recs, agent, work, root):
    """A second replay without the tool-call database, over checkouts rebuilt from what the
    sessions read: the share of read-only calls the connectors alone answer with the recorded
    text, per tool (printed; a measure of each dialect's formats on real answers)."""
    n_files = reconstruct(recs, agent, root)
    if not n_files:
        return
    run_db = os.path.join(work, "connectors.db")
    replay(dep, corpus, run_db, None, root)
    by_conv = {r["id"]: r for r in recs}
    db = sqlite3.connect(run_db)
    rows = db.execute("SELECT p.conv_id, p.cut_index, s.id, t.tool, t.response, t.source, t.side_effect FROM tool_steps t "
                      "JOIN samples s ON s.id=t.sample_id JOIN prefixes p ON p.id=s.prefix_id ORDER BY s.id, t.step").fetchall()
    per_tool, eps = {}, {}
    for r in rows:
        eps.setdefault((r[0], r[1], r[2]), []).append(r)
    for (conv, cut, _), steps in eps.items():
        msgs = by_conv[conv]["messages"]
        want = calls_after(msgs, cut, not any(m.get("tool_calls") for m in msgs))
        for j, st in enumerate(steps):
            if j >= len(want) or st[6] or want[j][2] is None:
                continue
            t = per_tool.setdefault(st[3], [0, 0, 0])
            t[0] += 1
            if st[5] == "connector":
                t[1] += 1
                if st[4] == want[j][2]:
                    t[2] += 1
    total = [sum(v[k] for v in per_tool.values()) for k in range(3)]
    if not total[0]:
        return
    print(f"{agent}: connectors alone, over checkouts rebuilt from {n_files} files the sessions read: "
          f"{total[2]}/{total[0]} read-only calls got the recorded text ({total[1]} answered by a connector); per tool: "
          + ", ".join(f"{k} {v[2]}/{v[1]}/{v[0]}" for k, v in sorted(per_tool.items())) + " (equal/answered/calls)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--depsim", required=True)
    ap.add_argument("--ingest", help="the depsim that reads the logs (default: --depsim)")
    ap.add_argument("--logs", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--min-share", type=float, default=0.9)
    ap.add_argument("--connectors", action="store_true",
                    help="also replay without the database over checkouts rebuilt from the sessions' reads")
    a = ap.parse_args()
    if not os.path.isdir(a.logs) or not os.listdir(a.logs):
        die(f"needs real {a.agent} logs in {a.logs}, which are absent", 77)
    work, dep = a.work, a.depsim
    root = os.path.join(work, "repos")
    os.makedirs(root, exist_ok=True)
    before = fingerprint(root, a.logs)

    corpus_all = os.path.join(work, "all.jsonl")
    ing = subprocess.run([a.ingest or dep, "ingest", a.logs, "-o", corpus_all, "--assume-consent", "-q"], capture_output=True, text=True)
    if ing.returncode != 0 or not os.path.exists(corpus_all) or os.path.getsize(corpus_all) == 0:
        die(f"this build of depsim has no reader for the {a.agent} logs in {a.logs} "
            f"(ingest exit {ing.returncode}: {(ing.stderr or ing.stdout).strip()[:300]})", 77)
    recs = [json.loads(l) for l in open(corpus_all, encoding="utf-8") if l.strip()]
    recs = [r for r in recs if (r.get("segment") or {}).get("agent") == a.agent]
    if not recs:
        die(f"ingest read no {a.agent} session from {a.logs}", 77)
    n_calls = sum(len(calls_after(r["messages"], 0, not any(m.get("tool_calls") for m in r["messages"]))) for r in recs)
    if not n_calls:
        die(f"the {len(recs)} {a.agent} sessions in {a.logs} hold no tool call: nothing to replay", 77)
    corpus = os.path.join(work, "corpus.jsonl")
    with open(corpus, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    tools_db, run_db = os.path.join(work, "tools.db"), os.path.join(work, "run.db")
    idx = subprocess.run([dep, "toolsim", "index", corpus, "-o", tools_db], capture_output=True, text=True)
    if idx.returncode != 0:
        die(f"toolsim index: {idx.stderr.strip()}")
    print(idx.stdout.strip())

    stats = replay(dep, corpus, run_db, tools_db, root)
    db = sqlite3.connect(run_db)
    n_samples, n_ok = db.execute("SELECT count(*), sum(status='ok') FROM samples").fetchone()
    if not n_samples or n_ok != n_samples:
        die(f"{n_samples} samples, {n_ok} ok: " + repr(db.execute("SELECT cause, error FROM samples WHERE status!='ok' LIMIT 3").fetchall()))
    if db.execute("SELECT count(*) FROM tool_steps WHERE source IS NULL OR source=''").fetchone()[0]:
        die("steps without a source")
    by_conv = {r["id"]: r for r in recs}
    rows = db.execute("SELECT p.conv_id, p.cut_index, s.id, t.step, t.tool, t.call_id, t.arguments, t.response, t.source, "
                      "t.side_effect FROM tool_steps t JOIN samples s ON s.id=t.sample_id JOIN prefixes p ON p.id=s.prefix_id "
                      "ORDER BY s.id, t.step").fetchall()
    episodes = {}
    for r in rows:
        episodes.setdefault((r[0], r[1], r[2]), []).append(r)
    ro_total = ro_right = writes = 0
    per_source, wrong, unflagged = {}, [], []
    for (conv, cut, _), steps in episodes.items():
        rec = by_conv[conv]
        msgs = rec["messages"]
        text_mode = not any(m.get("tool_calls") for m in msgs)
        want = calls_after(msgs, cut, text_mode)
        for j, st in enumerate(steps):
            _, _, _, _, tool, call_id, args, resp, source, side = st
            if j >= len(want):
                die(f"{conv} cut {cut}: the candidate made more calls than recorded")
            name, wargs, wresp, wid = want[j]
            if name is not None and (tool != name or canon(args) != canon(wargs) or call_id != "rp_" + str(wid)):
                die(f"{conv} cut {cut} step {j}: {tool}({args[:80]}) is not the recorded {name}({wargs[:80]})")
            a_obj = {}
            try:
                a_obj = json.loads(args)
            except Exception:
                pass
            cmd = a_obj.get("command") if isinstance(a_obj, dict) else None
            is_write = tool in WRITE_TOOLS.get(a.agent, set()) or \
                (tool in EDITORS and isinstance(cmd, str) and cmd not in ("view", "read")) or \
                (tool in SHELLS and isinstance(cmd, str) and shell_writes(cmd))
            if is_write:
                writes += 1
                if not side:
                    unflagged.append(f"{tool}({args[:100]})")
            if side or wresp is None:
                continue
            ro_total += 1
            per_source[source] = per_source.get(source, 0) + 1
            if source in ("db", "db_near", "connector") and resp == wresp:
                ro_right += 1
            elif len(wrong) < 5:
                wrong.append(f"{tool}({args[:80]}) source {source}: {resp[:80]!r} != recorded {wresp[:80]!r}")
    after = fingerprint(root, a.logs)
    n_steps = len(rows)
    print(f"{a.agent}: {len(recs)} sessions, {len(episodes)} episodes (user turns) with calls, {n_steps} calls "
          f"replayed; {writes} writes, all intended actions: {'yes' if not unflagged else 'NO'}")
    if ro_total:
        print(f"{a.agent}: read-only calls answered with the recorded text by the database or a connector: "
              f"{ro_right}/{ro_total} = {100.0 * ro_right / ro_total:.1f}% (by source: "
              + ", ".join(f"{k} {v}" for k, v in sorted(per_source.items())) + ")")
    for w in wrong:
        print("  differs: " + w)
    if unflagged:
        die(f"{len(unflagged)} writes not marked as intended actions, e.g. {unflagged[:3]}")
    if before != after:
        die("files on disk changed (repo root or logs)")
    if not n_steps:
        die("no call was replayed")
    if ro_total and ro_right < a.min_share * ro_total:
        die(f"only {ro_right}/{ro_total} read-only calls got the recorded answer (< {a.min_share:.0%})")
    print(f"{a.agent}: nothing on disk changed")
    if a.connectors:
        rebuilt = os.path.join(work, "rebuilt")
        os.makedirs(rebuilt, exist_ok=True)
        connectors_only(dep, corpus, recs, a.agent, work, rebuilt)


if __name__ == "__main__":
    main()
