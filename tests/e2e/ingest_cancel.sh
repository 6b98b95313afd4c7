# ingest_cancel.sh: SIGTERM (and SIGINT) stop a long ingest within a second, exit 3, and leave
# nothing behind: no corpus, no manifest, no OUTPUT.tmp.PID.
source "$DS_SRC/tests/e2e/lib.sh"
cd "$WORK"
python3 - <<'PY'
import json
with open("big.jsonl", "w") as f:
    for i in range(150000):
        f.write(json.dumps({"id": f"c{i}", "messages": [{"role": "user", "content": f"question {i} " * 8},
                                                         {"role": "assistant", "content": f"answer {i} " * 8}]}) + "\n")
PY
for sig in TERM INT; do
  rm -f out.jsonl*
  "$DEPSIM" ingest big.jsonl -o out.jsonl --assume-consent 2>err.$sig & pid=$!
  # wait until it is reading (its temporary file exists), then signal it
  for _ in $(seq 1 200); do ls out.jsonl.tmp.* >/dev/null 2>&1 && break; sleep 0.02; done
  ls out.jsonl.tmp.* >/dev/null 2>&1 || fail "ingest never started writing"
  t0=$(date +%s.%N)
  kill -$sig $pid
  rc=0; wait $pid || rc=$?
  t1=$(date +%s.%N)
  assert_eq "$rc" 3 "exit code after SIG$sig"
  python3 -c "import sys; d=float(sys.argv[2])-float(sys.argv[1]); sys.exit(0 if d < 1.0 else 1)" "$t0" "$t1" ||
    fail "SIG$sig: ingest took more than a second to stop"
  grep -q "cancelled" err.$sig || fail "SIG$sig: no word that it was cancelled: $(cat err.$sig)"
  for f in out.jsonl out.jsonl.manifest.json; do [ ! -e $f ] || fail "SIG$sig left $f"; done
  ! ls out.jsonl.tmp.* >/dev/null 2>&1 || fail "SIG$sig left a temporary file"
done
echo ok
