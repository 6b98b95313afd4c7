#!/bin/bash
# merge_scale.sh: depsim merge at scale: SHARDS shard databases of PER prefixes each (default
# 16 x 62,500 = 1M), built once with `depsim replay --backend original --shard i/N` from a
# synthetic corpus of small one-turn conversations, then merged into one run database. Prints
# wall and CPU time, peak RSS and bytes written for the full merge and for a merge of a quarter
# of the shards: merge streams, so its peak RSS must stay flat in the number of prefixes.
#   bench/merge_scale.sh [BUILD_DIR] [SHARDS] [PER]     (work files in $BENCH_DIR, default /tmp)
set -euo pipefail
build=${1:-build}
shards=${2:-16}
per=${3:-62500}
depsim=$(cd "$build" && pwd)/depsim
[ -x "$depsim" ] || { echo "merge_scale: no $depsim (make build)" >&2; exit 2; }
dir=${BENCH_DIR:-/tmp}/depsim-merge-scale-$shards-$per
mkdir -p "$dir"
cd "$dir"
total=$((shards * per))

# corpus: one conversation per prefix; the hash of its id picks its shard (about PER each)
if [ ! -f shards.done ]; then
  echo "building $shards shards of $per prefixes in $dir (once)"
  python3 - "$total" <<'PY' >corpus.jsonl
import json, sys
n = int(sys.argv[1])
for i in range(n):
    print(json.dumps({"id": f"conv-{i:07d}", "messages": [
        {"role": "user", "content": f"question {i}: how do I sort a list of {i % 97} items?"},
        {"role": "assistant", "content": f"answer {i}: use sorted() on the {i % 97} items."}]}))
PY
  for i in $(seq 0 $((shards - 1))); do
    rm -f "shard-$i.db"
    "$depsim" replay corpus.jsonl --backend original --cut last --shard "$i/$shards" -q -o "shard-$i.db" >/dev/null
  done
  touch shards.done
fi

# merge N: merges shards 0..N-1 and prints its figures (GNU time: %M peak RSS KiB, %O blocks
# written by the file system, in 512-byte units)
merge() {
  local n=$1 out=run-$1.db files=()
  for i in $(seq 0 $((n - 1))); do files+=("shard-$i.db"); done
  rm -f "$out" "$out".merging
  /usr/bin/time -f '%e %U %S %M %O' -o time.txt "$depsim" merge "${files[@]}" -o "$out" >/dev/null 2>merge.err \
    || { cat merge.err >&2; exit 1; }
  local prefixes; prefixes=$(sqlite3 "$out" "SELECT count(*) FROM prefixes")
  local in_bytes; in_bytes=$(cat "${files[@]}" | wc -c)
  read -r wall user sys rss blocks <time.txt
  awk -v n="$n" -v p="$prefixes" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v b="$blocks" \
    -v o="$(stat -c %s "$out")" -v i="$in_bytes" 'BEGIN {
      printf "merge %2d shards: %8d prefixes  wall %6.1f s  cpu %6.1f s (%.1f us/prefix)  peak RSS %6.1f MiB  written %7.1f MiB (run.db %7.1f MiB; shards %7.1f MiB)\n",
        n, p, w, u + s, (u + s) * 1e6 / p, r / 1024, b * 512 / 1048576, o / 1048576, i / 1048576 }'
  local want=0 f
  for f in "${files[@]}"; do want=$((want + $(sqlite3 "$f" "SELECT count(*) FROM prefixes"))); done
  [ "$prefixes" = "$want" ] || { echo "merge_scale: $prefixes prefixes merged, the shards hold $want" >&2; exit 1; }
}
merge $((shards / 4))
merge "$shards"
echo "target: peak RSS flat in the number of prefixes (the $((shards / 4))-shard and $shards-shard merges within a few MiB)"
