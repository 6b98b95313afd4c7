#!/usr/bin/env bash
# in_flight.sh: adaptive concurrency (max_in_flight=auto, the openai default) against fixed
# levels, on one llama-server with S slots: samples/s of each run and the level auto settled at
# (the run's in_flight_final event). Target (issue 24 item 3): auto about as fast as the best
# fixed level, without being told the server's slots.
# Usage: bench/in_flight.sh [DEPSIM=build/depsim]
#   env: MODEL (default ../shared/data/models/stories260K.gguf), LLAMA_SERVER, SLOTS (4),
#   N (prompts, 400), LEVELS ("1 4 16 64"), THREADS (the server's, 1)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
DEPSIM=${1:-$src/build/depsim}
MODEL=${MODEL:-$src/../shared/data/models/stories260K.gguf}
LLAMA_SERVER=${LLAMA_SERVER:-$(ls ~/.cache/depsim/llama.cpp-*/bin/llama-server | head -1)}
SLOTS=${SLOTS:-4}
N=${N:-400}
LEVELS=${LEVELS:-1 4 16 64}
work=$(mktemp -d /tmp/ds-inflight.XXXXXX)
srv=
trap '[ -z "$srv" ] || kill $srv 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# one server thread (THREADS): with both cores ggml's threads spin at a barrier after every op and
# the server's rate collapses whenever anything else runs (bench/vs_promptfoo.sh)
"$LLAMA_SERVER" -m "$MODEL" --host 127.0.0.1 --port "$port" -c $((SLOTS * 1024)) -np "$SLOTS" -t "${THREADS:-1}" --no-webui \
  >"$work/server.log" 2>&1 &
srv=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
python3 - "$work/corpus.jsonl" "$N" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"id": f"q{i}", "messages": [{"role": "user", "content": f"Tell me story number {i}."}]}) + "\n")
PY
run() { # label extra-args...
  local label=$1 db="$work/run-$RANDOM$RANDOM.db"; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$DEPSIM" replay "$work/corpus.jsonl" --backend "openai:http://127.0.0.1:$port/v1?model=m" --cut next \
    --max-tokens 32 --temperature 0.8 --seed 1 -o "$db" --quiet "$@" >/dev/null
  t1=$(date +%s.%N)
  local fin
  fin=$(sqlite3 "$db" "SELECT detail FROM events WHERE kind='in_flight_final'" | tail -1)
  python3 -c "import sys; print(f'{sys.argv[1]:<18} {float(sys.argv[3])/(float(sys.argv[2])):>10.1f} samples/s  {sys.argv[4]}')" \
    "$label" "$(python3 -c "print($t1 - $t0)")" "$N" "${fin:-}"
}
echo "llama-server -np $SLOTS, $N prompts, --max-tokens 32"
run "auto" 
for l in $LEVELS; do run "--in-flight $l" --in-flight "$l"; done
run "auto (again)"
