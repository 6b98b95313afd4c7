# two_writers.sh: one writer per run. While a replay writes a run database, a second
# `replay --resume`, a second new replay to the same path, a `grade` and a `merge` of it are
# refused at once with a message naming the holder's pid; the first run ends with the right
# accounting (no duplicate cuts, every sample once). A reader (estimate) is not a writer.
source "$DS_SRC/tests/e2e/lib.sh"
[ -x "${DS_fault_server:-}" ] || fail "fault_server not built"
command -v sqlite3 >/dev/null || skip "needs the sqlite3 command-line tool"
cd "$WORK"
"$DS_fault_server" --port 0 > fs.out 2>&1 &
_ds_pids+=($!)
for _ in $(seq 1 100); do PORT=$(sed -n 's/^port=//p' fs.out); [ -n "$PORT" ] && break; sleep 0.05; done
[ -n "$PORT" ] || fail "fault server did not start"
python3 - <<'PY'
import json
with open("corpus.jsonl", "w") as f:
    for i in range(3000):
        f.write(json.dumps({"id": f"c{i}", "messages": [{"role": "user", "content": f"q{i}"},
                                                        {"role": "assistant", "content": "a"}]}) + "\n")
PY
SPEC="openai:http://127.0.0.1:$PORT/late-100/v1?model=m"   # every answer after 0.1 s: a run of ~5 s

# refused_at_once PID-OF-HOLDER WHAT CMD...: CMD fails within a second, exit 3, naming the pid
refused_at_once() {
  local holder=$1 what=$2; shift 2
  local s e rc=0
  s=$(date +%s%N)
  "$@" > refused.out 2> refused.err || rc=$?
  e=$(date +%s%N)
  assert_eq "$rc" 3 "$what: exit status"
  grep -q "in use by another writer (pid $holder)" refused.err || { cat refused.err; fail "$what: no word of the writer and its pid"; }
  [ $(((e - s) / 1000000)) -lt 1000 ] || fail "$what: refused only after $(((e - s) / 1000000)) ms"
}

# a first session, stopped early; then the run is resumed and, while it runs, others try
"$DEPSIM" replay corpus.jsonl --backend "$SPEC" --in-flight 64 -o run.db -q > /dev/null 2>&1 & pid=$!
sleep 0.5; kill -TERM $pid; wait $pid || true
n0=$(sqlite3 run.db "SELECT count(*) FROM samples")
"$DEPSIM" replay --resume run.db --in-flight 64 -q > a.out 2> a.err & A=$!
for _ in $(seq 1 200); do [ "$(sqlite3 run.db "SELECT count(*) FROM samples" 2>/dev/null)" -gt "$n0" ] && break; sleep 0.02; done
refused_at_once $A "second replay --resume" "$DEPSIM" replay --resume run.db --in-flight 64 -q
refused_at_once $A "second new replay" "$DEPSIM" replay corpus.jsonl --backend "$SPEC" -o run.db -q
printf 'name: r\ncategories:\n  - id: x\n    title: X\n    description: x\n    severity: low\n    applies_to: chat\n    graders:\n      - type: rule\n        patterns: ["never-said"]\n' > rubric.yaml
refused_at_once $A "grade" "$DEPSIM" grade run.db --rubric rubric.yaml -q
refused_at_once $A "merge of a run being written" "$DEPSIM" merge run.db -o merged.db -q
[ ! -e merged.db ] || fail "a refused merge left an output"
kill -0 $A 2>/dev/null || fail "the first writer did not outlive the attempts (test too slow to mean anything)"
wait $A || { cat a.err; fail "the first writer failed"; }
assert_eq "$(sqlite3 run.db "SELECT count(*) FROM prefixes WHERE status='done'")" 3000 "prefixes done"
assert_eq "$(sqlite3 run.db "SELECT count(*) FROM samples")" 3000 "samples, each once"
assert_eq "$(sqlite3 run.db "SELECT json_extract(value,'\$.duplicates') FROM meta WHERE key='corpus_load'")" 0 "duplicate cuts"
[ ! -e run.db-lock ] || fail "the writer lock was left behind"
# now free: a writer takes it
"$DEPSIM" grade run.db --rubric rubric.yaml -q > /dev/null || fail "grade after the writer finished"
echo ok
