/*
 * alpr export: evidence export of a hold's reads (justified like a search), chain-of-custody
 * entries written into the bundle, verification of a bundle, and the copies of reads outside
 * the store (list, prune).
 */
#include "commands.h"
#include "store_cli.h"
#include "store_cli_export.h"
#include "store_export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char CMD[] = "export";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: alpr export HOLD_ID --out DIR ACCESS [--note TEXT]\n"
            "       alpr export custody EXPORT_ID --action TEXT [--note TEXT] [--bundle DIR]\n"
            "       alpr export verify BUNDLE [--pubkey KEY|FILE]\n"
            "       alpr export key\n"
            "       alpr export list [--flagged]\n"
            "       alpr export prune [--yes]\n"
            "\n"
            "ACCESS (required, recorded in the search register with the number of reads):\n"
            "  --purpose P     investigation | warrant | missing-person | stolen-vehicle\n"
            "  --crime TYPE    crime type, e.g. robbery\n"
            "  --incident NUM  incident or case number\n"
            "  --warrant REF   reference of an active warrant/court-order hold\n"
            "\n"
            "Writes the reads of an active hold into DIR (created 0700; must not exist; files\n"
            "0600): reads.csv, images/, EXPORT.txt, AUDIT-HEAD, UNIT.pub, MANIFEST.sha256, its\n"
            "signature MANIFEST.sig (the unit's Ed25519 key) and custody.txt, and registers the\n"
            "bundle as a copy outside the store. `custody` adds a signed entry and appends it to\n"
            "the bundle's custody.txt (DIR recorded with the export, or --bundle DIR). `verify`\n"
            "checks the signature, every file against the manifest (no extra, missing or\n"
            "changed file) and the custody chain, against the unit's key (--pubkey, else the\n"
            "service's). `key` prints the unit's public key. `list` shows the registered copies\n"
            "(--flagged: those whose reads were purged); `prune` deletes your flagged copies\n"
            "(without --yes it only says what it would delete).\n"
            "Investigators and administrators; list also auditors; verify and key anybody.\n");
}

/* Adds text (if any) to params under key; text that is not UTF-8 is a usage error. */
static int add_text(json_t *params, const char *key, const char *text)
{
    if (!text || json_object_set_new(params, key, json_string(text)) == 0)
        return 0;
    cli_error(CMD, "'%s': not valid UTF-8 text", text);
    return CLI_EXIT_USAGE;
}

static int access_params(json_t *params, const struct store_cli_access *a)
{
    if (store_cli_access_params(params, a) == 0)
        return 0;
    cli_error(CMD, "--purpose, --crime, --incident, --warrant: not valid UTF-8 text");
    return CLI_EXIT_USAGE;
}

static void print_export(const struct cli_global *g, json_t *res, const char *out_dir)
{
    long long export_id = (long long)json_integer_value(json_object_get(res, "export"));
    long long reads = (long long)json_integer_value(json_object_get(res, "reads"));
    long long images = (long long)json_integer_value(json_object_get(res, "images"));
    const char *manifest = json_string_value(json_object_get(res, "manifest_sha256"));
    if (g->format == CLI_FORMAT_JSON)
        printf("{\"export\": %lld, \"reads\": %lld, \"images\": %lld, \"manifest_sha256\": "
               "\"%s\"}\n",
               export_id, reads, images, manifest);
    else
        printf("export %lld: %lld reads, %lld images in %s\nmanifest sha256 %s\n", export_id, reads,
               images, out_dir, manifest);
}

struct opts {
    const char *out, *note, *action, *bundle, *pubkey;
    struct store_cli_access access;
    int flagged, yes;
};

/* Parses the options of every form into o. Returns -1 to go on, else an exit code. */
static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {{"out", required_argument, NULL, 'o'},
                                       {"note", required_argument, NULL, 'n'},
                                       {"action", required_argument, NULL, 'a'},
                                       {"bundle", required_argument, NULL, 'b'},
                                       {"pubkey", required_argument, NULL, 'k'},
                                       STORE_CLI_ACCESS_OPTIONS,
                                       STORE_CLI_WARRANT_OPTION,
                                       {"flagged", no_argument, NULL, 'F'},
                                       {"yes", no_argument, NULL, 'y'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (store_cli_access_option(c, optarg, &o->access))
            continue;
        switch (c) {
        case 'o':
            o->out = optarg;
            break;
        case 'n':
            o->note = optarg;
            break;
        case 'a':
            o->action = optarg;
            break;
        case 'b':
            o->bundle = optarg;
            break;
        case 'k':
            o->pubkey = optarg;
            break;
        case 'F':
            o->flagged = 1;
            break;
        case 'y':
            o->yes = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    return -1;
}

static int do_export(const struct cli_global *g, int64_t hold, const struct opts *o)
{
    struct store_client *s = NULL;
    json_t *params, *res = NULL;
    int rc;
    if (!o->out) {
        cli_error(CMD, "--out DIR is required");
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_connect(g, CMD, 1, &s)) != 0)
        return rc;
    params = store_cli_params("{s:I}", "hold", (json_int_t)hold);
    if (!(rc = add_text(params, "note", o->note)) && !(rc = access_params(params, &o->access)) &&
        !(rc = store_cli_export(s, g, CMD, "export", params, o->out, &res)))
        print_export(g, res, o->out);
    json_decref(params);
    json_decref(res);
    store_client_close(s);
    return rc;
}

/* A custody entry: recorded by the service, then appended to the bundle's custody.txt. */
static int do_custody(const struct cli_global *g, int64_t id, const struct opts *o)
{
    struct store_client *s = NULL;
    json_t *params, *res = NULL;
    char msg[600];
    size_t appended = 0;
    int rc;
    if (!o->action) {
        cli_error(CMD, "custody needs --action");
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_connect(g, CMD, 1, &s)) != 0)
        return rc;
    params = store_cli_params("{s:I}", "export", (json_int_t)id);
    if (!(rc = add_text(params, "action", o->action)) &&
        !(rc = add_text(params, "note", o->note)) &&
        !(rc = store_cli_call(s, g, CMD, "custody", "custody.add", params, &res))) {
        const char *dir = o->bundle ? o->bundle : json_string_value(json_object_get(res, "dir"));
        long long seq = (long long)json_integer_value(json_object_get(res, "seq"));
        if (!dir || store_cli_custody_sync(dir, json_object_get(res, "lines"), &appended, msg,
                                           sizeof msg) != 0) {
            cli_error(CMD,
                      "custody entry %lld of export %lld is recorded, but %s; the next entry"
                      " added with --bundle DIR appends every missing line",
                      seq, (long long)id, dir ? msg : "the export has no folder on record");
            rc = CLI_EXIT_FAIL;
        } else if (!g->quiet) {
            printf("custody entry %lld added to export %lld; %zu line(s) appended to "
                   "%s/" STORE_BUNDLE_CUSTODY "\n",
                   seq, (long long)id, appended, dir);
        }
    }
    json_decref(params);
    json_decref(res);
    store_client_close(s);
    return rc;
}

/* The unit's public key from the service into hex. CLI_EXIT_OK or an exit code (printed). */
static int service_key(const struct cli_global *g, char hex[STORE_PUBKEY_HEX])
{
    struct store_client *s = NULL;
    json_t *res = NULL;
    int rc = store_cli_connect(g, CMD, 0, &s);
    if (rc == 0 && (rc = store_cli_call(s, g, CMD, "key", "unit.key", NULL, &res)) == 0) {
        const char *k = json_string_value(json_object_get(res, "public_key"));
        if (!k || strlen(k) != STORE_PUBKEY_HEX - 1) {
            cli_error(CMD, "the service sent no public key");
            rc = CLI_EXIT_FAIL;
        } else {
            memcpy(hex, k, STORE_PUBKEY_HEX);
        }
    }
    json_decref(res);
    store_client_close(s);
    return rc;
}

/* --pubkey: 64 hex digits, or a file holding them (optionally as "ed25519 HEX", e.g. UNIT.pub). */
static int pubkey_arg(const char *arg, char hex[STORE_PUBKEY_HEX])
{
    char buf[256] = "";
    const char *k = arg;
    if (strlen(arg) != STORE_PUBKEY_HEX - 1) {
        int fd = open(arg, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n < 0) {
            cli_error(CMD, "--pubkey: %s: %s", arg, strerror(errno));
            return CLI_EXIT_USAGE;
        }
        buf[n] = '\0';
        k = strncmp(buf, "ed25519 ", 8) == 0 ? buf + 8 : buf;
    }
    if (strspn(k, "0123456789abcdefABCDEF") != STORE_PUBKEY_HEX - 1) {
        cli_error(CMD, "--pubkey: 64 hex digits, or a file holding them");
        return CLI_EXIT_USAGE;
    }
    memcpy(hex, k, STORE_PUBKEY_HEX - 1);
    hex[STORE_PUBKEY_HEX - 1] = '\0';
    return CLI_EXIT_OK;
}

static int do_verify(const struct cli_global *g, const char *dir, const struct opts *o)
{
    struct store_bundle_check chk;
    char hex[STORE_PUBKEY_HEX], msg[600];
    const char *want = hex;
    int rc;
    if (o->pubkey)
        rc = pubkey_arg(o->pubkey, hex);
    else
        rc = service_key(g, hex);
    if (rc != CLI_EXIT_OK) {
        if (o->pubkey)
            return rc;
        want = NULL; /* no service: the bundle's own key, said so below */
    }
    rc = store_cli_export_verify(dir, want, &chk, msg, sizeof msg);
    if (rc != CLI_EXIT_OK) {
        cli_error(CMD, "%s: NOT VERIFIED: %s", dir, msg);
        return rc;
    }
    if (g->format == CLI_FORMAT_JSON)
        printf("{\"verified\": true, \"files\": %lld, \"custody_entries\": %lld, "
               "\"public_key\": \"%s\", \"key_confirmed\": %s}\n",
               chk.files, chk.custody, chk.public_key, chk.key_confirmed ? "true" : "false");
    else
        printf("%s: verified: signature, %lld files, %lld custody entries\n"
               "signed by ed25519 %s%s\n",
               dir, chk.files, chk.custody, chk.public_key,
               chk.key_confirmed ? " (the unit's key)"
                                 : " (NOT confirmed as the unit's key: give --pubkey)");
    return CLI_EXIT_OK;
}

static int do_key(const struct cli_global *g)
{
    char hex[STORE_PUBKEY_HEX];
    int rc = service_key(g, hex);
    if (rc == CLI_EXIT_OK)
        printf(g->format == CLI_FORMAT_JSON ? "{\"algorithm\": \"ed25519\", \"public_key\": "
                                              "\"%s\"}\n"
                                            : "ed25519 %s\n",
               hex);
    return rc;
}

static int do_list(const struct cli_global *g, const struct opts *o)
{
    static const char *const cols[] = {"id",    "kind", "path", "member",  "time",   "export",
                                       "reads", "from", "to",   "flagged", "deleted"};
    struct store_client *s = NULL;
    json_t *params, *res = NULL;
    int rc = store_cli_connect(g, CMD, 1, &s);
    if (rc != 0)
        return rc;
    params = store_cli_params("{s:b}", "flagged", o->flagged);
    if ((rc = store_cli_call(s, g, CMD, "list", "copy.list", params, &res)) == 0)
        store_cli_print_rows(g, res, cols, "nssssnnssss");
    json_decref(params);
    json_decref(res);
    store_client_close(s);
    return rc;
}

/* Deletes a bundle folder: the files a bundle has, images/, the folder. -1 with errno. */
static int remove_bundle_dir(const char *path)
{
    static const char *const names[] = {
        "reads.csv",           STORE_BUNDLE_INFO,      STORE_BUNDLE_AUDIT_HEAD, STORE_BUNDLE_PUBKEY,
        STORE_BUNDLE_MANIFEST, STORE_BUNDLE_SIGNATURE, STORE_BUNDLE_CUSTODY};
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), ifd;
    DIR *d;
    struct dirent *e;
    if (dfd < 0)
        return -1;
    ifd = openat(dfd, "images", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ifd >= 0 && (d = fdopendir(ifd)) != NULL) {
        while ((e = readdir(d)) != NULL)
            if (strncmp(e->d_name, "read-", 5) == 0)
                (void)unlinkat(ifd, e->d_name, 0);
        closedir(d);
    } else if (ifd >= 0) {
        close(ifd);
    }
    (void)unlinkat(dfd, "images", AT_REMOVEDIR);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        (void)unlinkat(dfd, names[i], 0);
    close(dfd);
    /* A folder that still holds something else stays, and the copy stays flagged. */
    return rmdir(path);
}

/* Deletes one flagged copy of the caller's; 0, or -1 with errno. */
static int prune_one(json_t *copy)
{
    const char *kind = json_string_value(json_object_get(copy, "kind"));
    const char *path = json_string_value(json_object_get(copy, "path"));
    struct stat st;
    if (!kind || !path)
        return errno = EINVAL, -1;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1; /* already gone: report it deleted */
    if (st.st_uid != geteuid())
        return errno = EPERM, -1;
    if (strcmp(kind, "export") == 0)
        return S_ISDIR(st.st_mode) ? remove_bundle_dir(path) : (errno = ENOTDIR, -1);
    return S_ISREG(st.st_mode) ? unlink(path) : (errno = EINVAL, -1);
}

static int do_prune(const struct cli_global *g, const struct opts *o)
{
    struct store_client *s = NULL;
    json_t *params, *res = NULL, *copy;
    size_t i, deleted = 0, kept = 0;
    int rc = store_cli_connect(g, CMD, 1, &s);
    if (rc != 0)
        return rc;
    params = store_cli_params("{s:b}", "flagged", 1);
    if ((rc = store_cli_call(s, g, CMD, "prune", "copy.list", params, &res)) != 0)
        goto out;
    json_array_foreach(res, i, copy)
    {
        const char *path = json_string_value(json_object_get(copy, "path"));
        json_int_t id = json_integer_value(json_object_get(copy, "id"));
        json_t *uid = json_object_get(copy, "uid");
        /* Only this account's own copies: the list of an administrator holds everyone's. */
        if (!json_is_integer(uid) || json_integer_value(uid) != (json_int_t)geteuid())
            continue;
        if (!o->yes) {
            printf("would delete %s (copy %lld: its reads were purged)\n", path, (long long)id);
            continue;
        }
        if (prune_one(copy) != 0) {
            cli_error(CMD, "%s: not deleted: %s (copy %lld stays flagged)", path, strerror(errno),
                      (long long)id);
            kept++;
            continue;
        }
        json_t *p = store_cli_params("{s:I}", "id", id);
        if (store_cli_call(s, g, CMD, "prune", "copy.deleted", p, NULL) == 0) {
            deleted++;
            if (!g->quiet)
                printf("deleted %s (copy %lld)\n", path, (long long)id);
        } else {
            kept++;
        }
        json_decref(p);
    }
    if (o->yes && !g->quiet)
        printf("%zu flagged copies deleted, %zu not\n", deleted, kept);
    rc = kept ? CLI_EXIT_FAIL : CLI_EXIT_OK;
out:
    json_decref(params);
    json_decref(res);
    store_client_close(s);
    return rc;
}

int cmd_export(int argc, char **argv, const struct cli_global *g)
{
    static const char *const subs[] = {"custody", "verify", "key", "list", "prune"};
    struct opts o = {0};
    const char *sub = NULL;
    int rc;
    int64_t id = 0;
    for (size_t i = 0; argc > 1 && i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i]) == 0)
            sub = subs[i];
    if (sub) {
        argc--;
        argv++;
    }
    if ((rc = parse(argc, argv, &o)) >= 0)
        return rc;
    int want_arg = !sub || strcmp(sub, "custody") == 0 || strcmp(sub, "verify") == 0;
    if (optind + want_arg != argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!sub || strcmp(sub, "custody") == 0) {
        if ((rc = store_cli_id(CMD, sub ? "EXPORT_ID" : "HOLD_ID", argv[optind], &id)) != 0)
            return rc;
        return sub ? do_custody(g, id, &o) : do_export(g, id, &o);
    }
    if (strcmp(sub, "verify") == 0)
        return do_verify(g, argv[optind], &o);
    if (strcmp(sub, "key") == 0)
        return do_key(g);
    if (strcmp(sub, "list") == 0)
        return do_list(g, &o);
    return do_prune(g, &o);
}
