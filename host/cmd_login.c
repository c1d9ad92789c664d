/* alpr login: log on to the store and keep the session token for the following commands. */
#include "commands.h"
#include "store_auth.h"
#include "store_cli.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr login --user NAME [--password-fd N]\n"
               "\n"
               "Logs on to the store and keeps the session in a 0600 token file (see\n"
               "docs/STORE.md). The session ends after 30 minutes without use or on\n"
               "`alpr logout`. The password comes from --password-fd N (first line), else\n"
               "$ALPR_PASSWORD, else the terminal; never from the command line.\n"
               "Five failed log-ons lock the account for 30 minutes.\n");
}

int cmd_login(int argc, char **argv, const struct cli_global *g)
{
    static const struct option opts[] = {{"user", required_argument, NULL, 'u'},
                                         {"password-fd", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *user = NULL, *fd = NULL;
    char pw[STORE_PASSWORD_MAX + 2];
    struct store_client *s;
    json_t *params, *res = NULL;
    int c, rc;
    while ((c = getopt_long(argc, argv, "u:h", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            user = optarg;
            break;
        case 'p':
            fd = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (!user || optind != argc) {
        cli_error("login", "--user NAME is required (and nothing else)");
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_password("login", fd, "ALPR_PASSWORD", "Password: ", pw, sizeof pw)) != 0)
        return rc;
    if ((rc = store_cli_connect(g, "login", 0, &s)) != 0) {
        sodium_memzero(pw, sizeof pw);
        return rc;
    }
    params = store_cli_params("{s:s,s:s}", "member", user, "password", pw);
    sodium_memzero(pw, sizeof pw);
    rc = store_cli_call(s, g, "login", user, "login", params, &res);
    store_cli_params_wipe(params);
    if (rc != 0) {
        store_client_close(s);
        return rc;
    }
    const char *token = json_string_value(json_object_get(res, "token"));
    if (!token || strlen(token) != 64 || store_cli_token_save(g, token) != 0) {
        cli_error("login", "cannot write the session file");
        if (token && strlen(token) == 64) {
            store_client_set_token(s, token);
            (void)store_cli_call(s, g, "login", "log-off", "logout", NULL, NULL);
        }
        json_decref(res);
        store_client_close(s);
        return CLI_EXIT_FAIL;
    }
    if (!g->quiet)
        printf("logged in as %s (%s)\n", json_string_value(json_object_get(res, "member")),
               json_string_value(json_object_get(res, "role")));
    sodium_memzero((char *)token, 64);
    json_decref(res);
    store_client_close(s);
    return CLI_EXIT_OK;
}
