# agentic_mini_swe_agent.sh: real mini-swe-agent sessions (../shared/data/agent-logs/mini-swe-agent) replayed agentically
# with a scripted candidate that repeats each user turn's recorded turns: the calls are the
# recorded ones, at least 90% of the read-only calls get the recorded answer from the tool-call
# database or a connector (the share is printed), every write is an intended action, and
# nothing on disk changes (tests/servers/agentic_replay.py does the checking); then, without
# the database, over checkouts rebuilt from what the sessions read, how many read-only calls
# the connectors alone answer with the recorded text (printed per tool). Skipped (77) when
# the logs are absent or this build has no reader for them.
source "$DS_SRC/tests/e2e/lib.sh"
logs="$DS_SHARED_DATA/agent-logs/mini-swe-agent"
[ -d "$logs" ] || skip "needs ../shared/data/agent-logs/mini-swe-agent (real mini-swe-agent logs), which is absent"
python3 "$DS_SRC/tests/servers/agentic_replay.py" --depsim "$DEPSIM" --logs "$logs" --agent mini-swe-agent --work "$WORK" \
  --min-share 0.9 --connectors || exit $?
