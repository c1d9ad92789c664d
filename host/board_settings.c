/* board_settings: the register set the board is run at for recognition (board_settings.h). */
#include "board_settings.h"

size_t board_settings_registers(struct board_reg regs[BOARD_SETTINGS_NREGS])
{
    const struct board_reg set[BOARD_SETTINGS_NREGS] = {
        {WIRE_REG_THRESH_WINDOW, BOARD_THRESH_WINDOW},
        {WIRE_REG_THRESH_PLANE0, BOARD_THRESH_PLANE0},
        {WIRE_REG_THRESH_PLANE0 + 1, 0},
        {WIRE_REG_THRESH_PLANE0 + 2, 0},
        {WIRE_REG_THRESH_PLANE0 + 3, 0},
        {WIRE_REG_FILTER_WIDTH, WIRE_RESET_FILTER_WIDTH},
        {WIRE_REG_FILTER_HEIGHT, WIRE_RESET_FILTER_HEIGHT},
        {WIRE_REG_OUTPUT, WIRE_PIXELS_GRAY8},
        {WIRE_REG_ROI_X, 0},
        {WIRE_REG_ROI_Y, 0},
    };
    for (size_t i = 0; i < BOARD_SETTINGS_NREGS; i++)
        regs[i] = set[i];
    return BOARD_SETTINGS_NREGS;
}
