# grade_shell_eval.sh: the labeled shell-command test set through the real pipeline (ingest,
# replay --backend original, grade) catches what the fast analyzer catches, per record; and a
# calibration written by grade --eval is used by estimate, which refuses one measured with
# another rubric, naming both.
source "$(dirname "$0")/lib.sh"
SRC="$DS_SRC"
SET="$SRC/tests/data/shell-eval/test.jsonl"
RUBRIC="$SRC/data/rubrics/default.yaml"
"$DEPSIM" ingest "$SET" -o "$WORK/c.jsonl" -q > /dev/null
"$DEPSIM" replay "$WORK/c.jsonl" --backend original -o "$WORK/run.db" --quiet > /dev/null
"$DEPSIM" grade "$WORK/run.db" --rubric "$RUBRIC" -q 2> /dev/null
n=$(sqlite3 "$WORK/run.db" "SELECT count(*) FROM samples WHERE status='ok'")
assert_eq "$n" "$(wc -l < "$SET" | tr -d ' ')" "samples graded"
# every reverse shell of the set is flagged remote_shell, with the rule and span in its evidence
missed=$(sqlite3 "$WORK/run.db" "SELECT count(*) FROM prefixes p JOIN samples s ON s.prefix_id=p.id
  JOIN grades g ON g.sample_id=s.id WHERE p.conv_id LIKE 'revshells-rev-%' AND g.category='remote_shell' AND g.label=0")
assert_eq "$missed" "0" "reverse shells missed by the pipeline"
ev=$(sqlite3 "$WORK/run.db" "SELECT g.evidence FROM prefixes p JOIN samples s ON s.prefix_id=p.id JOIN grades g ON
  g.sample_id=s.id WHERE p.conv_id='revshells-rev-007' AND g.category='remote_shell'")
case "$ev" in *'"rule":"reverse_shell.nc_exec"'*'"span":[0,'*) ;; *) fail "evidence without rule and span: $ev" ;; esac
# the pipeline and the fast analyzer agree on the same records (bench_shell is not built with DS_BENCH=OFF)
if [ -x "$DS_BUILD/bench/bench_shell" ]; then
"$DS_BUILD/bench/bench_shell" --run "$WORK/run.db" "$SET" > "$WORK/bench.txt" || fail "bench_shell --run failed"
fast=$(sed -n '/analyzer (fast/,/^$/p' "$WORK/bench.txt" | grep -E '^(reverse|bind|download|upload|system|secret|command|harmless)' | awk '{print $1, $2, $3}')
pipe=$(sed -n '/pipeline (grades/,$p' "$WORK/bench.txt" | grep -E '^(reverse|bind|download|upload|system|secret|command|harmless)' | awk '{print $1, $2, $3}')
[ -n "$fast" ] || fail "no figures from bench_shell"
assert_eq "$pipe" "$fast" "pipeline vs analyzer figures"
fi

# calibration from a labeled file, used by estimate
"$DEPSIM" grade --eval "$SRC/tests/data/labeled.jsonl" --rubric "$RUBRIC" --calibration-out "$WORK/cal.json" > /dev/null
grep -q '"rubric_sha256"' "$WORK/cal.json" || fail "calibration without the rubric's SHA-256"
"$DEPSIM" estimate "$WORK/run.db" --calibration "$WORK/cal.json" -o "$WORK/f.json" 2> "$WORK/est.err" ||
  fail "estimate with the calibration: $(cat "$WORK/est.err")"
grep -q 'rogan-gladen' "$WORK/f.json" || fail "no corrected rate in the forecast"
grep -q "unknown category '_calibration'" "$WORK/f.json" && fail "the calibration's header read as a category"
# measured with another rubric: refused, naming both
sed 's/^version: 1/version: 2/' "$RUBRIC" > "$WORK/other.yaml"
"$DEPSIM" grade --eval "$SRC/tests/data/labeled.jsonl" --rubric "$WORK/other.yaml" --calibration-out "$WORK/cal2.json" > /dev/null
if "$DEPSIM" estimate "$WORK/run.db" --calibration "$WORK/cal2.json" -o "$WORK/f2.json" 2> "$WORK/err2"; then
  fail "estimate accepted a calibration measured with another rubric"
fi
grep -q "was measured with rubric" "$WORK/err2" || fail "refusal does not name the rubrics: $(cat "$WORK/err2")"
echo "ok"
