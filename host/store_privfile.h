/*
 * store_privfile: the checks every secret-bearing file of the store passes before it is used:
 * the master key file, the keyring, the database and its WAL (store_key.h, store_keyring.h,
 * store_crypt.h).
 *
 * A private file is a regular file owned by the effective uid with no group or other permission
 * bits, opened without following a symbolic link, in a folder owned by the effective uid with no
 * group or other permission bits. The folder check is what makes the later path-based opens
 * (SQLite reopens its files by name) safe: nobody else can rename or replace an entry in that
 * folder between the check and the open. A new private file is created 0600 by open() itself
 * (O_CREAT|O_EXCL), never created wider and then narrowed with chmod().
 *
 * Errors: 0, or STORE_ERR_DENIED (a check refused the file or folder), STORE_ERR_NOTFOUND (no
 * such file), STORE_ERR_INVALID (bad argument), STORE_ERR_IO (another system error). When err is
 * not NULL, a message naming the path and the reason is written to it (truncated to err_size).
 */
#ifndef STORE_PRIVFILE_H
#define STORE_PRIVFILE_H

#include <stddef.h>

/* store_privfile_check_fd flags. */
enum store_privfile_flags {
    /* A systemd credential ($CREDENTIALS_DIRECTORY): any owner (systemd writes it as root and
     * grants it to the service), and group-class bits are accepted when they are the mask of a
     * POSIX ACL that grants read to nobody but the effective uid (systemd's tmpfs fallback). */
    STORE_PRIVFILE_CREDENTIAL = 1,
};

/* Checks the folder that holds path (the part before the last '/', "." when there is none). */
int store_privfile_check_parent(const char *path, char *err, size_t err_size)
    __attribute__((warn_unused_result));

/* Checks the open file fd, named path in messages (flags: enum store_privfile_flags). */
int store_privfile_check_fd(int fd, const char *path, unsigned flags, char *err, size_t err_size)
    __attribute__((warn_unused_result));

/*
 * Checks path's folder, then opens path with O_NOFOLLOW|O_CLOEXEC|O_NOCTTY|O_NONBLOCK and
 * O_RDWR (or O_RDONLY when read_only); when it is missing and create is set, creates it with
 * O_CREAT|O_EXCL, mode 0600. Then checks the file. On success *fd is the open descriptor (the
 * caller closes it) and *created (when not NULL) says whether this call made the file.
 */
int store_privfile_open(const char *path, int read_only, int create, int *fd, int *created,
                        char *err, size_t err_size) __attribute__((warn_unused_result));

/* fsyncs the folder that holds path, so that a file just created there survives a crash. */
int store_privfile_sync_parent(const char *path) __attribute__((warn_unused_result));

/* After open(path) failed: writes the reason to err (a symbolic link named as such) and returns
 * STORE_ERR_DENIED (link, permission), STORE_ERR_NOTFOUND or STORE_ERR_IO, from errno. */
int store_privfile_open_error(const char *path, char *err, size_t err_size);

/* Writes "path: reason" (printf format) to err; a no-op when err is NULL or err_size is 0. */
void store_privfile_error(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
