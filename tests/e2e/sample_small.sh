#!/usr/bin/env bash
# sample_small.sh: `depsim sample` end to end: same seed same bytes, another seed another
# sample, stratified weights in every record, a time window, the manifest.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
python3 - <<'PY'
import json
with open("in.jsonl", "w") as f:
    for i in range(300):
        f.write(json.dumps({"id": f"r{i}", "consent": True, "time": f"2026-03-{1 + i % 30:02d}T00:00:00Z",
                            "segment": {"product": "agent" if i % 3 == 0 else "chat"},
                            "messages": [{"role": "user", "content": f"message {i}"}]}) + "\n")
PY
"$DEPSIM" ingest -q in.jsonl -o corpus.jsonl >/dev/null
"$DEPSIM" sample corpus.jsonl -o a.jsonl -n 30 --seed 5 > a.txt
"$DEPSIM" sample -q corpus.jsonl -o b.jsonl -n 30 --seed 5
"$DEPSIM" sample -q corpus.jsonl -o c.jsonl -n 30 --seed 6
cmp -s a.jsonl b.jsonl || fail "same seed gave different samples"
cmp -s a.jsonl c.jsonl && fail "different seeds gave the same sample"
assert_eq "$(wc -l < a.jsonl)" 30 "sample size"
grep -q "sampled 30 of 300" a.txt || { cat a.txt; fail "sample did not say what it did"; }

"$DEPSIM" sample corpus.jsonl -o s.jsonl -n 60 --stratify segment.product --allocation equal \
  --since 2026-03-01 --until 2026-03-16 > s.txt
grep -q "agent" s.txt || fail "strata not printed"
python3 - <<'PY' || fail "stratified sample"
import json, collections
recs = [json.loads(l) for l in open("s.jsonl")]
assert len(recs) == 60
by = collections.Counter(r["segment"]["product"] for r in recs)
assert by == {"agent": 30, "chat": 30}, by
for r in recs:
    assert "2026-03-01" <= r["time"] < "2026-03-16"
    want = (50 / 150) / 0.5 if r["segment"]["product"] == "agent" else (100 / 150) / 0.5
    assert abs(r["weight"] - want) < 1e-9, (r["weight"], want)
ids = [int(r["id"][1:]) for r in recs]
assert ids == sorted(ids), "sample not in corpus order"
m = json.load(open("s.jsonl.manifest.json"))
assert m["population"] == 150 and m["out_of_window"] == 150
assert m["params"]["seed"] == 1 and m["params"]["allocation"] == "equal"
PY
set +e
"$DEPSIM" sample corpus.jsonl -o x.jsonl 2>/dev/null; rc=$?
"$DEPSIM" sample in-missing.jsonl -o x.jsonl -n 3 2>/dev/null; rc2=$?
set -e
assert_eq "$rc" 2 "missing -n"
assert_eq "$rc2" 3 "missing corpus"
echo ok
