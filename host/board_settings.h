/*
 * board_settings: the one definition of the register set the camera board is run at for
 * recognition - the settings the recognizer is tuned for (recog.h's RECOG_BOARD_*, measured in
 * docs/RECOGNITION.md), every other register at what the recognizer expects:
 *
 *   THRESH_WINDOW     window 2^RECOG_BOARD_WINDOW_LOG2, vertical shift RECOG_BOARD_VSHIFT
 *   THRESH_PLANE_0    enabled, dark ink, offset RECOG_BOARD_OFFSET/256, the reset's minimum
 *                     contrast (8 gray levels)
 *   THRESH_PLANE_1..3 off
 *   FILTER_WIDTH/HEIGHT the reset values
 *   OUTPUT            GRAY8 (the host re-thresholds regions from the gray pixels)
 *   ROI_X, ROI_Y      0: the whole frame
 *
 * The hardware's reset values stay in wire.h (WIRE_RESET_*); what these settings share with
 * them is taken from there, not repeated. FRAME_SIZE (the camera's or the image's size) and
 * CONTROL are the caller's. Users: `alpr read`'s model and usb engines (host/cmd_read.c) and
 * alprd's defaults (daemon_config_default(), from which host/roadside.c configures its board).
 */
#ifndef BOARD_SETTINGS_H
#define BOARD_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "recog.h"
#include "wire.h"

/* The THRESH_WINDOW and THRESH_PLANE_0 values of the settings. */
#define BOARD_THRESH_WINDOW ((uint32_t)RECOG_BOARD_WINDOW_LOG2 | (uint32_t)RECOG_BOARD_VSHIFT << 4)
#define BOARD_THRESH_PLANE0 ((WIRE_RESET_THRESH_PLANE0 & ~0xFFu) | (uint32_t)RECOG_BOARD_OFFSET)

/* Registers in the set. */
#define BOARD_SETTINGS_NREGS 10

/* One register write: address (enum wire_reg) and value. */
struct board_reg {
    unsigned addr;
    uint32_t value;
};

/*
 * Writes the settings' BOARD_SETTINGS_NREGS register writes to regs, in address order (any
 * order is valid: the board latches them at the next start of frame), and returns their number.
 */
size_t board_settings_registers(struct board_reg regs[BOARD_SETTINGS_NREGS]);

#endif
