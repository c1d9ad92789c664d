/*
 * store_cli: what the store's `alpr` subcommands share: calling the store service (alpr-stored)
 * on its socket (--socket, else $ALPR_SOCKET, else the default), the session token file, reading
 * passwords without putting them on the command line, mapping store errors to exit codes, and
 * printing results as text / CSV / JSON. The subcommands are clients: the service alone opens
 * the store and enforces the policy.
 *
 * Session file: $ALPR_SESSION_FILE, else $XDG_RUNTIME_DIR/alpr/session-HASH, else
 * ~/.local/state/alpr/session-HASH, where HASH names the service (first 16 hex digits of the
 * SHA-256 of its socket's path). It holds the 64-hex-digit token, mode 0600 in a 0700 folder;
 * a file readable by group or others is refused. The service keeps only the token's SHA-256 and
 * honours it only from the OS account that logged on.
 *
 * ALPR_NOW (a time) is sent to the service as its test clock; only the test build of the
 * service accepts it (docs/STORE.md, "Trusted clock").
 *
 * Passwords: from the file descriptor given by --password-fd N (first line), else the named
 * environment variable, else a prompt on the terminal with echo off. Never from argv.
 */
#ifndef STORE_CLI_H
#define STORE_CLI_H

#include "cli.h"
#include "store.h"
#include "store_client.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A client of the service for cmd; with session, the token of `alpr login` is sent with every
 * call (none saved: "run alpr login first", CLI_EXIT_DENIED). Errors printed. Returns
 * CLI_EXIT_OK and *out (store_client_close it), or an exit code.
 */
int store_cli_connect(const struct cli_global *g, const char *cmd, int session,
                      struct store_client **out);

/*
 * Makes call (params borrowed; NULL: none). Returns CLI_EXIT_OK and *result (json_decref it;
 * result NULL: dropped), or prints "alpr CMD: WHAT: message" and returns the exit code (an
 * ended session also removes the token file).
 */
int store_cli_call(struct store_client *c, const struct cli_global *g, const char *cmd,
                   const char *what, const char *call, json_t *params, json_t **result);

/*
 * Prints rows (a JSON array of objects) as a table of the columns cols, in g's format. types
 * has one letter per column: 's' text, 'n' whole number, 'f' real with 3 decimals, 'g' real with
 * 6 decimals (GPS). JSON null prints as nothing (text, CSV) or null (JSON).
 */
void store_cli_print_rows(const struct cli_global *g, json_t *rows, const char *const *cols,
                          const char *types);

/* Builds a parameter object with json_pack(fmt, ...); exits the program out of memory. */
json_t *store_cli_params(const char *fmt, ...);

/*
 * The justification an access to reads gives (store_justify.h), as every command that reads
 * takes it: --purpose, --crime, --incident and, where non-governmental reads can be opened,
 * --warrant. One definition, so search, export and the alert list name and send them alike.
 */
struct store_cli_access {
    const char *purpose, *crime, *incident, *warrant;
};
#define STORE_CLI_ACCESS_OPTIONS                                                                   \
    {"purpose", required_argument, NULL, 'p'}, {"crime", required_argument, NULL, 'c'},            \
    {                                                                                              \
        "incident", required_argument, NULL, 'i'                                                   \
    }
#define STORE_CLI_WARRANT_OPTION                                                                   \
    {                                                                                              \
        "warrant", required_argument, NULL, 'w'                                                    \
    }

/* Takes getopt's option c ('p', 'c', 'i', 'w') with arg into a: 1 when it was one, else 0. */
int store_cli_access_option(int c, const char *arg, struct store_cli_access *a);

/* Sets a's given fields on params as purpose, crime_type, incident, warrant_ref. 0, or -1 when
 * one is not UTF-8 text (or memory ran out). The service checks them (and records a refusal). */
int store_cli_access_params(json_t *params, const struct store_cli_access *a);

/* Frees params after wiping its string values in place (they may hold passwords). */
void store_cli_params_wipe(json_t *params);

/* Writes the session file path for this service into buf. Returns 0 or -1 (too long). */
int store_cli_session_path(const struct cli_global *g, char *buf, size_t size);

/* Saves / loads / removes the session token (64 hex + NUL). Return 0 or -1 (errno set). */
int store_cli_token_save(const struct cli_global *g, const char *token);
int store_cli_token_load(const struct cli_global *g, char token[65]);
int store_cli_token_remove(const struct cli_global *g);

/*
 * Reads a password: from fd_arg (a decimal fd) if not NULL, else $env if set, else the terminal
 * with prompt. Returns CLI_EXIT_OK with buf filled (NUL-terminated, newline stripped), or an
 * exit code (errors printed).
 */
int store_cli_password(const char *cmd, const char *fd_arg, const char *env, const char *prompt,
                       char *buf, size_t size);

/* The CLI exit code for a STORE_ERR_*. */
int store_cli_exit(int err);

/* Prints "alpr CMD: WHAT: <store error text>" and returns store_cli_exit(err). */
int store_cli_fail(const char *cmd, const char *what, int err);

/* Parses a time option (store_time_parse formats); prints the error. 0 or CLI_EXIT_USAGE. */
int store_cli_time(const char *cmd, const char *opt, const char *text, int64_t *out);

/* Parses a positive record id; prints the error. 0 or CLI_EXIT_USAGE. */
int store_cli_id(const char *cmd, const char *what, const char *text, int64_t *out);

/*
 * Table output. cols names the columns; types has one letter per column: 's' string, 'n'
 * number (unquoted in JSON). Text: a header line and tab-separated rows; CSV: RFC 4180 with a
 * header; JSON: an array of objects.
 */
struct store_cli_table {
    enum cli_format fmt;
    FILE *out;
    const char *const *cols;
    const char *types;
    size_t ncols;
    size_t rows;
};
void store_cli_table_begin(struct store_cli_table *t, enum cli_format fmt, FILE *out,
                           const char *const *cols, const char *types);
void store_cli_table_row(struct store_cli_table *t, const char *const *vals);
void store_cli_table_end(struct store_cli_table *t);

#endif
