# replay_sharegpt.sh: real traffic (ShareGPT conversations from ../shared/data, converted to
# canonical records) replayed through a real llama-server; every prefix accounted for.
source "$DS_SRC/tests/e2e/lib.sh"

SG=$(shared_file traffic/sharegpt-1000.jsonl)
MODEL=$(test_model)
start_llama_server "$MODEL"
SPEC="openai:$LLAMA_URL?model=test"
# real traffic: ShareGPT conversations converted to canonical records
python3 - "$SG" "$WORK/sharegpt.jsonl" <<'PY'
import json, sys
roles = {"human": "user", "user": "user", "gpt": "assistant", "chatgpt": "assistant", "system": "system"}
n = 0
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for line in f:
        r = json.loads(line)
        msgs = [{"role": roles.get(t.get("from"), "user"), "content": t.get("value", "")} for t in r.get("conversations", [])]
        out.write(json.dumps({"id": r["id"], "messages": msgs}) + "\n")
        n += 1
        if n == 60: break
PY
"$DEPSIM" replay "$WORK/sharegpt.jsonl" --backend "$SPEC" --max-tokens 8 --in-flight 4 -o "$WORK/sg.db" \
  >"$WORK/sg.out" 2>/dev/null || fail "sharegpt replay failed"
cat "$WORK/sg.out"
read -r total done skipped failed < <(sqlite3 -separator ' ' "$WORK/sg.db" \
  "SELECT count(*), sum(status='done'), sum(status='skipped'), sum(status='failed') FROM prefixes")
[ "$total" -gt 30 ] || fail "too few sharegpt prefixes ($total)"
assert_eq $((done + skipped + failed)) "$total" "sharegpt accounting"
[ "$done" -gt 10 ] || fail "too few sharegpt prefixes completed ($done)"
echo "ok: sharegpt $total prefixes: $done completed, $skipped skipped, $failed failed"
