# backend_config.sh: a backend chosen by a block of a config file. `depsim replay --backend
# config:FILE#NAME` with a file block stores the same samples as the equivalent file: spec (the
# block's relative path taken from the config file's directory, not the current one); a typo,
# an unknown name and an API key in the file are refused with the file named; and `depsim
# simulate` runs a candidate named "#NAME" from its own backends: mapping.
source "$DS_SRC/tests/e2e/lib.sh"
s="$DS_SRC/data/sample"
cd "$WORK"
mkdir -p conf/data elsewhere
cp "$s/candidate-v1.jsonl" conf/data/v1.jsonl

"$DEPSIM" ingest "$s/chats.jsonl" "$s/agent.jsonl" -o corpus.jsonl -q > ingest.out 2>&1 || { cat ingest.out; fail "ingest"; }

cat > conf/backends.yaml <<'YAML'
# candidates and judges of this project
backends:
  v1:
    type: file
    path: data/v1.jsonl          # from this file's directory
  typo:
    type: file
    pth: data/v1.jsonl
  leaked:
    type: openai
    url: http://127.0.0.1:9/v1
    api_key: sk-e2e-should-never-show
YAML

# the same run twice: the file: spec, and the config block (from another directory, so a
# relative path taken from the current directory would not find the completions)
"$DEPSIM" replay corpus.jsonl --backend "file:$WORK/conf/data/v1.jsonl" --seed 3 -o spec.db > spec.out 2>&1 ||
  { cat spec.out; fail "replay with the file: spec"; }
(cd elsewhere && "$DEPSIM" replay ../corpus.jsonl --backend "config:../conf/backends.yaml#v1" --seed 3 -o ../config.db) \
  > config.out 2>&1 || { cat config.out; fail "replay with config:FILE#NAME"; }

q() { sqlite3 "$1" "$2"; }
n_ok=$(q spec.db "SELECT count(*) FROM samples WHERE status='ok'")
[ "$n_ok" -ge 200 ] || fail "expected at least 200 samples from the sample data, got $n_ok"
for sql in "SELECT count(*) FROM prefixes" \
           "SELECT count(*) FROM samples WHERE status='ok'" \
           "SELECT count(*) FROM samples WHERE status!='ok'"; do
  assert_eq "$(q config.db "$sql")" "$(q spec.db "$sql")" "config: run vs file: run, $sql"
done
# the same completions for the same prefixes
digest() {
  q "$1" "SELECT p.conv_id, p.cut_index, s.k, s.status, s.content FROM samples s JOIN prefixes p ON p.id = s.prefix_id
          ORDER BY 1, 2, 3" | sha256sum
}
assert_eq "$(digest config.db)" "$(digest spec.db)" "samples of the two runs"
# the printed accounting agrees line for line (the timing aside)
grep -E '^(prefixes|  completed|  skipped|  failed)' spec.out > spec.counts
grep -E '^(prefixes|  completed|  skipped|  failed)' config.out > config.counts
diff spec.counts config.counts || fail "replay accounting differs between the config: and file: runs"
# the run records the backend it really used: the resolved file: spec
q config.db "SELECT value FROM meta WHERE key='backend'" | grep -q '^file:.*conf/data/v1.jsonl$' ||
  fail "config.db backend: $(q config.db "SELECT value FROM meta WHERE key='backend'")"

# refusals name the file and what is wrong; exit 3, no database
expect_error() { # NAME FRAGMENT...
  local name=$1; shift
  set +e
  "$DEPSIM" replay corpus.jsonl --backend "config:conf/backends.yaml#$name" -o "err-$name.db" > "err-$name.out" 2>&1
  local rc=$?
  set -e
  [ "$rc" = 3 ] || { cat "err-$name.out"; fail "$name: expected exit 3, got $rc"; }
  for f in "$@"; do grep -qF -- "$f" "err-$name.out" || fail "$name: message lacks '$f': $(cat "err-$name.out")"; done
  [ ! -e "err-$name.db" ] || fail "$name: a run database was created"
  if grep -q "sk-e2e" "err-$name.out"; then fail "$name: the key reached the output"; fi
}
expect_error typo "conf/backends.yaml: backends.typo: unknown field 'pth'" "(known: type, path)"
expect_error leaked "conf/backends.yaml: backends.leaked: an API key in a config file (api_key:) is refused" "key_env"
expect_error v2 "conf/backends.yaml: no backend 'v2'" "(defined: v1, typo, leaked)"
set +e
"$DEPSIM" replay corpus.jsonl --backend "config:conf/absent.yaml#v1" -o absent.db > absent.out 2>&1
rc=$?
set -e
[ "$rc" = 3 ] || fail "absent config: expected exit 3, got $rc"
grep -q "conf/absent.yaml: cannot open" absent.out || fail "absent config: $(cat absent.out)"

# simulate: a candidate named "#NAME" from the simulate config's own backends: mapping
cat > conf/sim.yaml <<YAML
out: $WORK/sim-out
inputs: [$s/chats.jsonl]
replay: {seed: 3, quiet: true}
backends:
  cand: {type: file, path: data/v1.jsonl}
candidates:
  - name: v1
    backend: "#cand"
rubric: $s/rubric.yaml
report: false
YAML
"$DEPSIM" simulate --config conf/sim.yaml > sim.out 2>&1 || { cat sim.out; fail "simulate with backend \"#cand\""; }
grep -qF -- "--backend config:conf/sim.yaml#cand" sim.out || fail "simulate did not pass config:conf/sim.yaml#cand: $(cat sim.out)"
assert_eq "$(q sim-out/v1.db "SELECT count(*) FROM samples WHERE status='ok'")" \
  "$(q sim-out/v1.db "SELECT count(*) FROM prefixes")" "simulate: every prefix has its sample"
[ "$(q sim-out/v1.db "SELECT count(*) FROM samples WHERE status='ok'")" -gt 0 ] || fail "simulate: no samples"
echo "config:FILE#NAME runs like its file: spec; errors name the file; simulate resolves #NAME"
