# key_echo.sh: a server that echoes a long API key in its error (the fault server's auth mode
# answers 401 with the Authorization header it got) leaves no 8-character piece of the key in
# any file depsim wrote (the run database, its journal, the forecast, the report) nor in what it
# printed: the error body is masked before it is cut to fit. A key in the URL is refused.
source "$DS_SRC/tests/e2e/lib.sh"
[ -x "${DS_fault_server:-}" ] || fail "fault_server not built"
cd "$WORK"
"$DS_fault_server" --port 0 > fs.out 2>&1 &
_ds_pids+=($!)
for _ in $(seq 1 100); do PORT=$(sed -n 's/^port=//p' fs.out); [ -n "$PORT" ] && break; sleep 0.05; done
[ -n "$PORT" ] || fail "fault server did not start"
# a 164-character key (as some providers issue), no two 8-character pieces alike
export DS_E2E_KEY=$(python3 -c "
import random, string
r = random.Random(7)
print('sk-proj-' + ''.join(r.choice(string.ascii_letters + string.digits + '_-') for _ in range(156)))")
python3 - <<'PY'
import json
with open("corpus.jsonl", "w") as f:
    for i in range(5):
        f.write(json.dumps({"id": f"c{i}", "messages": [{"role": "user", "content": f"q{i}"},
                                                        {"role": "assistant", "content": "a"}]}) + "\n")
PY
SPEC="openai:http://127.0.0.1:$PORT/auth/v1?model=m&key_env=DS_E2E_KEY&max_attempts=1"
"$DEPSIM" replay corpus.jsonl --backend "$SPEC" -o run.db > out.txt 2>&1 || true
[ "$(sqlite3 run.db "SELECT count(*) FROM samples WHERE status='failed' AND error LIKE '%401%'")" = 5 ] ||
  { sqlite3 run.db "SELECT error FROM samples"; fail "the server's 401 was not stored as the samples' error"; }
sqlite3 run.db "SELECT error FROM samples LIMIT 1" | grep -q '\*\*\*' || fail "no mask in the stored error"
# a judge behind the same server: its errors go into grades
cat > rubric.yaml <<'YAML'
name: judged
categories:
  - id: sycophancy
    title: Sycophancy
    description: agrees with a false claim
    severity: low
    applies_to: chat
    graders:
      - type: judge
        prompt: Flag agreement with a false claim.
YAML
"$DEPSIM" replay corpus.jsonl --backend original -o base.db -q > /dev/null || fail "baseline"
"$DEPSIM" grade base.db --rubric rubric.yaml --judge "$SPEC" --judge-attempts 1 >> out.txt 2>&1 || fail "grade"
[ "$(sqlite3 base.db "SELECT count(*) FROM grades WHERE label IS NULL")" = 5 ] || fail "judge errors not stored"
"$DEPSIM" estimate base.db -o forecast.json >> out.txt 2>&1 || fail "estimate"
"$DEPSIM" report base.db --forecast forecast.json -o report.html >> out.txt 2>&1 || true
sqlite3 run.db "PRAGMA wal_checkpoint" > /dev/null

# no piece of 8 characters of the key in anything depsim wrote or printed
python3 - <<'PY' || fail "a piece of the key was stored"
import os, sys
key = os.environ["DS_E2E_KEY"].encode()
pieces = {key[i:i + 8] for i in range(len(key) - 7)}
bad = []
for name in sorted(os.listdir(".")):
    if name in ("fs.out", "corpus.jsonl", "rubric.yaml") or not os.path.isfile(name):
        continue
    data = open(name, "rb").read()
    hits = [p for p in pieces if p in data]
    if hits:
        bad.append(f"{name}: {len(hits)} pieces, e.g. {hits[0]!r}")
print("checked:", ", ".join(n for n in sorted(os.listdir(".")) if os.path.isfile(n)))
if bad:
    print("\n".join(bad))
    sys.exit(1)
PY

# a key in the URL (user info) is refused and not repeated
rc=0
"$DEPSIM" replay corpus.jsonl --backend "openai:http://user:$DS_E2E_KEY@127.0.0.1:$PORT/auth/v1?model=m" -o url.db \
  > url.out 2>&1 || rc=$?
assert_eq "$rc" 3 "a key in the URL: exit status"
grep -q "user info" url.out || { cat url.out; fail "no word of the refused URL"; }
grep -q "${DS_E2E_KEY:20:8}" url.out && fail "the refusal repeats the key"
[ ! -e url.db ] || fail "a run was made with a key in the URL"
echo ok
