/* cli_realism.h: the option parsing and output shared by discriminate and awareness. */
#ifndef DS_CLI_REALISM_H
#define DS_CLI_REALISM_H
int cli_realism_main(int argc, char **argv, int discriminate);
#endif
