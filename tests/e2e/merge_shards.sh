# merge_shards.sh: `depsim replay --shard i/N` for every i then `depsim merge` gives the same
# run as one unsharded replay with the same seed; merge refuses runs with other parameters,
# a shard given twice and an existing output.
source "$DS_SRC/tests/e2e/lib.sh"

python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
with open(f"{w}/corpus.jsonl", "w") as c, open(f"{w}/comp.jsonl", "w") as f:
    for i in range(500):
        c.write(json.dumps({"id": f"u{i}", "weight": 1 + i % 3, "messages": [
            {"role": "user", "content": f"hello {i}"}, {"role": "assistant", "content": "hi"},
            {"role": "user", "content": "bye"}, {"role": "assistant", "content": "bye!"}]}) + "\n")
        for cut in (1, 3):
            for k in range(3):
                if i % 50 == 7 and k == 2:
                    continue  # a missing completion: that prefix fails with cause notfound
                f.write(json.dumps({"id": f"u{i}#{cut}", "k": k, "content": f"r{i}.{cut}.{k}"}) + "\n")
PY
common=(--backend "file:$WORK/comp.jsonl" -k 3 --seed 77 --cut every --quiet)
"$DEPSIM" replay "$WORK/corpus.jsonl" "${common[@]}" -o "$WORK/one.db" >/dev/null || fail "unsharded run"
for i in 0 1 2 3; do
  "$DEPSIM" replay "$WORK/corpus.jsonl" "${common[@]}" --shard $i/4 -o "$WORK/s$i.db" >/dev/null || fail "shard $i"
  # all cuts of a conversation are in one shard
  assert_eq "$(sqlite3 "$WORK/s$i.db" "SELECT count(*) FROM (SELECT conv_id FROM prefixes GROUP BY conv_id HAVING count(*) != 2)")" 0 "cuts split"
done
"$DEPSIM" merge "$WORK"/s{0,1,2,3}.db -o "$WORK/merged.db" >"$WORK/merge.out" || fail "merge"
cat "$WORK/merge.out"
grep -q "1000 prefixes (980 completed, 0 skipped, 20 failed, 0 pending)" "$WORK/merge.out" || fail "merge summary"
dump="SELECT p.conv_id||'#'||p.cut_index||'/'||p.weight||'/'||p.status||'/'||coalesce(p.reason,'')||'/'||s.k||'/'||s.seed||'/'||s.status||'/'||coalesce(s.content,'')
      FROM samples s JOIN prefixes p ON p.id=s.prefix_id ORDER BY 1"
sqlite3 "$WORK/one.db" "$dump" >"$WORK/one.txt"
sqlite3 "$WORK/merged.db" "$dump" >"$WORK/merged.txt"
[ "$(wc -l <"$WORK/one.txt")" -eq 3000 ] || fail "unexpected sample count $(wc -l <"$WORK/one.txt")"
cmp -s "$WORK/one.txt" "$WORK/merged.txt" || { diff "$WORK/one.txt" "$WORK/merged.txt" | head; fail "merge differs from one run"; }
params="SELECT key||'='||value FROM meta WHERE key NOT IN ('shard','merged_from','summary','corpus_load','replay_watermark','run_id') ORDER BY 1"
[ "$(sqlite3 "$WORK/one.db" "$params")" = "$(sqlite3 "$WORK/merged.db" "$params")" ] || fail "merged parameters differ"
summary="SELECT json_remove(value,'\$.corpus') FROM meta WHERE key='summary'"
[ "$(sqlite3 "$WORK/one.db" "$summary")" = "$(sqlite3 "$WORK/merged.db" "$summary")" ] || fail "merged accounting differs"

# refusals
"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "file:$WORK/comp.jsonl" -k 3 --seed 78 --cut every --shard 1/4 \
  --quiet -o "$WORK/other.db" >/dev/null || fail "other-seed shard"
if "$DEPSIM" merge "$WORK/s0.db" "$WORK/other.db" -o "$WORK/bad.db" 2>"$WORK/err" >/dev/null; then fail "merged different seeds"; fi
grep -q "seed is '77' vs '78'" "$WORK/err" || { cat "$WORK/err"; fail "message for different seeds"; }
[ ! -e "$WORK/bad.db" ] || fail "a refused merge left a file"
if "$DEPSIM" merge "$WORK/s0.db" "$WORK/s0.db" -o "$WORK/bad.db" 2>"$WORK/err" >/dev/null; then fail "merged a shard twice"; fi
grep -q "given twice" "$WORK/err" || { cat "$WORK/err"; fail "message for a shard twice"; }
if "$DEPSIM" merge "$WORK/s0.db" -o "$WORK/one.db" 2>/dev/null >/dev/null; then fail "overwrote an existing output"; fi
# a partial merge is allowed, with a warning
"$DEPSIM" merge "$WORK/s0.db" "$WORK/s2.db" -o "$WORK/part.db" 2>"$WORK/err" >/dev/null || fail "partial merge"
grep -q "shard 1/4 is missing" "$WORK/err" || fail "no warning for a missing shard"
echo "ok: 4 shards merged equal one run"
