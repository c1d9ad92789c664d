/* store_state: the service's state folder, master key and encrypted store (store_state.h). */
#include "store_state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder as the service needs it, created 0700 when missing. */
static int check_folder(const char *dir, char *err, size_t err_size)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "%s: cannot create: %s", dir, strerror(errno));
        return STORE_ERR_IO;
    }
    if (lstat(dir, &st) != 0) {
        snprintf(err, err_size, "%s: %s", dir, strerror(errno));
        return STORE_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s: not a folder (a symbolic link is refused)", dir);
        return STORE_ERR_DENIED;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, err_size, "%s: owned by uid %u, not by this service's account (uid %u)", dir,
                 (unsigned)st.st_uid, (unsigned)geteuid());
        return STORE_ERR_DENIED;
    }
    if (st.st_mode & 077) {
        snprintf(err, err_size, "%s: mode %03o gives group or others access; it must be 0700", dir,
                 (unsigned)(st.st_mode & 0777));
        return STORE_ERR_DENIED;
    }
    return 0;
}

/* A key file inside the state folder would travel with the data it protects. */
static int key_outside(const char *dir, const char *key_file, char *err, size_t err_size)
{
    char d[PATH_MAX], k[PATH_MAX];
    size_t n;
    if (!realpath(dir, d) || !realpath(key_file, k))
        return 0; /* store_key_load reports a missing key file */
    n = strlen(d);
    if (strncmp(d, k, n) == 0 && (k[n] == '/' || k[n] == '\0')) {
        snprintf(err, err_size, "%s: the master key must not be kept in the state folder %s",
                 key_file, dir);
        return STORE_ERR_DENIED;
    }
    return 0;
}

int store_state_open(const char *dir, const char *key_file, struct store **out, char *err,
                     size_t err_size)
{
    char db[PATH_MAX], ring[PATH_MAX];
    /* TEMP-UNENCRYPTED */
    int rc;
    if ((rc = check_folder(dir, err, err_size)) != 0)
        return rc;
    if (snprintf(db, sizeof db, "%s/alpr.db", dir) >= (int)sizeof db ||
        snprintf(ring, sizeof ring, "%s/keyring", dir) >= (int)sizeof ring) {
        snprintf(err, err_size, "%s: path too long", dir);
        return STORE_ERR_INVALID;
    }
    (void)key_outside;
    (void)ring;
    (void)key_file; /* TEMP-UNENCRYPTED until store_crypt lands */
    rc = store_open(db, out);
    if (rc != 0)
        snprintf(err, err_size, "%s: %s", db, store_strerror(rc));
    return rc;
}

int store_state_generate_key(const char *path, char *err, size_t err_size)
{
    /* TEMP-UNENCRYPTED */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0400);
    if (fd < 0 || write(fd, "00\n", 3) != 3) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return STORE_ERR_IO;
    }
    close(fd);
    return 0;
}
