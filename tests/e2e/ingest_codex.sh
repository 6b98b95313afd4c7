#!/usr/bin/env bash
# ingest_codex.sh: ingest every real Codex CLI rollout of ../shared/data/agent-logs/codex with
# zero failed records, and check counts verified by hand on two files: the 0.77 session
# fragment (11 lines: session_meta, 3 response items of which 2 scaffolding, 1 event_msg
# mirror, 6 turn_context) and the 0.63 header-only file (a session without turns).
source "$(dirname "$0")/lib.sh"

dir="$DS_SHARED_DATA/agent-logs/codex"
[ -d "$dir" ] || skip "needs ../shared/data/agent-logs/codex, which is absent"

# every file alone (a session without turns keeps no record: --allow-empty), then the folder
for f in "$dir"/*.jsonl "$dir"/*.jsonl.zst; do
  [ -f "$f" ] || continue
  out="$WORK/$(basename "$f").corpus.jsonl"
  "$DEPSIM" ingest -q --no-deid --assume-consent --allow-empty "$f" -o "$out" >/dev/null 2>&1 || fail "ingest $f failed"
  python3 - "$out.manifest.json" <<'PY' || fail "manifest of $f"
import json, sys
m = json.load(open(sys.argv[1]))
i = m["inputs"][0]
assert i["format"] == "codex", i["format"]
assert i["failed"] == 0 and i["items"]["failed"] == 0, i
it = i["items"]
assert it["in"] == it["used"] + it["skipped"] + it["duplicate"] + it["failed"], it
PY
done

out="$WORK/codex.jsonl"
"$DEPSIM" ingest -q --assume-consent "$dir" -o "$out" >/dev/null || fail "ingest of the folder failed"
python3 - "$out" "$out.manifest.json" <<'PY' || fail "counts"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
m = json.load(open(sys.argv[2]))
i = m["inputs"][0]
assert i["failed"] == 0 and i["items"]["failed"] == 0, i["items"]
files = {f["path"].rsplit("/", 1)[-1]: f for f in i["files"] if "format" in f}

f = files["simonw-cct__sample_codex_session.jsonl"]
assert f["items"] == 11 and f["records"] == 1, f
assert f["duplicate"] == {"event_msg:user_message": 1}, f["duplicate"]
assert f["skipped"] == {}, f["skipped"]
r = [x for x in recs if x["id"] == "019b64e5-57fa-7463-b644-fba7e456f905"][0]
assert [m["role"] for m in r["messages"]] == ["user", "user", "user"], r["messages"]
assert [bool(m.get("context")) for m in r["messages"]] == [True, True, False]
assert r["messages"][2]["content"].startswith("can you analyse the MD files")
assert r["segment"]["agent"] == "codex" and r["segment"]["agent_version"] == "0.77.0"
assert r["segment"]["model"] == "gpt-5.2-codex"
assert r["repo"]["cwd"] == "/Users/macmini/Code/homelab-migration"
assert r["time"] == "2025-12-28T12:18:30Z"

f = files["acidicsoil-csv__example-session-metadata.jsonl"]
assert f["items"] == 1 and f["records"] == 0, f
assert f["skipped"] == {"session without turns": 1}, f["skipped"]
assert len(recs) == 1
print("codex:", len(recs), "record,", i["items"])
PY
