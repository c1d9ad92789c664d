/*
 * store: the host's policy-enforcing SQLite store (see docs/POLICY.md, R1-R13, and
 * docs/STORE.md). This header is the table of contents: opening and closing, the clock, errors,
 * roles and sessions. Each area has its own header:
 *   store_auth.h       passwords, log-on, sessions, lock-out                 (R3, R10)
 *   store_members.h    members, roles and their two-person grants             (R3, R5, R12)
 *   store_justify.h    the justification of every access to reads            (R1, R11)
 *   store_audit.h      the keyed, anchored, append-only audit log and check   (R10, R11)
 *   store_reads.h      ingest of reads (+ hotlist matching), searches, views  (R1, R2, R9, R11)
 *   store_hotlist.h    hotlist CSV import, alerts and their verification      (R2, R4)
 *   store_retention.h  retention period, holds, purge                         (R7)
 *   store_export.h     signed evidence export, custody, copies, releases      (R7, R8, R12)
 *   store_report.h     audit reports and the public page                      (R11, R13)
 *
 * Ownership: a struct store owns its SQLite connection and prepared statements; every list a
 * store function returns is owned by the caller and released with the matching *_free(); every
 * string passed in is copied before the call returns. A store handle is used by one thread at
 * a time; several processes may open the same file (WAL mode, busy timeout).
 *
 * Every change runs in one transaction together with its audit entry: either both are on disk
 * or neither is.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION     9
#define STORE_NAME_MAX           63  /* member names, unit and camera ids */
#define STORE_TEXT_MAX           255 /* free-text fields: reasons, references, agencies, purposes */
#define STORE_RETENTION_MAX_DAYS 273 /* nine months, never longer (any nine months >= 273 d) */

enum store_error {
    STORE_OK = 0,
    STORE_ERR_IO = -1,       /* SQLite or file-system failure */
    STORE_ERR_NOMEM = -2,    /* out of memory */
    STORE_ERR_INVALID = -3,  /* an argument is malformed or out of range */
    STORE_ERR_DENIED = -4,   /* the policy refuses this access (recorded in the audit log) */
    STORE_ERR_AUTH = -5,     /* unknown member or wrong password */
    STORE_ERR_LOCKED = -6,   /* account locked after too many failed log-ons */
    STORE_ERR_EXPIRED = -7,  /* session ended or idle too long: log on again */
    STORE_ERR_TRAINING = -8, /* no training-completion date on the account (R3) */
    STORE_ERR_NOTFOUND = -9, /* no such record */
    STORE_ERR_EXISTS = -10,  /* the record already exists */
    STORE_ERR_FULL = -11,    /* the disk (or max_page_count) is full; nothing was changed */
    STORE_ERR_VERSION = -12, /* the file's schema is newer than this program */
    STORE_ERR_DATA = -13,    /* malformed input file (see the error list returned with it) */
    STORE_ERR_TAMPER = -14,  /* the audit chain does not verify */
    STORE_ERR_BUSY = -15,    /* another process holds the database too long */
    STORE_ERR_STATE = -16,   /* the record is not in a state that allows this */
    STORE_ERR_CLOCK = -17,   /* the clock is earlier than the last audit entry (recorded) */
};

/*
 * Roles (R5). A member has exactly one; STORE_ROLE_SYSTEM is the daemon's non-login account.
 * STORE_ROLE_RECORDS is the records officer (R12's "designee"): approves release requests and,
 * with administrators, enters and approves warrant and court-order holds; an administrator
 * cannot approve releases (separation of duties, docs/STORE.md "Roles").
 */
enum store_role {
    STORE_ROLE_OPERATOR = 1,
    STORE_ROLE_INVESTIGATOR = 2,
    STORE_ROLE_ADMINISTRATOR = 4,
    STORE_ROLE_AUDITOR = 8,
    STORE_ROLE_SYSTEM = 16,
    STORE_ROLE_RECORDS = 32,
};

/* Every role a member can log on with (all but the system account). */
#define STORE_ROLE_MEMBERS                                                                         \
    (STORE_ROLE_OPERATOR | STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR |                    \
     STORE_ROLE_AUDITOR | STORE_ROLE_RECORDS)

/* An authenticated member, as returned by store_login()/store_session_resume(). */
struct store_session {
    int64_t session_id;
    int64_t member_id;
    enum store_role role;
    char member[STORE_NAME_MAX + 1];
};

/* Seconds since the Unix epoch (UTC). */
typedef int64_t (*store_clock_fn)(void *ctx);

struct store;

/*
 * Opens (creating if missing) the store at path: WAL mode, foreign keys, secure_delete, schema
 * migrated forward to STORE_SCHEMA_VERSION. The parent directory must exist; a new file is
 * made mode 0600 (its WAL and shared-memory files follow).
 * Returns 0 and *out, or STORE_ERR_IO / STORE_ERR_VERSION / STORE_ERR_NOMEM.
 */
int store_open(const char *path, struct store **out) __attribute__((warn_unused_result));

/*
 * As store_open, but migrates no further than version (0..STORE_SCHEMA_VERSION): for tests of
 * the forward migrations, which must take a file written by an older program to the current
 * schema without losing anything. Other calls may fail on a store below the current version.
 */
int store_open_at_version(const char *path, int version, struct store **out)
    __attribute__((warn_unused_result));

/*
 * As store_open, on a connection the caller opened (e.g. through the page-encrypting VFS of
 * store_crypt.h): the store takes it over, and closes it on failure too.
 */
typedef struct sqlite3 sqlite3;
int store_open_db(sqlite3 *db, struct store **out) __attribute__((warn_unused_result));

/* Closes the store (checkpointing the WAL). Accepts NULL. */
void store_close(struct store *s);

/* Replaces the clock (default: time(NULL)); fn NULL restores it. For tests and ALPR_NOW. */
void store_set_clock(struct store *s, store_clock_fn fn, void *ctx);

/*
 * The store's current time. The store refuses every call (STORE_ERR_CLOCK, itself an audit
 * entry) while this is earlier than the time of the last audit entry: a clock set back must be
 * set right, not worked around.
 */
int64_t store_now(const struct store *s);

/*
 * The OS account (uid) of the caller the next calls act for, as the store service learns it from
 * its socket (SO_PEERCRED); STORE_PEER_NONE (the default) for in-process callers. A session
 * records the uid it was opened from and works only for that uid; a member bound to an OS account
 * (store_member_add_uid) logs on only from it, and an unbound member cannot log on through the
 * service at all.
 */
#define STORE_PEER_NONE (-1)
void store_set_peer_uid(struct store *s, int64_t uid);

struct store_key;

/*
 * Gives the store the keys it derives from the master key (store_key.h), which is not kept:
 * the audit chain's MAC key, the key of the plate tokens shown instead of plates to members who
 * may not see them, and the unit's signing key for evidence bundles. None of them is ever in
 * the database. Returns 0 or STORE_ERR_NOMEM; called again, replaces them.
 */
int store_set_master_key(struct store *s, const struct store_key *master)
    __attribute__((warn_unused_result));

/* Name of the system account that store_add_read()/store_purge_expired() act as ("alprd"). */
void store_set_system_name(struct store *s, const char *name);

/*
 * Caps the database at pages pages (SQLite max_page_count); a full store then fails writes
 * with STORE_ERR_FULL. For tests of the full-disk path. Returns 0 or STORE_ERR_IO.
 */
int store_set_max_pages(struct store *s, int64_t pages) __attribute__((warn_unused_result));

/*
 * Bounds the page cache of this connection to kib KiB (SQLite cache_size; store_open sets 256 MiB,
 * which searches over millions of reads need). SQLite keeps every page it touches until the
 * bound, so a long-running writer (alprd) sets a small one to keep its memory flat. Returns 0,
 * STORE_ERR_INVALID (kib < 64) or STORE_ERR_IO.
 */
int store_set_cache_kib(struct store *s, int kib) __attribute__((warn_unused_result));

/* Writes the file's schema version into *out. Returns 0 or STORE_ERR_IO. */
int store_schema_version(struct store *s, int *out) __attribute__((warn_unused_result));

/* Text for a STORE_ERR_* code. */
const char *store_strerror(int err);

/* "operator", "investigator", "administrator", "auditor", "system", "records". */
const char *store_role_name(enum store_role role);

/* Parses a role name (not "system"). Returns 0, or STORE_ERR_INVALID (*out untouched). */
int store_role_parse(const char *name, enum store_role *out) __attribute__((warn_unused_result));

/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). Returns buf. */
char *store_time_format(int64_t t, char *buf, size_t size);

/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC, 'T' or a space; years 1970-9999) or
 * "@SECONDS" into *out. A date or time that does not exist (2024-02-31, 2023-02-29, month 13,
 * day 0, 24:00, 23:60, a leap second) is refused, not carried into the next day or month.
 * Returns 0 or STORE_ERR_INVALID (*out untouched).
 */
int store_time_parse(const char *text, int64_t *out) __attribute__((warn_unused_result));

#endif
