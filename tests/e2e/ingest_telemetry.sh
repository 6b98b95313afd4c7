#!/usr/bin/env bash
# ingest_telemetry.sh: `depsim ingest` end to end on the telemetry, observability and dataset
# fixtures written from the specs (tests/data/formats/): OTLP traces in three dialects, a
# Langfuse export as JSONL and CSV, LangSmith runs, WildChat and LMSYS rows; each picked by
# detection, records and skipped/duplicate items counted by hand; the manifest names reader
# and version; an input no reader takes lists every reader; field maps read the raw
# arena-hard answer file; and validate reads moderation labels as observed rates.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
F="$DS_SRC/tests/data/formats"

# ingest IN... -> corpus c.jsonl; prints the manifest's per-file summary as JSON lines
ing() {
  "$DEPSIM" ingest "$@" -o c.jsonl --assume-consent --no-deid -q >out.txt 2>err.txt || { cat err.txt; fail "ingest $*"; }
}
# check FILE FORMAT RECORDS SKIPPED DUPLICATE FAILED
check() {
  python3 - "$@" <<'PY' || fail "manifest of $1"
import json, sys
name, fmt, rec, sk, dup, fl = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
m = json.load(open("c.jsonl.manifest.json"))
files = [f for i in m["inputs"] for f in i["files"] if f["path"].endswith(name)]
assert len(files) == 1, files
f = files[0]
got = (f["format"], f["records"], sum(f["skipped"].values()), sum(f["duplicate"].values()), f["failed"])
assert got == (fmt, rec, sk, dup, fl), f"{name}: got {got}, want {(fmt, rec, sk, dup, fl)}"
assert f["reader_version"] >= 1 and f["tested"], f
PY
}

ing "$F/otel/semconv.jsonl"
check semconv.jsonl otel 4 2 2 0
ing "$F/otel/events.jsonl" "$F/otel/openinference.jsonl" "$F/otel/openllmetry.jsonl" "$F/otel/document.json" \
  "$F/otel/sdks.jsonl"
check events.jsonl otel 3 0 0 0
check sdks.jsonl otel 2 0 0 0
check openinference.jsonl otel 2 0 0 0
check openllmetry.jsonl otel 1 0 1 0
check document.json otel 1 0 0 0
python3 - <<'PY' || fail "otel records"
import json
recs = {r["id"]: r for r in map(json.loads, open("c.jsonl"))}
r = recs["oi-session-7"]
assert [m["role"] for m in r["messages"]] == ["system", "user", "assistant", "tool", "assistant"], r["messages"]
assert r["segment"]["service"] == "phoenix-app" and r["tools"][0]["function"]["name"] == "multiply"
r = recs["tl-sess-1"]
assert r["messages"][2]["tool_calls"][0]["name"] == "book_flight"
PY

ing "$F/langfuse/observations.jsonl" "$F/langfuse/observations.csv"
check observations.jsonl langfuse 3 4 2 0
check observations.csv langfuse 3 4 2 0  # the same rows as CSV: the same records, filtered as duplicates
python3 - <<'PY' || fail "langfuse: the CSV export's records are duplicates of the JSONL's"
import json
m = json.load(open("c.jsonl.manifest.json"))
assert m["records"]["kept"] == 3 and m["records"]["filtered"]["by_reason"]["duplicate"] == 3, m["records"]
PY

ing "$F/langsmith/runs.jsonl"
check runs.jsonl langsmith 4 5 2 0
python3 - <<'PY' || fail "langsmith thread"
import json
recs = {r["id"]: r for r in map(json.loads, open("c.jsonl"))}
t = recs["th-lyon"]
assert len(t["messages"]) == 7 and t["messages"][3] == {"role": "tool", "content": "14C, cloudy", "tool_call_id": "call_w1", "name": "get_weather"}, t["messages"][3]
PY

ing "$F/wildchat/wildchat-1m.jsonl" "$F/wildchat/lmsys.jsonl"
check wildchat-1m.jsonl wildchat 3 0 0 0
check lmsys.jsonl wildchat 3 0 0 0
echo '{"flagged": 0.4, "harassment": 0.1, "sexual": 0.2}' > forecast-rates.json
"$DEPSIM" validate forecast-rates.json --observed c.jsonl -o v.json -q 2>err.txt || { cat err.txt; fail "validate on labels"; }
python3 - <<'PY' || fail "observed labels"
import json
v = json.load(open("v.json"))
assert v["sources"]["observed"]["kind"] == "corpus-labels"
obs = {c["id"]: (c["observed"], c["observed_n"]) for c in v["categories"]}
assert obs["flagged"] == (0.5, 6) and abs(obs["sexual"][0] - 1 / 6) < 1e-12, obs
PY

# an input no reader takes: every reader and its reason, and the first item
echo '{"foo": 1}' > unknown.jsonl
if "$DEPSIM" ingest unknown.jsonl -o u.jsonl --assume-consent --no-deid -q 2>err.txt; then fail "an unknown input was accepted"; fi
for r in openai sharegpt wildchat otel langfuse langsmith mapped; do
  grep -q "$r (" err.txt || { cat err.txt; fail "the reasons do not name $r"; }
done
grep -q 'first item: {"foo":1}' err.txt || { cat err.txt; fail "the first item is not shown"; }

# the raw arena-hard answer file: as it is, every row fails naming the flag; with the map, all load
if "$DEPSIM" ingest "$F/mapped/arena-answers.jsonl" -o a.jsonl --assume-consent --no-deid -q 2>err.txt; then
  fail "object contents were accepted without --content-field"
fi
grep -q -- "--content-field answer" err.txt || { cat err.txt; fail "the error does not name --content-field"; }
"$DEPSIM" ingest "$F/mapped/arena-answers.jsonl" -o a.jsonl --assume-consent --no-deid -q \
  --id-field uid --content-field answer --time-field tstamp --segment-field model=model 2>err.txt \
  || { cat err.txt; fail "ingest with a field map"; }
python3 - <<'PY' || fail "mapped records"
import json
recs = [json.loads(l) for l in open("a.jsonl")]
assert [r["id"] for r in recs] == ["1a2b3c4d5e6f7a8b", "2b3c4d5e6f7a8b9c", "3c4d5e6f7a8b9c0d"], recs
assert recs[0]["messages"][1]["content"].startswith("A compiler") and recs[0]["segment"]["model"] == "model-a"
m = json.load(open("a.jsonl.manifest.json"))
assert m["inputs"][0]["files"][0]["format"] == "mapped"
PY
if "$DEPSIM" ingest "$F/mapped/arena-answers.jsonl" -o b.jsonl --format openai --id-field uid 2>err.txt; then
  fail "--format with a field map was accepted"
fi
grep -q "mapped reader" err.txt || { cat err.txt; fail "the refusal does not say why"; }
echo ok
