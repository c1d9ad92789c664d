/*
 * testlib: the project's unit-test convention.
 *
 * A test program is a main() that calls RUN(fn) for each test function and returns
 * test_finish(). Inside a test, CHECK* record failures (the test goes on, so one run shows
 * every broken assertion) and SKIP() marks a test that cannot run here (for example
 * ../shared/data is absent); a skipped test is never counted as passed.
 *
 * Output: one line per test ("ok", "FAIL" or "skip"), then the closing line
 * "N passed, N failed, N skipped" that tests/run-tests.sh and CI read. test_finish()
 * returns 1 when any test failed, 0 otherwise.
 *
 * State lives in testlib.c: test programs are single-threaded drivers, not libraries.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <stddef.h>
#include <stdint.h>

void test_run(const char *name, void (*fn)(void));
int test_finish(void);
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void test_skip(const char *why);

/* Path of ../shared/data/openalpr-bench (or $ALPR_DATA), or NULL when absent. */
const char *test_data_dir(void);

/* A fresh, empty temporary directory for this test program (removed by test_finish). */
const char *test_tmpdir(void);

#define RUN(fn) test_run(#fn, fn)
#define SKIP(why)                                                                                  \
    do {                                                                                           \
        test_skip(why);                                                                            \
        return;                                                                                    \
    } while (0)
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            test_fail(__FILE__, __LINE__, "%s", #cond);                                            \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                            \
        if (check_a_ != check_b_)                                                                  \
            test_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld)", #a, #b, check_a_, check_b_);  \
    } while (0)
#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *check_a_ = (a), *check_b_ = (b);                                               \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)                             \
            test_fail(__FILE__, __LINE__, "%s == %s (\"%s\" != \"%s\")", #a, #b,                   \
                      check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");             \
    } while (0)
/* Like CHECK, but leaves the test at once: for preconditions later checks depend on. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_fail(__FILE__, __LINE__, "required: %s", #cond);                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#endif
