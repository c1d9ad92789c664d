#define _GNU_SOURCE
#include "testlib.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed, skipped;
static int current_failed, current_skipped;
static const char *current_name;
static char tmpdir[256];

void test_run(const char *name, void (*fn)(void))
{
    current_name = name;
    current_failed = 0;
    current_skipped = 0;
    fn();
    if (current_failed) {
        failed++;
        printf("FAIL %s\n", name);
    } else if (current_skipped) {
        skipped++;
    } else {
        passed++;
        printf("ok   %s\n", name);
    }
    fflush(stdout);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    printf("  %s:%d: %s: ", file, line, current_name ? current_name : "?");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    current_failed = 1;
}

void test_skip(const char *why)
{
    printf("skip %s: %s\n", current_name ? current_name : "?", why);
    current_skipped = 1;
}

const char *test_data_dir(void)
{
    static const char *candidates[] = {"../shared/data/openalpr-bench",
                                       "../../shared/data/openalpr-bench"};
    struct stat st;
    const char *env = getenv("ALPR_DATA");
    if (env && *env)
        return stat(env, &st) == 0 && S_ISDIR(st.st_mode) ? env : NULL;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode))
            return candidates[i];
    return NULL;
}

const char *test_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/alpr-test-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    return tmpdir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int test_finish(void)
{
    if (tmpdir[0] && !getenv("ALPR_KEEP_TMP"))
        nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    fflush(stdout);
    return failed ? 1 : 0;
}
