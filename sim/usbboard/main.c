/*
 * alpr-simboard: the simulated camera board on a simulated USB bus.
 *
 *   alpr-simboard [OPTIONS] -- COMMAND [ARGS]   run COMMAND (any host program, unmodified)
 *                                                with the board attached, exit with its status
 *   alpr-simboard [OPTIONS]                      keep the board attached until SIGINT/SIGTERM,
 *                                                printing the environment other programs need
 *
 * The board's camera shows image files (--image, repeatable) or generated scenes (--scenes N);
 * its pipeline is the C model (--engine model, default), the Verilated RTL (rtl) or the
 * pass-through engine (pass).
 * See docs/DRIVER.md.
 */
#include "image.h"
#include "scene.h"
#include "usbboard.h"
#include "usbboard_rtl.h"
#include "version.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_IMAGES 1024

static volatile sig_atomic_t stop_flag, unplug_flag, replug_flag;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        unplug_flag = 1;
    else if (sig == SIGUSR2)
        replug_flag = 1;
    else
        stop_flag = 1;
}

/* Scripted unplug / replug (--unplug-after-ms, --replug-after-ms). */
struct plan {
    struct usbboard *board;
    long unplug_ms, replug_ms;
};

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

static void *plan_thread(void *arg)
{
    struct plan *p = arg;
    sleep_ms(p->unplug_ms);
    if (usbboard_unplug(p->board) == 0)
        fprintf(stderr, "alpr-simboard: board unplugged\n");
    if (p->replug_ms < 0)
        return NULL;
    sleep_ms(p->replug_ms);
    if (usbboard_replug(p->board) == 0)
        fprintf(stderr, "alpr-simboard: board plugged in again\n");
    return NULL;
}

/* Unplug / replug asked by a signal, from the main thread. */
static void plug_requests(struct usbboard *board)
{
    if (unplug_flag) {
        unplug_flag = 0;
        if (usbboard_unplug(board) == 0)
            fprintf(stderr, "alpr-simboard: board unplugged (SIGUSR1)\n");
    }
    if (replug_flag) {
        replug_flag = 0;
        if (usbboard_replug(board) == 0)
            fprintf(stderr, "alpr-simboard: board plugged in again (SIGUSR2)\n");
    }
}

static void usage(FILE *f)
{
    fprintf(
        f, "usage: alpr-simboard [OPTIONS] [-- COMMAND [ARGS]]\n"
           "\n"
           "Attaches a simulated ALPR camera board (USB 1209:0001) through umockdev and runs\n"
           "COMMAND against it through the real libusb path; without COMMAND, keeps it attached\n"
           "until interrupted and prints the environment other programs need.\n"
           "\n"
           "Camera:\n"
           "  --image FILE       a frame from an image file (PNG, JPEG, PGM); repeatable\n"
           "  --scenes N         N generated scenes (default 4 when no --image)\n"
           "  --scene-size WxH   size of generated scenes (default 1280x720)\n"
           "  --seed N           first scene seed (default 1)\n"
           "  --loop             start over after the last frame (default: each frame once)\n"
           "  --count N          stop the camera after N frames (with --loop: N in total)\n"
           "  --fps F            camera frame rate (default 0: next frame when output is free)\n"
           "Board:\n"
           "  --engine E         model (bit-exact C model, default), rtl (the Verilated RTL)\n"
           "                     or pass (gray pass-through, no records)\n"
           "  --serial S         iSerialNumber, 8-16 of 0-9 A-Z - (default SIM00001)\n"
           "  --reap-wait-ms N   hold an empty REAPURBNDELAY up to N ms (default 10)\n"
           "  --unplug-after-ms N  pull the board's plug N ms after COMMAND started\n"
           "  --replug-after-ms N  plug it back in N ms after that (default: never)\n"
           "  -v, --verbose      log control requests (twice: every ioctl)\n"
           "  -h, --help         this help\n"
           "  -V, --version      the version\n"
           "\n"
           "Exit status: COMMAND's, or 2 for a bad command line, 1 when the board cannot start.\n");
}

static int parse_size(const char *s, int *w, int *h)
{
    char *end;
    long a = strtol(s, &end, 10), b;
    if (*end != 'x')
        return -1;
    b = strtol(end + 1, &end, 10);
    if (*end || a < 1 || a > 2048 || b < 1 || b > 2048)
        return -1;
    *w = (int)a;
    *h = (int)b;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"image", required_argument, NULL, 'i'},
        {"scenes", required_argument, NULL, 'n'},
        {"scene-size", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'S'},
        {"loop", no_argument, NULL, 'l'},
        {"count", required_argument, NULL, 'c'},
        {"fps", required_argument, NULL, 'f'},
        {"engine", required_argument, NULL, 'e'},
        {"serial", required_argument, NULL, 'N'},
        {"reap-wait-ms", required_argument, NULL, 'r'},
        {"unplug-after-ms", required_argument, NULL, 'U'},
        {"replug-after-ms", required_argument, NULL, 'P'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    static struct image images[MAX_IMAGES];
    const char *paths[MAX_IMAGES];
    size_t npaths = 0, nimages = 0;
    long scenes = -1, seed = 1;
    int sw = 1280, sh = 720, c, status = 1;
    struct usbboard_config cfg = {
        .sim = {.engine = USBSIM_ENGINE_MODEL, .make_engine = usbboard_rtl_make}};
    struct usbboard *board = NULL;
    struct plan plan = {.unplug_ms = -1, .replug_ms = -1};
    pthread_t plan_tid;
    int plan_started = 0;
    char *end;
    sigset_t handled;

    /* The signals this program acts on go to the main thread only: it waits in waitpid() and
       acts when a signal interrupts it. Delivered to one of the board's threads instead, a
       SIGUSR1 would wait until the command ends. Threads inherit this mask; the main thread
       unblocks them once its handlers are in place. */
    sigemptyset(&handled);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGUSR1);
    sigaddset(&handled, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &handled, NULL);

    /* Run under the umockdev preload ourselves too: unplug and replug send uevents, which only
     * work in a preloaded process. The command inherits the environment. */
    if (usbboard_reexec_preloaded(argv) != 0) {
        perror("alpr-simboard: re-exec under the umockdev preload library");
        return 1;
    }
    while ((c = getopt_long(argc, argv, "+vhV", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (npaths == MAX_IMAGES) {
                fprintf(stderr, "alpr-simboard: at most %d --image\n", MAX_IMAGES);
                return 2;
            }
            paths[npaths++] = optarg;
            break;
        case 'n':
            scenes = strtol(optarg, &end, 10);
            if (*end || scenes < 1 || scenes > MAX_IMAGES) {
                fprintf(stderr, "alpr-simboard: --scenes: 1..%d\n", MAX_IMAGES);
                return 2;
            }
            break;
        case 's':
            if (parse_size(optarg, &sw, &sh) != 0) {
                fprintf(stderr, "alpr-simboard: --scene-size: WxH, 1..2048 each\n");
                return 2;
            }
            break;
        case 'S':
            seed = strtol(optarg, &end, 10);
            if (*end || seed < 0) {
                fprintf(stderr, "alpr-simboard: --seed: a number >= 0\n");
                return 2;
            }
            break;
        case 'l':
            cfg.sim.loop = 1;
            break;
        case 'c': {
            long long n = strtoll(optarg, &end, 10);
            if (*end || n < 1) {
                fprintf(stderr, "alpr-simboard: --count: a number >= 1\n");
                return 2;
            }
            cfg.sim.count = (uint64_t)n;
            break;
        }
        case 'f':
            cfg.sim.fps = strtod(optarg, &end);
            if (*end || cfg.sim.fps < 0 || cfg.sim.fps > 10000) {
                fprintf(stderr, "alpr-simboard: --fps: 0..10000\n");
                return 2;
            }
            break;
        case 'e':
            if (usbsim_engine_parse(optarg, &cfg.sim.engine) != 0) {
                fprintf(stderr, "alpr-simboard: --engine: model, pass or rtl\n");
                return 2;
            }
            break;
        case 'N':
            cfg.serial = optarg;
            break;
        case 'r': {
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 1000) {
                fprintf(stderr, "alpr-simboard: --reap-wait-ms: 1..1000\n");
                return 2;
            }
            cfg.reap_wait_ms = (unsigned)n;
            break;
        }
        case 'U':
        case 'P': {
            long n = strtol(optarg, &end, 10);
            if (*end || n < 0 || n > 86400000) {
                fprintf(stderr, "alpr-simboard: --%s-after-ms: 0..86400000\n",
                        c == 'U' ? "unplug" : "replug");
                return 2;
            }
            *(c == 'U' ? &plan.unplug_ms : &plan.replug_ms) = n;
            break;
        }
        case 'v':
            cfg.verbose++;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("alpr-simboard %s\n", ALPR_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }

    for (size_t i = 0; i < npaths; i++) {
        int err = image_load(paths[i], &images[nimages]);
        if (err != 0) {
            fprintf(stderr, "alpr-simboard: %s: %s\n", paths[i], image_strerror(err));
            goto out;
        }
        nimages++;
    }
    if (scenes < 0 && npaths == 0)
        scenes = 4;
    if (scenes > 0) {
        struct scene_gen *gen;
        int err = scene_gen_open(NULL, &gen);
        if (err != 0) {
            fprintf(stderr, "alpr-simboard: scenes: %s\n", scene_strerror(err));
            goto out;
        }
        for (long i = 0; i < scenes && nimages < MAX_IMAGES; i++) {
            struct scene_params p;
            struct scene sc;
            scene_params_default(&p);
            p.width = sw;
            p.height = sh;
            p.seed = (uint64_t)(seed + i);
            err = scene_render(gen, &p, &sc);
            if (err != 0) {
                fprintf(stderr, "alpr-simboard: scene %ld: %s\n", seed + i, scene_strerror(err));
                scene_gen_close(gen);
                goto out;
            }
            /* The scene's pixels move into an image (same layout). */
            images[nimages].width = sc.width;
            images[nimages].height = sc.height;
            images[nimages].pixels = sc.pixels;
            sc.pixels = NULL;
            scene_free(&sc);
            nimages++;
        }
        scene_gen_close(gen);
    }
    cfg.sim.frames = images;
    cfg.sim.nframes = nimages;

    {
        int err = usbboard_new(&cfg, &board);
        if (err != 0) {
            fprintf(stderr, "alpr-simboard: %s\n", usbboard_strerror(err));
            goto out;
        }
    }
    if (usbboard_child_env() != 0) {
        fprintf(stderr, "alpr-simboard: cannot set the environment\n");
        goto out;
    }

    {
        /* No SA_RESTART: a signal interrupts waitpid() so that it can be passed on. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGUSR2, &sa, NULL);
        pthread_sigmask(SIG_UNBLOCK, &handled, NULL);
    }
    if (plan.replug_ms >= 0 && plan.unplug_ms < 0) {
        fprintf(stderr, "alpr-simboard: --replug-after-ms needs --unplug-after-ms\n");
        status = 2;
        goto out;
    }
    if (optind < argc) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("alpr-simboard: fork");
            goto out;
        }
        if (pid == 0) {
            execvp(argv[optind], argv + optind);
            fprintf(stderr, "alpr-simboard: %s: %s\n", argv[optind], strerror(errno));
            _exit(127);
        }
        if (plan.unplug_ms >= 0) {
            plan.board = board;
            pthread_sigmask(SIG_BLOCK, &handled, NULL); /* the plan thread must not take them */
            plan_started = pthread_create(&plan_tid, NULL, plan_thread, &plan) == 0;
            pthread_sigmask(SIG_UNBLOCK, &handled, NULL);
        }
        for (;;) {
            int ws;
            pid_t r = waitpid(pid, &ws, 0);
            if (r == pid) {
                status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
                break;
            }
            if (r < 0 && errno != EINTR) {
                perror("alpr-simboard: waitpid");
                break;
            }
            if (stop_flag) {
                kill(pid, SIGTERM); /* pass it on once, then wait for the command to end */
                stop_flag = 0;
            }
            plug_requests(board);
        }
    } else {
        char node[64];
        usbboard_devnode(board, node, sizeof node);
        printf("board attached at %s\n", node);
        printf("export UMOCKDEV_DIR=%s LD_PRELOAD=%s\n", getenv("UMOCKDEV_DIR"),
               getenv("LD_PRELOAD"));
        fflush(stdout);
        while (!stop_flag) {
            pause();
            plug_requests(board);
        }
        status = 0;
    }
    if (cfg.verbose) {
        struct usbboard_stats st;
        usbboard_stats(board, &st);
        fprintf(stderr,
                "alpr-simboard: %llu URBs submitted, %llu reaped, %llu control requests "
                "(%llu stalled), %llu bytes in, %llu unknown ioctls\n",
                (unsigned long long)st.urbs_submitted, (unsigned long long)st.urbs_reaped,
                (unsigned long long)st.control_requests, (unsigned long long)st.control_stalls,
                (unsigned long long)st.bulk_in_bytes, (unsigned long long)st.unknown_ioctls);
    }
out:
    if (plan_started)
        pthread_join(plan_tid, NULL);
    usbboard_free(board);
    for (size_t i = 0; i < nimages; i++)
        image_free(&images[i]);
    return status;
}
