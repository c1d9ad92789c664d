/*
 * alpr: the project's command-line program. Git-style: `alpr [GLOBAL OPTIONS] COMMAND [ARGS]`.
 * This file only parses the global options and dispatches; each command lives in cmd_*.c and
 * the code they share lives in the libraries.
 */
#include "cli.h"
#include "commands.h"
#include "store_client.h"
#include "version.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv, const struct cli_global *g);
    const char *summary;
};

static const struct command commands[] = {
    {"scene", cmd_scene, "generate synthetic frames with plates and their ground truth"},
    {"read", cmd_read, "read the plates in image files through the board pipeline"},
    {"login", cmd_login, "log on to the store"},
    {"logout", cmd_logout, "end the store session"},
    {"user", cmd_user, "members: init, add, role, training, passwd, list"},
    {"search", cmd_search, "search stored reads for a stated purpose"},
    {"hotlist", cmd_hotlist, "import hotlists from CSV, list, remove"},
    {"alert", cmd_alert, "list hotlist alerts (a justified access) and record their verification"},
    {"policy", cmd_policy, "the justification rules: show; set the incident-number pattern"},
    {"hold", cmd_hold, "holds: warrants, preservation requests, disclosure orders"},
    {"export", cmd_export, "evidence export of held reads; chain of custody"},
    {"release", cmd_release, "release requests from other agencies"},
    {"purge", cmd_purge, "purge reads past the retention period"},
    {"audit", cmd_audit, "verify and list the tamper-evident audit log"},
    {"report", cmd_report, "audit reports and the public page"},
    {"device", cmd_device, "the camera board over USB: list, registers, counters, stream"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr [OPTIONS] COMMAND [ARGS]\n"
               "\n"
               "Edge ALPR stack: reads plates through the camera board (real, simulated or its\n"
               "C model) and keeps them in a policy-enforcing store.\n"
               "\n"
               "Options (before COMMAND):\n"
               "  --socket PATH      the store service's socket (default: $ALPR_SOCKET, else\n"
               "                     " STORE_CLIENT_DEFAULT_SOCKET ")\n"
               "  --format FMT       output: text (default), json or csv\n"
               "  --json, --csv      same as --format json / --format csv\n"
               "  -v, --verbose      more detail on stderr (repeatable)\n"
               "  -q, --quiet        no progress on stderr\n"
               "  -h, --help         this help; `alpr COMMAND --help` for a command's\n"
               "  -V, --version      print the version\n"
               "\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\nExit codes: 0 ok, 1 failure, 2 usage, 3 access denied, 4 bad data, 5 no device.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'c'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct cli_global g = {.format = CLI_FORMAT_TEXT};
    int c;

    /* '+' stops at the first non-option: what follows belongs to the command. */
    while ((c = getopt_long(argc, argv, "+vqhV", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            g.socket = optarg;
            break;
        case 'f':
            if (cli_parse_format(optarg, &g.format) != 0) {
                fprintf(stderr, "alpr: --format: unknown format '%s' (text, json, csv)\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'j':
            g.format = CLI_FORMAT_JSON;
            break;
        case 'c':
            g.format = CLI_FORMAT_CSV;
            break;
        case 'v':
            g.verbose++;
            break;
        case 'q':
            g.quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        case 'V':
            printf("alpr %s\n", ALPR_VERSION);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[optind], commands[i].name) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0; /* reset getopt for the command's own parsing */
            return commands[i].run(sub_argc, sub_argv, &g);
        }
    }
    fprintf(stderr, "alpr: unknown command '%s' (see alpr --help)\n", argv[optind]);
    return CLI_EXIT_USAGE;
}
