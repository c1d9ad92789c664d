/*
 * recog/frame: plates in whole frames. Implements recog_read_frame() and recog_read_wire()
 * (contracts in recog.h): the board's components, or the host's own labelling, grouped into
 * text lines and plate-frame proposals, each read with recog_region_read() (enlarged when the
 * characters are small), the readings merged and ranked (with cfg->region, the region's
 * formats count); a frame that gave no plate gets a second look with relaxed line rules
 * (broken characters joined, missing characters' gaps bridged). Nothing else is shared.
 */
#ifndef RECOG_FRAME_H
#define RECOG_FRAME_H

#include "recog.h"

#endif
