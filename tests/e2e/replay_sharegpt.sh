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

# without --in-flight the openai backend chooses its concurrency (max_in_flight=auto): the level
# it ended at and why are in the run's events
"$DEPSIM" replay "$WORK/sharegpt.jsonl" --backend "$SPEC" --max-tokens 8 -o "$WORK/auto.db" -q 2>/dev/null ||
  fail "sharegpt replay with adaptive concurrency failed"
sqlite3 "$WORK/auto.db" "SELECT detail FROM events WHERE kind = 'in_flight_final'" >"$WORK/final.txt"
python3 - "$WORK/final.txt" <<'PY' || fail "no in_flight_final event for an adaptive run"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 1, lines
d = json.loads(lines[0])
assert 1 <= d["level"] <= d["max"] and d["why"], d
PY
echo "ok: adaptive concurrency recorded where it ended"
