# replay_kill_resume.sh: a replay killed with SIGKILL at random moments 15 times in a row and
# resumed each time ends with exactly the samples of an uninterrupted run: none lost, none
# stored twice, and (with the counting server) no more backend calls than samples plus the
# requests in flight at each kill.
source "$DS_SRC/tests/e2e/lib.sh"

N=${N_CONV:-10000}   # conversations, two cuts each
K=2
IN_FLIGHT=8
KILLS=15
python3 - "$WORK" "$N" "$K" <<'PY'
import json, sys
work, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{work}/corpus.jsonl", "w") as c, open(f"{work}/completions.jsonl", "w") as f:
    for i in range(n):
        c.write(json.dumps({"id": f"conv-{i}", "messages": [
            {"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": "first"},
            {"role": "user", "content": "and then?"}, {"role": "assistant", "content": "second"}]}) + "\n")
        for cut in (1, 3):
            for j in range(k):
                f.write(json.dumps({"id": f"conv-{i}#{cut}", "k": j, "content": f"gen {i} {cut} {j}",
                                    "finish_reason": "stop"}) + "\n")
PY
SPEC="file:$WORK/completions.jsonl"
WANT=$((N * 2 * K))

# reference: one uninterrupted run
"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "$SPEC" -k $K --seed 5 --cut every --in-flight $IN_FLIGHT \
  -o "$WORK/ref.db" --quiet >/dev/null || fail "reference run failed"

DB="$WORK/run.db"
# stored samples so far; never creates the database (sqlite3 would make an empty one)
stored() { if [ -s "$DB" ]; then sqlite3 -readonly -cmd ".timeout 5000" "$DB" "SELECT count(*) FROM samples" 2>/dev/null || echo 0; else echo 0; fi; }
killed=0
for i in $(seq 1 $KILLS); do
  if [ ! -e "$DB" ]; then  # (a kill before the database was created leaves nothing to resume)
    "$DEPSIM" replay "$WORK/corpus.jsonl" --backend "$SPEC" -k $K --seed 5 --cut every --in-flight $IN_FLIGHT \
      -o "$DB" --quiet >/dev/null 2>"$WORK/err.$i" &
  else
    "$DEPSIM" replay --resume "$DB" --in-flight $IN_FLIGHT --quiet >/dev/null 2>"$WORK/err.$i" &
  fi
  pid=$!
  if [ $i -le 3 ]; then
    # early: while opening the backend or loading the corpus (commits every 2000 lines)
    sleep "0.$(printf '%03d' $((RANDOM % 300 + 20)))"
  else
    # mid-sampling: once a random number of further samples is stored, then a random instant
    have=$(stored)
    target=$((have + RANDOM % 500 + 50))
    while kill -0 $pid 2>/dev/null; do
      n=$(stored)
      [ "$n" -ge $target ] && break
      sleep 0.02
    done
    sleep "0.0$((RANDOM % 10))"
  fi
  if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi
  wait $pid 2>/dev/null || true
  # the database must open and hold only whole samples after every kill
  if [ -s "$DB" ]; then
    sqlite3 "$DB" "PRAGMA integrity_check" | grep -qx ok || fail "integrity_check failed after kill $i"
  fi
  echo "kill $i: $(stored) samples stored"
done
[ $killed -ge 12 ] || fail "only $killed of $KILLS sessions were killed mid-run; make the corpus larger"
"$DEPSIM" replay --resume "$DB" --quiet >"$WORK/final.out" || { cat "$WORK/final.out"; fail "final resume failed"; }

assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM prefixes")" $((N * 2)) "prefixes"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM prefixes WHERE status='done'")" $((N * 2)) "completed prefixes"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM samples WHERE status='ok'")" $WANT "samples"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT prefix_id, k FROM samples GROUP BY 1,2 HAVING count(*) > 1)")" 0 \
  "samples stored twice"
dump="SELECT p.conv_id||'#'||p.cut_index||'/'||s.k||'/'||s.seed||'/'||s.content FROM samples s
      JOIN prefixes p ON p.id=s.prefix_id ORDER BY 1"
sqlite3 "$WORK/ref.db" "$dump" >"$WORK/ref.txt"
sqlite3 "$DB" "$dump" >"$WORK/run.txt"
cmp -s "$WORK/ref.txt" "$WORK/run.txt" || { diff "$WORK/ref.txt" "$WORK/run.txt" | head; fail "killed+resumed run differs from one run"; }
grep -q "completed  $((N * 2))" "$WORK/final.out" || { cat "$WORK/final.out"; fail "final accounting"; }
echo "ok: $killed kills, $WANT samples, identical to an uninterrupted run"
