/*
 * alpr-stored: the store service. It alone opens the store (an encrypted SQLite file in its
 * 0700 state folder) and answers the store's calls (store_api.h) as HTTP/JSON on a Unix socket,
 * knowing each caller's OS account from the socket (SO_PEERCRED). It also runs the nightly
 * purge. docs/STORE.md describes the design; docs/STORE-API.md the calls.
 *
 * Transport: libmicrohttpd (GNU, in Debian, small, handed our own listening sockets, which may
 * come from systemd's socket activation), one server per socket: the members' socket and the
 * reader's (store_api.h, "channels"). Calls run one at a time under one lock: the store handle
 * is used by one thread at a time, and a call's transaction never interleaves with another's.
 *
 * Built twice: the installed program, and a test build (-DALPR_TEST_CLOCK) whose clock each
 * request may set (header X-Alpr-Test-Now). The installed program has no such code path.
 */
#define _GNU_SOURCE
#include "store.h"
#include "store_api.h"
#include "store_audit.h"
#include "store_client.h"
#include "store_key.h"
#include "store_reserve.h"
#include "store_state.h"
#include "store_retention.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <microhttpd.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#define PURGE_EVERY_S 3600
#define DISK_EVERY_S  600 /* the free-space watch: alarms and the early purge */
#ifdef ALPR_TEST_CLOCK
#define AUTO_PURGE 0
#else
#define AUTO_PURGE 1
#endif

static volatile sig_atomic_t stop_signal;

struct service {
    struct store_state *state;
    struct store *s;
    struct store_api_conf conf;
    struct store_reserve *reserve; /* the disk reserve and free-space watch */
    pthread_mutex_t lock;          /* one call at a time on the store */
    int verbose;
    const char *anchor_path; /* --anchor-file, or NULL */
    int64_t anchored_id;     /* the last head written out */
};

/* One listening socket and the channel its callers use. */
struct listener {
    struct service *sv;
    enum store_api_channel channel;
    const char *path; /* NULL: from systemd */
    const char *group;
    int fd;
    struct MHD_Daemon *d;
};

/* One request's body, gathered across libmicrohttpd's calls. */
struct request {
    char *body;
    size_t len, cap;
    int too_big;
};

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: alpr-stored [--state DIR] [--key-file PATH] [--socket PATH]\n"
        "                   [--ingest-socket PATH] [--socket-group G] [--ingest-group G]\n"
        "                   [--ingest-user USER]... [--disk-reserve MIB]\n"
        "                   [--purge-floor-days N] [--disk-alarm-days N]\n"
        "                   [--anchor-file PATH] [-v]\n"
        "       alpr-stored --generate-key PATH\n"
        "\n"
        "The store service: owns the encrypted store in DIR and answers the store's calls\n"
        "on two Unix sockets: the members' and the reader's (ingest only). With systemd's\n"
        "socket activation they are the sockets named 'store' and 'ingest'.\n"
        "\n"
        "  --state DIR         state folder, mode 0700, owned by this account\n"
        "                      (default /var/lib/alpr-store)\n"
        "  --socket PATH       the members' socket when not socket-activated (mode 0660)\n"
        "                      (default %s)\n"
        "  --ingest-socket PATH the reader's socket (mode 0600, 0660 with --ingest-group)\n"
        "                      (default %s)\n"
        "  --socket-group G    group of the members' socket (those who may use the store)\n"
        "  --ingest-group G    group of the reader's socket (alprd's account)\n"
        "  --key-file PATH     master key file (0400/0600, on separate media); default: the\n"
        "                      systemd credential 'store.key' ($CREDENTIALS_DIRECTORY)\n"
        "  --ingest-user USER  the OS account (name or uid) that may ingest reads and do\n"
        "                      nothing else: alprd's; repeatable\n"
        "  --disk-reserve MIB  disk space kept in DIR/reserve and freed when a purge or a\n"
        "                      write meets a full disk (0..65536; default %d)\n"
        "  --purge-floor-days N a disk running full purges the oldest reads early, never\n"
        "                      those younger than N days (1..273; default %d)\n"
        "  --disk-alarm-days N alarm when fewer days of room are left at the current\n"
        "                      ingest rate (0: never; default %d)\n"
        "  --anchor-file PATH  also append the audit chain's head to PATH (mode 0644) whenever\n"
        "                      it moved; it always goes to stderr (the journal) as a line\n"
        "                      starting " STORE_AUDIT_ANCHOR_PREFIX "\n"
        "  --generate-key PATH write a new random master key to PATH (never overwrites)\n"
        "  -v, --verbose       log each call (caller uid, call, status) to stderr\n"
        "  --help, --version\n",
        STORE_CLIENT_DEFAULT_SOCKET, STORE_CLIENT_DEFAULT_INGEST_SOCKET, STORE_RESERVE_DEFAULT_MIB,
        STORE_RESERVE_DEFAULT_FLOOR_DAYS, STORE_RESERVE_DEFAULT_ALARM_DAYS);
}

/* A call's write met a full disk: free the reserve, purge, so that its retry finds room. */
static void disk_full(struct service *sv)
{
    int rc = store_reserve_on_full(sv->reserve, sv->s, store_now(sv->s));
    if (rc != 0)
        fprintf(stderr, "alpr-stored: disk full and no room made: %s\n", store_strerror(rc));
}

/* --disk-reserve MIB, --purge-floor-days N, --disk-alarm-days N. -1 with the message. */
static int disk_option(int c, const char *arg, struct store_reserve_config *disk)
{
    static const struct {
        int c;
        const char *name;
        long min, max;
    } opts[] = {{'R', "--disk-reserve", 0, STORE_RESERVE_MAX_MIB},
                {'F', "--purge-floor-days", 1, STORE_RETENTION_MAX_DAYS},
                {'A', "--disk-alarm-days", 0, 3650}};
    char *end;
    long v = strtol(arg, &end, 10);
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (opts[i].c != c)
            continue;
        if (!*arg || *end || v < opts[i].min || v > opts[i].max) {
            fprintf(stderr, "alpr-stored: %s: '%s' is not %ld..%ld\n", opts[i].name, arg,
                    opts[i].min, opts[i].max);
            return -1;
        }
        if (c == 'R')
            disk->reserve_bytes = (uint64_t)v << 20;
        else if (c == 'F')
            disk->floor_days = (int)v;
        else
            disk->alarm_days = (int)v;
        return 0;
    }
    return -1;
}

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int user_uid(const char *name, int64_t *uid)
{
    char *end;
    long v = strtol(name, &end, 10);
    if (*name && !*end && v >= 0) {
        *uid = v;
        return 0;
    }
    struct passwd *pw = getpwnam(name);
    if (!pw)
        return -1;
    *uid = pw->pw_uid;
    return 0;
}

static enum MHD_Result answer(struct MHD_Connection *conn, int status, char *json)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(json), json, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result r;
    if (!resp) {
        free(json);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    r = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result answer_error(struct MHD_Connection *conn, int status, int err,
                                    const char *msg)
{
    char buf[512];
    snprintf(buf, sizeof buf, "{\"error\":{\"code\":\"%s\",\"status\":%d,\"message\":\"%s\"}}",
             store_api_error_code(err), err, msg);
    char *copy = strdup(buf);
    return copy ? answer(conn, status, copy) : MHD_NO;
}

static int peer_of(struct MHD_Connection *conn, struct store_api_peer *peer)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct ucred uc;
    socklen_t len = sizeof uc;
    if (!ci || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
        return -1;
    peer->uid = uc.uid;
    peer->gid = uc.gid;
    peer->pid = uc.pid;
    return 0;
}

#ifdef ALPR_TEST_CLOCK
static int64_t fixed_clock(void *ctx)
{
    return *(const int64_t *)ctx;
}
#endif

static enum MHD_Result run_call(struct listener *l, struct MHD_Connection *conn, const char *url,
                                struct request *rq)
{
    struct service *sv = l->sv;
    struct store_api_peer peer;
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *now = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Alpr-Test-Now");
    char *response = NULL;
    int status = 500;
    if (peer_of(conn, &peer) != 0)
        return answer_error(conn, 403, STORE_ERR_DENIED, "caller's identity unknown");
    if (rq->too_big)
        return answer_error(conn, 413, STORE_ERR_INVALID, "request body too large");
    if (auth && strncmp(auth, "Bearer ", 7) == 0)
        auth += 7;
    else
        auth = NULL;
#ifdef ALPR_TEST_CLOCK
    int64_t t;
    if (now && store_time_parse(now, &t) != 0)
        return answer_error(conn, 400, STORE_ERR_INVALID, "X-Alpr-Test-Now: not a time");
#else
    if (now)
        return answer_error(conn, 400, STORE_ERR_INVALID,
                            "this service has no test clock (X-Alpr-Test-Now refused)");
#endif
    pthread_mutex_lock(&sv->lock);
#ifdef ALPR_TEST_CLOCK
    store_set_clock(sv->s, now ? fixed_clock : NULL, &t);
#endif
    int rc = store_api_handle(sv->s, &sv->conf, &peer, l->channel, url + 4, auth, rq->body, rq->len,
                              &status, &response);
    if (rc == 0 && status == 507) {
        /* Full disk: nothing was changed. An administrator's purge runs again at once in the
         * room the reserve leaves, recorded under their name; then the service makes room for
         * whatever else failed and makes the reserve again. */
        if (strcmp(url + 4, "purge") == 0) {
            free(response);
            response = NULL;
            store_reserve_release(sv->reserve);
            rc = store_api_handle(sv->s, &sv->conf, &peer, l->channel, url + 4, auth, rq->body,
                                  rq->len, &status, &response);
        }
        disk_full(sv);
    }
#ifdef ALPR_TEST_CLOCK
    store_set_clock(sv->s, NULL, NULL);
#endif
    pthread_mutex_unlock(&sv->lock);
    if (rc != 0)
        return answer_error(conn, 503, STORE_ERR_NOMEM, "out of memory");
    if (sv->verbose)
        fprintf(stderr, "alpr-stored: %s uid %lld pid %lld %s -> %d\n",
                l->channel == STORE_API_INGEST ? "ingest" : "members", (long long)peer.uid,
                (long long)peer.pid, url + 4, status);
    return answer(conn, status, response);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct request *rq = *con_cls;
    (void)version;
    if (!rq) {
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->too_big || rq->len + n > STORE_API_MAX_BODY) {
            rq->too_big = 1;
            return MHD_YES;
        }
        if (rq->len + n > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 4096;
            while (cap < rq->len + n)
                cap *= 2;
            char *grown = realloc(rq->body, cap);
            if (!grown)
                return MHD_NO;
            rq->body = grown;
            rq->cap = cap;
        }
        memcpy(rq->body + rq->len, upload_data, n);
        rq->len += n;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0)
        return answer_error(conn, 405, STORE_ERR_INVALID, "calls are POST /v1/CALL");
    if (strncmp(url, "/v1/", 4) != 0)
        return answer_error(conn, 404, STORE_ERR_NOTFOUND, "calls are POST /v1/CALL");
    return run_call(cls, conn, url, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    struct request *rq = *con_cls;
    (void)cls;
    (void)conn;
    (void)code;
    if (rq) {
        /* Bodies carry passwords and reads. */
        if (rq->body)
            explicit_bzero(rq->body, rq->cap);
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* Binds a new socket at path: mode 0600, or 0660 for group. -1 on error (printed). */
static int bind_socket(const char *path, const char *group)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct stat st;
    struct group *gr = NULL;
    int fd;
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "alpr-stored: %s: socket path too long\n", path);
        return -1;
    }
    if (group && !(gr = getgrnam(group))) {
        char *end;
        long gid = strtol(group, &end, 10);
        static struct group numeric;
        if (!*group || *end || gid < 0) {
            fprintf(stderr, "alpr-stored: no group '%s'\n", group);
            return -1;
        }
        numeric.gr_gid = (gid_t)gid;
        gr = &numeric;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    /* Replace only a stale socket, never another kind of file. */
    if (lstat(path, &st) == 0 && (!S_ISSOCK(st.st_mode) || unlink(path) != 0)) {
        fprintf(stderr, "alpr-stored: %s exists and is not a stale socket\n", path);
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* Created 0600: nobody else connects before the group is set. */
    mode_t old = umask(0177);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc == 0 && gr && (chown(path, (uid_t)-1, gr->gr_gid) != 0 || chmod(path, 0660) != 0))
        rc = -1;
    if (rc != 0 || listen(fd, 64) != 0) {
        fprintf(stderr, "alpr-stored: %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* The two sockets: systemd's ("store" and "ingest"), else new ones at their paths. */
static int listen_sockets(struct listener *members, struct listener *ingest)
{
    char **names = NULL;
    int n = sd_listen_fds_with_names(1, &names);
    members->fd = ingest->fd = -1;
    for (int i = 0; i < n; i++) {
        if (names && strcmp(names[i], "store") == 0)
            members->fd = SD_LISTEN_FDS_START + i;
        else if (names && strcmp(names[i], "ingest") == 0)
            ingest->fd = SD_LISTEN_FDS_START + i;
        free(names ? names[i] : NULL);
    }
    free(names);
    if (n > 0) {
        members->path = ingest->path = NULL;
        if (members->fd < 0 || ingest->fd < 0) {
            fprintf(stderr,
                    "alpr-stored: systemd passed %d sockets; expected the ones named "
                    "'store' and 'ingest' (FileDescriptorName=)\n",
                    n);
            return -1;
        }
        return 0;
    }
    if ((members->fd = bind_socket(members->path, members->group)) < 0)
        return -1;
    if ((ingest->fd = bind_socket(ingest->path, ingest->group)) < 0) {
        close(members->fd);
        unlink(members->path);
        return -1;
    }
    return 0;
}

static void purge(struct service *sv)
{
    struct store_purge_report rep;
    /* Through the reserve: a full disk must not keep reads past their retention. */
    int rc = store_reserve_purge(sv->reserve, sv->s, store_now(sv->s), &rep);
    if (rc != 0)
        fprintf(stderr, "alpr-stored: purge failed: %s\n", store_strerror(rc));
    else if (rep.reads || sv->verbose)
        fprintf(stderr, "alpr-stored: purge: %lld reads, %lld images, %lld held\n",
                (long long)rep.reads, (long long)rep.images, (long long)rep.held);
}

/* Appends line and a newline to the anchor file (0644: a head reveals nothing). 0 or -1. */
static int append_anchor(const char *path, const char *line)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    size_t n = strlen(line);
    int ok;
    if (fd < 0)
        return -1;
    ok = fchmod(fd, 0644) == 0 && write(fd, line, n) == (ssize_t)n && write(fd, "\n", 1) == 1 &&
         fsync(fd) == 0;
    return close(fd) == 0 && ok ? 0 : -1;
}

/*
 * Anchors the audit chain outside the store when its head moved since the last time: a line on
 * stderr (the journal keeps it) and, with --anchor-file, in that file. Called with the lock held,
 * at most once a second: the changes of that second share one anchor.
 */
static void anchor(struct service *sv)
{
    struct store_audit_head head;
    char line[256];
    if (store_audit_head(sv->s, &head) != 0 || head.id == sv->anchored_id ||
        store_audit_anchor_format(&head, line, sizeof line) != 0)
        return;
    fprintf(stderr, "alpr-stored: %s\n", line);
    if (sv->anchor_path && append_anchor(sv->anchor_path, line) != 0)
        fprintf(stderr, "alpr-stored: %s: cannot append the audit anchor: %s\n", sv->anchor_path,
                strerror(errno));
    sv->anchored_id = head.id;
}

static int start_server(struct listener *l)
{
    l->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            on_request, l, MHD_OPTION_LISTEN_SOCKET, l->fd,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
    if (!l->d)
        fprintf(stderr, "alpr-stored: cannot start the HTTP server on %s\n",
                l->path ? l->path : "systemd's socket");
    return l->d ? 0 : -1;
}

/* The free-space watch (store_reserve.h): its own lines go to stderr, the journal. */
static void disk_check(struct service *sv)
{
    int rc = store_reserve_check(sv->reserve, sv->s, store_now(sv->s));
    if (rc != 0 && sv->verbose)
        fprintf(stderr, "alpr-stored: disk check: %s\n", store_strerror(rc));
}

/* Serves both sockets until SIGTERM/SIGINT; the nightly purge, the disk watch and the
 * watchdog meanwhile. */
static int serve(struct service *sv, struct listener *members, struct listener *ingest)
{
    uint64_t watchdog_us = 0;
    time_t last_purge = 0, last_disk = 0, last_watchdog = 0;
    if (start_server(members) != 0 || start_server(ingest) != 0) {
        if (members->d)
            MHD_stop_daemon(members->d);
        return 1;
    }
    if (sd_watchdog_enabled(0, &watchdog_us) <= 0)
        watchdog_us = 0;
    sd_notify(0, "READY=1\nSTATUS=serving");
    while (!stop_signal) {
        time_t now = time(NULL);
        /* The test build's time is the requests'; a purge on the real clock would date an audit
         * entry after theirs and stop them (a clock going back). Its tests purge by call. */
        if (AUTO_PURGE && now - last_purge >= PURGE_EVERY_S) {
            last_purge = now;
            pthread_mutex_lock(&sv->lock);
            purge(sv);
            pthread_mutex_unlock(&sv->lock);
        }
        if (AUTO_PURGE && now - last_disk >= DISK_EVERY_S) {
            last_disk = now;
            pthread_mutex_lock(&sv->lock);
            disk_check(sv);
            pthread_mutex_unlock(&sv->lock);
        }
        pthread_mutex_lock(&sv->lock);
        anchor(sv);
        pthread_mutex_unlock(&sv->lock);
        if (watchdog_us && (uint64_t)(now - last_watchdog) * 2000000u >= watchdog_us) {
            last_watchdog = now;
            sd_notify(0, "WATCHDOG=1");
        }
        sleep(1); /* a signal ends it early */
    }
    sd_notify(0, "STOPPING=1");
    MHD_stop_daemon(members->d);
    MHD_stop_daemon(ingest->d);
    anchor(sv); /* the calls answered in the last second */
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"state", required_argument, NULL, 'd'},
                                       {"socket", required_argument, NULL, 's'},
                                       {"ingest-socket", required_argument, NULL, 'I'},
                                       {"socket-group", required_argument, NULL, 'G'},
                                       {"ingest-group", required_argument, NULL, 'H'},
                                       {"key-file", required_argument, NULL, 'k'},
                                       {"ingest-user", required_argument, NULL, 'i'},
                                       {"generate-key", required_argument, NULL, 'g'},
                                       {"anchor-file", required_argument, NULL, 'a'},
                                       {"disk-reserve", required_argument, NULL, 'R'},
                                       {"purge-floor-days", required_argument, NULL, 'F'},
                                       {"disk-alarm-days", required_argument, NULL, 'A'},
                                       {"verbose", no_argument, NULL, 'v'},
                                       {"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'V'},
                                       {NULL, 0, NULL, 0}};
    const char *state = STORE_STATE_DEFAULT_DIR, *key_file = NULL;
    struct service sv = {.conf.service_uid = geteuid(), .lock = PTHREAD_MUTEX_INITIALIZER};
    struct listener members = {&sv, STORE_API_MEMBERS, STORE_CLIENT_DEFAULT_SOCKET, NULL, -1, NULL};
    struct listener ingest = {&sv, STORE_API_INGEST, STORE_CLIENT_DEFAULT_INGEST_SOCKET, NULL, -1,
                              NULL};
    struct store_reserve_config disk;
    char err[512];
    int c, rc;
    store_reserve_config_default(&disk);
    disk.log = stderr;
    while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
        switch (c) {
        case 'd':
            state = optarg;
            break;
        case 's':
            members.path = optarg;
            break;
        case 'I':
            ingest.path = optarg;
            break;
        case 'G':
            members.group = optarg;
            break;
        case 'H':
            ingest.group = optarg;
            break;
        case 'k':
            key_file = optarg;
            break;
        case 'i':
            if (sv.conf.n_ingest_uids == STORE_API_MAX_INGEST_UIDS ||
                user_uid(optarg, &sv.conf.ingest_uids[sv.conf.n_ingest_uids]) != 0) {
                fprintf(stderr, "alpr-stored: --ingest-user %s: no such account (or too many)\n",
                        optarg);
                return 2;
            }
            sv.conf.n_ingest_uids++;
            break;
        case 'g':
            if ((rc = store_key_generate(optarg, err, sizeof err)) != 0) {
                fprintf(stderr, "alpr-stored: %s\n", err);
                return 1;
            }
            return 0;
        case 'a':
            sv.anchor_path = optarg;
            break;
        case 'R':
        case 'F':
        case 'A':
            if (disk_option(c, optarg, &disk) != 0)
                return 2;
            break;
        case 'v':
            sv.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("alpr-stored %s%s\n", ALPR_VERSION,
#ifdef ALPR_TEST_CLOCK
                   " (test build: clock set by requests)"
#else
                   ""
#endif
            );
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    /* Nothing this process writes is for anybody else. */
    umask(077);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if ((rc = store_state_open(state, key_file, &sv.state, err, sizeof err)) != 0) {
        fprintf(stderr, "alpr-stored: %s\n", err);
        return rc == STORE_ERR_DENIED || rc == STORE_ERR_INVALID ? 4 : 1;
    }
    sv.s = store_state_store(sv.state);
    if (store_reserve_open(state, &disk, &sv.reserve) != 0) {
        store_state_close(sv.state);
        return 1;
    }
    sv.conf.reserve = sv.reserve;
    if (listen_sockets(&members, &ingest) != 0) {
        store_reserve_close(sv.reserve);
        store_state_close(sv.state);
        return 1;
    }
    fprintf(stderr, "alpr-stored %s: serving %s on %s and %s\n", ALPR_VERSION, state,
            members.path ? members.path : "systemd's sockets", ingest.path ? ingest.path : "");
    rc = serve(&sv, &members, &ingest);
    store_reserve_close(sv.reserve);
    store_state_close(sv.state);
    if (members.path)
        unlink(members.path);
    if (ingest.path)
        unlink(ingest.path);
    fprintf(stderr, "alpr-stored: stopped\n");
    return rc;
}
