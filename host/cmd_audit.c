/* alpr audit: verify the hash-chained audit log; list its entries (auditors, administrators). */
#include "commands.h"
#include "store_audit.h"
#include "store_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define MAX_ANCHOR_FILES 8

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr audit verify [--anchor FILE]... [--no-journal] [--expect-head HASH]\n"
               "       alpr audit list [--from T] [--to T] [--member NAME] [--event PREFIX]"
               " [--limit N]\n"
               "\n"
               "verify walks the whole chain (hashes, MACs under the audit key, the covered\n"
               "tables against their chained rows) and says where it breaks (exit 1). Then it\n"
               "checks the latest anchor (a head recorded outside the store) it finds in each\n"
               "--anchor FILE (the service's anchor file, an evidence bundle's, a public page)\n"
               "and in the journal (journalctl -t alpr-stored, unless --no-journal): a\n"
               "chain shorter than an anchor, or with another hash at its entry, was truncated\n"
               "or rewritten. --expect-head HASH: a head written down earlier.\n"
               "Reading the log is audited too. Auditors and administrators.\n");
}

/* The anchor with the highest id among the lines of fp, into best (id 0 when none). */
static void latest_anchor(FILE *fp, struct store_audit_head *best)
{
    char line[1024];
    struct store_audit_head h;
    while (fgets(line, sizeof line, fp))
        if (store_audit_anchor_parse(line, &h) == 0 && h.id > best->id)
            *best = h;
}

/* Adds the latest anchor of path to list. 0, or CLI_EXIT_FAIL (said). */
static int anchor_from_file(const char *path, json_t *list)
{
    struct store_audit_head h = {0};
    char line[256];
    FILE *fp = fopen(path, "re");
    if (!fp) {
        cli_error("audit", "--anchor %s: %s", path, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    latest_anchor(fp, &h);
    fclose(fp);
    if (h.id == 0) {
        cli_error("audit", "--anchor %s: no " STORE_AUDIT_ANCHOR_PREFIX " line in it", path);
        return CLI_EXIT_FAIL;
    }
    if (store_audit_anchor_format(&h, line, sizeof line) != 0 ||
        json_array_append_new(list, json_string(line)) != 0)
        return CLI_EXIT_FAIL;
    return 0;
}

/* Adds the journal's latest anchor (the service's stderr lines) to list, when it can read one. */
static void anchor_from_journal(json_t *list)
{
    struct store_audit_head h = {0};
    char line[256];
    FILE *fp = popen("journalctl -q -o cat -t alpr-stored --no-pager -n 100000 2>/dev/null", "r");
    if (!fp)
        return;
    latest_anchor(fp, &h);
    pclose(fp);
    if (h.id && store_audit_anchor_format(&h, line, sizeof line) == 0)
        (void)!json_array_append_new(list, json_string(line));
}

static int print_verify(const struct cli_global *g, json_t *res, const char *expect)
{
    long long entries = (long long)json_integer_value(json_object_get(res, "entries"));
    const char *head = json_string_value(json_object_get(res, "head"));
    const char *problem = json_string_value(json_object_get(res, "problem"));
    if (!json_is_true(json_object_get(res, "ok"))) {
        cli_error("audit", "TAMPERED at entry %lld: %s",
                  (long long)json_integer_value(json_object_get(res, "bad_id")),
                  problem ? problem : "(no detail)");
        return CLI_EXIT_FAIL;
    }
    long long anchor = (long long)json_integer_value(json_object_get(res, "anchor_id"));
    long long keyed = (long long)json_integer_value(json_object_get(res, "first_keyed"));
    if (g->format == CLI_FORMAT_JSON) {
        printf("{\"ok\": true, \"entries\": %lld, \"head\": \"%s\", \"first_keyed\": %lld,"
               " \"anchor_id\": %lld}\n",
               entries, head ? head : "", keyed, anchor);
    } else {
        printf("audit log verified: %lld entries, head %s, keyed from entry %lld\n", entries,
               head ? head : "", keyed);
        if (anchor)
            printf("anchor at entry %lld matches\n", anchor);
        else
            printf("no anchor found (--anchor FILE, the journal): truncation of the newest "
                   "entries would not show\n");
    }
    /* The head moves with every entry, the check included: compare the one printed. */
    if (!expect)
        return CLI_EXIT_OK;
    if (!json_is_true(json_object_get(res, "expect_head_found"))) {
        cli_error("audit", "--expect-head %s is not in the chain: it was rewritten", expect);
        return CLI_EXIT_FAIL;
    }
    if (!g->quiet)
        printf("recorded head %s found: the chain up to it is intact\n", expect);
    return CLI_EXIT_OK;
}

int cmd_audit(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {
        {"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
        {"member", required_argument, NULL, 'm'}, {"event", required_argument, NULL, 'e'},
        {"limit", required_argument, NULL, 'l'},  {"expect-head", required_argument, NULL, 'x'},
        {"anchor", required_argument, NULL, 'a'}, {"no-journal", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    struct store_client *s = NULL;
    const char *member = NULL, *event = NULL, *expect = NULL, *action, *call;
    const char *anchor_files[MAX_ANCHOR_FILES];
    size_t n_anchor_files = 0;
    int journal = 1;
    json_t *params, *res = NULL;
    int64_t from = 0, to = 0;
    long limit = 0;
    int c, rc;
    if ((rc = cli_take_action(&argc, &argv, usage, &action)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'f':
            if ((rc = store_cli_time("audit", "--from", optarg, &from)) != 0)
                return rc;
            break;
        case 't':
            if ((rc = store_cli_time("audit", "--to", optarg, &to)) != 0)
                return rc;
            break;
        case 'm':
            member = optarg;
            break;
        case 'e':
            event = optarg;
            break;
        case 'x':
            expect = optarg;
            break;
        case 'a':
            if (n_anchor_files == MAX_ANCHOR_FILES) {
                cli_error("audit", "--anchor: at most %d files", MAX_ANCHOR_FILES);
                return CLI_EXIT_USAGE;
            }
            anchor_files[n_anchor_files++] = optarg;
            break;
        case 'J':
            journal = 0;
            break;
        case 'l':
            if (cli_parse_long(optarg, 1, 1000000, &limit) != 0) {
                cli_error("audit", "--limit: 1..1000000, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (strcmp(action, "verify") == 0) {
        if (expect && strlen(expect) != 64) {
            cli_error("audit", "--expect-head: a head hash is 64 hex digits");
            return CLI_EXIT_USAGE;
        }
        json_t *anchors = json_array();
        call = "audit.verify";
        for (size_t i = 0; anchors && i < n_anchor_files; i++)
            if ((rc = anchor_from_file(anchor_files[i], anchors)) != 0) {
                json_decref(anchors);
                return rc;
            }
        if (journal && anchors)
            anchor_from_journal(anchors);
        params = expect ? store_cli_params("{s:s}", "expect_head", expect) : store_cli_params("{}");
        if (!anchors || json_object_set_new(params, "anchors", anchors) != 0) {
            json_decref(params);
            return CLI_EXIT_FAIL;
        }
    } else if (strcmp(action, "list") == 0) {
        call = "audit.list";
        params = store_cli_params("{}");
        if ((from && json_object_set_new(params, "from", json_integer(from)) != 0) ||
            (to && json_object_set_new(params, "to", json_integer(to)) != 0) ||
            (member && json_object_set_new(params, "member", json_string(member)) != 0) ||
            (event && json_object_set_new(params, "event", json_string(event)) != 0) ||
            (limit && json_object_set_new(params, "limit", json_integer(limit)) != 0)) {
            cli_error("audit", "--member and --event take UTF-8 text");
            json_decref(params);
            return CLI_EXIT_USAGE;
        }
    } else {
        cli_error("audit", "unknown action '%s' (verify, list)", action);
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_connect(g, "audit", 1, &s)) == 0)
        rc = store_cli_call(s, g, "audit", action, call, params, &res);
    store_client_close(s);
    json_decref(params);
    if (rc == 0 && call[6] == 'v') {
        rc = print_verify(g, res, expect);
    } else if (rc == 0) {
        static const char *const cols[] = {"id", "time", "member", "event", "params", "outcome"};
        store_cli_print_rows(g, res, cols, "nsssss");
    }
    json_decref(res);
    return rc;
}
