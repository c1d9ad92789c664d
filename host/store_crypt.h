/*
 * store_crypt: a page-encrypting SQLite VFS for the store's database (encryption at rest).
 *
 * What it protects (see store_key.h for the keys and the threat model): every page of the main
 * database file and every page image in its WAL is encrypted with XChaCha20-Poly1305-IETF
 * under the page key store_key_derive(master, 1, "alprpage"), so the files on disk hold no
 * plate, crop, position, search text or password hash, and no SQLite header either (the file
 * starts with ciphertext, not "SQLite format 3"). A thief with the disk and not the master key
 * learns only the files' sizes and which pages changed when (WAL frame headers keep their page
 * number, database size and salts in the clear) and nothing else. Any altered page fails
 * authentication and is reported as SQLITE_IOERR_DATA; unauthenticated plaintext is never
 * handed to SQLite. Not covered: replaying an older version of a page at the same offset
 * (there is no freshness check), swapping whole files between stores that share a master key,
 * the running service's memory. Destroying a day's data beyond recovery is the keyring's job
 * (store_keyring.h): page encryption alone cannot forget.
 *
 * Page format: page size STORE_CRYPT_PAGE_SIZE (4096) with STORE_CRYPT_RESERVE (40) reserved
 * bytes at the end of every page, which SQLite leaves to us (the b-tree uses the first 4056):
 *     [0, 4056)     ciphertext of the page's first 4056 bytes
 *     [4056, 4072)  Poly1305 tag
 *     [4072, 4096)  nonce, random for every write (24 bytes: no collision worry)
 * Additional data: a format byte, the file kind (main database or WAL) and the page's byte
 * offset in its file, so a page cannot be moved to another place or from the WAL into the
 * database. File sizes are the plaintext sizes: truncation and WAL geometry work unchanged.
 * A WAL is a 32-byte header (clear: it holds no data) and frames of a 24-byte header and a page
 * image (encrypted, offset = the image's offset in the WAL). The frame header stays where SQLite
 * expects it, in the clear but for its two checksum words: SQLite computes those over the page's
 * plaintext, so they are XORed with a mask, keyed BLAKE2b (key store_key_derive(master, 3,
 * "alprwalh")) of the frame's offset and salts. An all-zero page region or frame header (a hole,
 * never written) reads back as zeros.
 *
 * WAL recovery after a crash reads whole frames (header and image in one read) and relies on
 * the frame checksum to find where the log ends. A torn last frame does not authenticate; in
 * such a whole-frame read the VFS returns the image as zeros (never the unauthenticated bytes),
 * so SQLite's checksum rejects the frame and recovery stops at the last complete commit, as it
 * does without encryption. Every other read (pages of a committed frame, checkpoints, database
 * pages) fails with SQLITE_IOERR_DATA instead.
 *
 * Files this VFS refuses to open: rollback journals (they would hold plaintext pages) and every
 * temporary file (temp databases, statement journals, sorter spills, super-journals). The
 * store therefore runs in WAL mode with locking_mode=EXCLUSIVE (the WAL index lives in the
 * heap: there is no -shm file, and no shared-memory methods are offered) and temp_store=MEMORY;
 * store_crypt_prepare sets all three. A database is created with its first page written while
 * journal_mode=OFF, so no rollback journal is ever needed. Memory mapping is never used (the
 * I/O methods are version 1, without xFetch), so every read goes through decryption. Writes
 * must be whole pages and whole frame headers, as the pager makes them on Linux (the unix VFS
 * reports power-safe overwrite); with the URI parameter psow=0, SQLite pads the WAL with writes
 * split at sector boundaries, and commits fail with SQLITE_IOERR_WRITE instead.
 *
 * Files are private (store_privfile.h): the database and its WAL are created by the VFS with
 * open(O_CREAT|O_EXCL|O_NOFOLLOW, 0600), and refused when not regular, not owned by the
 * effective uid or with any group/other bit, or when their folder is not owned by the effective
 * uid or has any group/other bit (SQLITE_PERM), or when the path holds a symbolic link
 * (SQLITE_CANTOPEN_SYMLINK: the VFS's xFullPathname refuses any). The reason is reported
 * through sqlite3_log (SQLITE_CONFIG_LOG); store_crypt_open_db writes it to its err buffer.
 * With systemd, StateDirectory= needs StateDirectoryMode=0700.
 *
 * Ownership and threads: a struct store_crypt owns its page key (guarded memory) and its
 * registered VFS (name "alpr-crypt-<address>", never the default). It holds no mutable state
 * after store_crypt_open: any number of connections in any threads may use it at once. It must
 * outlive them: close every connection before store_crypt_close. Errors are STORE_ERR_* codes.
 */
#ifndef STORE_CRYPT_H
#define STORE_CRYPT_H

#include "store_key.h"

#include <sqlite3.h>
#include <stddef.h>

#define STORE_CRYPT_RESERVE   40
#define STORE_CRYPT_PAGE_SIZE 4096

struct store_crypt;

/*
 * Derives the page key from master (used only during the call) and registers a new VFS over
 * the default one ("unix"). Returns 0 and *out, or STORE_ERR_NOMEM, STORE_ERR_IO (SQLite could
 * not register it), STORE_ERR_INVALID.
 */
int store_crypt_open(const struct store_key *master, struct store_crypt **out)
    __attribute__((warn_unused_result));

/* The registered name of c's VFS, for sqlite3_open_v2 (valid until store_crypt_close). */
const char *store_crypt_vfs_name(const struct store_crypt *c);

/*
 * Readies a connection opened with a store_crypt VFS, before anything else runs on it: sets
 * locking_mode=EXCLUSIVE and temp_store=MEMORY; on a new (empty) database sets page_size 4096
 * and STORE_CRYPT_RESERVE reserved bytes and creates it in WAL mode; on an existing one checks
 * WAL mode, the page size and the reserve. Returns 0, STORE_ERR_INVALID (db does not use a
 * store_crypt VFS, or the file's format is not the expected one), STORE_ERR_DENIED (cannot
 * decrypt: wrong key, or not an encrypted store), STORE_ERR_IO.
 */
int store_crypt_prepare(sqlite3 *db) __attribute__((warn_unused_result));

/*
 * Opens (creating if missing) the encrypted database at path through c's VFS, read-write, with
 * SQLITE_OPEN_NOFOLLOW, then store_crypt_prepare. Checks the file,
 * its WAL and its folder first so that a refusal comes with its reason in err (may be NULL).
 * Returns 0 and *out (close with sqlite3_close), or STORE_ERR_DENIED (a private-file check
 * failed, or cannot decrypt: wrong key or not an encrypted store), STORE_ERR_INVALID,
 * STORE_ERR_NOMEM, STORE_ERR_IO.
 */
int store_crypt_open_db(const struct store_crypt *c, const char *path, sqlite3 **out, char *err,
                        size_t err_size) __attribute__((warn_unused_result));

/* Unregisters the VFS and wipes the key. Every connection using it must be closed. NULL ok. */
void store_crypt_close(struct store_crypt *c);

#endif
