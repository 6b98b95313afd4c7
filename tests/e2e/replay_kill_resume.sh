# replay_kill_resume.sh: a replay killed with SIGKILL at random moments 15 times in a row and
# resumed each time ends with exactly the samples of an uninterrupted run: none lost, none
# stored twice. Twice: with the file backend (fast, many samples) and over HTTP against the
# fault server, whose request counter shows no more backend calls than samples plus the
# requests in flight at each kill.
source "$DS_SRC/tests/e2e/lib.sh"
[ -x "${DS_fault_server:-}" ] || fail "fault_server not built"

K=2
IN_FLIGHT=8
KILLS=15

# make_corpus N: N conversations with two assistant turns each, and their file completions
make_corpus() {
  python3 - "$WORK" "$1" "$K" <<'PY'
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
}

# kill_series NAME SPEC N STEP: a reference run, then KILLS killed sessions (the first three
# early, the rest after a random 1..STEP further samples) and a final resume; checks the result
DB=
stored() { if [ -s "$DB" ]; then sqlite3 -readonly -cmd ".timeout 5000" "$DB" "SELECT count(*) FROM samples" 2>/dev/null || echo 0; else echo 0; fi; }
kill_series() {
  local name=$1 spec=$2 n=$3 step=$4
  local want=$((n * 2 * K)) killed=0
  "$DEPSIM" replay "$WORK/corpus.jsonl" --backend "$spec" -k $K --seed 5 --cut every --in-flight $IN_FLIGHT \
    -o "$WORK/$name-ref.db" --quiet >/dev/null || fail "$name: reference run failed"
  DB="$WORK/$name.db"
  CALLS_BEFORE=$(calls)
  for i in $(seq 1 $KILLS); do
    if [ ! -e "$DB" ]; then  # a kill before the database was created leaves nothing to resume
      "$DEPSIM" replay "$WORK/corpus.jsonl" --backend "$spec" -k $K --seed 5 --cut every --in-flight $IN_FLIGHT \
        -o "$DB" --quiet >/dev/null 2>"$WORK/err" &
    else
      "$DEPSIM" replay --resume "$DB" --in-flight $IN_FLIGHT --quiet >/dev/null 2>"$WORK/err" &
    fi
    local pid=$!
    if [ $i -le 3 ]; then
      sleep "0.$(printf '%03d' $((RANDOM % 300 + 20)))"  # opening, loading the corpus
    else
      # spread the remaining kills over the remaining work, so that a fast run (a quiet machine)
      # is still killed mid-run every time: at most STEP, and at most half of an equal share
      local have; have=$(stored)
      local share=$(( (want - have) / (2 * (KILLS - i + 2)) ))
      [ $share -lt $step ] || share=$step
      [ $share -ge 1 ] || share=1
      local target=$((have + RANDOM % share + 1))
      while kill -0 $pid 2>/dev/null && [ "$(stored)" -lt $target ]; do sleep 0.01; done
    fi
    if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi
    wait $pid 2>/dev/null || true
    if [ -s "$DB" ]; then
      sqlite3 "$DB" "PRAGMA integrity_check" | grep -qx ok || fail "$name: integrity_check failed after kill $i"
    fi
    echo "$name: kill $i: $(stored) samples stored"
  done
  [ $killed -ge 12 ] || fail "$name: only $killed of $KILLS sessions were killed mid-run"
  "$DEPSIM" replay --resume "$DB" >"$WORK/final.out" 2>/dev/null || { cat "$WORK/final.out"; fail "$name: final resume failed"; }
  assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM prefixes")" $((n * 2)) "$name: prefixes"
  assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM prefixes WHERE status='done'")" $((n * 2)) "$name: completed prefixes"
  assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM samples WHERE status='ok'")" $want "$name: samples"
  assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT prefix_id, k FROM samples GROUP BY 1,2 HAVING count(*) > 1)")" 0 \
    "$name: samples stored twice"
  local dump="SELECT p.conv_id||'#'||p.cut_index||'/'||s.k||'/'||s.seed||'/'||s.content FROM samples s
              JOIN prefixes p ON p.id=s.prefix_id ORDER BY 1"
  sqlite3 "$WORK/$name-ref.db" "$dump" >"$WORK/ref.txt"
  sqlite3 "$DB" "$dump" >"$WORK/run.txt"
  cmp -s "$WORK/ref.txt" "$WORK/run.txt" || { diff "$WORK/ref.txt" "$WORK/run.txt" | head -5; fail "$name: killed+resumed run differs from one run"; }
  grep -q "completed  $((n * 2))" "$WORK/final.out" || { cat "$WORK/final.out"; fail "$name: final accounting"; }
  KILLED=$killed
  echo "ok: $name: $killed kills, $want samples, identical to an uninterrupted run"
}

# 1. file backend: many samples, kills land in loading, sampling and committing
calls() { echo 0; }
make_corpus 10000
kill_series file "file:$WORK/completions.jsonl" 10000 500

# 2. HTTP to the fault server (each answer 20 ms late; content = the request, seed included),
#    counting every request it receives
out="$WORK/fault.out"
"$DS_fault_server" >"$out" 2>&1 &
_ds_pids+=("$!")
for _ in $(seq 1 100); do FPORT=$(sed -n 's/^port=//p' "$out"); [ -n "$FPORT" ] && break; sleep 0.05; done
[ -n "$FPORT" ] || fail "fault_server did not start"
calls() { curl -sf "http://127.0.0.1:$FPORT/stats" | python3 -c "import sys,json; print(json.load(sys.stdin)['by_mode'].get('slow-20',0))"; }
make_corpus 400
kill_series http "openai:http://127.0.0.1:$FPORT/slow-20/v1?model=m" 400 60
# the server counts every request under the mode: besides chat completions each session
# that opens the backend asks for the context length (GET .../props and .../v1/models)
sessions=$((KILLS + 1))
n_calls=$(($(calls) - CALLS_BEFORE - 2 * sessions))
samples=$((400 * 2 * K))
echo "http: $n_calls completion calls for $samples samples over $KILLED kills with $IN_FLIGHT in flight"
[ $n_calls -ge $samples ] || fail "fewer completion calls ($n_calls) than samples ($samples)"
# a kill loses at most the requests in flight plus the results not yet committed: 32 x in flight
[ $n_calls -le $((samples + KILLED * 32 * IN_FLIGHT)) ] || fail "$n_calls completion calls > $samples samples + $KILLED kills x 32 x $IN_FLIGHT in flight"
