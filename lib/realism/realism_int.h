/* realism_int.h: internals of the realism judges, exposed for the fuzz target only (hidden
 * symbols, not part of the public API). */
#ifndef DS_REALISM_INT_H
#define DS_REALISM_INT_H

#include <stdbool.h>

/* Judge verdicts (model output): true with the choice ('A' or 'B') / awareness flag when
 * valid; *out_conf is the stated confidence or NAN. text may be NULL. */
bool realism_parse_discriminate(const char *text, char *out_choice, double *out_conf);
bool realism_parse_awareness(const char *text, bool *out_eval, double *out_conf);

#endif
