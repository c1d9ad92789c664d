/* alpr user: members of the store (bootstrap, add, role, training, password, lock, list). */
#include "commands.h"
#include "store_auth.h"
#include "store_members.h"
#include "store_cli.h"

#include <getopt.h>
#include <pwd.h>
#include <stdint.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: alpr user ACTION [ARGS]\n"
            "\n"
            "  init --name NAME --training DATE [--os-user ACCOUNT] [--password-fd N]\n"
            "        create the first administrator of an empty store, bound to OS account\n"
            "        ACCOUNT (default: yours); password from --password-fd or $ALPR_PASSWORD.\n"
            "        Root or the service's account only; refused once members exist\n"
            "  add NAME --role ROLE --os-user ACCOUNT [--training DATE] [--password-fd N]\n"
            "        administrator: add a member who logs on from OS account ACCOUNT (name or\n"
            "        uid; one member per account); initial password from --password-fd or\n"
            "        $ALPR_NEW_PASSWORD;\n"
            "        ROLE: operator, investigator, administrator, auditor, records\n"
            "        (records officer: approves releases and, with administrators, warrant\n"
            "        holds). A new administrator or records account stays disabled until a\n"
            "        second administrator confirms it\n"
            "  bind NAME --os-user ACCOUNT   administrator: move a member to another OS account\n"
            "  role NAME ROLE          administrator: change a member's role; administrator or\n"
            "        records for an account you created within the waiting period waits for\n"
            "        a second administrator's confirmation\n"
            "  confirm NAME            administrator (not the grantor, not the account's\n"
            "        creator): confirm the role grant waiting for NAME\n"
            "  grant-wait [DAYS]       administrator: show or set the waiting period (1-%d\n"
            "        days, default %d)\n"
            "  training NAME DATE|none administrator: record the training-completion date\n"
            "  disable NAME | enable NAME | unlock NAME   administrator\n"
            "  passwd [NAME] [--password-fd N] [--new-password-fd N]\n"
            "        change your password (current: --password-fd / $ALPR_PASSWORD, new:\n"
            "        --new-password-fd / $ALPR_NEW_PASSWORD); administrators may reset NAME's\n"
            "  list                    administrator or auditor: the members\n"
            "\n"
            "Passwords: %d to %d bytes. Without a training date a member cannot log on.\n",
            STORE_GRANT_WAIT_MAX_DAYS, STORE_GRANT_WAIT_DEFAULT_DAYS, STORE_PASSWORD_MIN,
            STORE_PASSWORD_MAX);
}

struct opts {
    const char *name, *role, *training, *pw_fd, *new_pw_fd, *os_user;
    int training_set;
};

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {{"name", required_argument, NULL, 'n'},
                                       {"role", required_argument, NULL, 'r'},
                                       {"training", required_argument, NULL, 't'},
                                       {"password-fd", required_argument, NULL, 'p'},
                                       {"new-password-fd", required_argument, NULL, 'P'},
                                       {"os-user", required_argument, NULL, 'o'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int c;
    memset(o, 0, sizeof *o);
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'n':
            o->name = optarg;
            break;
        case 'r':
            o->role = optarg;
            break;
        case 't':
            o->training = optarg;
            o->training_set = 1;
            break;
        case 'p':
            o->pw_fd = optarg;
            break;
        case 'P':
            o->new_pw_fd = optarg;
            break;
        case 'o':
            o->os_user = optarg;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    return 0;
}

static int training_date(const char *text, int64_t *out)
{
    if (!text || strcmp(text, "none") == 0) {
        *out = 0;
        return 0;
    }
    return store_cli_time("user", "training date", text, out);
}

/* The uid of OS account text (a name or a number). Prints the error. 0 or CLI_EXIT_USAGE. */
static int os_uid(const char *text, int64_t *out)
{
    long v;
    struct passwd *pw;
    if (cli_parse_long(text, 0, INT32_MAX, &v) == 0) {
        *out = v;
        return 0;
    }
    if ((pw = getpwnam(text)) == NULL) {
        cli_error("user", "--os-user: no OS account '%s'", text);
        return CLI_EXIT_USAGE;
    }
    *out = pw->pw_uid;
    return 0;
}

static int print_members(const struct cli_global *g, json_t *rows)
{
    static const char *const cols[] = {"id",           "name",          "role",     "training",
                                       "locked",       "failed_logons", "disabled", "os_uid",
                                       "pending_role", "created_by"};
    store_cli_print_rows(g, rows, cols, "nsssnnnnss");
    return CLI_EXIT_OK;
}

/* The request of action, or NULL with *rc set (usage errors printed). */
static json_t *request(const char *action, const struct opts *o, const char *pos1, const char *pos2,
                       const char **call, int *rc)
{
    char pw[STORE_PASSWORD_MAX + 2] = "", pw2[STORE_PASSWORD_MAX + 2] = "";
    enum store_role role;
    int64_t t = 0, uid = -1;
    json_t *p = NULL;
    *rc = 0;
    if (strcmp(action, "init") == 0) {
        *call = "user.init";
        if (!o->name || !o->training) {
            cli_error("user", "init needs --name NAME and --training DATE");
            *rc = CLI_EXIT_USAGE;
        } else if (!(*rc = training_date(o->training, &t)) &&
                   !(*rc = o->os_user ? os_uid(o->os_user, &uid) : 0) &&
                   !(*rc = store_cli_password("user", o->pw_fd, "ALPR_PASSWORD",
                                              "New password: ", pw, sizeof pw))) {
            p = store_cli_params("{s:s,s:s,s:I}", "member", o->name, "password", pw, "training",
                                 (json_int_t)t);
            if (uid >= 0 && json_object_set_new(p, "os_uid", json_integer(uid)) != 0)
                *rc = CLI_EXIT_FAIL;
        }
    } else if (strcmp(action, "add") == 0) {
        *call = "user.add";
        if (!pos1 || !o->role || store_role_parse(o->role, &role) != 0 || !o->os_user) {
            cli_error("user", "add needs NAME, --role operator|investigator|administrator|"
                              "auditor|records and --os-user ACCOUNT");
            *rc = CLI_EXIT_USAGE;
        } else if (!(*rc = o->training_set ? training_date(o->training, &t) : 0) &&
                   !(*rc = os_uid(o->os_user, &uid)) &&
                   !(*rc = store_cli_password("user", o->pw_fd, "ALPR_NEW_PASSWORD",
                                              "Initial password: ", pw, sizeof pw))) {
            p = store_cli_params("{s:s,s:s,s:s,s:I,s:I}", "member", pos1, "role", o->role,
                                 "password", pw, "training", (json_int_t)t, "os_uid",
                                 (json_int_t)uid);
        }
    } else if (strcmp(action, "role") == 0) {
        *call = "user.role";
        if (!pos1 || !pos2 || store_role_parse(pos2, &role) != 0) {
            cli_error("user", "role needs NAME ROLE");
            *rc = CLI_EXIT_USAGE;
        } else {
            p = store_cli_params("{s:s,s:s}", "member", pos1, "role", pos2);
        }
    } else if (strcmp(action, "confirm") == 0) {
        *call = "user.confirm";
        if (!pos1) {
            cli_error("user", "confirm needs NAME");
            *rc = CLI_EXIT_USAGE;
        } else {
            p = store_cli_params("{s:s}", "member", pos1);
        }
    } else if (strcmp(action, "grant-wait") == 0) {
        long days;
        *call = "user.grant_wait";
        if (pos1 && cli_parse_long(pos1, 1, STORE_GRANT_WAIT_MAX_DAYS, &days) != 0) {
            cli_error("user", "grant-wait DAYS: 1 to %d", STORE_GRANT_WAIT_MAX_DAYS);
            *rc = CLI_EXIT_USAGE;
        } else {
            p = pos1 ? store_cli_params("{s:I}", "days", (json_int_t)days) : store_cli_params("{}");
        }
    } else if (strcmp(action, "training") == 0) {
        *call = "user.training";
        if (!pos1 || !pos2) {
            cli_error("user", "training needs NAME DATE|none");
            *rc = CLI_EXIT_USAGE;
        } else if (!(*rc = training_date(pos2, &t))) {
            p = store_cli_params("{s:s,s:I}", "member", pos1, "training", (json_int_t)t);
        }
    } else if (strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0 ||
               strcmp(action, "unlock") == 0) {
        *call = action[0] == 'u' ? "user.unlock" : "user.disable";
        if (!pos1) {
            cli_error("user", "%s needs NAME", action);
            *rc = CLI_EXIT_USAGE;
        } else {
            p = store_cli_params("{s:s}", "member", pos1);
            if (action[0] != 'u' &&
                json_object_set_new(p, "disabled", json_boolean(action[0] == 'd')) != 0)
                *rc = CLI_EXIT_FAIL;
        }
    } else if (strcmp(action, "bind") == 0) {
        *call = "user.bind";
        if (!pos1 || !o->os_user) {
            cli_error("user", "bind needs NAME and --os-user ACCOUNT");
            *rc = CLI_EXIT_USAGE;
        } else if (!(*rc = os_uid(o->os_user, &uid))) {
            p = store_cli_params("{s:s,s:I}", "member", pos1, "os_uid", (json_int_t)uid);
        }
    } else if (strcmp(action, "passwd") == 0) {
        *call = "user.passwd";
        /* Without NAME: one's own password, which needs the current one. */
        if (!pos1 && (*rc = store_cli_password("user", o->pw_fd, "ALPR_PASSWORD",
                                               "Current password: ", pw, sizeof pw)) != 0) {
        } else if (!(*rc = store_cli_password("user", o->new_pw_fd, "ALPR_NEW_PASSWORD",
                                              "New password: ", pw2, sizeof pw2))) {
            p = store_cli_params("{s:s}", "new_password", pw2);
            if ((pos1 && json_object_set_new(p, "member", json_string(pos1)) != 0) ||
                (!pos1 && json_object_set_new(p, "password", json_string(pw)) != 0))
                *rc = CLI_EXIT_FAIL;
        }
    } else if (strcmp(action, "list") == 0) {
        *call = "user.list";
        p = store_cli_params("{}");
    } else {
        cli_error("user", "unknown action '%s' (see alpr user --help)", action);
        *rc = CLI_EXIT_USAGE;
    }
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(pw2, sizeof pw2);
    if (*rc != 0) {
        store_cli_params_wipe(p);
        return NULL;
    }
    return p;
}

int cmd_user(int argc, char **argv, const struct cli_global *g)
{
    struct store_client *s = NULL;
    struct opts o;
    const char *action, *call = NULL;
    json_t *params, *res = NULL;
    int rc;

    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    action = argv[1];
    if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    rc = parse(argc - 1, argv + 1, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    /* Positional arguments after the action. */
    const char *pos1 = optind + 1 < argc ? argv[optind + 1] : NULL;
    const char *pos2 = optind + 2 < argc ? argv[optind + 2] : NULL;
    if (!(params = request(action, &o, pos1, pos2, &call, &rc)))
        return rc;
    if ((rc = store_cli_connect(g, "user", strcmp(action, "init") != 0, &s)) == 0)
        rc = store_cli_call(s, g, "user", action, call, params, &res);
    store_cli_params_wipe(params);
    store_client_close(s);
    if (rc == 0 && strcmp(action, "list") == 0)
        rc = print_members(g, res);
    else if (rc == 0 && json_is_true(json_object_get(res, "pending")))
        printf("%s: %s for %s awaits a second administrator's confirmation (alpr user confirm"
               " %s)\n",
               action, json_string_value(json_object_get(params, "role")),
               json_string_value(json_object_get(params, "member")),
               json_string_value(json_object_get(params, "member")));
    else if (rc == 0 && strcmp(action, "grant-wait") == 0)
        printf("%lld days\n", (long long)json_integer_value(json_object_get(res, "days")));
    else if (rc == 0 && !g->quiet && strcmp(action, "init") == 0)
        printf("administrator %s created\n", o.name);
    else if (rc == 0 && !g->quiet)
        printf("%s: done\n", action);
    json_decref(res);
    return rc;
}
