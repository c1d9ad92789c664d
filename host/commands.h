/*
 * commands: the `alpr` subcommands, one function each (see cli.h for the calling contract).
 * Each lives in host/cmd_NAME.c and is listed in the table of host/alpr.c.
 */
#ifndef COMMANDS_H
#define COMMANDS_H

#include "cli.h"

int cmd_scene(int argc, char **argv, const struct cli_global *g);
int cmd_login(int argc, char **argv, const struct cli_global *g);
int cmd_read(int argc, char **argv, const struct cli_global *g);
int cmd_logout(int argc, char **argv, const struct cli_global *g);
int cmd_user(int argc, char **argv, const struct cli_global *g);
int cmd_search(int argc, char **argv, const struct cli_global *g);
int cmd_hotlist(int argc, char **argv, const struct cli_global *g);
int cmd_alert(int argc, char **argv, const struct cli_global *g);
int cmd_policy(int argc, char **argv, const struct cli_global *g);
int cmd_hold(int argc, char **argv, const struct cli_global *g);
int cmd_export(int argc, char **argv, const struct cli_global *g);
int cmd_release(int argc, char **argv, const struct cli_global *g);
int cmd_purge(int argc, char **argv, const struct cli_global *g);
int cmd_audit(int argc, char **argv, const struct cli_global *g);
int cmd_report(int argc, char **argv, const struct cli_global *g);
int cmd_device(int argc, char **argv, const struct cli_global *g);

#endif
