#!/usr/bin/env bash
# ingest_shared.sh: ingest every traffic file of ../shared/data (real ShareGPT conversations,
# tau-bench agent trajectories) and check that the manifest accounts for every record.
source "$(dirname "$0")/lib.sh"

dir="$DS_SHARED_DATA/traffic"
[ -d "$dir" ] || skip "needs ../shared/data/traffic, which is absent"
inputs=()
for f in "$dir"/*.jsonl "$dir"/*.json "$dir"/*.gz "$dir"/*.zst; do
  [ -f "$f" ] && inputs+=("$f")
done
[ ${#inputs[@]} -gt 0 ] || skip "no traffic files in $dir"

# each file alone, then all together
for f in "${inputs[@]}"; do
  out="$WORK/$(basename "$f").corpus.jsonl"
  "$DEPSIM" ingest -q --assume-consent "$f" -o "$out" >"$WORK/out.txt" || fail "ingest $f failed"
  python3 - "$out.manifest.json" "$out" <<'PY' || fail "manifest of $f"
import json, sys, hashlib
m = json.load(open(sys.argv[1]))
r = m["records"]
total = r["kept"] + r["filtered"]["total"] + r["failed"]["total"]
assert r["in"] == total, f"in {r['in']} != kept+filtered+failed {total}"
assert r["in"] > 0
assert sum(r["filtered"]["by_reason"].values()) == r["filtered"]["total"]
assert sum(r["failed"]["by_reason"].values()) == r["failed"]["total"]
for i in m["inputs"]:
    assert i["records_in"] == i["kept"] + i["filtered"] + i["failed"]
    assert i["sha256"] == hashlib.sha256(open(i["path"], "rb").read()).hexdigest()
data = open(sys.argv[2], "rb").read()
assert m["corpus"]["sha256"] == hashlib.sha256(data).hexdigest()
lines = data.decode().splitlines()
assert len(lines) == r["kept"]
ids = set()
for line in lines:
    rec = json.loads(line)
    assert rec["consent"] is True and rec["id"] and rec["id"] not in ids
    ids.add(rec["id"])
    assert rec["messages"]
    for msg in rec["messages"]:
        assert msg["role"] in ("system", "developer", "user", "assistant", "tool")
        for tc in msg.get("tool_calls", []):
            assert set(tc) >= {"id", "name", "arguments"} and "function" not in tc
            json.loads(tc["arguments"])
assert m["deid"]["enabled"] is True and m["deid"]["post_scan"]["findings"] == 0, m["deid"]  # on by default
PY
done

all="$WORK/all.jsonl"
"$DEPSIM" ingest --assume-consent "${inputs[@]}" -o "$all" >"$WORK/all.txt" 2>"$WORK/all.err" || fail "ingest of all inputs failed"
python3 - "$all.manifest.json" <<'PY' || fail "combined manifest"
import json, sys
m = json.load(open(sys.argv[1]))
r = m["records"]
assert r["in"] == r["kept"] + r["filtered"]["total"] + r["failed"]["total"]
assert r["in"] == sum(i["records_in"] for i in m["inputs"])
print("records in", r["in"], "kept", r["kept"], "filtered", r["filtered"], "failed", r["failed"])
PY
# tau-bench: the trajectories' tool calls are flattened and counted
if [ -f "$dir/tau-bench-airline-200.json" ]; then
  calls=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tool_calls']['total'])" \
    "$WORK/tau-bench-airline-200.json.corpus.jsonl.manifest.json")
  assert_eq "$calls" 1164 "tau-bench tool calls"
fi
# ShareGPT: 998 conversations, 5 of them exact repeats
if [ -f "$dir/sharegpt-1000.jsonl" ]; then
  dups=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['records']['filtered']['by_reason'].get('duplicate',0))" \
    "$WORK/sharegpt-1000.jsonl.corpus.jsonl.manifest.json")
  python3 - "$dir/sharegpt-1000.jsonl" "$dups" <<'PY' || fail "sharegpt duplicates"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
distinct = len({json.dumps(r["conversations"], sort_keys=True) for r in rows})
assert len(rows) - distinct == int(sys.argv[2]), (len(rows) - distinct, sys.argv[2])
PY
fi
echo "ok: $(head -1 "$WORK/all.txt")"
