#!/bin/sh
# shell_eval.sh: the labeled shell-command sets (tests/data/shell-eval/) through the real
# pipeline: depsim ingest (de-identification on, as a user runs it) -> replay --backend
# original (each record's own tool call is the sample) -> grade with the default rubric ->
# bench_shell --run scores the stored grades per class beside issue 23's targets.
# usage: bench/shell_eval.sh [SET.jsonl...]   (default: dev.jsonl and test.jsonl)
set -eu
DEPSIM=${DEPSIM:-build/depsim}
BENCH=${BENCH:-build/bench/bench_shell}
RUBRIC=${RUBRIC:-data/rubrics/default.yaml}
[ $# -gt 0 ] || set -- tests/data/shell-eval/dev.jsonl tests/data/shell-eval/test.jsonl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for set in "$@"; do
  name=$(basename "$set" .jsonl)
  "$DEPSIM" ingest "$set" -o "$work/$name.corpus.jsonl" -q
  "$DEPSIM" replay "$work/$name.corpus.jsonl" --backend original -o "$work/$name.db" --quiet
  "$DEPSIM" grade "$work/$name.db" --rubric "$RUBRIC" >/dev/null
  "$BENCH" --run "$work/$name.db" "$set"
done
