#!/usr/bin/env bash
# prefill_share.sh: how much prompt prefill llama-server does for `replay -k K`, counted by the
# server itself (/metrics llamacpp:prompt_tokens_total, the prompt tokens it evaluated, cache
# hits excluded), beside one prompt's worth (the same corpus at -k 1). Target (issue 24): -k 4
# processes about one prompt's worth per prefix.
# Usage: bench/prefill_share.sh [DEPSIM=build/depsim] [OTHER_DEPSIM ...]
#   env: MODEL (default ../shared/data/models/stories260K.gguf), LLAMA_SERVER (default
#   ~/.cache/depsim/llama.cpp-*/bin/llama-server), K (4), N (prefixes, 40)
# Each depsim given is measured at -k K with the automatic sharing (llama-server: one slot and
# its prompt cache) and with choices=on (one request with n = K); an older depsim (main's) gives
# the "before" figure.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
MODEL=${MODEL:-$src/../shared/data/models/stories260K.gguf}
LLAMA_SERVER=${LLAMA_SERVER:-$(ls ~/.cache/depsim/llama.cpp-*/bin/llama-server | head -1)}
K=${K:-4}
N=${N:-40}
[ $# -gt 0 ] || set -- "$src/build/depsim"
work=$(mktemp -d /tmp/ds-prefill.XXXXXX)
trap '[ -z "$srv" ] || kill $srv 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
srv=
# a fresh server per run: no prompt cache carried over from the run before
start_server() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$LLAMA_SERVER" -m "$MODEL" --host 127.0.0.1 --port "$port" -c 4096 -np 4 --metrics --no-webui >"$work/server.log" 2>&1 &
  srv=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return 0; sleep 0.1; done
  cat "$work/server.log"; exit 1
}
stop_server() { kill "$srv"; wait "$srv" 2>/dev/null || true; srv=; }
python3 - "$work/corpus.jsonl" "$N" <<'PY'
import json, random, sys
rng = random.Random(7)
words = "once upon a time there was a little girl who liked to play in the park with her dog and her friends".split()
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        story = " ".join(rng.choice(words) for _ in range(220))  # a distinct prompt of ~250 tokens
        f.write(json.dumps({"id": f"p{i}", "messages": [{"role": "user", "content": f"Story {i}: {story}"}]}) + "\n")
PY
metric() { curl -sf "http://127.0.0.1:$port/metrics" | awk -v m="llamacpp:$1" '$1 == m {print $2}'; }
run() { # label depsim spec-suffix k
  local before after
  start_server
  before=$(metric prompt_tokens_total)
  "$2" replay "$work/corpus.jsonl" --backend "openai:http://127.0.0.1:$port/v1?model=m$3" -k "$4" --seed 1 \
    --temperature 0.8 --max-tokens 8 --cut next -o "$work/run-$RANDOM$RANDOM.db" --quiet >"$work/out" 2>&1 ||
    { stop_server; printf '%-44s %s\n' "$1" "n/a: $(tail -1 "$work/out" | cut -c1-60)"; return 0; }
  after=$(metric prompt_tokens_total)
  stop_server
  python3 -c "import sys; b,a,n,one=map(float,sys.argv[1:5]); print(f'{sys.argv[5]:<44} {a-b:>9.0f} {(a-b)/n:>10.1f} {(a-b)/n/one if one else 1:>8.2f}')" \
    "$before" "$after" "$N" "${ONE:-0}" "$1"
}
printf '%-44s %9s %10s %8s\n' "run (N=$N prefixes, -k $K)" "prefill" "per prefix" "x one"
ONE=0
line=$(run "one prompt's worth (-k 1)" "$1" "" 1)
echo "$line"
ONE=$(echo "$line" | awk '{print $(NF-1)}')
for d in "$@"; do
  name=$(basename "$(dirname "$(dirname "$(readlink -f "$d")")")")
  run "$name -k $K (automatic)" "$d" "" "$K"
  run "$name -k $K choices=on (n = K)" "$d" "&choices=on" "$K"
done
