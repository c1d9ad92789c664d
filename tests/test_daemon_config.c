/* Tests of host/daemon_config: alprd's configuration file, its obsolete keys included. */
#include "daemon_config.h"
#include "recog.h"
#include "roadside.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_defaults_and_values(void)
{
    struct daemon_config c;
    char err[256] = "";
    const char *p = write_file("good.conf", "# a unit\n"
                                            "unit = UNIT-07   # trailing comment\n"
                                            "  camera=CAM-B\n"
                                            "\n"
                                            "latitude = 40.7608\n"
                                            "longitude = -111.891\n"
                                            "frame_width = 1920\n"
                                            "frame_height = 1080\n"
                                            "roi_y = 300\nroi_h = 540\n"
                                            "syslog = no\n"
                                            "agency = Metro PD\n"
                                            "non_governmental = yes\n"
                                            "store_socket = /run/x/ingest.sock\n");
    REQUIRE(p);
    daemon_config_default(&c);
    CHECK_EQ_STR(c.store_socket, "");
    CHECK_EQ_INT(c.has_position, 0);
    CHECK_EQ_STR(c.agency, "local police");
    CHECK_EQ_INT(c.non_governmental, 0);
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), 0);
    CHECK_EQ_STR(c.unit, "UNIT-07");
    CHECK_EQ_STR(c.camera, "CAM-B");
    CHECK(c.latitude > 40.76 && c.latitude < 40.761);
    CHECK_EQ_INT(c.has_position, 1);
    CHECK_EQ_INT(c.frame_width, 1920);
    CHECK_EQ_INT(c.roi_h, 540);
    CHECK_EQ_INT(c.use_syslog, 0);
    CHECK_EQ_INT(c.thresh_offset, RECOG_BOARD_OFFSET); /* untouched default */
    CHECK_EQ_INT(c.thresh_contrast, 8);
    CHECK_EQ_STR(c.agency, "Metro PD");
    CHECK_EQ_INT(c.non_governmental, 1);
    CHECK_EQ_STR(c.store_socket, "/run/x/ingest.sock");
    CHECK_EQ_INT(c.n_ignored, 0);
}

/* The previous release's store keys: checked as before, then ignored and listed for a warning. */
static void test_obsolete_store_keys(void)
{
    struct daemon_config c;
    char err[256] = "";
    const char *p = write_file("old.conf", "unit = U-9\n"
                                           "db = /var/lib/alpr/alpr.db\n"
                                           "# the old schedules\n"
                                           "purge_interval_s = 3600\n"
                                           "store_cache_kib = 2048\n"
                                           "latitude = 40.5\n");
    REQUIRE(p);
    daemon_config_default(&c);
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), 0);
    CHECK_EQ_STR(c.unit, "U-9");
    CHECK_EQ_STR(c.store_socket, ""); /* db does not become the socket */
    CHECK_EQ_INT(c.has_position, 1);
    REQUIRE(c.n_ignored == 3);
    CHECK_EQ_STR(c.ignored[0].key, "db");
    CHECK_EQ_INT(c.ignored[0].line, 2);
    CHECK(strstr(c.ignored[0].reason, "store service") != NULL);
    CHECK_EQ_STR(c.ignored[1].key, "purge_interval_s");
    CHECK_EQ_INT(c.ignored[1].line, 4);
    CHECK(strstr(c.ignored[1].reason, "purge") != NULL);
    CHECK_EQ_STR(c.ignored[2].key, "store_cache_kib");
    CHECK_EQ_INT(c.ignored[2].line, 5);

    /* Their values are still checked: a wrong one is the error it always was. */
    daemon_config_default(&c);
    p = write_file("old-bad.conf", "purge_interval_s = 5\n");
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), DAEMON_CONFIG_ERR_VALUE);
    CHECK(strstr(err, ":1:") && strstr(err, "purge_interval_s"));
    CHECK_EQ_INT(c.n_ignored, 0);
    daemon_config_default(&c);
    p = write_file("old-cache.conf", "store_cache_kib = lots\n");
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), DAEMON_CONFIG_ERR_VALUE);

    /* However often they come, the list stays bounded. */
    char many[2048] = "";
    for (int i = 0; i < DAEMON_CONFIG_MAX_IGNORED + 4; i++)
        strcat(many, "store_cache_kib = 4096\n");
    daemon_config_default(&c);
    p = write_file("many.conf", many);
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.n_ignored, DAEMON_CONFIG_MAX_IGNORED);
    CHECK_EQ_INT(c.ignored[DAEMON_CONFIG_MAX_IGNORED - 1].line, DAEMON_CONFIG_MAX_IGNORED);
}

static void test_errors_name_line_and_key(void)
{
    struct daemon_config c;
    char err[256];
    const char *p;
    daemon_config_default(&c);

    p = write_file("unknown.conf", "unit = A\nframe_wdth = 10\n");
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), DAEMON_CONFIG_ERR_KEY);
    CHECK(strstr(err, ":2:") && strstr(err, "frame_wdth"));

    p = write_file("range.conf", "frame_width = 4096\n");
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), DAEMON_CONFIG_ERR_VALUE);
    CHECK(strstr(err, ":1:") && strstr(err, "frame_width"));

    p = write_file("nan.conf", "\n\nlatitude = north\n");
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), DAEMON_CONFIG_ERR_VALUE);
    CHECK(strstr(err, ":3:") != NULL);

    p = write_file("syntax.conf", "just words\n");
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), DAEMON_CONFIG_ERR_SYNTAX);

    p = write_file("trailing.conf", "queue_frames = 8x\n");
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), DAEMON_CONFIG_ERR_VALUE);

    /* Each key in range, the two together beyond the frame. */
    daemon_config_default(&c);
    p = write_file("roi.conf", "frame_height = 720\nroi_y = 600\nroi_h = 200\n");
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), DAEMON_CONFIG_ERR_VALUE);
    CHECK(strstr(err, "roi.conf") && strstr(err, "roi_y = 600") && strstr(err, "720"));
    daemon_config_default(&c);
    p = write_file("roi-ok.conf", "frame_height = 720\nroi_y = 520\nroi_h = 200\n");
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), 0);
    daemon_config_default(&c);

    char longline[3000];
    memset(longline, 'a', sizeof longline - 2);
    longline[sizeof longline - 2] = '\n';
    longline[sizeof longline - 1] = '\0';
    p = write_file("long.conf", longline);
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), DAEMON_CONFIG_ERR_SYNTAX);

    CHECK_EQ_INT(daemon_config_load("/nonexistent/alprd.conf", &c, err, sizeof err),
                 DAEMON_CONFIG_ERR_IO);
    CHECK(strstr(err, "/nonexistent/alprd.conf") != NULL);
}

/* The recognizer's plate-format prior: a region name, "none" by default, anything else refused
 * with the file, line, key and the names it takes. */
static void test_region(void)
{
    static const char *const bad[] = {
        "xx", "US", "us; rm -rf /", "br' OR '1'='1", "$(id)", "auto-auto-auto", ""};
    struct daemon_config c;
    char err[256], text[128];
    const char *p;
    daemon_config_default(&c);
    CHECK_EQ_INT(c.region, PLATE_REGION_NONE);
    p = write_file("region.conf", "unit = A\nregion = br\n");
    REQUIRE(p);
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.region, PLATE_REGION_BR);
    p = write_file("region-none.conf", "region = none\n");
    CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.region, PLATE_REGION_NONE);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "# units\n\nregion = %s\n", bad[i]);
        p = write_file("region-bad.conf", text);
        daemon_config_default(&c);
        err[0] = 0;
        CHECK_EQ_INT(daemon_config_load(p, &c, err, sizeof err), DAEMON_CONFIG_ERR_VALUE);
        CHECK(strstr(err, "region-bad.conf:3:") && strstr(err, "'region'") &&
              strstr(err, PLATE_REGION_NAMES));
        CHECK_EQ_INT(c.region, PLATE_REGION_NONE);
    }
    /* alprd passes it on to the recognizer. */
    {
        struct roadside_config rc;
        daemon_config_default(&c);
        c.region = PLATE_REGION_AUTO;
        roadside_config_default(&rc);
        CHECK_EQ_INT(rc.recog.region, PLATE_REGION_NONE);
        roadside_config_from_daemon(&rc, &c);
        CHECK_EQ_INT(rc.recog.region, PLATE_REGION_AUTO);
    }
}

static void test_example_config_parses(void)
{
    struct daemon_config c;
    char err[256] = "";
    daemon_config_default(&c);
    CHECK_EQ_INT(daemon_config_load("docs/alprd.conf.example", &c, err, sizeof err), 0);
    if (err[0])
        printf("  %s\n", err);
    CHECK_EQ_INT(c.n_ignored, 0); /* the example names no obsolete key */
}

int main(void)
{
    RUN(test_defaults_and_values);
    RUN(test_errors_name_line_and_key);
    RUN(test_obsolete_store_keys);
    RUN(test_region);
    RUN(test_example_config_parses);
    return test_finish();
}
