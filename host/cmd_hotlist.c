/* alpr hotlist: import hotlists from CSV (all or nothing), list them, remove one. */
#include "commands.h"
#include "store_cli.h"
#include "store_hotlist.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr hotlist import FILE.csv --name NAME\n"
               "       alpr hotlist list\n"
               "       alpr hotlist remove ID\n"
               "\n"
               "CSV: a header row, then one entry per row. Columns: plate, state, reason, source,\n"
               "expiry (YYYY-MM-DD) required; incident, nic, ori, vehicle optional. A plate with\n"
               "? or * is a partial plate and must name its incident. Any bad row rejects the\n"
               "whole file; each is reported as FILE:LINE: field: message (exit 4).\n"
               "Import and remove: investigators and administrators.\n");
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!fp)
        return NULL;
    for (;;) {
        if (n == cap) {
            if (cap >= STORE_CSV_MAX_BYTES + 1)
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

int cmd_hotlist(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {{"name", required_argument, NULL, 'n'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct store_session sess;
    struct store *s = NULL;
    const char *name = NULL, *action;
    int c, rc, err = 0;
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
    if ((rc = store_cli_open(g, "hotlist", &s)) != 0)
        return rc;
    if ((rc = store_cli_session(s, g, "hotlist", &sess)) != 0)
        goto out;
    if (strcmp(action, "import") == 0) {
        struct store_import_result *res;
        size_t len = 0;
        char *data;
        if (!arg || !name) {
            cli_error("hotlist", "import needs FILE and --name NAME");
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        data = read_file(arg, &len);
        if (!data) {
            cli_error("hotlist", "%s: cannot read", arg);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        if (len > STORE_CSV_MAX_BYTES) {
            cli_error("hotlist", "%s: larger than %u bytes", arg, STORE_CSV_MAX_BYTES);
            free(data);
            rc = CLI_EXIT_DATA;
            goto out;
        }
        res = malloc(sizeof *res);
        if (!res) {
            free(data);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        err = store_hotlist_import_csv(s, &sess, name, data, len, res);
        free(data);
        if (err == STORE_ERR_DATA) {
            for (size_t i = 0; i < res->n_errors && i < STORE_CSV_MAX_ERRORS; i++)
                fprintf(stderr, "%s:%zu: %s%s%s\n", arg, res->errors[i].line, res->errors[i].field,
                        res->errors[i].field[0] ? ": " : "", res->errors[i].message);
            if (res->n_errors > STORE_CSV_MAX_ERRORS)
                fprintf(stderr, "%s: ... %zu errors in all\n", arg, res->n_errors);
            cli_error("hotlist", "%s: nothing imported", arg);
            rc = CLI_EXIT_DATA;
        } else if (err) {
            rc = store_cli_fail("hotlist", arg, err);
        } else if (!g->quiet) {
            printf("hotlist %lld: %zu entries imported\n", (long long)res->hotlist_id,
                   res->n_entries);
        }
        free(res);
    } else if (strcmp(action, "list") == 0) {
        static const char *const cols[] = {"id", "name", "imported", "by", "entries", "removed"};
        struct store_hotlist_list *l = NULL;
        struct store_cli_table tab;
        if ((err = store_hotlist_list(s, &sess, &l)) != 0) {
            rc = store_cli_fail("hotlist", "list", err);
            goto out;
        }
        store_cli_table_begin(&tab, g->format, stdout, cols, "nsssnn");
        for (size_t i = 0; i < l->n; i++) {
            char id[24], t[32], n[24], rm[4];
            snprintf(id, sizeof id, "%lld", (long long)l->items[i].id);
            store_time_format(l->items[i].imported_at, t, sizeof t);
            snprintf(n, sizeof n, "%lld", (long long)l->items[i].n_entries);
            snprintf(rm, sizeof rm, "%d", l->items[i].removed);
            const char *vals[] = {id, l->items[i].name, t, l->items[i].imported_by, n, rm};
            store_cli_table_row(&tab, vals);
        }
        store_cli_table_end(&tab);
        store_hotlist_list_free(l);
    } else if (strcmp(action, "remove") == 0) {
        int64_t id;
        if ((rc = store_cli_id("hotlist", "remove", arg, &id)) != 0)
            goto out;
        if ((err = store_hotlist_remove(s, &sess, id)) != 0)
            rc = store_cli_fail("hotlist", "remove", err);
        else if (!g->quiet)
            printf("hotlist %lld removed from matching (kept on file)\n", (long long)id);
    } else {
        cli_error("hotlist", "unknown action '%s' (import, list, remove)", action);
        rc = CLI_EXIT_USAGE;
    }
out:
    store_close(s);
    return rc;
}
