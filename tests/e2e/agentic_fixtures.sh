# agentic_fixtures.sh: the agentic replay check of agentic_<agent>.sh on the small Codex and
# SWE-agent session files the readers are tested on (tests/data/formats/, written from each
# format's specification, not real sessions): ../shared holds no Codex or SWE-agent session
# with tool calls, so this keeps their dialects' path (ingest, index, replay at every user turn,
# recorded answers on the same state, writes as intended actions, nothing on disk) under test.
source "$DS_SRC/tests/e2e/lib.sh"
for agent in codex swe-agent; do
  mkdir -p "$WORK/$agent"
  python3 "$DS_SRC/tests/servers/agentic_replay.py" --depsim "$DEPSIM" --logs "$DS_SRC/tests/data/formats/$agent" \
    --agent "$agent" --work "$WORK/$agent" --min-share 0.9 || fail "$agent: agentic replay of the format fixtures"
done
