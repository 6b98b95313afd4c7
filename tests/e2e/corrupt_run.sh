# corrupt_run.sh: a damaged run database is called corrupt and refused by the commands that read
# it (estimate, report, merge, validate), never read into wrong numbers or taken for "not a depsim
# run database".
source "$DS_SRC/tests/e2e/lib.sh"
command -v sqlite3 >/dev/null || skip "needs the sqlite3 command-line tool"
cd "$WORK"
python3 - <<'PY'
import json
with open("corpus.jsonl", "w") as f:
    for i in range(3000):
        f.write(json.dumps({"id": f"c{i}", "messages": [{"role": "user", "content": f"question {i} " + "x" * 300},
                                                        {"role": "assistant", "content": "I checked it: yes." + "y" * 300}]}) + "\n")
PY
"$DEPSIM" replay corpus.jsonl --backend original -o run.db -q > /dev/null || fail "replay"
"$DEPSIM" grade run.db --rubric "$DS_SRC/data/rubrics/default.yaml" -q 2>/dev/null || fail "grade"
"$DEPSIM" estimate run.db -o f.json -q || fail "estimate of the intact run"
cp run.db page.db
cp run.db head.db
# a damaged page in the middle of the file (what a bad disk or a copy cut short leaves)
python3 -c "
import os
f = open('page.db', 'r+b'); n = os.path.getsize('page.db') // 4096
f.seek(4096 * (n // 2) + 100); f.write(b'\xa5' * 3000); f.close()
f = open('head.db', 'r+b'); f.seek(0); f.write(b'\xa5' * 100); f.close()"
for db in page.db head.db; do
  for cmd in "estimate $db -o x.json" "report $db -o x.html" "merge $db -o merged-$db" "validate f.json --observed $db -o v.json"; do
    rc=0
    "$DEPSIM" $cmd > out.txt 2> err.txt || rc=$?
    assert_eq "$rc" 3 "depsim $cmd: exit status"
    grep -q "$db.*corrupt" err.txt || { cat err.txt; fail "depsim $cmd: not called corrupt"; }
    grep -q "not a depsim run database" err.txt && fail "depsim $cmd: a damaged file called not a run database"
  done
done
[ ! -e x.json ] && [ ! -e x.html ] && [ ! -e merged-page.db ] || fail "an output was written from a corrupt run"
echo ok
