#!/bin/bash
# submit.sh: queues the replay array and the merge that waits for all of it.
#   CORPUS=corpus.jsonl BACKEND='openai:http://node:8000/v1?model=candidate' ./submit.sh
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p logs runs
array=$(sbatch --parsable --export=ALL replay.sbatch)
sbatch --dependency=afterok:"$array" merge.sbatch
echo "replay array $array queued; the merge runs when every shard succeeded"
