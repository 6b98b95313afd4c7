/* cli_plan.h: `depsim plan --corpus` (plan_corpus.c), reached from cmd_plan.c. */
#ifndef DS_CLI_PLAN_H
#define DS_CLI_PLAN_H
int cli_plan_corpus(int argc, char **argv);
#endif
