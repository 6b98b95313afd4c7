/* agent.h: the agentic loop of replay: one episode per (prefix, sample). The candidate's tool
 * calls are answered by the tool simulator and the conversation is sent again, until the
 * candidate answers without tool calls or a limit is reached. Internal to lib/replay. */
#ifndef DS_REPLAY_AGENT_H
#define DS_REPLAY_AGENT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "base/base.h"
#include "depsim/backend.h"
#include "depsim/toolsim.h"

struct agent_limits {
  unsigned max_steps;          /* model turns per episode (default 20) */
  long max_tokens;             /* completion tokens per episode (default 32768) */
  double max_seconds;          /* wall time per episode (default 600) */
  unsigned loop_repeats;       /* identical consecutive calls that count as a loop (default 3) */
};
void agent_default_limits(struct agent_limits *l);

struct agent;

/* Starts an episode over the prefix messages (borrowed; copied) and the record it came from
 * (for the tool simulator: id, repo, tools, the original turn). */
enum ds_status agent_new(struct ds_toolsim *ts, const json_t *record, const json_t *prefix_messages,
                         const struct agent_limits *lim, struct agent **out, struct ds_err *err);
void agent_free(struct agent *a);

/* Feeds one model result. Returns true when the episode goes on: *out_messages (borrowed until
 * the next call) is the conversation to send next. Returns false when it is over: the final
 * result is in res (content of the last turn; tool_calls of the whole episode), and
 * finish_reason tells why ("stop", "max_steps", "max_tokens", "timeout", "loop", or the model's). */
bool agent_feed(struct agent *a, struct ds_result *res, const json_t **out_messages);

/* The whole conversation so far (prefix + generated), borrowed until the next agent_feed. */
const json_t *agent_messages(const struct agent *a);

/* The generated part of the conversation (assistant turns and tool answers), borrowed. */
const json_t *agent_trajectory(const struct agent *a);
unsigned agent_steps(const struct agent *a);

/* Inserts the episode's tool steps for a stored sample (call inside the sample's transaction). */
enum ds_status agent_store_steps(const struct agent *a, sqlite3 *db, int64_t sample_id, struct ds_err *err);

#endif
