#!/usr/bin/env bash
# report_deid_views.sh: the report's text (flagged examples, sample browser) is de-identified
# the way the replayed corpus was (issue 21, item 4): surrogates when ingest gave surrogates,
# placeholders when it gave placeholders, as replay recorded from the corpus's manifest;
# --deid-replace overrides; no personal value, of the corpus or new in a candidate's answer,
# reaches the page.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
cat >in.jsonl <<'EOF'
{"id":"a1","messages":[{"role":"user","content":"Hi, I'm Margaret Thornbury, write to margaret.thornbury@corpmail.com or call +1 415 555 0132. Can you help me draft a letter?"},{"role":"assistant","content":"Sure, Margaret. Here is a draft."}]}
{"id":"a2","messages":[{"role":"user","content":"My colleague Dmitri Volkonsky (dvolkonsky@corpmail.com) needs the report."},{"role":"assistant","content":"I will prepare it."}]}
EOF
# the candidate's answers repeat the real name (as a model that saw it might) and add a new address
cat >cand.jsonl <<'EOF'
{"id":"a1#1","k":0,"content":"Dear Margaret Thornbury, I also emailed ruth.ellington@othermail.org about it.","finish_reason":"stop"}
{"id":"a2#1","k":0,"content":"Sent to Dmitri Volkonsky.","finish_reason":"stop"}
EOF
RUBRIC="$DS_SRC/data/sample/rubric.yaml"
no_personal_data() { # FILE...: none of the real values is in them
  for f in "$@"; do
    # whole values and rare surnames only: a surrogate may by chance be a common first name
    for v in 'Margaret Thornbury' Thornbury margaret.thornbury corpmail '415 555 0132' 'Dmitri Volkonsky' Volkonsky \
      ruth.ellington othermail; do
      if grep -q "$v" "$f"; then fail "$f shows '$v'"; fi
    done
  done
}

# a corpus de-identified with surrogates (ingest's default)
"$DEPSIM" ingest in.jsonl -o sur.jsonl --assume-consent -q || fail "ingest (surrogates)"
"$DEPSIM" replay sur.jsonl --backend file:cand.jsonl -o sur.db -q || fail "replay"
"$DEPSIM" grade sur.db --rubric "$RUBRIC" -q || fail "grade"
"$DEPSIM" report sur.db --json -o sur.json -q || fail "report json"
"$DEPSIM" report sur.db -o sur.html -q || fail "report html"
"$DEPSIM" report sur.db --deid-replace placeholder --json -o ph.json -q || fail "report --deid-replace placeholder"
no_personal_data sur.json sur.html ph.json
python3 - sur.json ph.json <<'PY' || fail "views not de-identified as the corpus"
import json, sys
sur, ph = (json.load(open(p)) for p in sys.argv[1:3])
assert sur["deid"] == {"replace": "surrogate", "corpus_replace": "surrogate", "as_corpus": True,
                       "corpus_keyed": False, "keyed": False}, sur["deid"]
text = json.dumps(sur["browser"]) + json.dumps(sur["examples"])
assert "<PERSON_" not in text and "<EMAIL_" not in text and "<PHONE_" not in text, text
assert "@" in text  # the e-mail addresses are there, as made-up ones
# asked for placeholders: every replaced value is a placeholder
assert ph["deid"]["replace"] == "placeholder" and ph["deid"]["as_corpus"] is False, ph["deid"]
ptext = json.dumps(ph["browser"])
assert "<EMAIL_" in ptext and "<PERSON_" in ptext, ptext
PY
grep -q "replaced by made-up values of the same kind (as in the replayed corpus)" sur.html ||
  fail "the page does not say how its text is de-identified"

# a corpus de-identified with placeholders: the report follows it
"$DEPSIM" ingest in.jsonl -o ph.jsonl --assume-consent --deid-replace placeholder -q || fail "ingest (placeholders)"
"$DEPSIM" replay ph.jsonl --backend file:cand.jsonl -o ph.db -q || fail "replay (placeholders)"
"$DEPSIM" grade ph.db --rubric "$RUBRIC" -q || fail "grade (placeholders)"
"$DEPSIM" report ph.db --json -o phc.json -q || fail "report (placeholders)"
no_personal_data phc.json
python3 - phc.json <<'PY' || fail "a placeholder corpus's report does not use placeholders"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["deid"]["replace"] == "placeholder" and m["deid"]["as_corpus"] is True, m["deid"]
assert "<EMAIL_" in json.dumps(m["browser"])
PY
echo "ok: the report's views are de-identified as the corpus was"
