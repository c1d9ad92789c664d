/*
 * store_cli_export: the client's side of an evidence export (`alpr export`, `alpr release
 * fulfil`). The service builds the bundle (store_export.h) and returns its files in the answer;
 * the client writes them, with the member's own permissions, into a new folder of the member's
 * choosing. The service never opens a path a client names.
 *
 * Order, so that an export is recorded only when it can be written, and its record says so when
 * it could not:
 *   1. the folder is created (mode 0700; an existing one is refused: nothing is overwritten);
 *   2. the call is made with "destination" = the folder's absolute path (a label the store
 *      records with the export);
 *   3. every file's name is checked (NAME or images/NAME, NAME of [A-Za-z0-9._-] not starting
 *      with a dot), its bytes against its line in MANIFEST.sha256 and the manifest against the
 *      answer's manifest_sha256, all before the first byte is written;
 *   4. each file is created O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, and fsync'd, then the folders.
 * When 3 or 4 fails after the store recorded the export, the folder is removed (no stray copy
 * of plate data) and a chain-of-custody entry "not written" with the reason is added, so the
 * record shows that the bundle never reached its destination.
 */
#ifndef STORE_CLI_EXPORT_H
#define STORE_CLI_EXPORT_H

#include "store_cli.h"

#include <jansson.h>

/*
 * Makes call ("export" or "release.fulfil") with params (borrowed; "destination" is added) and
 * writes the bundle into dir as above. Returns CLI_EXIT_OK and *answer (the service's answer
 * without its "files"; json_decref it), or an exit code with the error printed as
 * "alpr CMD: ...".
 */
int store_cli_export(struct store_client *c, const struct cli_global *g, const char *cmd,
                     const char *call, json_t *params, const char *dir, json_t **answer);

/* What store_cli_export_verify() found in a bundle that verifies. */
struct store_bundle_check {
    char public_key[65]; /* the key that signed it (hex) */
    int key_confirmed;   /* 1: checked against the key the caller gave, not only the bundle's */
    long long files;     /* files listed in the manifest, all present and unchanged */
    long long custody;   /* custody entries, all signed and chained */
};

/*
 * Checks the bundle in folder dir (store_export.h): UNIT.pub holds an Ed25519 key, equal to
 * pubkey_hex when given (the unit's key from the service or out of band; NULL: the bundle's own
 * key, which proves nothing about who made it); MANIFEST.sig is that key's signature of
 * MANIFEST.sha256; every file the manifest lists is there (never through a link) with its
 * hash, and no other file is (but the manifest, its signature and custody.txt); custody.txt is
 * a chain of signed entries 1, 2, ... from the manifest. Returns CLI_EXIT_OK and *out,
 * CLI_EXIT_DATA with msg naming the file at fault and what is wrong, or CLI_EXIT_FAIL (dir
 * unreadable). Reads nothing outside dir; writes nothing.
 */
int store_cli_export_verify(const char *dir, const char *pubkey_hex, struct store_bundle_check *out,
                            char *msg, size_t size);

/*
 * Brings dir/custody.txt up to the store's log lines (a custody.add answer's "lines"): the
 * file must hold the first k of them exactly; the rest are appended (O_APPEND, never through a
 * link) and synced. Returns 0 with *appended, or -1 with msg.
 */
int store_cli_custody_sync(const char *dir, json_t *lines, size_t *appended, char *msg,
                           size_t size);

#endif
