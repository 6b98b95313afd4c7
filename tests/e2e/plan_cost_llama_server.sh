# plan_cost_llama_server.sh: `depsim plan --corpus` against a real llama-server counts what a
# replay of the same corpus then measures: the same prefixes and samples, the same context
# skips, exactly the prompt tokens the server reports in its usage, processed tokens about one
# prompt's worth per prefix with -k 2, completions within the bound; and the replay's cost is
# the price arithmetic of the tokens the server reported.
source "$DS_SRC/tests/e2e/lib.sh"
[ -x "${DS_LLAMA_SERVER:-}" ] || skip "needs llama-server (DS_LLAMA_SERVER='${DS_LLAMA_SERVER:-}'; run scripts/bootstrap)"
[ -f "$DS_SHARED_DATA/models/stories260K.gguf" ] || skip "needs ../shared/data/models/stories260K.gguf, which is absent"
SG=$(shared_file traffic/sharegpt-1000.jsonl)
# 8 slots of 512 tokens: the longer prefixes are skipped as context_exceeded, the rest are quick
start_llama_server "$DS_SHARED_DATA/models/stories260K.gguf" -np 8
SPEC="openai:$LLAMA_URL?model=test"

# real traffic: 20 ShareGPT conversations as canonical records, every assistant turn a cut;
# one record carries tools (the template renders them), one has no cut point
python3 - "$SG" "$WORK/c.jsonl" <<'PY'
import json, sys
roles = {"human": "user", "user": "user", "gpt": "assistant", "chatgpt": "assistant", "system": "system"}
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for n, line in enumerate(f):
        if n == 20: break
        r = json.loads(line)
        msgs = [{"role": roles.get(t.get("from"), "user"), "content": t.get("value", "")} for t in r.get("conversations", [])]
        out.write(json.dumps({"id": r["id"], "messages": msgs}) + "\n")
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "weather of a city",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
    out.write(json.dumps({"id": "t-1", "tools": tools, "messages": [
        {"role": "system", "content": "You answer briefly."}, {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": "Let me look.", "tool_calls": [{"id": "c1", "name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}]},
        {"role": "tool", "tool_call_id": "c1", "content": "4 C, rain"},
        {"role": "assistant", "content": "4 C and rain in Oslo."}]}) + "\n")
    out.write(json.dumps({"id": "no-cut", "messages": [{"role": "user", "content": "hello?"}]}) + "\n")
PY
ARGS=(--cut every -k 2 --max-tokens 8)
PRICES=(--price-in 0.15 --price-out 0.6 --price-cached 0.015)
"$DEPSIM" plan --corpus "$WORK/c.jsonl" --backend "$SPEC" "${ARGS[@]}" "${PRICES[@]}" -q >"$WORK/plan.out" 2>"$WORK/plan.err" ||
  { cat "$WORK/plan.err"; fail "plan failed"; }
cat "$WORK/plan.out"
grep -q "^token counts: by the model's tokenizer" "$WORK/plan.out" || fail "plan did not count with llama-server's tokenizer"
grep -qi "estimat" "$WORK/plan.out" && fail "a counted plan says estimated"
"$DEPSIM" replay "$WORK/c.jsonl" --backend "$SPEC" "${ARGS[@]}" "${PRICES[@]}" --seed 3 -o "$WORK/run.db" \
  >"$WORK/replay.out" 2>"$WORK/replay.err" || { cat "$WORK/replay.err"; fail "replay failed"; }
cat "$WORK/replay.out"

python3 - "$WORK/plan.out" "$WORK/replay.out" "$WORK/run.db" <<'PY' || fail "plan and replay disagree"
import re, sqlite3, sys
plan, rep, db = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sqlite3.connect(sys.argv[3])
num = lambda pat, text: [int(x) for x in re.search(pat, text, re.M).groups()]
prefixes, = num(r"^corpus: .*: 22 records, (\d+) prefixes \(--cut every\); 1 without a cut point", plan)
too_long = num(r"^context: (\d+) prefixes", plan)[0] if re.search(r"^context: ", plan, re.M) else 0
samples, fit, k = num(r"^samples: (\d+) \((\d+) prefixes x (\d+)\)", plan)
sent, per_prefix = num(r"^prompt tokens: (\d+) sent: (\d+) in the", plan)
processed, cached = num(r"^prefill: (\d+) processed, (\d+) \(", plan)
bound, = num(r"^completion tokens, upper bound: (\d+) \(--max-tokens 8 x", plan)
assert k == 2 and samples == fit * 2 and prefixes == fit + too_long and too_long > 0, (prefixes, too_long, fit)
assert sent == 2 * per_prefix and processed == per_prefix and cached == sent - per_prefix

# the replay made exactly those prefixes and samples, and skipped the same ones
(total,), = db.execute("SELECT count(*) FROM prefixes")
(skipped,), = db.execute("SELECT count(*) FROM prefixes WHERE status='skipped' AND reason='context_exceeded'")
n_ok, p_tok, p_cached, c_tok, n_usage = db.execute(
    "SELECT sum(status='ok'), sum(prompt_tokens), sum(prompt_cached), sum(completion_tokens), sum(prompt_tokens>0)"
    " FROM samples").fetchone()
assert (total, skipped, n_ok, n_usage) == (prefixes, too_long, samples, samples), (total, skipped, n_ok, n_usage)
# prompt tokens: plan counts each prefix with llama-server's /apply-template and /tokenize, the
# same template and tokenizer its chat endpoint applies before it reports usage.prompt_tokens,
# so the sums agree to the token (a template that rendered the two differently would show here)
assert p_tok == sent, f"plan {sent} prompt tokens, the server reported {p_tok}"
# the prefill actually processed: about one prompt's worth per prefix (the K samples share it
# through the slot's prompt cache; other prefixes' common start can only lower it)
measured = p_tok - p_cached
assert measured <= 1.25 * processed, f"processed {measured} > 1.25 x plan {processed}"
assert c_tok <= bound, (c_tok, bound)
# the summary prints the measured figures and their price
m = re.search(r"^tokens: (\d+) prompt, (\d+) completion", rep, re.M)
assert m and int(m.group(1)) == p_tok and int(m.group(2)) == c_tok, m
m = re.search(r"^cost: \$([0-9.]+) \((\d+) prompt tokens processed, (\d+) from the cache, (\d+) completion\)", rep, re.M)
assert m, "no cost line"
cost, pr, ca, co = float(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4))
assert (pr, ca, co) == (measured, p_cached, c_tok), (pr, ca, co)
want = (pr * 0.15 + ca * 0.015 + co * 0.6) / 1e6
assert abs(cost - want) < 1e-6, (cost, want)
print(f"ok: {prefixes} prefixes ({too_long} over the context), {samples} samples; prompt tokens plan {sent} = "
      f"reported {p_tok}; processed plan {processed}, measured {measured}; completion {c_tok} <= {bound}; cost ${cost}")
PY

# the typical completion figure: the logged answers at the cut counted with the server's
# tokenizer (/tokenize, no BOS) plus one end-of-turn token each. Answers that are the model's own
# completions (k = 0 of the run above) must come back as what the server reported for them:
# n answers of completion_tokens c plus n, give or take the re-tokenization of the text (a
# detokenized piece may tokenize one shorter or longer; at most one per answer on average)
python3 - "$WORK/run.db" "$WORK/answers.jsonl" <<'PY' || fail "corpus of the model's answers"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT p.conv_id, pm.messages, s.content, s.completion_tokens FROM prefixes p"
                  " JOIN prefix_messages pm ON pm.prefix_id = p.id JOIN samples s ON s.prefix_id = p.id"
                  " WHERE s.k = 0 AND s.status = 'ok' ORDER BY p.id").fetchall()
assert len(rows) >= 5, len(rows)
with open(sys.argv[2], "w") as out:
    for i, (conv, msgs, content, ct) in enumerate(rows):
        m = json.loads(msgs) + [{"role": "assistant", "content": content}]
        out.write(json.dumps({"id": f"{conv}-{i}", "messages": m, "completion_tokens": ct}) + "\n")
PY
"$DEPSIM" plan --corpus "$WORK/answers.jsonl" --backend "$SPEC" -q >"$WORK/typical.out" 2>&1 || { cat "$WORK/typical.out"; fail "plan of answers"; }
python3 - "$WORK/answers.jsonl" "$WORK/typical.out" <<'PY' || fail "typical completion tokens"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
out = open(sys.argv[2]).read()
m = re.search(r"^completion tokens, typical: (\d+) \(as long as the logged answers", out, re.M)
assert m and "estimated" not in m.group(0), out
n, reported, typical = len(recs), sum(r["completion_tokens"] for r in recs), int(m.group(1))
assert abs(typical - (reported + n)) <= n, (typical, reported, n)
print(f"ok: typical completion tokens of {n} answers: plan {typical}, the server reported {reported} (+{n} end of turn)")
PY

# --trim-front: plan drops the oldest messages of a prefix too long for the context as replay
# does (ds_replay_trim_front), so the trimmed prefixes and their prompt tokens agree too
"$DEPSIM" plan --corpus "$WORK/c.jsonl" --backend "$SPEC" --cut every --max-tokens 8 --trim-front -q >"$WORK/trim.out" 2>&1 ||
  { cat "$WORK/trim.out"; fail "plan --trim-front"; }
"$DEPSIM" replay "$WORK/c.jsonl" --backend "$SPEC" --cut every --max-tokens 8 --trim-front -o "$WORK/trim.db" -q \
  >/dev/null 2>&1 || fail "replay --trim-front"
python3 - "$WORK/trim.out" "$WORK/trim.db" <<'PY' || { cat "$WORK/trim.out"; fail "plan --trim-front and replay disagree"; }
import re, sqlite3, sys
plan, db = open(sys.argv[1]).read(), sqlite3.connect(sys.argv[2])
num = lambda pat: int(re.search(pat, plan, re.M).group(1))
trimmed = num(r"^context: (\d+) prefixes fit once their oldest messages are dropped")
skipped = num(r"^context: (\d+) prefixes of .* even trimmed") if "even trimmed" in plan else 0
samples, sent = num(r"^samples: (\d+) "), num(r"^prompt tokens: (\d+) sent")
r_trimmed, r_skipped = db.execute("SELECT sum(trimmed > 0 AND status != 'skipped'), sum(status = 'skipped') FROM prefixes").fetchone()
r_samples, r_prompt = db.execute("SELECT count(*), sum(prompt_tokens) FROM samples WHERE status = 'ok'").fetchone()
assert trimmed > 0 and (trimmed, skipped, samples, sent) == (r_trimmed, r_skipped, r_samples, r_prompt), \
    ((trimmed, skipped, samples, sent), (r_trimmed, r_skipped, r_samples, r_prompt))
print(f"ok: --trim-front: {trimmed} prefixes trimmed, {skipped} skipped, {samples} samples, {sent} prompt tokens in both")
PY
