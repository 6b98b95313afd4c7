# lib.sh: shared helpers for e2e tests (source it). Every test gets a fresh $WORK directory,
# removed on exit, and helpers to find a model and start a real llama-server on loopback.
set -euo pipefail
: "${DEPSIM:?run through ctest}"
WORK=$(mktemp -d /tmp/ds-e2e.XXXXXX)
_ds_pids=()
_ds_cleanup() {
  for p in "${_ds_pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${DS_KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap _ds_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
# assert_eq ACTUAL EXPECTED WHAT
assert_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }

# shared_file REL: path under ../shared/data, or skip the test with a clear message
shared_file() {
  local f="$DS_SHARED_DATA/$1"
  [ -f "$f" ] || skip "needs ../shared/data/$1, which is absent"
  echo "$f"
}

# test_model: the GGUF tests run on: $DS_TEST_MODEL, else ../shared/data/models/stories260K.gguf,
# else a tiny model generated from llama.cpp's vocabulary (tests/servers/make_tiny_gguf.c).
test_model() {
  if [ -n "${DS_TEST_MODEL:-}" ]; then echo "$DS_TEST_MODEL"; return; fi
  if [ -f "$DS_SHARED_DATA/models/stories260K.gguf" ]; then echo "$DS_SHARED_DATA/models/stories260K.gguf"; return; fi
  local gen="$DS_BUILD/tests/tiny-test.gguf"
  if [ ! -f "$gen" ]; then
    [ -n "${DS_make_tiny_gguf:-}" ] || fail "no test model: set DS_TEST_MODEL or build make_tiny_gguf"
    "$DS_make_tiny_gguf" "$gen" >/dev/null || fail "make_tiny_gguf failed"
  fi
  echo "$gen"
}

# free_port: an unused TCP port on 127.0.0.1
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_scripted_agent ARGS...: starts tests/servers/scripted_agent.py on a port it binds
# itself (no race with another test for a chosen port), waits until it listens, and sets
# AGENT_PORT and AGENT_URL (…/v1).
start_scripted_agent() {
  local out; out=$(mktemp "$WORK/agent.XXXXXX")
  python3 "$DS_SRC/tests/servers/scripted_agent.py" 0 "$@" >"$out" 2>&1 &
  _ds_pids+=($!)
  for _ in $(seq 1 600); do
    AGENT_PORT=$(sed -n 's/^port=//p' "$out")
    if [ -n "$AGENT_PORT" ]; then
      AGENT_URL="http://127.0.0.1:$AGENT_PORT/v1"
      return 0
    fi
    kill -0 "${_ds_pids[-1]}" 2>/dev/null || { cat "$out"; fail "scripted_agent.py exited"; }
    sleep 0.05
  done
  cat "$out"
  fail "scripted_agent.py did not start within 30 s"
}

# start_llama_server MODEL [extra args...]: starts llama-server on 127.0.0.1, waits for
# /health, sets LLAMA_URL (…/v1) and LLAMA_PID. Skips nothing: llama-server is part of the build.
start_llama_server() {
  local model=$1; shift
  [ -x "${DS_LLAMA_SERVER:-}" ] || fail "llama-server not built (DS_LLAMA_SERVER='${DS_LLAMA_SERVER:-}'); run scripts/bootstrap"
  local port; port=$(free_port)
  "$DS_LLAMA_SERVER" -m "$model" --host 127.0.0.1 --port "$port" -c 4096 -np 4 --no-webui "$@" \
    >"$WORK/llama-server.log" 2>&1 &
  LLAMA_PID=$!
  _ds_pids+=("$LLAMA_PID")
  for _ in $(seq 1 300); do
    if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
      LLAMA_URL="http://127.0.0.1:$port/v1"
      return 0
    fi
    kill -0 "$LLAMA_PID" 2>/dev/null || { cat "$WORK/llama-server.log" >&2; fail "llama-server exited"; }
    sleep 0.1
  done
  cat "$WORK/llama-server.log" >&2
  fail "llama-server did not become ready"
}

# demo_simulate OUT: `depsim simulate` over data/sample as the demo runs it (the logged answers as
# baseline, the v1 and v2 file candidates, the sample rubric, the demo policy) into OUT; fails
# unless it exits 1 (v2 fails its gate, v1 passes). Its output is in $WORK/sim.out.
demo_simulate() {
  local out=$1 s="$DS_SRC/data/sample"
  cat > "$WORK/sim.yaml" <<YAML
out: $out
inputs: [$s/chats.jsonl, $s/agent.jsonl, $s/broken.jsonl]
ingest: {on_error: skip}
replay: {seed: 7, quiet: true}
baseline: {backend: original}
candidates:
  - name: v1
    backend: file:$s/candidate-v1.jsonl
  - name: v2
    backend: file:$s/candidate-v2.jsonl
rubric: $s/rubric.yaml
policy: $DS_SRC/data/policies/demo.yaml
YAML
  local rc=0
  "$DEPSIM" simulate --config "$WORK/sim.yaml" > "$WORK/sim.out" 2>&1 || rc=$?
  [ "$rc" = 1 ] || { tail -20 "$WORK/sim.out"; fail "simulate: expected exit 1 (v2 fails its gate), got $rc"; }
}
