/* cmd_toolsim.c: `depsim toolsim index` builds the tool-call database from a corpus;
 * `depsim toolsim answer` shows how one call would be answered (for checking a set-up);
 * `depsim toolsim dialects` lists each agent's tools as the simulator knows them. */
#include <string.h>

#include "cli.h"
#include "depsim/backend.h"
#include "depsim/toolsim.h"

static const char usage[] =
    "usage: depsim toolsim index CORPUS.jsonl -o TOOLS.db\n"
    "       depsim toolsim answer [--repo PATH [--commit REV]] [--db TOOLS.db [--conv ID]]\n"
    "                             [--simulator SPEC] [--agent NAME [--agent-version V]] [--cwd DIR]\n"
    "                             [--workspace DIR] TOOL 'ARGUMENTS-JSON'\n"
    "       depsim toolsim dialects [NAME]\n"
    "\n"
    "The tool simulator answers a candidate's tool calls during agentic replay without touching\n"
    "anything real, in the tool dialect of the agent that recorded the session (the record's\n"
    "segment.agent: claude-code, codex, swe-agent, mini-swe-agent, openhands, inspect; generic\n"
    "rules for other tools). A write of known files (Write, Edit, apply_patch, str_replace_editor,\n"
    "...) lands in an in-memory overlay and is answered as the tool answers; otherwise, in order:\n"
    "a recorded call made on the same repository state (the database built by 'index': exact\n"
    "match on tool and canonical arguments, then a near match on the same path or command; from\n"
    "another conversation only at the same commit and when neither side changed what the call\n"
    "reads), read-only connectors over the repository as it was (a git commit or a directory,\n"
    "with the overlay; '..', absolute paths outside the session's directory, symlinks pointing\n"
    "out and special files are refused; read-only shell lines are answered by a shell that never\n"
    "runs anything), then a simulator model. Every call that writes, runs or sends is an\n"
    "intended action: flagged, never executed.\n"
    "\n"
    "  index     read every assistant tool call (and, for agents that act in text, every\n"
    "            action in the text) with its response and the repository state it was made on\n"
    "            from CORPUS (canonical JSONL from 'depsim ingest') into a SQLite database;\n"
    "            rebuild databases of older versions with it\n"
    "  answer    answer one call and print the source, whether it was an intended action, and\n"
    "            the response\n"
    "  dialects  list each dialect's tools: kind, when it acts, whether a connector answers it\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE       the database to write (index)\n"
    "      --repo PATH         repository snapshot: a directory, or a git repository with --commit\n"
    "      --commit REV        the commit the recorded session saw\n"
    "      --db FILE           tool-call database from 'index'\n"
    "      --conv ID           the conversation the call is made in (its recordings answer on\n"
    "                          the state they were made on; other conversations' only at the\n"
    "                          same --commit)\n"
    "      --simulator SPEC    backend spec of the simulator model (see depsim replay --help)\n"
    "      --agent NAME        the agent whose tool dialect answers (default: generic)\n"
    "      --agent-version V   its version (some tools answer differently by version)\n"
    "      --cwd DIR           the session's working directory: absolute paths under it map into\n"
    "                          the repository\n"
    "      --workspace DIR     the same, when the session names none (default /workspace)\n"
    "      --no-near           exact database matches only\n";

static int run_index(int argc, char **argv) {
  const char *out = NULL, *in = NULL;
  for (int i = 1; i < argc; i++) {
    if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc) out = argv[++i];
    else if (argv[i][0] == '-') return cli_usage_error("index: unknown option '%s'", argv[i]);
    else if (!in) in = argv[i];
    else return cli_usage_error("index: one corpus only");
  }
  if (!in || !out) return cli_usage_error("index: needs CORPUS.jsonl and -o TOOLS.db");
  struct ds_toolsim_index_summary sum;
  struct ds_err err = {0};
  if (ds_toolsim_index(in, out, &sum, &err)) return cli_error(&err);
  printf("indexed %llu of %llu tool calls from %llu records into %s (%llu had no recorded response)\n",
         (unsigned long long)sum.indexed, (unsigned long long)sum.calls, (unsigned long long)sum.records, out,
         (unsigned long long)sum.unanswered);
  return EXIT_OK;
}

static int run_answer(int argc, char **argv) {
  struct ds_toolsim_params p;
  ds_toolsim_default_params(&p);
  p.log = cli_log;
  const char *repo = NULL, *commit = NULL, *sim = NULL, *tool = NULL, *args = NULL, *agent = NULL,
             *version = NULL, *cwd = NULL, *conv = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (strcmp(a, "--repo") == 0 && has) repo = argv[++i];
    else if (strcmp(a, "--commit") == 0 && has) commit = argv[++i];
    else if (strcmp(a, "--db") == 0 && has) p.tooldb_path = argv[++i];
    else if (strcmp(a, "--simulator") == 0 && has) sim = argv[++i];
    else if (strcmp(a, "--workspace") == 0 && has) p.workspace = argv[++i];
    else if (strcmp(a, "--agent") == 0 && has) agent = argv[++i];
    else if (strcmp(a, "--agent-version") == 0 && has) version = argv[++i];
    else if (strcmp(a, "--cwd") == 0 && has) cwd = argv[++i];
    else if (strcmp(a, "--conv") == 0 && has) conv = argv[++i];
    else if (strcmp(a, "--no-near") == 0) p.near_match = false;
    else if (a[0] == '-' && a[1]) return cli_usage_error("answer: unknown option '%s'", a);
    else if (!tool) tool = a;
    else if (!args) args = a;
    else return cli_usage_error("answer: unexpected argument '%s'", a);
  }
  if (!tool) return cli_usage_error("answer: needs TOOL and ARGUMENTS");
  int rc = EXIT_RUNTIME;
  struct ds_err err = {0};
  struct ds_backend *b = NULL;
  struct ds_toolsim *t = NULL;
  struct ds_toolsim_episode *e = NULL;
  json_t *rec = json_object();
  if (conv) json_object_set_new(rec, "id", json_string(conv));
  if (repo) json_object_set_new(rec, "repo", json_pack("{s:s,s:s?,s:s?}", "path_or_url", repo, "commit", commit, "cwd", cwd));
  if (agent) json_object_set_new(rec, "segment", json_pack("{s:s,s:s?}", "agent", agent, "agent_version", version));
  p.allow_repo_outside_root = true; /* the repository is the user's --repo, not a record's */
  if (sim) {
    struct ds_backend_params bp;
    ds_backend_default_params(&bp);
    bp.spec = sim;
    bp.log = cli_log;
    if (ds_backend_open(&bp, &b, &err)) goto out;
    p.simulator = b;
  }
  if (ds_toolsim_open(&p, &t, &err) || ds_toolsim_episode_new(t, rec, &e, &err)) goto out;
  struct ds_tool_answer ans;
  if (ds_toolsim_answer(e, tool, args ? args : "{}", &ans, &err)) goto out;
  printf("source: %s\nintended action (not executed): %s\n%s%s\n", ds_tool_source_name(ans.source),
         ans.side_effect ? "yes" : "no",
         ans.is_error && strncmp(ans.response, "error", 5) != 0 && strncmp(ans.response, "refused", 7) != 0 ? "error: " : "",
         ans.response);
  ds_tool_answer_release(&ans);
  rc = EXIT_OK;
out:
  if (rc) cli_error(&err);
  ds_toolsim_episode_free(e);
  ds_toolsim_close(t);
  ds_backend_close(b);
  json_decref(rec);
  return rc;
}

static int run_dialects(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  if (argc > 2) return cli_usage_error("dialects: one name at most");
  json_t *all = ds_toolsim_dialects();
  size_t i, j;
  json_t *d, *t;
  bool found = false;
  json_array_foreach(all, i, d) {
    const char *name = json_string_value(json_object_get(d, "name"));
    if (only && strcmp(only, name) != 0) continue;
    found = true;
    printf("%s (segment.agent:", name);
    json_array_foreach(json_object_get(d, "agents"), j, t) printf(" %s", json_string_value(t));
    printf("%s)%s%s\n", json_array_size(json_object_get(d, "agents")) ? "" : " any other",
           json_is_true(json_object_get(d, "persistent_shell")) ? ", the shell keeps its directory" : "",
           json_is_true(json_object_get(d, "text_actions")) ? ", actions in the reply's text" : "");
    json_array_foreach(json_object_get(d, "tools"), j, t)
      printf("  %-24s %-9s acts: %-17s %s\n", json_string_value(json_object_get(t, "name")),
             json_string_value(json_object_get(t, "kind")), json_string_value(json_object_get(t, "acts")),
             json_is_true(json_object_get(t, "connector")) ? "connector" : "recordings or simulator");
  }
  json_decref(all);
  if (!found) return cli_usage_error("dialects: no dialect '%s'", only);
  return EXIT_OK;
}

static int run(int argc, char **argv) {
  if (argc < 2) return cli_usage_error("needs a subcommand: index, answer or dialects");
  if (strcmp(argv[1], "index") == 0) return run_index(argc - 1, argv + 1);
  if (strcmp(argv[1], "answer") == 0) return run_answer(argc - 1, argv + 1);
  if (strcmp(argv[1], "dialects") == 0) return run_dialects(argc - 1, argv + 1);
  return cli_usage_error("unknown subcommand '%s'", argv[1]);
}

const struct cli_command cmd_toolsim_info = {"toolsim", "build the tool-call database; answer a call as replay would; list tool dialects",
                                             usage, run};
