/*
 * test_usb_replug: reconnection across processes. The board lives in this process, the host in
 * another (tests/usb/replug_client, as alprd runs under alpr-simboard or tests/e2e_replug): the
 * board is unplugged in mid-stream and plugged in again, and the host's driver must report
 * ALPR_DEV_EVENT_RECONNECTED and stream again by itself, well before alprd's own fallback
 * (it closes and reopens a board still away after 5 s), by hotplug and by polling.
 *
 * This process deliberately does NOT run under the umockdev preload library (only the child
 * does), like tests/e2e_replug: umockdev cannot send uevents from here, so the host never hears
 * "remove" or "add" and libusb's device list, which on Linux follows those events only, never
 * shows the board again. The driver must find it by scanning the bus anew.
 *
 * Also checked: after the replug the camera continues where it was (the images do not start
 * over; the frames that passed while the board was away are lost), while the board's frame
 * numbering restarts at 0 (power-up) and the configuration the host wrote is restored.
 */
#include "testlib.h"
#include "usbboard.h"
#include "usbtest.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define W       160
#define H       120
#define NFRAMES 64
#define FPS     25
#define DOWN_MS 300

static struct image frames[NFRAMES];
static uint32_t hashes[NFRAMES];
static char client[PATH_MAX];

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* The child's stdout, read line by line with a deadline. */
struct lines {
    int fd;
    char buf[4096];
    size_t n;
};

/* Next line into out (without the newline). Returns 1, or 0 at end of file or deadline. */
static int next_line(struct lines *l, char *out, size_t size, int64_t deadline)
{
    for (;;) {
        char *nl = memchr(l->buf, '\n', l->n);
        if (nl) {
            size_t k = (size_t)(nl - l->buf);
            snprintf(out, size, "%.*s", (int)k, l->buf);
            memmove(l->buf, nl + 1, l->n - k - 1);
            l->n -= k + 1;
            return 1;
        }
        int64_t left = deadline - now_ms();
        if (left <= 0 || l->n == sizeof l->buf)
            return 0;
        struct pollfd p = {.fd = l->fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t r = read(l->fd, l->buf + l->n, sizeof l->buf - l->n);
        if (r <= 0)
            return 0;
        l->n += (size_t)r;
    }
}

/* The camera image a "frame N HASH" line shows: its index, or -1 (-2: not a frame line). */
static int frame_image(const char *line, unsigned *number)
{
    unsigned hash;
    if (sscanf(line, "frame %u %x", number, &hash) != 2)
        return -2;
    for (int i = 0; i < NFRAMES; i++)
        if (hashes[i] == hash)
            return i;
    return -1;
}

static void replug_across_processes(int polling)
{
    struct usbboard_config cfg = {0};
    struct usbboard *board = NULL;
    struct lines l = {0};
    char line[256];
    int fds[2], status = -1, before = 0, after = 0, last_before = -1, first_after = -1;
    int no_device = 0, reconnected = 0, unknown = 0, in_order = 1, prev = -1;
    unsigned number = 0, first_number = 1;
    int64_t replugged = 0, reconnect_ms = -1, deadline;
    pid_t pid;

    cfg.sim.engine = USBSIM_ENGINE_MODEL;
    cfg.sim.frames = frames;
    cfg.sim.nframes = NFRAMES;
    cfg.sim.fps = FPS;
    cfg.serial = "REPLUG-0001";
    REQUIRE(usbboard_new(&cfg, &board) == 0);
    REQUIRE(usbboard_child_env() == 0 && pipe(fds) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        if (polling)
            execl(client, client, "--polling", "--size", "160x120", "5", "15000", (char *)NULL);
        else
            execl(client, client, "--size", "160x120", "5", "15000", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    l.fd = fds[0];

    /* Streaming: 5 frames, then the plug is pulled. */
    deadline = now_ms() + 10000;
    while (before < 5 && next_line(&l, line, sizeof line, deadline)) {
        int i = frame_image(line, &number);
        if (i >= -1) {
            before++;
            unknown += i < 0;
            in_order &= i > prev;
            prev = last_before = i;
        }
    }
    CHECK_EQ_INT(before, 5);
    REQUIRE(usbboard_unplug(board) == 0);
    deadline = now_ms() + 5000;
    while (!no_device && next_line(&l, line, sizeof line, deadline)) {
        int i = frame_image(line, &number);
        if (strcmp(line, "event no-device") == 0)
            no_device = 1;
        else if (i >= -1) { /* frames already on their way */
            unknown += i < 0;
            in_order &= i > prev;
            prev = last_before = i;
        }
    }
    CHECK(no_device);
    sleep_ms(DOWN_MS);
    REQUIRE(usbboard_replug(board) == 0);
    replugged = now_ms();

    /* Back: the driver must say so, and frames must come again. */
    deadline = now_ms() + 4500;
    while (after < 5 && next_line(&l, line, sizeof line, deadline)) {
        int i = frame_image(line, &number);
        if (strcmp(line, "event reconnected") == 0) {
            reconnected++;
            reconnect_ms = now_ms() - replugged;
        } else if (i >= -1) {
            if (reconnected && after++ == 0) {
                first_after = i;
                first_number = number;
            }
            unknown += i < 0;
            in_order &= i > prev;
            prev = i;
        }
    }
    CHECK_EQ_INT(reconnected, 1);
    CHECK(reconnect_ms >= 0 && reconnect_ms < 3000);
    CHECK_EQ_INT(after, 5);
    CHECK_EQ_INT(unknown, 0);      /* every frame is a camera image: FRAME_SIZE was restored */
    CHECK_EQ_INT(first_number, 0); /* the board's numbering restarted at power-up */
    CHECK(in_order);               /* the camera never went back */
    /* The frames of the DOWN_MS the board was away were lost: more than one image skipped. */
    CHECK(last_before >= 0 && first_after > last_before + 1);
    printf("  %s: %d frames before the unplug (last image %d), reconnected %lld ms after the "
           "replug, first image after %d\n",
           polling ? "polling" : "hotplug", before, last_before, (long long)reconnect_ms,
           first_after);

    if (waitpid(pid, &status, 0) != pid)
        status = -1;
    close(fds[0]);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    usbboard_free(board);
}

static void test_replug_hotplug(void)
{
    replug_across_processes(0);
}

static void test_replug_polling(void)
{
    replug_across_processes(1);
}

int main(void)
{
    ssize_t n = readlink("/proc/self/exe", client, sizeof client - 32);
    char *slash;
    if (n <= 0) {
        perror("test_usb_replug: /proc/self/exe");
        return 1;
    }
    client[n] = 0;
    slash = strrchr(client, '/');
    strcpy(slash + 1, "replug_client");
    if (access(client, X_OK) != 0) {
        fprintf(stderr, "test_usb_replug: %s: %s\n", client, strerror(errno));
        return 1;
    }
    if (usbtest_frames(frames, NFRAMES, W, H) != 0) {
        fprintf(stderr, "test_usb_replug: cannot prepare frames\n");
        return 1;
    }
    for (int i = 0; i < NFRAMES; i++)
        hashes[i] = fnv1a(frames[i].pixels, (size_t)W * H);
    signal(SIGPIPE, SIG_IGN);
    RUN(test_replug_hotplug);
    RUN(test_replug_polling);
    for (int i = 0; i < NFRAMES; i++)
        image_free(&frames[i]);
    return test_finish();
}
