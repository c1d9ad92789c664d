/*
 * e2e_replug: runs a host command against the simulated USB board (sim/usbboard, C-model
 * engine) whose camera shows the frames of a folder, and pulls the board's plug in the middle:
 *
 *   e2e_replug DIR FPS UNPLUG_AFTER DOWN_MS -- COMMAND [ARGS]
 *
 * After UNPLUG_AFTER frames have been sent the board is unplugged (every URB in flight fails
 * with ENODEV, the device leaves the bus), DOWN_MS milliseconds later it is plugged in again (in
 * its power-up state; the camera continues where it was). Exits with COMMAND's status. Used by
 * tests/e2e_alprd.sh to check that alprd survives an unplug/replug.
 */
#include "image.h"
#include "usbboard.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAMES 2048

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int main(int argc, char **argv)
{
    static char *names[MAX_FRAMES];
    static struct image frames[MAX_FRAMES];
    struct usbboard_config cfg;
    struct usbboard *board = NULL;
    size_t n = 0;
    int status = 1;
    DIR *dir;
    struct dirent *e;

    if (argc < 7 || strcmp(argv[5], "--") != 0) {
        fprintf(stderr, "usage: e2e_replug DIR FPS UNPLUG_AFTER DOWN_MS -- COMMAND [ARGS]\n");
        return 2;
    }
    /* Unplug and replug announce themselves by uevents, which need the preload library here. */
    if (usbboard_reexec_preloaded(argv) != 0) {
        perror("e2e_replug: re-exec under the umockdev preload library");
        return 1;
    }
    double fps = atof(argv[2]);
    unsigned long after = strtoul(argv[3], NULL, 10);
    long down_ms = atol(argv[4]);
    dir = opendir(argv[1]);
    if (!dir) {
        fprintf(stderr, "e2e_replug: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    while ((e = readdir(dir)) != NULL && n < MAX_FRAMES) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".pgm") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof names[0], cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
        int err = image_load(path, &frames[i]);
        if (err) {
            fprintf(stderr, "e2e_replug: %s: %s\n", path, image_strerror(err));
            goto out;
        }
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.sim.engine = USBSIM_ENGINE_MODEL;
    cfg.sim.frames = frames;
    cfg.sim.nframes = n;
    cfg.sim.fps = fps;
    if (usbboard_new(&cfg, &board) != 0 || usbboard_child_env() != 0) {
        fprintf(stderr, "e2e_replug: cannot attach the simulated board\n");
        goto out;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("e2e_replug: fork");
        goto out;
    }
    if (pid == 0) {
        execvp(argv[6], argv + 6);
        fprintf(stderr, "e2e_replug: %s: %s\n", argv[6], strerror(errno));
        _exit(127);
    }
    int unplugged = 0, ws = 0;
    for (;;) {
        pid_t r = waitpid(pid, &ws, WNOHANG);
        if (r == pid)
            break;
        if (!unplugged) {
            struct usbsim_stats st;
            usbboard_sim_stats(board, &st);
            if (st.frames_sent >= after) {
                if (usbboard_unplug(board) != 0)
                    fprintf(stderr, "e2e_replug: unplug failed\n");
                fprintf(stderr, "e2e_replug: unplugged after %llu frames\n",
                        (unsigned long long)st.frames_sent);
                sleep_ms(down_ms);
                if (usbboard_replug(board) != 0)
                    fprintf(stderr, "e2e_replug: replug failed\n");
                fprintf(stderr, "e2e_replug: plugged in again after %ld ms\n", down_ms);
                unplugged = 1;
            }
        }
        sleep_ms(20);
    }
    status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    if (!unplugged) {
        fprintf(stderr, "e2e_replug: the command ended before the unplug\n");
        status = status ? status : 1;
    }
out:
    usbboard_free(board);
    for (size_t i = 0; i < n; i++) {
        image_free(&frames[i]);
        free(names[i]);
    }
    return status;
}
