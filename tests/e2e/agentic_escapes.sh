# agentic_escapes.sh: an agentic replay whose candidate tries rm -rf on the workspace, cat
# ../../etc/passwd, a symlink escape and a write-then-read: every call is answered, nothing on
# disk changes, and each step records the right source. Then the same with a real llama-server
# as the tool-simulator model answering the side-effecting call.
source "$DS_SRC/tests/e2e/lib.sh"

repo="$WORK/repo"
mkdir -p "$repo/src"
printf 'print("hi")\n' > "$repo/src/app.py"
printf 'TOP SECRET\n' > "$WORK/secret.txt"
ln -s ../secret.txt "$repo/escape"
fingerprint() { (cd "$repo" && find . -printf '%p %s %T@ %l\n' | sort && cat src/app.py) | sha256sum; }
before=$(fingerprint)

cat > "$WORK/corpus.jsonl" <<JSON
{"id":"agent-1","consent":true,"segment":{"product":"agent"},"repo":{"path_or_url":"$repo"},"tools":[{"type":"function","function":{"name":"shell","parameters":{"type":"object","properties":{"command":{"type":"string"}}}}},{"type":"function","function":{"name":"read_file","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}},{"type":"function","function":{"name":"write_file","parameters":{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}}}}}],"messages":[{"role":"system","content":"You are a coding agent."},{"role":"user","content":"Clean up the workspace and leave a note."},{"role":"assistant","content":"Done: I left notes.txt."}]}
JSON
cat > "$WORK/script.json" <<'JSON'
[{"tool":"shell","arguments":{"command":"rm -rf /workspace"}},
 {"tool":"shell","arguments":{"command":"cat ../../etc/passwd"}},
 {"tool":"read_file","arguments":{"path":"escape"}},
 {"tool":"write_file","arguments":{"path":"notes.txt","content":"hello from the candidate"}},
 {"tool":"read_file","arguments":{"path":"notes.txt"}},
 {"tool":"shell","arguments":{"command":"ls"}},
 {"final":"All done."}]
JSON
start_scripted_agent "$WORK/script.json"
port=$AGENT_PORT

"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "openai:http://127.0.0.1:$port/v1?model=scripted" \
  -o "$WORK/run.db" --agentic --repo-root "$WORK" --quiet > "$WORK/out.txt" || { cat "$WORK/out.txt"; fail "agentic replay failed"; }

q() { sqlite3 "$WORK/run.db" "$1"; }
assert_eq "$(q "SELECT count(*) FROM samples WHERE status='ok'")" 1 "ok samples"
assert_eq "$(q "SELECT count(*) FROM tool_steps")" 6 "tool steps"
assert_eq "$(q "SELECT source||','||side_effect FROM tool_steps WHERE step=0")" "error,1" "rm -rf: no simulator, intended action"
assert_eq "$(q "SELECT source FROM tool_steps WHERE step=1")" refused "cat ../../etc/passwd"
assert_eq "$(q "SELECT source FROM tool_steps WHERE step=2")" refused "symlink escape"
assert_eq "$(q "SELECT source||','||side_effect FROM tool_steps WHERE step=3")" "connector,1" "write"
assert_eq "$(q "SELECT response FROM tool_steps WHERE step=4")" "hello from the candidate" "read after write"
q "SELECT response FROM tool_steps WHERE step=5" | grep -qx "notes.txt" || fail "ls does not show the overlay's file"
q "SELECT group_concat(response) FROM tool_steps" | grep -q "TOP SECRET\|root:" && fail "a refused read leaked content"
assert_eq "$(q "SELECT content FROM samples")" "All done." "final answer"
assert_eq "$(q "SELECT json_array_length(trajectory) FROM samples")" 13 "trajectory: 6 calls, 6 answers, 1 answer"
assert_eq "$(q "SELECT json_array_length(tool_calls) FROM samples")" 6 "all calls of the episode on the sample"
assert_eq "$(fingerprint)" "$before" "the repository on disk"
[ ! -e "$repo/notes.txt" ] || fail "the overlay reached the disk"

# a record naming a repository outside --repo-root (an absolute path on the host, or one that
# climbs out) gets no connectors: the host's files are never read into tool_steps
mkdir -p "$WORK/root"
for where in /etc ../repo "$WORK"; do
  printf '{"id":"out-1","repo":{"path_or_url":"%s"},"messages":[{"role":"user","content":"read it"},{"role":"assistant","content":"ok"}]}\n' "$where" > "$WORK/outside.jsonl"
  printf '[{"tool":"shell","arguments":{"command":"cat hostname"}},{"tool":"read_file","arguments":{"path":"secret.txt"}},{"final":"x"}]' > "$WORK/out.json"
  start_scripted_agent "$WORK/out.json"
  rm -f "$WORK/outside.db"
  "$DEPSIM" replay "$WORK/outside.jsonl" --backend "openai:http://127.0.0.1:$AGENT_PORT/v1?model=scripted" \
    -o "$WORK/outside.db" --agentic --repo-root "$WORK/root" --quiet >/dev/null 2>"$WORK/outside.err" || fail "replay of $where"
  grep -q "outside the repo root" "$WORK/outside.err" || { cat "$WORK/outside.err"; fail "$where: no word of the refusal"; }
  sqlite3 "$WORK/outside.db" "SELECT group_concat(response) FROM tool_steps" | grep -q "TOP SECRET\|$(cat /etc/hostname)" &&
    fail "$where: a host file was read into tool_steps"
  assert_eq "$(sqlite3 "$WORK/outside.db" "SELECT count(*) FROM tool_steps WHERE source='connector'")" 0 "$where: connectors off"
done
# ... unless the user says the corpus is trusted
start_scripted_agent "$WORK/out.json"
rm -f "$WORK/allowed.db"
"$DEPSIM" replay "$WORK/outside.jsonl" --backend "openai:http://127.0.0.1:$AGENT_PORT/v1?model=scripted" \
  -o "$WORK/allowed.db" --agentic --repo-root "$WORK/root" --allow-repo-outside-root --quiet >/dev/null 2>&1 || fail "allowed"
assert_eq "$(sqlite3 "$WORK/allowed.db" "SELECT response FROM tool_steps WHERE step=1")" "TOP SECRET" "allowed outside root"

# a loop is recorded, not fatal: a candidate repeating one call forever stops at 'loop'
cat > "$WORK/loop.json" <<'JSON'
[{"tool":"shell","arguments":{"command":"ls"}}]
JSON
start_scripted_agent "$WORK/loop.json"
port2=$AGENT_PORT
"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "openai:http://127.0.0.1:$port2/v1?model=scripted" \
  -o "$WORK/loop.db" --agentic --repo-root "$WORK" --quiet >/dev/null || fail "looping replay failed"
assert_eq "$(sqlite3 "$WORK/loop.db" "SELECT status||','||finish_reason FROM samples")" "ok,loop" "loop recorded"

# the side-effecting call answered by a real simulator model (llama-server)
start_llama_server "$(test_model)"
"$DEPSIM" replay "$WORK/corpus.jsonl" --backend "openai:http://127.0.0.1:$port/v1?model=scripted" \
  -o "$WORK/sim.db" --agentic --repo-root "$WORK" --simulator "openai:$LLAMA_URL?model=sim" --simulator-max-tokens 48 --quiet >/dev/null || fail "replay with simulator failed"
assert_eq "$(sqlite3 "$WORK/sim.db" "SELECT source||','||side_effect FROM tool_steps WHERE step=0")" "simulator,1" "rm -rf answered by the simulator"
assert_eq "$(sqlite3 "$WORK/sim.db" "SELECT source FROM tool_steps WHERE step=1")" refused "escapes still refused with a simulator"
assert_eq "$(fingerprint)" "$before" "the repository on disk (with simulator)"
echo "agentic replay: escapes refused, overlay kept in memory, sources recorded"
