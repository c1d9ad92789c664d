/*
 * store_justify: why a member may touch stored reads (R1, R11). Every access to reads (a search,
 * a view of a read or its crop, an export, a look at the alert list) names a statutory purpose,
 * a crime type and an incident number; an access to non-governmental reads (R9) also names the
 * reference of an active warrant or disclosure-order hold. One check decides for all of them, so
 * a rule added here holds on every path.
 */
#ifndef STORE_JUSTIFY_H
#define STORE_JUSTIFY_H

#include "store.h"

/* Why a member accesses stored data (R1, R11). */
struct store_access {
    const char *purpose;     /* "investigation", "warrant", "missing-person", "stolen-vehicle" */
    const char *crime_type;  /* e.g. "robbery"; required */
    const char *incident;    /* incident / case number; required */
    const char *warrant_ref; /* reference of a warrant/disclosure hold, for R9 reads; or NULL */
};

/* 1 when word is one of the statutory purposes above. */
int store_purpose_valid(const char *word);

/*
 * Checks a's fields, and that a warrant reference names an active warrant or disclosure-order
 * hold. Returns 0 when the access is justified; STORE_ERR_DENIED with *why (a static string
 * starting "refused: ") saying what is missing; or another STORE_ERR_* when the check could not
 * run. Records nothing: the caller writes the refusal to the search register.
 */
int store_justify_check(struct store *s, const struct store_access *a, const char **why)
    __attribute__((warn_unused_result));

#endif
