#include "store_privfile.h"

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

void store_privfile_error(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;
    if (!err || err_size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

/* The folder part of path into buf: "." without a '/', "/" for a file at the root. */
static int parent_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t n;
    if (!slash)
        return snprintf(buf, size, ".") < (int)size ? 0 : STORE_ERR_INVALID;
    n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= size)
        return STORE_ERR_INVALID;
    memcpy(buf, path, n);
    buf[n] = '\0';
    return 0;
}

int store_privfile_check_parent(const char *path, char *err, size_t err_size)
{
    char dir[PATH_MAX];
    struct stat st;
    if (!path || parent_of(path, dir, sizeof dir) != 0) {
        store_privfile_error(err, err_size, "%s: invalid path", path ? path : "(null)");
        return STORE_ERR_INVALID;
    }
    if (stat(dir, &st) != 0) {
        store_privfile_error(err, err_size, "%s: folder %s: %s", path, dir, strerror(errno));
        return errno == ENOENT ? STORE_ERR_NOTFOUND : STORE_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode)) {
        store_privfile_error(err, err_size, "%s: %s is not a folder", path, dir);
        return STORE_ERR_DENIED;
    }
    if (st.st_uid != geteuid()) {
        store_privfile_error(err, err_size, "%s: folder %s is owned by uid %u, not by uid %u", path,
                             dir, (unsigned)st.st_uid, (unsigned)geteuid());
        return STORE_ERR_DENIED;
    }
    if (st.st_mode & 077) {
        store_privfile_error(err, err_size,
                             "%s: folder %s has mode %04o: group and others must have no access "
                             "(chmod 700)",
                             path, dir, (unsigned)(st.st_mode & 07777));
        return STORE_ERR_DENIED;
    }
    return 0;
}

static unsigned get_le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * 1 when fd's POSIX access ACL (the kernel's xattr form: version 2, then {tag, perm, id}
 * entries of 8 bytes) lets nobody but its owner and the effective uid read or write: then the
 * group-class mode bits are only the ACL mask. 0 otherwise, and when there is no ACL.
 */
static int acl_private(int fd)
{
    enum { USER_OBJ = 1, USER = 2, GROUP_OBJ = 4, GROUP = 8, MASK = 0x10, OTHER = 0x20 };
    unsigned char buf[4 + 8 * 32];
    ssize_t n = fgetxattr(fd, "system.posix_acl_access", buf, sizeof buf);
    if (n < 4 || (n - 4) % 8 != 0 || get_le32(buf) != 2)
        return 0;
    for (ssize_t i = 4; i < n; i += 8) {
        unsigned tag = get_le16(buf + i), perm = get_le16(buf + i + 2);
        uint32_t id = get_le32(buf + i + 4);
        if (tag == USER_OBJ || tag == MASK)
            continue;
        if (tag == USER && id == geteuid() && !(perm & 2))
            continue;
        if ((tag == USER || tag == GROUP_OBJ || tag == GROUP || tag == OTHER) && !(perm & 6))
            continue;
        return 0;
    }
    return 1;
}

int store_privfile_check_fd(int fd, const char *path, unsigned flags, char *err, size_t err_size)
{
    struct stat st;
    int credential = (flags & STORE_PRIVFILE_CREDENTIAL) != 0;
    if (fstat(fd, &st) != 0) {
        store_privfile_error(err, err_size, "%s: %s", path, strerror(errno));
        return STORE_ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        store_privfile_error(err, err_size, "%s: not a regular file", path);
        return STORE_ERR_DENIED;
    }
    if (!credential && st.st_uid != geteuid()) {
        store_privfile_error(err, err_size, "%s: owned by uid %u, not by uid %u", path,
                             (unsigned)st.st_uid, (unsigned)geteuid());
        return STORE_ERR_DENIED;
    }
    if ((st.st_mode & 007) || ((st.st_mode & 070) && !(credential && acl_private(fd)))) {
        store_privfile_error(err, err_size,
                             "%s: mode %04o: group and others must have no access (chmod 600)",
                             path, (unsigned)(st.st_mode & 07777));
        return STORE_ERR_DENIED;
    }
    return 0;
}

int store_privfile_open_error(const char *path, char *err, size_t err_size)
{
    int e = errno;
    if (e == ELOOP) {
        store_privfile_error(err, err_size, "%s: is a symbolic link (refused)", path);
        return STORE_ERR_DENIED;
    }
    store_privfile_error(err, err_size, "%s: %s", path, strerror(e));
    if (e == ENOENT)
        return STORE_ERR_NOTFOUND;
    return e == EACCES || e == EPERM ? STORE_ERR_DENIED : STORE_ERR_IO;
}

int store_privfile_open(const char *path, int read_only, int create, int *fd, int *created,
                        char *err, size_t err_size)
{
    const int base = O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    int mode = read_only ? O_RDONLY : O_RDWR;
    int rc = store_privfile_check_parent(path, err, err_size);
    int made = 0, f = -1;
    if (rc != 0)
        return rc;
    if (create) {
        f = open(path, mode | base | O_CREAT | O_EXCL, 0600);
        made = f >= 0;
        if (f < 0 && errno != EEXIST)
            return store_privfile_open_error(path, err, err_size);
    }
    if (f < 0)
        f = open(path, mode | base);
    if (f < 0)
        return store_privfile_open_error(path, err, err_size);
    rc = store_privfile_check_fd(f, path, 0, err, err_size);
    if (rc != 0) {
        close(f);
        return rc;
    }
    *fd = f;
    if (created)
        *created = made;
    return 0;
}

int store_privfile_sync_parent(const char *path)
{
    char dir[PATH_MAX];
    int fd, rc = 0;
    if (parent_of(path, dir, sizeof dir) != 0)
        return STORE_ERR_INVALID;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return STORE_ERR_IO;
    if (fsync(fd) != 0)
        rc = STORE_ERR_IO;
    close(fd);
    return rc;
}
