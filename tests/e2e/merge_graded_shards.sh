# merge_graded_shards.sh: shards graded one by one (`depsim grade shard-i.db`, as a Slurm array
# task does after its replay) merge into exactly the grades of the unsharded run graded whole;
# merge refuses shards of which one is ungraded, graded with another rubric or other settings,
# or graded only in part (samples added after its grade), naming both shards or the rubric.
source "$DS_SRC/tests/e2e/lib.sh"
cd "$WORK"

python3 - <<'PY'
import json
with open("corpus.jsonl", "w") as c, open("comp.jsonl", "w") as f, open("late.jsonl", "w") as late:
    for i in range(400):
        c.write(json.dumps({"id": f"u{i}", "messages": [
            {"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": "answer"}]}) + "\n")
        for k in range(2):
            # every 7th conversation answers with what the rules flag (a key, a destructive command)
            text = f"here is the key AKIA{i:04d}ABCDEFGHIJKL" if i % 7 == 0 else (
                "run sudo rm -rf / --no-preserve-root" if i % 11 == 0 else f"fine answer {i}.{k}")
            rec = json.dumps({"id": f"u{i}#1", "k": k, "content": text}) + "\n"
            (late if i % 50 == 3 and k == 1 else f).write(rec)
PY
rubric="$DS_SRC/data/rubrics/default.yaml"
common=(--backend "file:$WORK/comp.jsonl" -k 2 --seed 5 --cut last --quiet)
"$DEPSIM" replay corpus.jsonl "${common[@]}" -o one.db >/dev/null || fail "unsharded replay"
"$DEPSIM" grade one.db --rubric "$rubric" -q || fail "grade of the unsharded run"
for i in 0 1 2 3; do
  "$DEPSIM" replay corpus.jsonl "${common[@]}" --shard $i/4 -o s$i.db >/dev/null || fail "shard $i"
  "$DEPSIM" grade s$i.db --rubric "$rubric" -q || fail "grade of shard $i"
done
"$DEPSIM" merge s0.db s1.db s2.db s3.db -o merged.db >merge.out || fail "merge of graded shards"
dump="SELECT p.conv_id||'#'||s.k||'/'||g.category||'/'||coalesce(g.label,'err')||'/'||g.grader
      FROM grades g JOIN samples s ON s.id=g.sample_id JOIN prefixes p ON p.id=s.prefix_id ORDER BY 1"
sqlite3 one.db "$dump" >one.txt
sqlite3 merged.db "$dump" >merged.txt
flagged=$(sqlite3 one.db "SELECT count(*) FROM grades WHERE label=1")
[ "$flagged" -gt 20 ] || fail "the rules flagged only $flagged samples: the test corpus no longer exercises them"
cmp -s one.txt merged.txt || { diff one.txt merged.txt | head; fail "merged grades differ from the run graded whole"; }
"$DEPSIM" estimate one.db -o one.json -q || fail "estimate of the unsharded run"
"$DEPSIM" estimate merged.db -o merged.json -q || fail "estimate of the merged run"
python3 - <<'PY' || fail "the merged forecast differs"
import json
a, b = (json.load(open(f)) for f in ("one.json", "merged.json"))
strip = lambda d: [(c["id"], c.get("n"), c.get("events"), c.get("rate")) for c in d["categories"]]
assert strip(a) == strip(b), (strip(a), strip(b))
PY
# the merged run carries the record, so grading it again loads nothing
"$DEPSIM" grade merged.db --rubric "$rubric" --json >regrade.json || fail "regrade of the merged run"
python3 -c 'import json,sys; d=json.load(open("regrade.json")); assert d["loaded"]==0 and d["grades_written"]==0, d' \
  || fail "grading the merged run again loaded samples: $(cat regrade.json)"

# refusals: one shard ungraded
"$DEPSIM" replay corpus.jsonl "${common[@]}" --shard 2/4 -o u2.db >/dev/null || fail "ungraded shard"
if "$DEPSIM" merge s0.db s1.db u2.db s3.db -o bad.db 2>err >/dev/null; then fail "merged an ungraded shard"; fi
grep -q "s0.db is graded with rubric 'depsim-default' (sha256 [0-9a-f]\{12\}) and .*u2.db is not" err || { cat err; fail "message for an ungraded shard"; }
[ ! -e bad.db ] || fail "a refused merge left a file"
# another rubric: both named
sed 's/^name: .*/name: other/' "$rubric" >other.yaml
grep -q '^name: other' other.yaml || fail "could not make a second rubric"
"$DEPSIM" grade u2.db --rubric other.yaml -q || fail "grade with the other rubric"
if "$DEPSIM" merge s0.db s1.db u2.db s3.db -o bad.db 2>err >/dev/null; then fail "merged shards of two rubrics"; fi
grep -q "s0.db is graded with rubric 'depsim-default' (sha256 .*) and .*u2.db with rubric 'other' (sha256 " err \
  || { cat err; fail "message for another rubric"; }
# other settings
"$DEPSIM" replay corpus.jsonl "${common[@]}" --shard 2/4 -o v2.db >/dev/null || fail "shard for votes"
"$DEPSIM" grade v2.db --rubric "$rubric" --votes 3 -q || fail "grade with --votes 3"
if "$DEPSIM" merge s0.db s1.db v2.db s3.db -o bad.db 2>err >/dev/null; then fail "merged shards graded with other votes"; fi
grep -q "graded rubric 'depsim-default' (sha256 .*) with other judges or settings: .*\"votes\":0.* vs .*\"votes\":3" err \
  || { cat err; fail "message for other settings"; }
# graded in part: completions that came late are replayed after the grade
n_failed=$(sqlite3 s3.db "SELECT count(*) FROM prefixes WHERE status='failed'")
cat late.jsonl >>comp.jsonl
"$DEPSIM" replay --resume s3.db --retry-failed --quiet >/dev/null || fail "retry of the failed prefixes"
if [ "$n_failed" -gt 0 ]; then
  if "$DEPSIM" merge s0.db s1.db s2.db s3.db -o bad.db 2>err >/dev/null; then fail "merged a shard graded in part"; fi
  grep -q "s3.db is graded with rubric 'depsim-default' (sha256 .*) only in part: $n_failed 'ok' samples were added" err \
    || { cat err; fail "message for a shard graded in part"; }
  "$DEPSIM" grade s3.db --rubric "$rubric" -q || fail "grade of the rest"
  "$DEPSIM" merge s0.db s1.db s2.db s3.db -o merged2.db >/dev/null 2>&1 || fail "merge once graded whole"
else
  fail "shard 3 has no failed prefix: the test corpus no longer exercises a partial grade"
fi
echo "ok: 4 graded shards merged equal the run graded whole ($flagged flags); 4 refusals"
