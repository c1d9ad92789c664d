/* store_cli: shared plumbing of the store's `alpr` subcommands (see store_cli.h). */
#include "store_cli.h"
#include "store_auth.h"

#include <stdarg.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* mkdir -p for the parent folders of path (mode 0700 for the ones created). */
static int make_parents(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (buf[i] != '/')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        buf[i] = '/';
    }
    return 0;
}

int store_cli_connect(const struct cli_global *g, const char *cmd, int session,
                      struct store_client **out)
{
    const char *now = getenv("ALPR_NOW");
    struct store_client *c;
    char token[65];
    if (store_client_open(g->socket, &c) != 0) {
        cli_error(cmd, "out of memory");
        return CLI_EXIT_FAIL;
    }
    if (now && *now)
        store_client_set_test_now(c, now);
    if (session) {
        if (store_cli_token_load(g, token) != 0) {
            cli_error(cmd, "%s: run `alpr login` first",
                      errno == EPERM ? "session file is readable by others; refused"
                                     : "not logged in");
            store_client_close(c);
            return CLI_EXIT_DENIED;
        }
        store_client_set_token(c, token);
        sodium_memzero(token, sizeof token);
    }
    *out = c;
    return CLI_EXIT_OK;
}

int store_cli_call(struct store_client *c, const struct cli_global *g, const char *cmd,
                   const char *what, const char *call, json_t *params, json_t **result)
{
    char err[512];
    json_t *r = NULL;
    int rc = store_client_call(c, call, params, &r, err, sizeof err);
    if (rc != 0) {
        cli_error(cmd, "%s: %s", what, err);
        if (rc == STORE_ERR_EXPIRED)
            (void)store_cli_token_remove(g);
        return store_cli_exit(rc);
    }
    if (result)
        *result = r;
    else
        json_decref(r);
    return CLI_EXIT_OK;
}

json_t *store_cli_params(const char *fmt, ...)
{
    json_error_t jerr;
    va_list ap;
    va_start(ap, fmt);
    json_t *v = json_vpack_ex(&jerr, 0, fmt, ap);
    va_end(ap);
    if (!v) {
        fprintf(stderr, "alpr: cannot build a request: %s\n", jerr.text);
        exit(CLI_EXIT_FAIL);
    }
    return v;
}

void store_cli_params_wipe(json_t *params)
{
    const char *key;
    json_t *v;
    json_object_foreach(params, key, v)
    {
        /* jansson keeps its own copy of each string; overwrite it before it is freed. */
        if (json_is_string(v))
            sodium_memzero((char *)json_string_value(v), json_string_length(v));
    }
    json_decref(params);
}

/* One JSON value as the table printer's text. */
static void cell(json_t *v, char type, char *buf, size_t size)
{
    if (!v || json_is_null(v))
        buf[0] = '\0';
    else if (json_is_string(v))
        snprintf(buf, size, "%s", json_string_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, size, "%d", json_is_true(v));
    else if (json_is_integer(v) && type != 'f' && type != 'g')
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_number(v))
        snprintf(buf, size, type == 'g' ? "%.6f" : "%.3f", json_number_value(v));
    else
        buf[0] = '\0';
}

void store_cli_print_rows(const struct cli_global *g, json_t *rows, const char *const *cols,
                          const char *types)
{
    struct store_cli_table tab;
    size_t ncols = strlen(types), i;
    json_t *row;
    char *cells = malloc(ncols * 1024);
    const char **vals = malloc(ncols * sizeof *vals);
    char numeric[64];
    if (!cells || !vals) {
        free(cells);
        free(vals);
        fprintf(stderr, "alpr: out of memory\n");
        return;
    }
    snprintf(numeric, sizeof numeric, "%s", types);
    for (size_t k = 0; k < ncols && k < sizeof numeric - 1; k++)
        numeric[k] = types[k] == 's' ? 's' : 'n';
    store_cli_table_begin(&tab, g->format, stdout, cols, numeric);
    json_array_foreach(rows, i, row)
    {
        for (size_t k = 0; k < ncols; k++) {
            cell(json_object_get(row, cols[k]), types[k], cells + k * 1024, 1024);
            vals[k] = cells + k * 1024;
        }
        store_cli_table_row(&tab, vals);
    }
    store_cli_table_end(&tab);
    free(cells);
    free(vals);
}

int store_cli_session_path(const struct cli_global *g, char *buf, size_t size)
{
    const char *env = getenv("ALPR_SESSION_FILE"), *run = getenv("XDG_RUNTIME_DIR");
    const char *home = getenv("HOME");
    char abs[PATH_MAX], hex[65];
    unsigned char h[crypto_hash_sha256_BYTES];
    int n;
    if (env && *env) {
        n = snprintf(buf, size, "%s", env);
        return n < 0 || (size_t)n >= size ? -1 : 0;
    }
    if (!realpath(store_client_socket_path(g->socket), abs))
        snprintf(abs, sizeof abs, "%s", store_client_socket_path(g->socket));
    crypto_hash_sha256(h, (const unsigned char *)abs, strlen(abs));
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    hex[16] = '\0';
    if (run && *run)
        n = snprintf(buf, size, "%s/alpr/session-%s", run, hex);
    else
        n = snprintf(buf, size, "%s/.local/state/alpr/session-%s", home && *home ? home : ".", hex);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int store_cli_token_save(const struct cli_global *g, const char *token)
{
    char path[4096];
    int fd;
    if (store_cli_session_path(g, path, sizeof path) != 0 || make_parents(path) != 0)
        return -1;
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    if (fchmod(fd, 0600) != 0 || write(fd, token, 64) != 64 || write(fd, "\n", 1) != 1) {
        close(fd);
        unlink(path);
        return -1;
    }
    return close(fd);
}

int store_cli_token_load(const struct cli_global *g, char token[65])
{
    char path[4096], buf[80];
    struct stat st;
    ssize_t n;
    int fd;
    if (store_cli_session_path(g, path, sizeof path) != 0)
        return -1;
    fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 64) {
        errno = EINVAL;
        return -1;
    }
    memcpy(token, buf, 64);
    token[64] = '\0';
    return 0;
}

int store_cli_token_remove(const struct cli_global *g)
{
    char path[4096];
    if (store_cli_session_path(g, path, sizeof path) != 0)
        return -1;
    return unlink(path);
}

static int read_line_fd(int fd, char *buf, size_t size)
{
    size_t n = 0;
    while (n + 1 < size) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || c == '\n')
            break;
        buf[n++] = c;
    }
    if (n && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return (int)n;
}

int store_cli_password(const char *cmd, const char *fd_arg, const char *env, const char *prompt,
                       char *buf, size_t size)
{
    const char *v = env ? getenv(env) : NULL;
    if (fd_arg) {
        long fd;
        if (cli_parse_long(fd_arg, 0, 1024, &fd) != 0) {
            cli_error(cmd, "--password-fd: not a file descriptor: '%s'", fd_arg);
            return CLI_EXIT_USAGE;
        }
        if (read_line_fd((int)fd, buf, size) <= 0) {
            cli_error(cmd, "no password on file descriptor %ld", fd);
            return CLI_EXIT_USAGE;
        }
        return CLI_EXIT_OK;
    }
    if (v && *v) {
        if (strlen(v) >= size) {
            cli_error(cmd, "$%s: password too long", env);
            return CLI_EXIT_USAGE;
        }
        snprintf(buf, size, "%s", v);
        return CLI_EXIT_OK;
    }
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (tty < 0) {
        cli_error(cmd, "no password: use --password-fd N or $%s (no terminal to ask)",
                  env ? env : "ALPR_PASSWORD");
        return CLI_EXIT_USAGE;
    }
    struct termios old, quiet;
    int have = tcgetattr(tty, &old) == 0;
    if (write(tty, prompt, strlen(prompt)) < 0) {
        /* The prompt is a courtesy; go on reading. */
    }
    if (have) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(tty, TCSAFLUSH, &quiet);
    }
    int n = read_line_fd(tty, buf, size);
    if (have)
        tcsetattr(tty, TCSAFLUSH, &old);
    if (write(tty, "\n", 1) < 0) {
        /* as above */
    }
    close(tty);
    if (n <= 0) {
        cli_error(cmd, "no password given");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

int store_cli_exit(int err)
{
    switch (err) {
    case STORE_OK:
        return CLI_EXIT_OK;
    case STORE_ERR_DENIED:
    case STORE_ERR_AUTH:
    case STORE_ERR_LOCKED:
    case STORE_ERR_EXPIRED:
    case STORE_ERR_TRAINING:
        return CLI_EXIT_DENIED;
    case STORE_ERR_INVALID:
        return CLI_EXIT_USAGE;
    case STORE_ERR_DATA:
        return CLI_EXIT_DATA;
    default:
        return CLI_EXIT_FAIL;
    }
}

int store_cli_fail(const char *cmd, const char *what, int err)
{
    cli_error(cmd, "%s: %s", what, store_strerror(err));
    return store_cli_exit(err);
}

int store_cli_time(const char *cmd, const char *opt, const char *text, int64_t *out)
{
    if (store_time_parse(text, out) != 0) {
        cli_error(cmd, "%s: not a time: '%s' (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or @SECONDS)", opt,
                  text);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int store_cli_id(const char *cmd, const char *what, const char *text, int64_t *out)
{
    long v;
    if (!text || cli_parse_long(text, 1, LONG_MAX, &v) != 0) {
        cli_error(cmd, "%s: not a record id: '%s'", what, text ? text : "");
        return CLI_EXIT_USAGE;
    }
    *out = v;
    return 0;
}

void store_cli_table_begin(struct store_cli_table *t, enum cli_format fmt, FILE *out,
                           const char *const *cols, const char *types)
{
    t->fmt = fmt;
    t->out = out;
    t->cols = cols;
    t->types = types;
    t->ncols = strlen(types);
    t->rows = 0;
    if (fmt == CLI_FORMAT_JSON) {
        fputc('[', out);
        return;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        if (i)
            fputc(fmt == CLI_FORMAT_CSV ? ',' : '\t', out);
        fputs(cols[i], out);
    }
    fputc('\n', out);
}

void store_cli_table_row(struct store_cli_table *t, const char *const *vals)
{
    if (t->fmt == CLI_FORMAT_JSON) {
        fputs(t->rows ? ",\n  {" : "\n  {", t->out);
        for (size_t i = 0; i < t->ncols; i++) {
            if (i)
                fputs(", ", t->out);
            cli_json_string(t->out, t->cols[i]);
            fputs(": ", t->out);
            if (t->types[i] == 'n' && vals[i][0])
                fputs(vals[i], t->out);
            else if (t->types[i] == 'n')
                fputs("null", t->out);
            else
                cli_json_string(t->out, vals[i]);
        }
        fputc('}', t->out);
    } else {
        for (size_t i = 0; i < t->ncols; i++) {
            if (i)
                fputc(t->fmt == CLI_FORMAT_CSV ? ',' : '\t', t->out);
            if (t->fmt == CLI_FORMAT_CSV)
                cli_csv_field(t->out, vals[i]);
            else
                fputs(vals[i], t->out);
        }
        fputc('\n', t->out);
    }
    t->rows++;
}

void store_cli_table_end(struct store_cli_table *t)
{
    if (t->fmt == CLI_FORMAT_JSON)
        fputs(t->rows ? "\n]\n" : "]\n", t->out);
}

int store_cli_access_option(int c, const char *arg, struct store_cli_access *a)
{
    const char **field = c == 'p'   ? &a->purpose
                         : c == 'c' ? &a->crime
                         : c == 'i' ? &a->incident
                         : c == 'w' ? &a->warrant
                                    : NULL;
    if (!field)
        return 0;
    *field = arg;
    return 1;
}

static int put_text(json_t *params, const char *key, const char *text)
{
    return text ? json_object_set_new(params, key, json_string(text)) : 0;
}

int store_cli_access_params(json_t *params, const struct store_cli_access *a)
{
    if (put_text(params, "purpose", a->purpose) != 0 ||
        put_text(params, "crime_type", a->crime) != 0 ||
        put_text(params, "incident", a->incident) != 0 ||
        put_text(params, "warrant_ref", a->warrant) != 0)
        return -1;
    return 0;
}
