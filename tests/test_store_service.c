/*
 * Attacks on the store service's boundary, each made as an attacker on the unit would: from other
 * OS accounts (the test forks and drops to unprivileged uids, so it needs root), with the
 * service's own files, sockets, tokens and clock. Every rule below must hold against them:
 *   - only the service's account can open the state folder, the database, the WAL, the key ring
 *     and the key file; members reach the store through the socket alone;
 *   - a session token is worth nothing to another OS account; a member logs on only from their
 *     own account; a locked account's live session stops;
 *   - the reader's socket takes ingest only, from the reader's account only;
 *   - the installed service has no test clock; a clock moved back is refused and audited;
 *   - nothing readable is left in the raw files: no plate, candidate, crop byte or agency;
 *   - no other account ever holds a descriptor of the files, even while they are created;
 *     loose permissions or a key inside the state folder stop the service at start.
 */
#include "service_util.h"
#include "store_client.h"
#include "test_store_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <sys/wait.h>

#define GID        64100
#define ADMIN_UID  64101
#define INV_UID    64102
#define OTHER_UID  64103
#define READER_UID 64110
#define APW        "admin password 1"
#define IPW        "investigator pw1"

static char test_program[PATH_MAX], installed_program[PATH_MAX];
static struct service sv;
static int up;

/* ---- Calls from other OS accounts ---------------------------------------------------------- */

struct call {
    const char *socket;
    const char *token;
    const char *now; /* test clock, or NULL */
    const char *name;
    const char *params; /* JSON text, or NULL */
};

/*
 * Makes call c from OS account uid (group GID) in a child process. Returns the service's
 * STORE_ERR_* (0: success, *result set when result is not NULL; the caller json_decrefs it).
 */
static int call_as(unsigned uid, const struct call *c, json_t **result)
{
    int fds[2], st;
    char buf[65536];
    size_t len = 0;
    ssize_t n;
    if (pipe(fds) != 0)
        return 99;
    pid_t pid = fork();
    if (pid == 0) {
        struct store_client *cl;
        json_t *params = c->params ? json_loads(c->params, 0, NULL) : NULL, *res = NULL;
        char err[512];
        close(fds[0]);
        if (setgroups(0, NULL) != 0 || setgid(GID) != 0 || setuid(uid) != 0 ||
            store_client_open(c->socket, &cl) != 0)
            _exit(99);
        store_client_set_token(cl, c->token);
        store_client_set_test_now(cl, c->now);
        int rc = store_client_call(cl, c->name, params, &res, err, sizeof err);
        char *text = rc == 0 ? json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY) : strdup(err);
        if (text && write(fds[1], text, strlen(text)) < 0)
            rc = STORE_ERR_IO;
        _exit(-rc);
    }
    close(fds[1]);
    while (len < sizeof buf - 1 && (n = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(fds[0]);
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) == 99)
        return 99;
    if (WEXITSTATUS(st) == 0 && result)
        *result = json_loads(buf, JSON_DECODE_ANY, NULL);
    if (WEXITSTATUS(st) != 0)
        printf("    (uid %u %s: %s)\n", uid, c->name, buf);
    return -WEXITSTATUS(st);
}

/* Logs member on from uid; returns the error, the token (65 bytes) on success. */
static int login_as(unsigned uid, const char *member, const char *pw, const char *now, char *token)
{
    char params[256];
    json_t *res = NULL;
    snprintf(params, sizeof params, "{\"member\":\"%s\",\"password\":\"%s\"}", member, pw);
    struct call c = {sv.socket, NULL, now, "login", params};
    int rc = call_as(uid, &c, &res);
    if (rc == 0)
        snprintf(token, 65, "%s", json_string_value(json_object_get(res, "token")));
    json_decref(res);
    return rc;
}

static int whoami_as(unsigned uid, const char *token, const char *now)
{
    struct call c = {sv.socket, token, now, "whoami", NULL};
    return call_as(uid, &c, NULL);
}

/* Whether uid can open path for reading (as an attacker would: any descriptor is a loss). */
static int opens_as(unsigned uid, const char *path)
{
    int st;
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(GID) != 0 || setuid(uid) != 0)
            _exit(99);
        int fd = open(path, O_RDONLY);
        _exit(fd >= 0 ? 1 : 0);
    }
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 1;
}

/* ---- The service under attack ---------------------------------------------------------------- */

/* A store with an administrator (ADMIN_UID), an investigator (INV_UID) and five reads. */
static void setup(void)
{
    static const char *const extra[] = {
        "--socket-group", "64100", "--ingest-group", "64100", "--ingest-user", "64110", NULL};
    char dir[600], token[65];
    snprintf(dir, sizeof dir, "%s/svc", test_tmpdir());
    chmod(test_tmpdir(), 0711);
    if (service_start(&sv, test_program, dir, extra) != 0) {
        printf("cannot start %s (see %s/service.log)\n", test_program, dir);
        return;
    }
    chmod(dir, 0711);
    struct call init = {sv.socket, NULL, "2026-01-01T00:00:00Z", "user.init",
                        "{\"member\":\"ada\",\"password\":\"" APW "\",\"training\":\"2025-12-01\","
                        "\"os_uid\":64101}"};
    if (call_as(0, &init, NULL) != 0 ||
        login_as(ADMIN_UID, "ada", APW, "2026-01-01T00:00:00Z", token) != 0)
        return;
    struct call add = {sv.socket, token, "2026-01-01T00:00:00Z", "user.add",
                       "{\"member\":\"ivan\",\"role\":\"investigator\",\"password\":\"" IPW "\","
                       "\"training\":\"2025-12-01\",\"os_uid\":64102}"};
    if (call_as(ADMIN_UID, &add, NULL) != 0)
        return;
    char reads[4096];
    snprintf(reads, sizeof reads, "{\"reads\":[%s]}",
             "{\"plate\":\"QZX4821\",\"confidence\":0.9,\"time\":1767222000,\"unit\":\"U1\","
             "\"camera\":\"cam0\",\"agency\":\"Marker Agency\",\"lat\":40.5,\"lon\":-111.5,"
             "\"candidates\":[{\"plate\":\"QZX4821\",\"confidence\":0.9},"
             "{\"plate\":\"QZX482I\",\"confidence\":0.05}],"
             "\"png\":"
             "\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAAClRFWHRDb21tZW50AENST1BNQVJL\"}");
    struct call ingest = {sv.ingest_socket, NULL, "2026-01-01T00:00:00Z", "ingest", reads};
    if (call_as(READER_UID, &ingest, NULL) != 0)
        return;
    up = 1;
}

#define NEEDS_SERVICE()                                                                            \
    do {                                                                                           \
        if (!up)                                                                                   \
            SKIP("needs root (to act as other OS accounts) and a running service");                \
    } while (0)

static void test_files_closed_to_other_accounts(void)
{
    char path[1300];
    static const char *const names[] = {"alpr.db", "alpr.db-wal", "keyring", ""};
    NEEDS_SERVICE();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", sv.state, names[i]);
        CHECK(!opens_as(INV_UID, path));
        CHECK(!opens_as(OTHER_UID, path));
    }
    CHECK(!opens_as(INV_UID, sv.key));
    /* The socket is the way in. */
    struct call status = {sv.socket, NULL, NULL, "status", NULL};
    CHECK_EQ_INT(call_as(INV_UID, &status, NULL), 0);
}

/* Every file of the state folder, as a thief with the disk would read it. */
static long count_in_state(const void *needle, size_t n)
{
    DIR *d = opendir(sv.state);
    struct dirent *e;
    long total = 0;
    char path[1400];
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", sv.state, e->d_name);
        total += file_count(path, needle, n);
    }
    if (d)
        closedir(d);
    return total;
}

static void test_raw_files_hold_nothing_readable(void)
{
    static const char *const secrets[] = {"QZX4821", "QZX482I", "Marker Agency", "CROPMARK",
                                          "\x89PNG", APW,       "ivan"};
    NEEDS_SERVICE();
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        long n = count_in_state(secrets[i], strlen(secrets[i]));
        if (n != 0)
            test_fail(__FILE__, __LINE__, "'%s' found %ld times in the state folder's files",
                      secrets[i], n);
    }
}

static void test_token_bound_to_its_account(void)
{
    char token[65];
    NEEDS_SERVICE();
    REQUIRE(login_as(ADMIN_UID, "ada", APW, "2026-01-01T00:01:00Z", token) == 0);
    CHECK_EQ_INT(whoami_as(ADMIN_UID, token, "2026-01-01T00:01:00Z"), 0);
    /* Copied to another account, member or not, the token is refused. */
    CHECK_EQ_INT(whoami_as(INV_UID, token, "2026-01-01T00:01:00Z"), STORE_ERR_DENIED);
    CHECK_EQ_INT(whoami_as(OTHER_UID, token, "2026-01-01T00:01:00Z"), STORE_ERR_DENIED);
    CHECK_EQ_INT(whoami_as(0, token, "2026-01-01T00:01:00Z"), STORE_ERR_DENIED);
    /* And on the reader's socket it is no use at all. */
    struct call c = {sv.ingest_socket, token, "2026-01-01T00:01:00Z", "whoami", NULL};
    CHECK_EQ_INT(call_as(READER_UID, &c, NULL), STORE_ERR_DENIED);
}

static void test_logon_only_from_the_members_account(void)
{
    char token[65];
    NEEDS_SERVICE();
    /* From another account even the right password fails, and guesses from there neither count
     * towards the lock-out nor lock the member out. */
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(login_as(OTHER_UID, "ivan", "wrong password!", "2026-01-01T00:02:00Z", token),
                     STORE_ERR_DENIED);
    CHECK_EQ_INT(login_as(OTHER_UID, "ivan", IPW, "2026-01-01T00:02:00Z", token), STORE_ERR_DENIED);
    CHECK_EQ_INT(login_as(INV_UID, "ivan", IPW, "2026-01-01T00:02:00Z", token), 0);
}

static void test_locked_account_session_stops(void)
{
    char token[65], junk[65];
    NEEDS_SERVICE();
    REQUIRE(login_as(INV_UID, "ivan", IPW, "2026-01-01T00:03:00Z", token) == 0);
    CHECK_EQ_INT(whoami_as(INV_UID, token, "2026-01-01T00:03:00Z"), 0);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(login_as(INV_UID, "ivan", "wrong password!", "2026-01-01T00:03:00Z", junk),
                     STORE_ERR_AUTH);
    CHECK_EQ_INT(whoami_as(INV_UID, token, "2026-01-01T00:03:00Z"), STORE_ERR_LOCKED);
    /* The lock-out over, the session is still usable within its idle time? No: it has been idle
     * past its limit by then, so log on again. */
    CHECK_EQ_INT(login_as(INV_UID, "ivan", IPW, "2026-01-01T00:34:00Z", token), 0);
}

static void test_reader_channel_ingests_only(void)
{
    static const char *read1 = "{\"reads\":[{\"plate\":\"ABC123\",\"confidence\":0.9,\"time\":"
                               "1767222000,\"unit\":\"U1\",\"camera\":\"c\",\"agency\":\"A\"}]}";
    NEEDS_SERVICE();
    struct call on_members = {sv.socket, NULL, "2026-01-01T00:40:00Z", "ingest", read1};
    struct call on_reader = {sv.ingest_socket, NULL, "2026-01-01T00:40:00Z", "ingest", read1};
    struct call login = {sv.ingest_socket, NULL, "2026-01-01T00:40:00Z", "login",
                         "{\"member\":\"ivan\",\"password\":\"" IPW "\"}"};
    CHECK_EQ_INT(call_as(READER_UID, &on_members, NULL), STORE_ERR_DENIED);
    CHECK_EQ_INT(call_as(INV_UID, &on_reader, NULL), STORE_ERR_DENIED);
    CHECK_EQ_INT(call_as(READER_UID, &on_reader, NULL), 0);
    CHECK_EQ_INT(call_as(INV_UID, &login, NULL), STORE_ERR_DENIED);
    /* Malformed reads are refused whole, naming the field. */
    struct call bad = {sv.ingest_socket, NULL, "2026-01-01T00:40:00Z", "ingest",
                       "{\"reads\":[{\"plate\":\"ABC123\",\"time\":1767222000}]}"};
    CHECK_EQ_INT(call_as(READER_UID, &bad, NULL), STORE_ERR_INVALID);
}

static void test_installed_service_has_no_test_clock(void)
{
    struct service inst;
    char dir[600];
    NEEDS_SERVICE();
    snprintf(dir, sizeof dir, "%s/installed", test_tmpdir());
    REQUIRE(service_start(&inst, installed_program, dir, NULL) == 0);
    struct store_client *c;
    char err[512];
    json_t *res = NULL;
    REQUIRE(store_client_open(inst.socket, &c) == 0);
    store_client_set_test_now(c, "2035-01-01T00:00:00Z");
    CHECK_EQ_INT(store_client_call(c, "status", NULL, &res, err, sizeof err), STORE_ERR_INVALID);
    CHECK(strstr(err, "no test clock") != NULL);
    store_client_set_test_now(c, NULL);
    CHECK_EQ_INT(store_client_call(c, "status", NULL, &res, err, sizeof err), 0);
    json_int_t now = json_integer_value(json_object_get(res, "now"));
    CHECK(now > time(NULL) - 60 && now < time(NULL) + 60);
    json_decref(res);
    store_client_close(c);
    CHECK_EQ_INT(service_stop(&inst), 0);
}

static void test_clock_moved_back_is_refused(void)
{
    char token[65];
    NEEDS_SERVICE();
    REQUIRE(login_as(ADMIN_UID, "ada", APW, "2026-01-02T00:00:00Z", token) == 0);
    /* An hour back: before the last audit entry. */
    CHECK_EQ_INT(whoami_as(ADMIN_UID, token, "2026-01-01T23:00:00Z"), STORE_ERR_CLOCK);
    CHECK_EQ_INT(login_as(ADMIN_UID, "ada", APW, "2026-01-01T23:00:00Z", token), STORE_ERR_CLOCK);
    CHECK_EQ_INT(login_as(ADMIN_UID, "ada", APW, "2026-01-02T00:01:00Z", token), 0);
    json_t *res = NULL;
    struct call list = {sv.socket, token, "2026-01-02T00:01:00Z", "audit.list",
                        "{\"event\":\"clock.backwards\"}"};
    CHECK_EQ_INT(call_as(ADMIN_UID, &list, &res), 0);
    CHECK(res && strstr(json_dumps(res, JSON_ENCODE_ANY), "clock.backwards") != NULL);
    json_decref(res);
}

/* While a new store is created, another account spins on open(): it never gets a descriptor. */
static void test_creation_race(void)
{
    struct service fresh;
    char dir[600], db[1300], wal[1300];
    int st;
    NEEDS_SERVICE();
    snprintf(dir, sizeof dir, "%s/race", test_tmpdir());
    mkdir(dir, 0711);
    snprintf(db, sizeof db, "%s/state/alpr.db", dir);
    snprintf(wal, sizeof wal, "%s/state/alpr.db-wal", dir);
    pid_t spinner = fork();
    if (spinner == 0) {
        if (setgroups(0, NULL) != 0 || setgid(GID) != 0 || setuid(OTHER_UID) != 0)
            _exit(99);
        for (long i = 0; i < 400000; i++)
            if (open(db, O_RDONLY) >= 0 || open(wal, O_RDONLY) >= 0)
                _exit(1);
        _exit(0);
    }
    REQUIRE(service_start(&fresh, test_program, dir, NULL) == 0);
    struct call init = {fresh.socket, NULL, "2026-01-01T00:00:00Z", "user.init",
                        "{\"member\":\"ada\",\"password\":\"" APW
                        "\",\"training\":\"2025-12-01\"}"};
    CHECK_EQ_INT(call_as(0, &init, NULL), 0);
    CHECK_EQ_INT(service_stop(&fresh), 0);
    REQUIRE(waitpid(spinner, &st, 0) == spinner);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Runs the service on dir once (expecting it to refuse to start); returns its exit status. */
static int start_refused(const char *dir, const char *key)
{
    char cmd[PATH_MAX * 3];
    snprintf(cmd, sizeof cmd,
             "%s --state %s/state --socket %s/s --ingest-socket %s/i --key-file %s 2>%s/err",
             test_program, dir, dir, dir, key, dir);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_loose_permissions_stop_the_service(void)
{
    char dir[600], path[PATH_MAX * 2], key[700];
    NEEDS_SERVICE();
    snprintf(dir, sizeof dir, "%s/loose", test_tmpdir());
    mkdir(dir, 0700);
    snprintf(key, sizeof key, "%s/key", dir);
    snprintf(path, sizeof path, "%s --generate-key %s", test_program, key);
    REQUIRE(system(path) == 0);
    snprintf(path, sizeof path, "%s/state", dir);
    mkdir(path, 0755);
    CHECK_EQ_INT(start_refused(dir, key), 4);
    chmod(path, 0700);
    /* A database file somebody made readable. */
    snprintf(path, sizeof path, "%s/state/alpr.db", dir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    chmod(path, 0644);
    CHECK(start_refused(dir, key) != 0);
    unlink(path);
    /* A key readable by others, and a key kept in the state folder. */
    chmod(key, 0644);
    CHECK_EQ_INT(start_refused(dir, key), 4);
    chmod(key, 0400);
    snprintf(path, sizeof path, "cp -p %s %s/state/key", key, dir);
    REQUIRE(system(path) == 0);
    snprintf(path, sizeof path, "%s/state/key", dir);
    CHECK_EQ_INT(start_refused(dir, path), 4);
}

/* A service that accepts the connection and never answers: a client with a timeout gives up
 * (STORE_ERR_IO) instead of hanging alprd's worker. */
static void test_client_gives_up_on_a_stuck_service(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char path[600], err[512];
    struct store_client *c;
    json_t *res = NULL;
    snprintf(path, sizeof path, "%s/stuck.sock", test_tmpdir());
    REQUIRE(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 4) == 0);
    REQUIRE(store_client_open(path, &c) == 0);
    store_client_set_timeout(c, 1);
    time_t t0 = time(NULL);
    CHECK_EQ_INT(store_client_call(c, "status", NULL, &res, err, sizeof err), STORE_ERR_IO);
    CHECK(time(NULL) - t0 < 10);
    CHECK(strstr(err, path) != NULL);
    store_client_close(c);
    close(fd);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (service_program(argv[0], "alpr-stored-testclock", test_program) != 0 ||
        service_program(argv[0], "../alpr-stored", installed_program) != 0) {
        printf("cannot find the service programs next to %s\n", argv[0]);
        return 1;
    }
    if (geteuid() == 0)
        setup();
    RUN(test_files_closed_to_other_accounts);
    RUN(test_raw_files_hold_nothing_readable);
    RUN(test_token_bound_to_its_account);
    RUN(test_logon_only_from_the_members_account);
    RUN(test_locked_account_session_stops);
    RUN(test_reader_channel_ingests_only);
    RUN(test_installed_service_has_no_test_clock);
    RUN(test_clock_moved_back_is_refused);
    RUN(test_creation_race);
    RUN(test_loose_permissions_stop_the_service);
    RUN(test_client_gives_up_on_a_stuck_service);
    if (up && service_stop(&sv) != 0)
        printf("the service did not stop cleanly (see %s/service.log)\n", sv.dir);
    return test_finish();
}
