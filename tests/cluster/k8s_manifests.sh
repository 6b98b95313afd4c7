# k8s_manifests.sh: examples/k8s/*.yaml checked offline against the Kubernetes API schema of
# release v1.36.0 (no cluster): tests/cluster/k8s/validate.mjs runs the validators that the npm
# package kubernetes-models compiled from that release's OpenAPI schema, and refuses a field the
# schema does not declare. The packages are pinned by tests/cluster/k8s/package-lock.json and
# installed once with `npm ci` into the depsim cache (as scripts/bootstrap's llama.cpp). Every
# manifest must be valid and form the chain of examples/k8s/run.sh; a copy with a misspelt
# field, a wrong enum value or a wrong type must be refused, naming the field. Skips (77) when
# node/npm are absent or the registry cannot be reached (DS_REQUIRE_CLUSTER=1: fails instead),
# and in the sanitizer build (make test runs it; it runs no depsim code).
source "$DS_SRC/tests/e2e/lib.sh"

cannot_run() { if [ -n "${DS_REQUIRE_CLUSTER:-}" ]; then fail "DS_REQUIRE_CLUSTER is set: $*"; fi; skip "$*"; }
case "${DS_SANITIZED:-}" in ON | on | 1 | TRUE | true) skip "the sanitizer build: the Kubernetes check runs in the plain build (make test)" ;; esac
command -v node >/dev/null && command -v npm >/dev/null || cannot_run "needs node and npm (scripts/bootstrap installs npm)"

spec=$DS_SRC/tests/cluster/k8s
cache=${DEPSIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/depsim}/k8s-schema-$(cat "$spec/package.json" "$spec/package-lock.json" | sha256sum | cut -c1-12)
if [ ! -f "$cache/node_modules/.package-lock.json" ]; then
  # installed beside, then renamed: a concurrent run or an interrupted install leaves no half tree
  tmp=$(mktemp -d "${cache}.XXXXXX")
  cp "$spec/package.json" "$spec/package-lock.json" "$tmp/"
  (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1 \
    || { cat "$WORK/npm.log" >&2; rm -rf "$tmp"; cannot_run "npm ci of tests/cluster/k8s/package-lock.json failed (is the npm registry reachable?)"; }
  mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
fi
cp "$spec/validate.mjs" "$WORK/validate.mjs"
ln -s "$cache/node_modules" "$WORK/node_modules"
cp "$spec/package.json" "$WORK/"
# check FILE...: the validator's verdict lines; its exit code as check's
check() { (cd "$WORK" && node validate.mjs "$@"); }

# ------------------------------------------------------------------ the examples are valid
out=$(check "$DS_SRC"/examples/k8s/*.yaml) || { echo "$out"; fail "examples/k8s is not valid against the Kubernetes API schema"; }
echo "$out"
# the chain: vLLM Deployment + Service, the Indexed Job (replay and grade), merge then gate
for want in "vllm.yaml: document 1 (apps/v1 Deployment vllm)" "vllm.yaml: document 2 (v1 Service vllm)" \
  "replay-job.yaml: document 1 (batch/v1 Job depsim-replay)" "gate-job.yaml: document 1 (batch/v1 Job depsim-gate)"; do
  grep -qF "$want: valid" <<<"$out" || fail "no valid '$want'"
done
grep -q 'completionMode: Indexed' "$DS_SRC/examples/k8s/replay-job.yaml" || fail "replay-job.yaml is not an Indexed Job"
grep -q 'depsim grade' "$DS_SRC/examples/k8s/replay-job.yaml" || fail "replay-job.yaml does not grade its shard"
grep -q 'depsim merge' "$DS_SRC/examples/k8s/gate-job.yaml" && grep -q 'depsim gate' "$DS_SRC/examples/k8s/gate-job.yaml" \
  || fail "gate-job.yaml does not merge, then gate"
bash -n "$DS_SRC/examples/k8s/run.sh" || fail "examples/k8s/run.sh does not parse"

# ------------------------------------------------------------------ broken copies are refused
# refused FILE SED WHAT: a copy of examples/k8s/FILE edited by SED must be invalid, naming WHAT
refused() {
  local f=$WORK/broken-$1
  sed "$2" "$DS_SRC/examples/k8s/$1" >"$f"
  cmp -s "$f" "$DS_SRC/examples/k8s/$1" && fail "the edit '$2' changed nothing in $1"
  local out rc=0
  out=$(check "$f") || rc=$?
  [ "$rc" = 1 ] || { echo "$out"; fail "$1 with '$2' was not refused (exit $rc)"; }
  grep -qF -- "$3" <<<"$out" || { echo "$out"; fail "$1 with '$2': the refusal does not name $3"; }
  echo "refused as expected: $1 with '$2': $(grep invalid <<<"$out" | sed 's/.*: invalid: //')"
}
refused replay-job.yaml 's/completionMode:/completionMod:/' 'unknown field "spec.completionMod"'
refused replay-job.yaml 's/backoffLimitPerIndex:/backofLimitPerIndex:/' 'unknown field "spec.backofLimitPerIndex"'
refused vllm.yaml 's/containerPort:/containerport:/' 'unknown field "spec.template.spec.containers[0].ports[0].containerport"'
refused vllm.yaml 's/^  selector:/  selectr:/' 'unknown field "spec.selectr"'
refused gate-job.yaml 's/^metadata:/metdata:/' 'unknown field "metdata"'
refused gate-job.yaml 's/restartPolicy: Never/restartPolicy: Nevr/' '/spec/template/spec/restartPolicy: must be one of'
refused replay-job.yaml 's/parallelism: \([0-9]*\)/parallelism: "\1"/' '/spec/parallelism: must be integer'
echo "ok: examples/k8s valid against Kubernetes v1.36.0; misspelt fields, enum values and types refused"
