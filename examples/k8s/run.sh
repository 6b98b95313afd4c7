#!/bin/bash
# run.sh: the whole run on Kubernetes as one chain, with kubectl in the current context
# (Kubernetes has no dependency between Jobs; this script is the dependency):
#   vllm.yaml        the candidate and the judge behind vLLM (Deployments + Services)
#   replay-job.yaml  Indexed Job, pod i = shard i/N: replay, then grade that shard
#   gate-job.yaml    once every index succeeded: merge (init container), then estimate + gate
# The exit code is the gate's: 0 pass, 1 fail, 2 inconclusive, 3 error (or 3 when a step before
# it failed). The volume depsim-data (a ReadWriteMany claim) holds corpus.jsonl, rubric.yaml,
# policy.yaml and runs/.
set -euo pipefail
cd "$(dirname "$0")"
kubectl apply -f vllm.yaml
kubectl rollout status deployment/vllm deployment/vllm-judge --timeout=30m
kubectl apply -f replay-job.yaml
# complete, or failed (an index out of retries: maxFailedIndexes 0), whichever comes first
until kubectl wait --for=condition=complete --timeout=60s job/depsim-replay 2>/dev/null; do
  if kubectl wait --for=condition=failed --timeout=1s job/depsim-replay 2>/dev/null; then
    echo "run.sh: the replay Job failed (kubectl describe job/depsim-replay); no merge" >&2
    exit 3
  fi
done
kubectl apply -f gate-job.yaml
until kubectl wait --for=condition=complete --timeout=60s job/depsim-gate 2>/dev/null; do
  kubectl wait --for=condition=failed --timeout=1s job/depsim-gate 2>/dev/null && break
done
kubectl logs job/depsim-gate -c merge | tail -5
kubectl logs job/depsim-gate -c gate
code=$(kubectl get pods -l job-name=depsim-gate \
  -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}')
echo "run.sh: gate exit code ${code:-3} (runs/gate.md on the volume)"
exit "${code:-3}"
