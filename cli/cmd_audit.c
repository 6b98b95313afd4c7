/* cmd_audit.c: depsim audit verify: checks the gate's audit log chain. */
#include <string.h>

#include "cli.h"
#include "depsim/gate.h"

static const char usage[] =
    "usage: depsim audit verify LOG\n\n"
    "Verifies a gate audit log (JSON Lines written by depsim gate --audit): each record's own\n"
    "SHA-256, its link to the previous record and its sequence number. An edited, removed,\n"
    "inserted or reordered record is reported with its line. Prints the number of records and\n"
    "the head hash: keep the head elsewhere (a CI artifact) to also detect removed trailing records.\n"
    "Exit: 0 intact, 1 tampered, 2 usage, 3 error (unreadable).\n";

static int run(int argc, char **argv) {
  if (argc != 3 || strcmp(argv[1], "verify") != 0) return cli_usage_error("expected: audit verify LOG");
  struct ds_err err = {0};
  uint64_t n = 0;
  char head[65];
  enum ds_status st = ds_audit_verify(argv[2], &n, head, &err);
  if (st == DS_E_TAMPERED) {
    fprintf(stderr, "%s: TAMPERED: %s\n", cli_prog, err.msg);
    return EXIT_GATE_FAILED;
  }
  if (st) return cli_error(&err);
  printf("%s: %llu records, chain intact, head %s\n", argv[2], (unsigned long long)n, head);
  return EXIT_OK;
}

const struct cli_command cmd_audit_info = {"audit", "verify the gate's tamper-evident audit log", usage, run};
