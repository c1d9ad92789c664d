/*
 * commands: the `alpr` subcommands, one function each (see cli.h for the calling contract).
 * Each lives in host/cmd_NAME.c and is listed in the table of host/alpr.c.
 */
#ifndef COMMANDS_H
#define COMMANDS_H

#include "cli.h"

int cmd_scene(int argc, char **argv, const struct cli_global *g);

#endif
