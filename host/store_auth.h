/*
 * store_auth: passwords, log-on, sessions and lock-out (R3, R10); members and their roles are
 * store_members.h.
 *
 * Passwords are hashed with Argon2id (libsodium crypto_pwhash_str, interactive limits) and must
 * be STORE_PASSWORD_MIN..STORE_PASSWORD_MAX bytes. Five failed log-ons in a row lock the account
 * for `lockout_seconds` (default 30 minutes). A session is identified by a random 256-bit token
 * that only its holder knows (the store keeps its SHA-256); it ends on log-off or after
 * `session_idle_seconds` (default 30 minutes) without use. No access without a
 * training-completion date on the account. Every attempt is audited, whatever its outcome.
 */
#ifndef STORE_AUTH_H
#define STORE_AUTH_H

#include "store.h"

#define STORE_PASSWORD_MIN 12
#define STORE_PASSWORD_MAX 256
#define STORE_TOKEN_HEX    65 /* session token: 64 hex characters and NUL */

/*
 * Changes a password. A member changes their own (old_password required); an administrator may
 * reset another member's (old_password ignored). Ends the member's other sessions. A wrong
 * old_password returns STORE_ERR_AUTH and counts toward the lock-out like a failed log-on; the
 * one that locks the account also ends all its sessions.
 */
int store_password_change(struct store *s, const struct store_session *sess, const char *name,
                          const char *old_password, const char *new_password)
    __attribute__((warn_unused_result));

/*
 * Logs on. Returns 0, *sess and token (STORE_TOKEN_HEX bytes), or STORE_ERR_AUTH for an unknown
 * name, the system account, a wrong password, and a locked or disabled account even with the
 * right password: the same answer after the same work (one Argon2id verification, against a
 * dummy hash when the name has none), so that only the audit log says which. Every wrong
 * password counts toward the lock-out. STORE_ERR_TRAINING (right password, no training on
 * file), STORE_ERR_DENIED (with a peer uid set: a member bound to another OS account or to none;
 * checked before the password, and not counted). The session works only for the peer uid it was
 * opened from.
 */
int store_login(struct store *s, const char *name, const char *password, struct store_session *sess,
                char token[STORE_TOKEN_HEX]) __attribute__((warn_unused_result));

/*
 * Resumes the session a token names, refreshing its idle timer. Returns 0 and *sess, or
 * STORE_ERR_EXPIRED (unknown, ended or idle token), STORE_ERR_TRAINING, STORE_ERR_DENIED (another
 * OS account's session, disabled account), STORE_ERR_LOCKED (the account was locked since).
 */
int store_session_resume(struct store *s, const char *token, struct store_session *sess)
    __attribute__((warn_unused_result));

/* Ends the session (audited). Returns 0 or a STORE_ERR_*. */
int store_logout(struct store *s, const struct store_session *sess)
    __attribute__((warn_unused_result));

#endif
