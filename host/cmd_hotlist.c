/*
 * alpr hotlist: import hotlists from CSV (all or nothing), list them, remove one. A client of the
 * store service: calls hotlist.import, hotlist.list and hotlist.remove (docs/STORE-API.md). The
 * CSV is read here, with the caller's permissions, and sent as text.
 */
#include "commands.h"
#include "store_api.h"
#include "store_cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CMD[] = "hotlist";

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr hotlist import FILE.csv --name NAME\n"
               "       alpr hotlist list\n"
               "       alpr hotlist remove ID\n"
               "\n"
               "CSV: UTF-8, a header row, then one entry per row. Columns: plate, state, reason,\n"
               "source, expiry (YYYY-MM-DD) required; incident, nic, ori, vehicle optional. A\n"
               "plate with ? or * is a partial plate and must name its incident. Any bad row\n"
               "rejects the whole file; each is reported as FILE:LINE: field: message (exit 4).\n"
               "Import and remove: investigators and administrators.\n");
}

/* Reads at most max + 1 bytes of path (NUL-terminated); NULL when it cannot. */
static char *read_file(const char *path, size_t max, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!fp)
        return NULL;
    for (;;) {
        if (n == cap) {
            if (cap >= max + 1)
                break;
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(buf, cap + 1);
            if (!p) {
                free(buf);
                fclose(fp);
                return NULL;
            }
            buf = p;
        }
        size_t r = fread(buf + n, 1, cap - n, fp);
        n += r;
        if (r == 0)
            break;
    }
    fclose(fp);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static size_t line_of(const char *data, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += data[i] == '\n';
    return line;
}

/*
 * The CSV as a JSON string, or NULL with the reason printed as FILE:LINE: message: a NUL byte
 * or bytes that are not UTF-8 cannot travel as JSON text.
 */
static json_t *csv_text(const char *path, const char *data, size_t len)
{
    const char *nul = memchr(data, '\0', len);
    json_t *v;
    if (nul) {
        fprintf(stderr, "%s:%zu: NUL byte in field\n", path, line_of(data, (size_t)(nul - data)));
        return NULL;
    }
    if ((v = json_stringn(data, len)) != NULL)
        return v;
    /* '\n' is never part of a multi-byte UTF-8 character: the lines can be checked one by one. */
    for (size_t start = 0, line = 1; start < len; line++) {
        const char *end = memchr(data + start, '\n', len - start);
        size_t n = end ? (size_t)(end - (data + start)) : len - start;
        json_t *l = json_stringn(data + start, n);
        if (!l) {
            fprintf(stderr, "%s:%zu: not UTF-8 text\n", path, line);
            return NULL;
        }
        json_decref(l);
        start += n + 1;
    }
    fprintf(stderr, "%s: cannot be sent (out of memory)\n", path);
    return NULL;
}

/* Prints an import's result; the exit code. */
static int import_report(const struct cli_global *g, const char *path, json_t *res)
{
    json_t *errors = json_object_get(res, "errors"), *e;
    size_t i;
    if (json_is_true(json_object_get(res, "imported"))) {
        if (!g->quiet)
            printf("hotlist %lld: %lld entries imported\n",
                   (long long)json_integer_value(json_object_get(res, "hotlist_id")),
                   (long long)json_integer_value(json_object_get(res, "entries")));
        return CLI_EXIT_OK;
    }
    json_array_foreach(errors, i, e)
    {
        const char *field = json_string_value(json_object_get(e, "field"));
        fprintf(stderr, "%s:%lld: %s%s%s\n", path,
                (long long)json_integer_value(json_object_get(e, "line")), field ? field : "",
                field && *field ? ": " : "", json_string_value(json_object_get(e, "message")));
    }
    if ((json_int_t)json_array_size(errors) < json_integer_value(json_object_get(res, "n_errors")))
        fprintf(stderr, "%s: ... %lld errors in all\n", path,
                (long long)json_integer_value(json_object_get(res, "n_errors")));
    cli_error(CMD, "%s: nothing imported", path);
    return CLI_EXIT_DATA;
}

/* The hotlist.import request for the file path, or NULL with *rc set (errors printed). */
static json_t *import_request(const char *path, const char *name, int *rc)
{
    size_t len = 0, body;
    char *data = read_file(path, STORE_API_MAX_BODY, &len);
    json_t *text, *p;
    *rc = CLI_EXIT_DATA;
    if (!data) {
        cli_error(CMD, "%s: cannot read", path);
        *rc = CLI_EXIT_FAIL;
        return NULL;
    }
    text = len > STORE_API_MAX_BODY ? NULL : csv_text(path, data, len);
    free(data);
    if (!text) {
        if (len > STORE_API_MAX_BODY)
            cli_error(CMD, "%s: larger than %u bytes", path, STORE_API_MAX_BODY);
        cli_error(CMD, "%s: nothing imported", path);
        return NULL;
    }
    p = store_cli_params("{s:s,s:o}", "name", name, "csv", text);
    /* Quotes and line ends grow in JSON: what counts is the request the service receives. */
    if ((body = json_dumpb(p, NULL, 0, JSON_COMPACT)) > STORE_API_MAX_BODY) {
        cli_error(CMD, "%s: %zu bytes as a request, the service takes at most %u", path, body,
                  STORE_API_MAX_BODY);
        json_decref(p);
        return NULL;
    }
    *rc = CLI_EXIT_OK;
    return p;
}

static int run_import(const struct cli_global *g, struct store_client *s, const char *path,
                      const char *name)
{
    json_t *params, *res = NULL;
    int rc;
    if (!(params = import_request(path, name, &rc)))
        return rc;
    rc = store_cli_call(s, g, CMD, path, "hotlist.import", params, &res);
    if (rc == CLI_EXIT_OK)
        rc = import_report(g, path, res);
    json_decref(params);
    json_decref(res);
    return rc;
}

static int run_list(const struct cli_global *g, struct store_client *s)
{
    static const char *const cols[] = {"id", "name", "imported", "by", "entries", "removed"};
    json_t *res = NULL;
    int rc = store_cli_call(s, g, CMD, "list", "hotlist.list", NULL, &res);
    if (rc == CLI_EXIT_OK)
        store_cli_print_rows(g, res, cols, "nsssnn");
    json_decref(res);
    return rc;
}

static int run_remove(const struct cli_global *g, struct store_client *s, int64_t id)
{
    json_t *params = store_cli_params("{s:I}", "hotlist_id", (json_int_t)id);
    int rc = store_cli_call(s, g, CMD, "remove", "hotlist.remove", params, NULL);
    if (rc == CLI_EXIT_OK && !g->quiet)
        printf("hotlist %lld removed from matching (kept on file)\n", (long long)id);
    json_decref(params);
    return rc;
}

int cmd_hotlist(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {{"name", required_argument, NULL, 'n'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct store_client *s = NULL;
    const char *name = NULL, *action;
    int64_t id = 0;
    int c, rc;
    if ((rc = cli_take_action(&argc, &argv, usage, &action)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'n') {
            name = optarg;
        } else if (c == 'h') {
            usage(stdout);
            return CLI_EXIT_OK;
        } else {
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    const char *arg = optind < argc ? argv[optind] : NULL;
    if (strcmp(action, "import") == 0 && (!arg || !name)) {
        cli_error(CMD, "import needs FILE and --name NAME");
        return CLI_EXIT_USAGE;
    }
    if (strcmp(action, "remove") == 0 && (rc = store_cli_id(CMD, "remove", arg, &id)) != 0)
        return rc;
    if (strcmp(action, "import") != 0 && strcmp(action, "list") != 0 &&
        strcmp(action, "remove") != 0) {
        cli_error(CMD, "unknown action '%s' (import, list, remove)", action);
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_connect(g, CMD, 1, &s)) != CLI_EXIT_OK)
        return rc;
    if (action[0] == 'i')
        rc = run_import(g, s, arg, name);
    else if (action[0] == 'l')
        rc = run_list(g, s);
    else
        rc = run_remove(g, s, id);
    store_client_close(s);
    return rc;
}
