/*
 * store_members: the members' accounts and roles (R3, R5, R12): the first administrator
 * (store_member_init, on a store with no members; after that only administrators add members),
 * roles and the two-person rule on giving the administrator or records role, training dates,
 * OS accounts, disabling and unlocking, the member list. Passwords follow store_auth.h.
 */
#ifndef STORE_MEMBERS_H
#define STORE_MEMBERS_H

#include "store_auth.h"

/*
 * Bootstrap: creates the first member, an administrator, on a store that has none. training is
 * the training-completion date (must be non-zero). Returns 0 and *member_id, STORE_ERR_EXISTS
 * when members exist, STORE_ERR_INVALID for a bad name or short password.
 */
int store_member_init(struct store *s, const char *name, const char *password, int64_t training,
                      int64_t *member_id) __attribute__((warn_unused_result));

/* As store_member_init, binding the administrator to OS account os_uid (>= 0; see
 * store_set_peer_uid). STORE_ERR_EXISTS also when another member holds that uid. */
int store_member_init_uid(struct store *s, const char *name, const char *password, int64_t training,
                          int64_t os_uid, int64_t *member_id) __attribute__((warn_unused_result));

/*
 * Separation of duties (R12). An administrator cannot give the administrator or records role
 * to an account they created themselves less than store_grant_wait_days() ago: such a grant
 * (and every new account created with one of those roles, which stays disabled) waits until a
 * second administrator, neither the grantor nor the account's creator, confirms it
 * (store_member_confirm).
 */
#define STORE_GRANT_WAIT_DEFAULT_DAYS 14
#define STORE_GRANT_WAIT_MAX_DAYS     365

/* The waiting period in days (setting grant_wait_days; default 14). */
int store_grant_wait_days(struct store *s);

/* Administrator: sets the waiting period, 1..STORE_GRANT_WAIT_MAX_DAYS days (audited). */
int store_set_grant_wait_days(struct store *s, const struct store_session *sess, int days)
    __attribute__((warn_unused_result));

/*
 * Administrator: confirms the role grant waiting for member name: applies the role (ending
 * their sessions), or enables the new account. Returns 0, STORE_ERR_DENIED (the caller granted
 * it or created the account: recorded), STORE_ERR_STATE (nothing waits), STORE_ERR_NOTFOUND.
 */
int store_member_confirm(struct store *s, const struct store_session *sess, const char *name)
    __attribute__((warn_unused_result));

/*
 * Administrator: adds a member (training 0 = not yet trained: the member cannot log on). With
 * the administrator or records role the account is created disabled, until confirmed.
 */
int store_member_add(struct store *s, const struct store_session *sess, const char *name,
                     enum store_role role, const char *password, int64_t training,
                     int64_t *member_id) __attribute__((warn_unused_result));

/* As store_member_add, binding the member to OS account os_uid (>= 0): one member per uid. */
int store_member_add_uid(struct store *s, const struct store_session *sess, const char *name,
                         enum store_role role, const char *password, int64_t training,
                         int64_t os_uid, int64_t *member_id) __attribute__((warn_unused_result));

/* Administrator: binds a member to OS account os_uid (>= 0), ending their sessions. */
int store_member_set_os_uid(struct store *s, const struct store_session *sess, const char *name,
                            int64_t os_uid) __attribute__((warn_unused_result));

/*
 * Administrator: changes a member's role, or records it as waiting for confirmation (see
 * above): *pending (may be NULL) is then 1 and the member keeps their role. A role set directly
 * cancels a grant still waiting.
 */
int store_member_grant(struct store *s, const struct store_session *sess, const char *name,
                       enum store_role role, int *pending) __attribute__((warn_unused_result));

/* store_member_grant without the pending flag. */
int store_member_set_role(struct store *s, const struct store_session *sess, const char *name,
                          enum store_role role) __attribute__((warn_unused_result));

/* Administrator: records the training-completion date (0 clears it). */
int store_member_set_training(struct store *s, const struct store_session *sess, const char *name,
                              int64_t training) __attribute__((warn_unused_result));

/*
 * Administrator: disables (1) or re-enables (0) an account; disabling ends its sessions. A new
 * account awaiting confirmation is not re-enabled (STORE_ERR_STATE): store_member_confirm.
 */
int store_member_set_disabled(struct store *s, const struct store_session *sess, const char *name,
                              int disabled) __attribute__((warn_unused_result));

/* Administrator: lifts a lock-out and clears the failure count. */
int store_member_unlock(struct store *s, const struct store_session *sess, const char *name)
    __attribute__((warn_unused_result));

struct store_member {
    int64_t id;
    char name[STORE_NAME_MAX + 1];
    enum store_role role;
    int64_t training;     /* 0 = none */
    int64_t locked_until; /* 0 = not locked */
    int failed;
    int disabled;
    int64_t os_uid;                       /* the OS account the member logs on from; -1: none */
    char pending_role[16];                /* a role grant awaiting confirmation, or "" */
    char created_by[STORE_NAME_MAX + 16]; /* the administrator who created the account */
};

struct store_member_list {
    size_t n;
    struct store_member *items;
};

/* Administrator or auditor: lists the members. Free with store_member_list_free. */
int store_member_list(struct store *s, const struct store_session *sess,
                      struct store_member_list **out) __attribute__((warn_unused_result));
void store_member_list_free(struct store_member_list *list);

#endif
