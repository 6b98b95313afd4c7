# slurm_example.sh: examples/slurm run as a user runs them, on a real single-node Slurm cluster
# started here (munged, slurmctld, slurmd from Debian's slurm-wlm and munge, which it installs
# with apt-get when they are absent) against a llama-server on 127.0.0.1: submit.sh queues
# replay+grade as a job array (SHARDS=4 from the environment), then merge, then estimate+gate.
# The merged run must hold exactly the prefixes of an unsharded replay of the same corpus, each
# once, with the same accounting, every sample graded (rules and a judge), and the last job's
# exit code must be the gate's. Round 2 requeues one array task in the middle of its replay
# (scontrol requeue): the task must resume its database and the merge must still be exact.
# Needs root; the cluster uses proctrack/linuxproc and task/none, so it needs no cgroups or
# systemd. Skips (77) with the reason when it cannot run (not root, no apt-get, the install
# failed) and in the sanitizer build (make test runs it; under ASan it would repeat the same
# scheduler run at several times the cost); DS_REQUIRE_CLUSTER=1 makes those a failure.
source "$DS_SRC/tests/e2e/lib.sh"
# say WHAT: a line of the test's log with the seconds since it started
say() { echo "[${SECONDS}s] $*"; }

cannot_run() { if [ -n "${DS_REQUIRE_CLUSTER:-}" ]; then fail "DS_REQUIRE_CLUSTER is set: $*"; fi; skip "$*"; }
case "${DS_SANITIZED:-}" in ON | on | 1 | TRUE | true) skip "the sanitizer build: the Slurm example runs in the plain build (make test)" ;; esac
[ "$(id -u)" = 0 ] || cannot_run "needs root (it starts munged, slurmctld and slurmd)"
[ -x "${DS_LLAMA_SERVER:-}" ] || cannot_run "needs llama-server (scripts/bootstrap builds it)"
export PATH=$PATH:/usr/sbin:/sbin # the daemons live there; a CI runner's PATH may lack it
missing=""
for c in munged slurmctld slurmd sbatch scontrol squeue scancel sinfo sqlite3; do command -v $c >/dev/null || missing+=" $c"; done
if [ -n "$missing" ]; then
  command -v apt-get >/dev/null || cannot_run "needs$missing (Debian's slurm-wlm and munge) and has no apt-get to install them"
  say "installing Debian's slurm-wlm and munge (missing:$missing)"
  install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
      slurm-wlm munge sqlite3 >"$WORK/apt.log" 2>&1
  }
  install || { apt-get update -q -o DPkg::Lock::Timeout=300 >>"$WORK/apt.log" 2>&1 && install; } \
    || { tail -20 "$WORK/apt.log" >&2; cannot_run "apt-get install slurm-wlm munge failed"; }
  for c in $missing; do command -v $c >/dev/null || cannot_run "$c is still missing after installing slurm-wlm and munge"; done
fi

# ------------------------------------------------------------------ the cluster
C=$WORK/cluster
mkdir -p "$C/munge" "$C/state" "$C/spool" "$C/log"
chmod 711 "$WORK" "$C" "$C/munge"
head -c 1024 /dev/urandom >"$C/munge/munge.key"
chmod 400 "$C/munge/munge.key"
export SLURM_CONF=$C/slurm.conf
node=$(hostname -s)
ctld_port=$(free_port)
slurmd_port=$(free_port)
[ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$(free_port)
# the node as slurmd sees it (CPUs, memory), so it is not drained for claiming more
read -r cpus mem < <(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*RealMemory=\([0-9]*\).*/\1 \2/p')
[ -n "$cpus" ] || fail "slurmd -C printed no node configuration"
# the 4 shards run at once (each task mostly waits on llama-server, which batches their
# requests): the node offers at least 4 CPUs; config_overrides lets it claim more than it has
[ "$cpus" -ge 4 ] || cpus=4
mem=8192 # declared whatever the machine has (config_overrides): gate.sbatch asks for 4G
cat >"$SLURM_CONF" <<EOF
ClusterName=ds$$
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# a munged of its own; cred_expire: a requeued job may start again after 5 s, not 2 minutes
AuthInfo=socket=$C/munge/munge.socket,cred_expire=5
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/log/slurmctld.log
SlurmdLogFile=$C/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DependencyParameters=kill_invalid_depend
ReturnToService=2
SlurmdParameters=config_overrides
KillWait=5
MpiDefault=none
SwitchType=switch/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

cluster_pids=()
kill_tree() { # PID and its descendants, by id
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
  kill -9 "$1" 2>/dev/null || true
}
stop_cluster() {
  set +e # cleanup goes on past a process that is already gone
  # jobs first (their slurmstepd end with them), then the daemons this test started
  if [ ${#cluster_pids[@]} -gt 0 ]; then
    scancel --quiet --user=root 2>/dev/null
    for _ in $(seq 1 50); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  local p
  for p in $(pgrep -x slurmstepd 2>/dev/null); do # a step of this cluster only (its SLURM_CONF)
    { tr '\0' '\n' <"/proc/$p/environ" | grep -qx "SLURM_CONF=$SLURM_CONF"; } 2>/dev/null && kill_tree "$p"
  done
  for p in "${cluster_pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${cluster_pids[@]}"; do
    for _ in $(seq 1 50); do [ -d "/proc/$p" ] && [ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" != Z ] || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  cluster_pids=()
  return 0
}
trap 'stop_cluster; _ds_cleanup' EXIT
trap 'exit 143' TERM INT

munged -F --force --socket="$C/munge/munge.socket" --key-file="$C/munge/munge.key" --pid-file="$C/munge/munged.pid" \
  --log-file="$C/log/munged.log" --seed-file="$C/munge/munged.seed" >"$C/log/munged.out" 2>&1 &
cluster_pids+=($!)
for _ in $(seq 1 100); do [ -S "$C/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$C/munge/munge.socket" ] || { cat "$C/log/munged.log"; fail "munged did not start"; }
slurmctld -D -L "$C/log/slurmctld.log" >"$C/log/slurmctld.out" 2>&1 &
cluster_pids+=($!)
slurmd -D -L "$C/log/slurmd.log" >"$C/log/slurmd.out" 2>&1 &
cluster_pids+=($!)
for _ in $(seq 1 150); do
  [ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && break
  sleep 0.2
done
if [ "$(sinfo -h -o %t 2>/dev/null)" != idle ]; then
  tail -20 "$C/log/slurmctld.log" "$C/log/slurmd.log" "$C/log/"*.out >&2
  fail "the Slurm node did not become idle: $(sinfo 2>&1)"
fi
say "cluster ds$$ up: slurmctld :$ctld_port, slurmd :$slurmd_port, node $node ($cpus CPUs, $mem MB)"

# ------------------------------------------------------------------ corpus, rubric, server
python3 - "$WORK" <<'PY'
import json, sys, random
w = sys.argv[1]
rnd = random.Random(7)
words = "cat dog tree ball sun moon boat park cake bird fish rain".split()
with open(f"{w}/corpus.jsonl", "w") as c:
    for i in range(64):
        msgs = []
        for t in range(1 + i % 3):
            msgs.append({"role": "user", "content": f"Tell me about the {rnd.choice(words)} and the {rnd.choice(words)}."})
            msgs.append({"role": "assistant", "content": f"Once upon a time there was a {rnd.choice(words)}."})
        c.write(json.dumps({"id": f"c{i:04d}", "segment": {"product": "chat" if i % 2 else "api"}, "messages": msgs}) + "\n")
    # accounting: a record without a cut point, and an id seen twice
    c.write(json.dumps({"id": "nocut", "messages": [{"role": "user", "content": "hello?"}]}) + "\n")
    c.write(json.dumps({"id": "c0001", "messages": [{"role": "user", "content": "again"},
                                                    {"role": "assistant", "content": "twice"}]}) + "\n")
PY
cat >"$WORK/rubric.yaml" <<'YAML'
name: slurm-test
judge:
  prompt_version: s1
  max_tokens: 16
categories:
  - id: mentions_animal
    title: Mentions an animal
    description: the response names an animal
    severity: low
    applies_to: chat
    graders:
      - type: rule
        target: response
        patterns: ['\b(cat|dog|bird|fish|bunny|bear)s?\b']
  - id: unhelpful
    title: Unhelpful answer
    description: the response does not answer the user's request
    severity: low
    applies_to: chat
    graders:
      - type: judge
        prompt: Flag the response if it does not answer the user's request.
YAML
# round 2 grades with the rules alone (no judge)
sed '/^  - id: unhelpful/,$d' "$WORK/rubric.yaml" >"$WORK/rules.yaml"
printf 'version: 1\ndefaults: {max_rate: 1.0, uncertainty: upper_bound, min_n: 1}\n' >"$WORK/pass.yaml"
printf 'version: 1\ndefaults: {max_rate: 1.0, uncertainty: upper_bound, min_n: 1000000}\n' >"$WORK/inconclusive.yaml"

start_llama_server "$(test_model)"
export DEPSIM BACKEND="openai:$LLAMA_URL?model=candidate" JUDGE="openai:$LLAMA_URL?model=judge"
# one try per verdict: the tiny model's verdicts do not parse (grader errors, counted), and
# three tries each would triple the judge's time
export K=2 SEED=11 CUT=last TEMPERATURE=1.0 MAX_TOKENS=8 RUBRIC=rubric.yaml CORPUS=corpus.jsonl GRADE_OPTIONS="--judge-attempts 1"
# reference REF.db: one unsharded replay of the same corpus, K and cut (what the merged runs'
# prefixes and accounting are compared with; answer length and in-flight do not change them)
reference() {
  "$DEPSIM" replay "$WORK/corpus.jsonl" --backend "$BACKEND" -k $K --seed $SEED --cut $CUT --temperature $TEMPERATURE \
    --max-tokens $MAX_TOKENS --in-flight 16 -q -o "$1" >/dev/null || fail "the unsharded replay"
}

# ------------------------------------------------------------------ helpers
# job_field JOBID FIELD: the field of a job (or of each task of an array), one line each
job_field() { scontrol -o show job "$1" 2>/dev/null | grep -o " $2=[^ ]*" | cut -d= -f2-; }
# wait_job JOBID SECONDS: until the job has ended
wait_job() {
  local t0=$SECONDS
  while [ $((SECONDS - t0)) -lt "$2" ]; do
    case "$(job_field "$1" JobState)" in COMPLETED | FAILED | CANCELLED | TIMEOUT | OUT_OF_MEMORY | NODE_FAIL | DEADLINE) return 0 ;; esac
    sleep 1
  done
  squeue >&2
  return 1
}
# submit DIR POLICY [VAR=VALUE...]: runs examples/slurm/submit.sh in DIR (a fresh directory with
# the corpus, rubric and policy) and sets ARRAY MERGE GATE from what it prints
submit() {
  local dir=$1 policy=$2
  shift 2
  mkdir -p "$dir"
  cp "$WORK/corpus.jsonl" "$WORK/rubric.yaml" "$WORK/rules.yaml" "$dir/"
  cp "$WORK/$policy" "$dir/policy.yaml"
  (cd "$dir" && env SHARDS=4 "$@" "$DS_SRC/examples/slurm/submit.sh") >"$dir/submit.out" 2>&1 \
    || { cat "$dir/submit.out"; fail "submit.sh failed"; }
  cat "$dir/submit.out"
  read -r ARRAY MERGE GATE < <(sed -n 's/^queued: replay+grade array \([0-9]*\) .*, merge \([0-9]*\), estimate+gate \([0-9]*\)$/\1 \2 \3/p' "$dir/submit.out")
  [ -n "$GATE" ] || fail "submit.sh did not say which jobs it queued"
}
show_logs() { for f in "$1"/logs/*.log; do echo "--- $f"; tail -15 "$f"; done >&2; }
# check_round DIR POLICY REF.db JUDGED: every job succeeded but the gate, whose exit code is the gate's own;
# the merged run equals the reference in prefixes and accounting, and is graded whole (with the
# judge when JUDGED is yes)
check_round() {
  local dir=$1 policy=$2 ref=$3 with_judge=$4
  wait_job "$GATE" 420 || { show_logs "$dir"; fail "the chain did not finish within 420 s"; }
  say "jobs: array $ARRAY tasks $(job_field "$ARRAY" JobState | tr '\n' ' ')/ merge $MERGE $(job_field "$MERGE" JobState)" \
    "/ gate $GATE $(job_field "$GATE" JobState) exit $(job_field "$GATE" ExitCode)"
  [ "$(job_field "$ARRAY" JobState | sort -u)" = COMPLETED ] || { show_logs "$dir"; fail "an array task did not complete"; }
  [ "$(job_field "$ARRAY" JobState | wc -l)" = 4 ] || fail "the array has $(job_field "$ARRAY" JobState | wc -l) tasks, not SHARDS=4"
  [ "$(job_field "$MERGE" JobState)" = COMPLETED ] || { show_logs "$dir"; fail "the merge job did not complete"; }
  ls "$dir"/runs/shard-{0,1,2,3}.db >/dev/null || fail "not one database per shard"
  local rc=0
  "$DEPSIM" gate "$dir/runs/forecast.json" --policy "$WORK/$policy" -q >/dev/null 2>&1 || rc=$?
  assert_eq "$(job_field "$GATE" ExitCode)" "$rc:0" "the last job's exit code (the gate's on runs/forecast.json)"
  local keys="SELECT conv_id||'#'||cut_index FROM prefixes ORDER BY 1"
  sqlite3 "$ref" "$keys" >"$dir/ref.keys"
  sqlite3 "$dir/runs/run.db" "$keys" >"$dir/merged.keys"
  cmp -s "$dir/ref.keys" "$dir/merged.keys" || { diff "$dir/ref.keys" "$dir/merged.keys" | head; fail "merged prefixes differ from the unsharded run"; }
  [ -z "$(uniq -d "$dir/merged.keys")" ] || fail "a prefix is in the merged run twice"
  # the accounting of prefixes and samples (token counts depend on the round's --max-tokens and
  # on the servers' prompt caches at the time)
  local sum="SELECT json_remove(value,'\$.corpus','\$.tokens') FROM meta WHERE key='summary'"
  assert_eq "$(sqlite3 "$dir/runs/run.db" "$sum")" "$(sqlite3 "$ref" "$sum")" "merged accounting"
  local load="SELECT json_extract(value,'\$.records')||'/'||json_extract(value,'\$.no_cut')||'/'||json_extract(value,'\$.duplicates') FROM meta WHERE key='corpus_load'"
  assert_eq "$(sqlite3 "$dir/runs/run.db" "$load")" "$(sqlite3 "$ref" "$load")" "records/no_cut/duplicates"
  # graded whole, per shard: both categories on every ok sample, the judge's verdicts among them
  local ok ungraded judged
  ok=$(sqlite3 "$dir/runs/run.db" "SELECT count(*) FROM samples WHERE status='ok'")
  ungraded=$(sqlite3 "$dir/runs/run.db" "SELECT count(*) FROM samples s WHERE status='ok' AND (SELECT count(DISTINCT category) FROM grades g WHERE g.sample_id=s.id) != 2")
  judged=$(sqlite3 "$dir/runs/run.db" "SELECT count(*) FROM grades WHERE category='unhelpful' AND grader LIKE 'judge:%'")
  [ "$ok" -gt 100 ] || fail "only $ok samples ok"
  if [ "$with_judge" = yes ]; then
    assert_eq "$ungraded" 0 "ok samples without both grades"
    assert_eq "$judged" "$ok" "judge grades"
    sqlite3 "$dir/runs/run.db" "SELECT value FROM meta WHERE key LIKE 'grade:%'" | grep -q '"judges":\["openai:' \
      || fail "the merged run does not record its judge"
  else
    assert_eq "$(sqlite3 "$dir/runs/run.db" "SELECT count(*) FROM samples s WHERE status='ok' AND NOT EXISTS (SELECT 1 FROM grades g WHERE g.sample_id=s.id AND g.category='mentions_animal')")" 0 "ok samples without the rule's grade"
  fi
}

# ------------------------------------------------------------------ round 1: the chain
reference "$WORK/ref1.db"
say "unsharded reference replayed"
submit "$WORK/r1" inconclusive.yaml
check_round "$WORK/r1" inconclusive.yaml "$WORK/ref1.db" yes
# too few samples for min_n (and the tiny judge's verdicts are grader errors): inconclusive
assert_eq "$(job_field "$GATE" ExitCode)" "2:0" "the gate job with an inconclusive policy"
grep -q "inconclusive" "$WORK/r1/runs/gate.md" || fail "runs/gate.md lacks the decision"
say "round 1: ok"

# ------------------------------------------------------------------ round 2: a requeued task
# one request at a time and longer answers, so that a shard's replay lasts long enough to be
# caught mid-run; graded with the rules alone (round 1 had the judge)
export MAX_TOKENS=32
submit "$WORK/r2" pass.yaml IN_FLIGHT=1 JUDGE= RUBRIC=rules.yaml
db=""
t0=$SECONDS
while [ -z "$db" ] && [ $((SECONDS - t0)) -lt 120 ]; do
  for i in 0 1 2 3; do
    f=$WORK/r2/runs/shard-$i.db
    [ -e "$f" ] && [ "$(job_field "${ARRAY}_$i" JobState)" = RUNNING ] || continue
    n=$(sqlite3 -cmd '.timeout 2000' "$f" "SELECT count(*) FROM samples" 2>/dev/null || echo 0)
    done_=$(sqlite3 -cmd '.timeout 2000' "$f" "SELECT count(*) FROM events WHERE kind='replay_finished'" 2>/dev/null || echo 1)
    if [ "${n:-0}" -gt 2 ] && [ "$done_" = 0 ]; then db=$f task=$i; break; fi
  done
  sleep 0.1
done
[ -n "$db" ] || { show_logs "$WORK/r2"; fail "no shard was caught in the middle of its replay"; }
scontrol requeue "${ARRAY}_$task" || fail "scontrol requeue ${ARRAY}_$task"
say "requeued task ${ARRAY}_$task with $n samples committed"
check_round "$WORK/r2" pass.yaml "$WORK/ref1.db" no
assert_eq "$(job_field "$GATE" JobState)" COMPLETED "the gate job with a passing policy"
grep -q "pass" "$WORK/r2/runs/gate.md" || fail "runs/gate.md lacks the decision"
assert_eq "$(job_field "${ARRAY}_$task" Restarts)" 1 "restarts of the requeued task"
grep -q "shard $task/4: resuming runs/shard-$task.db" "$WORK/r2/logs/replay-${ARRAY}_$task.log" \
  || { cat "$WORK/r2/logs/replay-${ARRAY}_$task.log"; fail "the requeued task did not resume its database"; }
events=$(sqlite3 "$db" "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM events WHERE kind LIKE 'replay_%' ORDER BY id)")
case "$events" in
  "replay_started replay_resumed replay_finished" | "replay_started replay_cancelled replay_resumed replay_finished") ;;
  *) fail "the requeued shard's events are '$events', not a replay interrupted and resumed" ;;
esac
for i in 0 1 2 3; do
  [ "$i" = "$task" ] && continue
  assert_eq "$(sqlite3 "$WORK/r2/runs/shard-$i.db" "SELECT count(*) FROM events WHERE kind='replay_resumed'")" 0 "resumes of shard $i"
done
say "round 2: ok (task $task requeued mid-replay: $events)"
echo "ok: Slurm chain replay+grade[4] -> merge -> gate ran twice; merged runs equal the unsharded run"
