/*
 * usbboard_rtl: the Verilated RTL (sim/verilator/vboard.h) as an engine of the simulated USB
 * board (struct usbsim_engine_ops). Kept apart from usbboard.c so that only the programs that
 * want the RTL link the Verilator runtime (C++).
 *
 * Ownership: the engine context is created by usbboard_rtl_make() and released by the
 * destroy operation it installs (usbsim_free calls it).
 */
#ifndef USBBOARD_RTL_H
#define USBBOARD_RTL_H

#include "usbsim.h"

/* Pixel clock cycles between two rows of a camera frame (horizontal blanking). */
#define USBBOARD_RTL_HBLANK 16u

/*
 * Creates a Verilated board and fills *ops. Returns 0, or -1 when the board cannot be created.
 * Usable as usbsim_config.make_engine.
 */
int usbboard_rtl_make(struct usbsim_engine_ops *ops);

#endif
