/*
 * recog/harvest: what the trainer (host/train/ocr_train.c) harvests characters with.
 * Implements recog_segment_geometry() and recog_crop_pool() (contracts in recog.h).
 * Nothing else is shared.
 */
#ifndef RECOG_HARVEST_H
#define RECOG_HARVEST_H

#include "recog.h"

#endif
