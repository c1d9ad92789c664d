/* alpr logout: end the session and remove its token file. */
#include "commands.h"
#include "store_cli.h"

#include <getopt.h>
#include <stdio.h>

int cmd_logout(int argc, char **argv, const struct cli_global *g)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    struct store_client *s;
    int c, rc;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: alpr logout\n\nEnds the current session (audited) and removes its"
                   " token file.\n");
            return CLI_EXIT_OK;
        }
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_connect(g, "logout", 1, &s)) != 0)
        return rc;
    rc = store_cli_call(s, g, "logout", "log-off", "logout", NULL, NULL);
    (void)store_cli_token_remove(g);
    if (rc == 0 && !g->quiet)
        printf("logged out\n");
    store_client_close(s);
    return rc;
}
