# merge_kill.sh: `depsim merge` killed with SIGKILL at random moments leaves either no run at
# the output path or the complete one, never a part; a reading command refuses the missing
# output; the next merge to the same path cleans what the killed one left and gives the run.
# SIGTERM during a merge stops it within a second (2 s allowed on a loaded machine), with no output.
source "$DS_SRC/tests/e2e/lib.sh"
command -v sqlite3 >/dev/null || skip "needs the sqlite3 command-line tool"
cd "$WORK"
python3 - <<'PY'
import json
with open("corpus.jsonl", "w") as c:
    for i in range(30000):
        c.write(json.dumps({"id": f"u{i}", "messages": [
            {"role": "user", "content": f"hello {i} " + "x" * 200},
            {"role": "assistant", "content": f"hi {i} " + "y" * 300}]}) + "\n")
PY
for i in 0 1 2; do
  "$DEPSIM" replay corpus.jsonl --backend original --shard $i/3 -o s$i.db -q >/dev/null || fail "shard $i"
done
dump="SELECT p.conv_id||'#'||p.cut_index||'/'||p.status||'/'||s.k||'/'||s.status||'/'||coalesce(s.content,'')
      FROM samples s JOIN prefixes p ON p.id=s.prefix_id ORDER BY 1"
s=$(date +%s%N)
"$DEPSIM" merge s0.db s1.db s2.db -o ref.db -q >/dev/null || fail "reference merge"
e=$(date +%s%N)
ms=$(((e - s) / 1000000))
echo "a whole merge takes $ms ms"
sqlite3 ref.db "$dump" | md5sum > ref.sum
assert_eq "$(sqlite3 ref.db "SELECT count(*) FROM prefixes")" 30000 "reference prefixes"

killed_mid=0
for round in $(seq 1 12); do
  rm -f out.db out.db-wal out.db-shm
  "$DEPSIM" merge s0.db s1.db s2.db -o out.db -q >/dev/null 2>&1 &
  pid=$!
  # a moment anywhere in the merge (rounds 1-4 in its first half, then up to 1.2 times its length)
  sleep "$(python3 -c "import random; print(random.uniform(0.005, ($round <= 4 and 0.5 or 1.2) * $ms / 1000))")"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -e out.db ]; then
    sqlite3 out.db "$dump" | md5sum | cmp -s - ref.sum || fail "round $round: a partial run at the output path after kill -9 ($(sqlite3 out.db "SELECT count(*) FROM prefixes" 2>&1) prefixes)"
  else
    killed_mid=$((killed_mid + 1))
    # nothing there is taken for a run
    if "$DEPSIM" estimate out.db -o est.json 2>err.txt; then fail "round $round: estimate read a missing run"; fi
    grep -q "no such run database" err.txt || { cat err.txt; fail "round $round: message for a missing run"; }
  fi
done
echo "$killed_mid of 12 kills came before the merge was complete"
[ "$killed_mid" -ge 2 ] || fail "too few kills landed inside a merge ($killed_mid) to test anything"

# the next merge to the path starts over and gives the whole run
rm -f out.db out.db-wal out.db-shm
"$DEPSIM" merge s0.db s1.db s2.db -o out.db -q >/dev/null 2>err.txt & pid=$!
sleep "$(python3 -c "print($ms / 2000)")"
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
"$DEPSIM" merge s0.db s1.db s2.db -o out2.db -q >/dev/null || fail "merge after a killed one"
rm -f out.db
"$DEPSIM" merge s0.db s1.db s2.db -o out.db -q >/dev/null || fail "merge to the path of a killed one"
sqlite3 out.db "$dump" | md5sum | cmp -s - ref.sum || fail "merge after a kill differs from the reference"
ls out.db.merging* 2>/dev/null && fail "the killed merge's files were left"

# SIGTERM: stops within a second, leaves no output
rm -f out.db
"$DEPSIM" merge s0.db s1.db s2.db -o out.db -q >/dev/null 2>err.txt & pid=$!
sleep "$(python3 -c "print($ms / 3000)")"
s=$(date +%s%N)
kill -TERM "$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
e=$(date +%s%N)
if [ "$rc" -ne 0 ]; then
  assert_eq "$rc" 3 "exit status of an interrupted merge"
  grep -q "cancelled" err.txt || { cat err.txt; fail "no word of the cancellation"; }
  [ ! -e out.db ] || fail "an interrupted merge left an output"
  [ $(((e - s) / 1000000)) -le 2000 ] || fail "merge stopped $(((e - s) / 1000000)) ms after SIGTERM"
fi
ls out.db.merging* 2>/dev/null && fail "an interrupted merge left its files"
echo ok
