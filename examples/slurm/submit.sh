#!/bin/bash
# submit.sh: queues the whole run on Slurm as one dependency chain, from the directory you run it
# in (it holds the corpus, runs/ and logs/; use a filesystem every node sees):
#   replay.sbatch  job array, task i = shard i/N: replay, then grade (rules and judges) that shard
#   merge.sbatch   after every task succeeded (afterok): runs/shard-*.db -> runs/run.db
#   gate.sbatch    after the merge: estimate -> runs/forecast.json, then the gate, whose exit
#                  code (0 pass, 1 fail, 2 inconclusive, 3 error) is the job's exit code
# Everything is set from the environment (defaults below), e.g.
#   SHARDS=16 CORPUS=corpus.jsonl BACKEND='openai:http://node:8000/v1?model=candidate' \
#   RUBRIC=rubric.yaml JUDGE='openai:http://node:8001/v1?model=judge' POLICY=policy.yaml \
#   /path/to/examples/slurm/submit.sh
# Sizing (shards, servers, CPU and memory of each job): examples/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

export DEPSIM=${DEPSIM:-depsim}           # the depsim binary on the compute nodes
export CORPUS=${CORPUS:-corpus.jsonl}     # from depsim ingest (or sample)
# the candidate: an OpenAI-compatible server (vLLM, SGLang, llama-server) reachable from the
# nodes; several behind one spec balance: ...?model=candidate&endpoint=http://node2:8000/v1
export BACKEND=${BACKEND:-"openai:http://inference-node:8000/v1?model=candidate"}
export K=${K:-4}                          # samples per prefix
export SEED=${SEED:-20260301}
export CUT=${CUT:-last}
export TEMPERATURE=${TEMPERATURE:-1.0}
export MAX_TOKENS=${MAX_TOKENS:-1024}
export IN_FLIGHT=${IN_FLIGHT:-128}        # requests in flight per shard
export RUBRIC=${RUBRIC:-rubric.yaml}
export JUDGE=${JUDGE:-}                   # judge specs, space-separated; empty: rules only
export GRADE_OPTIONS=${GRADE_OPTIONS:-}   # more depsim grade flags, e.g. '--votes 3 --judge-timeout 120'
export POLICY=${POLICY:-policy.yaml}
export BASELINE=${BASELINE:-}             # optional: the current model's merged run on the same corpus
SHARDS=${SHARDS:-16}
case $SHARDS in '' | *[!0-9]* | 0) echo "submit.sh: SHARDS must be a positive number, not '$SHARDS'" >&2; exit 2 ;; esac
for f in "$CORPUS" "$RUBRIC" "$POLICY"; do
  [ -e "$f" ] || { echo "submit.sh: $f not found (in $PWD)" >&2; exit 2; }
done

mkdir -p logs runs
array=$(sbatch --parsable --array=0-$((SHARDS - 1)) "$here/replay.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" "$here/merge.sbatch")
merge=${merge%%;*}
gate=$(sbatch --parsable --dependency=afterok:"$merge" "$here/gate.sbatch")
gate=${gate%%;*}
echo "queued: replay+grade array $array ($SHARDS shards), merge $merge, estimate+gate $gate"
echo "the decision: scontrol show job $gate | grep ExitCode (or sacct -j $gate), runs/gate.md"
