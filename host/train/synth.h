/*
 * synth: synthetic training samples for the character classifier - glyphs 0-9 A-Z rendered
 * with FreeType from a fixed list of Debian fonts and degraded the way roadside photos degrade
 * them, plus shapes that are not characters.
 */
#ifndef SYNTH_H
#define SYNTH_H

#include "train.h"

/* The number of fonts synth_all() renders. */
int synth_nfonts(void);

/*
 * Appends per_font augmented samples of each character per font, and "not a character"
 * samples, to s, drawing from r. Returns 0, or -1 (with a message naming the Debian package)
 * when a font cannot be opened: a missing font would silently change the model.
 */
int synth_all(struct train_samples *s, struct train_rng *rng, int per_font)
    __attribute__((warn_unused_result));

#endif
