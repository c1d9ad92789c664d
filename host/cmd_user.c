/* alpr user: members of the store (bootstrap, add, role, training, password, lock, list). */
#include "commands.h"
#include "store_auth.h"
#include "store_cli.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: alpr user ACTION [ARGS]\n"
        "\n"
        "  init --name NAME --training DATE [--password-fd N]\n"
        "        create the first administrator of an empty store (password from\n"
        "        --password-fd or $ALPR_PASSWORD); no log-on needed, refused once members exist\n"
        "  add NAME --role ROLE [--training DATE] [--password-fd N]\n"
        "        administrator: add a member (initial password from --password-fd or\n"
        "        $ALPR_NEW_PASSWORD); ROLE: operator, investigator, administrator, auditor\n"
        "  role NAME ROLE          administrator: change a member's role\n"
        "  training NAME DATE|none administrator: record the training-completion date\n"
        "  disable NAME | enable NAME | unlock NAME   administrator\n"
        "  passwd [NAME] [--password-fd N] [--new-password-fd N]\n"
        "        change your password (current: --password-fd / $ALPR_PASSWORD, new:\n"
        "        --new-password-fd / $ALPR_NEW_PASSWORD); administrators may reset NAME's\n"
        "  list                    administrator or auditor: the members\n"
        "\n"
        "Passwords: %d to %d bytes. Without a training date a member cannot log on.\n",
        STORE_PASSWORD_MIN, STORE_PASSWORD_MAX);
}

struct opts {
    const char *name, *role, *training, *pw_fd, *new_pw_fd;
    int training_set;
};

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {{"name", required_argument, NULL, 'n'},
                                       {"role", required_argument, NULL, 'r'},
                                       {"training", required_argument, NULL, 't'},
                                       {"password-fd", required_argument, NULL, 'p'},
                                       {"new-password-fd", required_argument, NULL, 'P'},
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

int cmd_user(int argc, char **argv, const struct cli_global *g)
{
    char pw[STORE_PASSWORD_MAX + 2] = "", pw2[STORE_PASSWORD_MAX + 2] = "";
    struct store_session sess;
    struct store *s = NULL;
    struct opts o;
    const char *action;
    int rc, err = 0;
    int64_t id, t = 0;

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

    if (strcmp(action, "init") == 0) {
        if (!o.name || !o.training) {
            cli_error("user", "init needs --name NAME and --training DATE");
            return CLI_EXIT_USAGE;
        }
        if ((rc = training_date(o.training, &t)) != 0)
            return rc;
        if ((rc = store_cli_password("user", o.pw_fd, "ALPR_PASSWORD", "New password: ", pw,
                                     sizeof pw)) != 0)
            return rc;
        if ((rc = store_cli_open(g, "user", &s)) != 0)
            goto out;
        err = store_member_init(s, o.name, pw, t, &id);
        if (err == STORE_ERR_EXISTS) {
            cli_error("user", "init: the store already has members; an administrator adds more"
                              " with `alpr user add`");
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        if (err == 0 && !g->quiet)
            printf("administrator %s created\n", o.name);
        goto done;
    }
    if ((rc = store_cli_open(g, "user", &s)) != 0)
        goto out;
    if ((rc = store_cli_session(s, g, "user", &sess)) != 0)
        goto out;
    if (strcmp(action, "add") == 0) {
        enum store_role role;
        if (!pos1 || !o.role || store_role_parse(o.role, &role) != 0) {
            cli_error("user", "add needs NAME and --role operator|investigator|administrator|"
                              "auditor");
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        if (o.training_set && (rc = training_date(o.training, &t)) != 0)
            goto out;
        if ((rc = store_cli_password("user", o.pw_fd, "ALPR_NEW_PASSWORD", "Initial password: ", pw,
                                     sizeof pw)) != 0)
            goto out;
        err = store_member_add(s, &sess, pos1, role, pw, t, &id);
    } else if (strcmp(action, "role") == 0) {
        enum store_role role;
        if (!pos1 || !pos2 || store_role_parse(pos2, &role) != 0) {
            cli_error("user", "role needs NAME ROLE");
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        err = store_member_set_role(s, &sess, pos1, role);
    } else if (strcmp(action, "training") == 0) {
        if (!pos1 || !pos2) {
            cli_error("user", "training needs NAME DATE|none");
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        if ((rc = training_date(pos2, &t)) != 0)
            goto out;
        err = store_member_set_training(s, &sess, pos1, t);
    } else if (strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0) {
        if (!pos1) {
            cli_error("user", "%s needs NAME", action);
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        err = store_member_set_disabled(s, &sess, pos1, action[0] == 'd');
    } else if (strcmp(action, "unlock") == 0) {
        if (!pos1) {
            cli_error("user", "unlock needs NAME");
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        err = store_member_unlock(s, &sess, pos1);
    } else if (strcmp(action, "passwd") == 0) {
        const char *who = pos1 ? pos1 : sess.member;
        int own = strcmp(who, sess.member) == 0;
        if (own && (rc = store_cli_password("user", o.pw_fd, "ALPR_PASSWORD",
                                            "Current password: ", pw, sizeof pw)) != 0)
            goto out;
        if ((rc = store_cli_password("user", o.new_pw_fd, "ALPR_NEW_PASSWORD",
                                     "New password: ", pw2, sizeof pw2)) != 0)
            goto out;
        err = store_password_change(s, &sess, who, own ? pw : NULL, pw2);
    } else if (strcmp(action, "list") == 0) {
        static const char *const cols[] = {"id",     "name",          "role",    "training",
                                           "locked", "failed_logons", "disabled"};
        struct store_member_list *l = NULL;
        struct store_cli_table tab;
        err = store_member_list(s, &sess, &l);
        if (err == 0) {
            store_cli_table_begin(&tab, g->format, stdout, cols, "nsssnnn");
            for (size_t i = 0; i < l->n; i++) {
                char idb[24], tr[32] = "", lk[8], fl[8], ds[8];
                const struct store_member *m = &l->items[i];
                snprintf(idb, sizeof idb, "%lld", (long long)m->id);
                if (m->training)
                    store_time_format(m->training, tr, sizeof tr);
                snprintf(lk, sizeof lk, "%d", m->locked_until > store_now(s));
                snprintf(fl, sizeof fl, "%d", m->failed);
                snprintf(ds, sizeof ds, "%d", m->disabled);
                const char *vals[] = {idb, m->name, store_role_name(m->role), tr, lk, fl, ds};
                store_cli_table_row(&tab, vals);
            }
            store_cli_table_end(&tab);
            store_member_list_free(l);
        }
    } else {
        cli_error("user", "unknown action '%s' (see alpr user --help)", action);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
done:
    rc = err ? store_cli_fail("user", action, err) : CLI_EXIT_OK;
    if (rc == 0 && !g->quiet && strcmp(action, "list") && strcmp(action, "init"))
        printf("%s: done\n", action);
out:
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(pw2, sizeof pw2);
    store_close(s);
    return rc;
}
