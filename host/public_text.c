/* public_text: checks of what the public page publishes (see public_text.h). */
#include "public_text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Length of the well-formed UTF-8 sequence at p (1-4; at most left bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
    size_t need;
    unsigned lo = 0x80, hi = 0xbf;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        need = 2;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        need = 3, lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        need = 4, lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (left < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return need;
}

static int is_upper_alnum(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || is_upper_alnum(c) || c >= 0x80;
}

/* 1 when the token t (n bytes, a maximal run of word characters) is plate-shaped. */
static int plate_shaped(const unsigned char *t, size_t n)
{
    size_t letters = 0, digits = 0;
    if (n < 5 || n > 8)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_upper_alnum(t[i]))
            return 0;
        if (t[i] >= '0' && t[i] <= '9')
            digits++;
        else
            letters++;
    }
    return letters >= 2 && digits >= 2;
}

int public_text_check(const char *text, size_t len, char *why, size_t size)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0, line = 1;
    if (len > PUBLIC_TEXT_MAX) {
        snprintf(why, size, "more than %d bytes: not a policy text", PUBLIC_TEXT_MAX);
        return -1;
    }
    while (i < len) {
        size_t n = utf8_len(p + i, len - i);
        if (n == 0) {
            snprintf(why, size, "line %zu: not UTF-8 text (byte 0x%02x)", line, p[i]);
            return -1;
        }
        if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f) && p[i] != '\n' && p[i] != '\t') {
            snprintf(why, size, "line %zu: control character 0x%02x", line, p[i]);
            return -1;
        }
        if (is_word(p[i])) {
            size_t start = i;
            while (i < len && is_word(p[i]) && (n = utf8_len(p + i, len - i)) != 0)
                i += n;
            if (plate_shaped(p + start, i - start)) {
                snprintf(why, size, "line %zu: plate-shaped token '%.*s'", line, (int)(i - start),
                         text + start);
                return -1;
            }
            continue; /* an invalid byte that ended the run is found on the next turn */
        }
        if (p[i] == '\n')
            line++;
        i += n;
    }
    return 0;
}

char *public_text_load(const char *path, char *why, size_t size)
{
    struct stat st;
    char *buf = NULL;
    ssize_t got;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, size, "%s", errno == ELOOP ? "a symbolic link" : strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > PUBLIC_TEXT_MAX) {
        snprintf(why, size, "not a regular file of at most %d bytes", PUBLIC_TEXT_MAX);
        close(fd);
        return NULL;
    }
    if (!(buf = malloc((size_t)st.st_size + 1))) {
        snprintf(why, size, "out of memory");
        close(fd);
        return NULL;
    }
    got = read(fd, buf, (size_t)st.st_size);
    close(fd);
    if (got != st.st_size) {
        snprintf(why, size, "short read");
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    if (public_text_check(buf, (size_t)got, why, size) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

int public_text_create(const char *path, unsigned mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
    /* The umask must not make a public page private, nor anything more open than asked. */
    if (fd >= 0 && fchmod(fd, (mode_t)mode) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        errno = e;
        return -1;
    }
    return fd;
}
