/*
 * Tests of host/board_settings: the register set the board runs at for recognition is the one
 * recog.h's tuning names, every write is one the board accepts, and alprd's defaults configure
 * the same THRESH_WINDOW and THRESH_PLANE_0 (alprd builds its registers from its configuration,
 * host/roadside.c, not from the set itself).
 */
#include "board_settings.h"
#include "daemon_config.h"
#include "model.h"
#include "roadside.h"
#include "testlib.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static int discard(void *ctx, const uint8_t *data, size_t n)
{
    (void)ctx;
    (void)data;
    (void)n;
    return 0;
}

/* The value the set gives register addr, or -1 when the set has none. */
static int64_t set_value(const struct board_reg *regs, size_t n, unsigned addr)
{
    for (size_t i = 0; i < n; i++)
        if (regs[i].addr == addr)
            return regs[i].value;
    return -1;
}

static void test_set_is_the_tuning(void)
{
    struct board_reg regs[BOARD_SETTINGS_NREGS];
    size_t n = board_settings_registers(regs);
    CHECK_EQ_INT((int)n, BOARD_SETTINGS_NREGS);
    CHECK_EQ_INT((int)set_value(regs, n, WIRE_REG_THRESH_WINDOW) & 0xF, RECOG_BOARD_WINDOW_LOG2);
    CHECK_EQ_INT((int)(set_value(regs, n, WIRE_REG_THRESH_WINDOW) >> 4) & 0xF,
                 (int)RECOG_BOARD_VSHIFT);
    CHECK_EQ_INT((int)set_value(regs, n, WIRE_REG_THRESH_PLANE0) & 0xFF, RECOG_BOARD_OFFSET);
    /* enabled, dark ink, the reset's minimum contrast */
    CHECK_EQ_INT((int)(set_value(regs, n, WIRE_REG_THRESH_PLANE0) >> 8) & 3, 2);
    CHECK_EQ_INT((int)(set_value(regs, n, WIRE_REG_THRESH_PLANE0) >> 16) & 0xFF,
                 (int)(WIRE_RESET_THRESH_PLANE0 >> 16) & 0xFF);
    for (unsigned p = 1; p < 4; p++)
        CHECK_EQ_INT((int)set_value(regs, n, WIRE_REG_THRESH_PLANE0 + p), 0);
    CHECK_EQ_INT((int)set_value(regs, n, WIRE_REG_OUTPUT), WIRE_PIXELS_GRAY8);
    CHECK(set_value(regs, n, WIRE_REG_FILTER_WIDTH) == WIRE_RESET_FILTER_WIDTH);
    CHECK(set_value(regs, n, WIRE_REG_FILTER_HEIGHT) == WIRE_RESET_FILTER_HEIGHT);
    CHECK_EQ_INT((int)set_value(regs, n, WIRE_REG_ROI_X), 0);
    CHECK_EQ_INT((int)set_value(regs, n, WIRE_REG_ROI_Y), 0);
    /* FRAME_SIZE and CONTROL are the caller's; no register is written twice. */
    CHECK_EQ_INT((int)set_value(regs, n, WIRE_REG_FRAME_SIZE), -1);
    CHECK_EQ_INT((int)set_value(regs, n, WIRE_REG_CONTROL), -1);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            CHECK(regs[i].addr != regs[j].addr);
}

static void test_board_accepts_every_write(void)
{
    struct board_reg regs[BOARD_SETTINGS_NREGS];
    size_t n = board_settings_registers(regs);
    struct model *m = NULL;
    REQUIRE(model_new(discard, NULL, &m) == 0);
    for (size_t i = 0; i < n; i++) {
        int rc = model_reg_write(m, regs[i].addr, regs[i].value);
        if (rc != 0)
            printf("  %s = 0x%x refused\n", wire_reg_name(regs[i].addr), (unsigned)regs[i].value);
        CHECK_EQ_INT(rc, 0);
    }
    model_free(m);
}

static void test_alprd_defaults_agree(void)
{
    struct board_reg set[BOARD_SETTINGS_NREGS];
    size_t nset = board_settings_registers(set), n = 0;
    struct daemon_config dc;
    struct roadside_reg regs[ROADSIDE_MAX_REGS];
    daemon_config_default(&dc);
    REQUIRE(roadside_board_registers(&dc, regs, ROADSIDE_MAX_REGS, &n) == 0);
    for (size_t i = 0; i < n; i++) {
        int64_t want = set_value(set, nset, regs[i].addr);
        if (regs[i].addr == WIRE_REG_FRAME_SIZE || regs[i].addr == WIRE_REG_ROI_Y)
            continue; /* the camera's, alprd's own settings */
        if (want != regs[i].value)
            printf("  alprd %s = 0x%x, the board settings 0x%llx\n", wire_reg_name(regs[i].addr),
                   (unsigned)regs[i].value, (long long)want);
        CHECK(want == regs[i].value);
    }
}

int main(void)
{
    RUN(test_set_is_the_tuning);
    RUN(test_board_accepts_every_write);
    RUN(test_alprd_defaults_agree);
    return test_finish();
}
