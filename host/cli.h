/*
 * cli: what every `alpr` subcommand shares: global options, output format, exit codes, and
 * small helpers for option parsing and error messages.
 *
 * A subcommand is a function `int cmd_NAME(int argc, char **argv, const struct cli_global *g)`
 * registered in host/alpr.c. argv[0] is the subcommand's name; the global options that came
 * before it have already been parsed into *g. It returns one of the CLI_EXIT_* codes.
 * Errors go to stderr, prefixed "alpr NAME: ", naming the file, line or field at fault.
 */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

/* Exit codes, the same for every subcommand (documented in README.md). */
enum cli_exit {
    CLI_EXIT_OK = 0,     /* everything asked was done */
    CLI_EXIT_FAIL = 1,   /* an operation failed, or some inputs could not be processed */
    CLI_EXIT_USAGE = 2,  /* bad command line */
    CLI_EXIT_DENIED = 3, /* authentication failed, or the policy refuses the access */
    CLI_EXIT_DATA = 4,   /* bad input data (malformed file, CSV row, frame) */
    CLI_EXIT_DEVICE = 5, /* no board, or the board went away */
};

enum cli_format { CLI_FORMAT_TEXT, CLI_FORMAT_JSON, CLI_FORMAT_CSV };

struct cli_global {
    const char *socket;     /* --socket, else $ALPR_SOCKET, else the service's default */
    enum cli_format format; /* --format/--json/--csv; subcommands may accept their own too */
    int verbose;            /* -v, repeatable */
    int quiet;              /* -q: no progress on stderr */
};

/* Prints "alpr CMD: MESSAGE\n" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Parses an output-format word ("text", "json", "csv") into *out.
 * Returns 0, or -1 for an unknown word (*out untouched).
 */
int cli_parse_format(const char *word, enum cli_format *out) __attribute__((warn_unused_result));

/*
 * Parses a decimal integer in [min, max] into *out.
 * Returns 0, or -1 when the text is not a whole number in range (*out untouched).
 */
int cli_parse_long(const char *text, long min, long max, long *out)
    __attribute__((warn_unused_result));

/* Writes s to f as a JSON string literal, quotes included. */
void cli_json_string(FILE *f, const char *s);

/* Writes s to f as one CSV field (RFC 4180 quoting when needed). */
void cli_csv_field(FILE *f, const char *s);

/*
 * The action word of a command that has several (`alpr audit verify ...`): with none, prints
 * usage to stderr and returns CLI_EXIT_USAGE; with --help or -h in its place, prints usage to
 * stdout and returns CLI_EXIT_OK; else sets *action, drops it from *argc / *argv (getopt_long
 * then sees the options after it) and returns -1.
 */
int cli_take_action(int *argc, char ***argv, void (*usage)(FILE *), const char **action);

#endif
