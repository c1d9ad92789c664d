#include "store_crypt.h"

#include "store_privfile.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE       STORE_CRYPT_PAGE_SIZE
#define DATA_BYTES (PAGE - STORE_CRYPT_RESERVE) /* what the b-tree uses, and what is encrypted */
#define TAG_BYTES  crypto_aead_xchacha20poly1305_ietf_ABYTES
#define NONCE_OFF  (DATA_BYTES + TAG_BYTES)
#define WAL_HDR    32
#define FRAME_HDR  24
#define FRAME      (FRAME_HDR + PAGE)
#define AD_BYTES   10
#define FORMAT     1  /* first byte of every page's additional data */
#define CKSUM_OFF  16 /* the two checksum words in a WAL frame header */
#define CKSUM_LEN  8

_Static_assert(STORE_CRYPT_RESERVE == crypto_aead_xchacha20poly1305_ietf_ABYTES +
                                          crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
               "the reserve holds exactly a tag and a nonce");

enum file_kind { KIND_MAIN = 1, KIND_WAL = 2 };

struct store_crypt {
    sqlite3_vfs vfs; /* registered; vfs.pAppData is this object */
    sqlite3_vfs *base;
    struct store_key *page_key;  /* derive(master, 1, "alprpage") */
    struct store_key *frame_key; /* derive(master, 3, "alprwalh"): WAL checksum masks */
    char name[48];
};

/* An open file: this header, then the base VFS's own file object (szOsFile bytes). */
struct crypt_file {
    sqlite3_file base;
    const struct store_crypt *c;
    sqlite3_file *real;
    enum file_kind kind;
};

#define FILE_HDR_BYTES ((sizeof(struct crypt_file) + 7) & ~(size_t)7)

static const sqlite3_io_methods crypt_io;

/* ---- page encryption ---- */

/* A stretch of a file: in the clear (the WAL header), a WAL frame header (its checksums
 * masked), or one whole encrypted page. */
enum span_kind { SPAN_CLEAR, SPAN_FRAME_HDR, SPAN_PAGE };

struct span {
    sqlite3_int64 start;
    sqlite3_int64 len;
    enum span_kind kind;
};

static struct span span_at(enum file_kind kind, sqlite3_int64 off)
{
    struct span s;
    if (kind == KIND_MAIN) {
        s.start = off - off % PAGE;
        s.len = PAGE;
        s.kind = SPAN_PAGE;
    } else if (off < WAL_HDR) {
        s.start = 0;
        s.len = WAL_HDR;
        s.kind = SPAN_CLEAR;
    } else {
        sqlite3_int64 frame = WAL_HDR + (off - WAL_HDR) / FRAME * FRAME;
        int image = off >= frame + FRAME_HDR;
        s.start = image ? frame + FRAME_HDR : frame;
        s.len = image ? PAGE : FRAME_HDR;
        s.kind = image ? SPAN_PAGE : SPAN_FRAME_HDR;
    }
    return s;
}

static void page_ad(unsigned char ad[AD_BYTES], enum file_kind kind, sqlite3_int64 off)
{
    ad[0] = FORMAT;
    ad[1] = (unsigned char)kind;
    for (int i = 0; i < 8; i++)
        ad[2 + i] = (unsigned char)((sqlite3_uint64)off >> (8 * i));
}

/* Encrypts the page plain (PAGE bytes) that belongs at off into out (PAGE bytes). */
static void seal_page(const struct crypt_file *p, sqlite3_int64 off, const unsigned char *plain,
                      unsigned char *out)
{
    unsigned char ad[AD_BYTES];
    page_ad(ad, p->kind, off);
    randombytes_buf(out + NONCE_OFF, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
        out, out + DATA_BYTES, NULL, plain, DATA_BYTES, ad, sizeof ad, NULL, out + NONCE_OFF,
        store_key_bytes(p->c->page_key));
}

/* Decrypts the page read from off in place. -1 when it does not authenticate: libsodium checks
 * the tag before decrypting and then zeroes the output, so no unauthenticated plaintext exists. */
static int open_page(const struct crypt_file *p, sqlite3_int64 off, unsigned char *page)
{
    unsigned char ad[AD_BYTES], tag[TAG_BYTES], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    int rc;
    page_ad(ad, p->kind, off);
    memcpy(tag, page + DATA_BYTES, sizeof tag);
    memcpy(nonce, page + NONCE_OFF, sizeof nonce);
    rc = crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
        page, NULL, page, DATA_BYTES, tag, ad, sizeof ad, nonce, store_key_bytes(p->c->page_key));
    memset(page + DATA_BYTES, 0, STORE_CRYPT_RESERVE);
    return rc == 0 ? 0 : -1;
}

/* 1 when the n bytes at p are all zero. Not constant-time (sodium_is_zero is, and costs more
 * than decrypting the page): what is tested is ciphertext or a hole, nothing secret. */
static int all_zero(const unsigned char *p, size_t n)
{
    return p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
}

/*
 * XORs the checksum words of the WAL frame header hdr (at offset off) with a mask. SQLite
 * computes them over the page's plaintext: left in the clear they would give away 64 bits of a
 * nearly linear function of every page written. The mask is keyed BLAKE2b of the frame's offset
 * and its salts, which change with every WAL generation.
 */
static void mask_checksums(const struct crypt_file *p, sqlite3_int64 off, unsigned char *hdr)
{
    unsigned char in[16], mask[crypto_generichash_BYTES_MIN];
    for (int i = 0; i < 8; i++)
        in[i] = (unsigned char)((sqlite3_uint64)off >> (8 * i));
    memcpy(in + 8, hdr + 8, 8);
    crypto_generichash(mask, sizeof mask, in, sizeof in, store_key_bytes(p->c->frame_key),
                       STORE_KEY_BYTES);
    for (int i = 0; i < CKSUM_LEN; i++)
        hdr[CKSUM_OFF + i] ^= mask[i];
}

/* Reads n bytes at skip within the WAL frame header at start, unmasking its checksums. */
static int read_frame_header(struct crypt_file *p, sqlite3_int64 start, int skip,
                             unsigned char *dst, int n)
{
    unsigned char hdr[FRAME_HDR];
    int rc = p->real->pMethods->xRead(p->real, hdr, FRAME_HDR, start);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
        return rc;
    if (!all_zero(hdr, FRAME_HDR))
        mask_checksums(p, start, hdr);
    memcpy(dst, hdr + skip, (size_t)n);
    return rc;
}

static const char *kind_name(enum file_kind kind)
{
    return kind == KIND_MAIN ? "database" : "WAL";
}

/*
 * Reads n bytes at skip within the encrypted page at start into dst. lenient: this read also
 * covers the page's WAL frame header (recovery), where a page that does not authenticate is
 * returned as zeros for the frame checksum to reject. Returns SQLITE_OK, SQLITE_IOERR_SHORT_READ
 * (past the end of the file: zeros), SQLITE_IOERR_DATA or the base VFS's error.
 */
static int read_page(struct crypt_file *p, sqlite3_int64 start, int skip, unsigned char *dst, int n,
                     int lenient)
{
    unsigned char buf[PAGE];
    int whole = skip == 0 && n == PAGE;
    unsigned char *page = whole ? dst : buf;
    int rc = p->real->pMethods->xRead(p->real, page, PAGE, start);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
        return rc;
    if (all_zero(page, PAGE)) {
        if (!whole)
            memset(dst, 0, (size_t)n);
        return rc;
    }
    if (open_page(p, start, page) != 0) {
        memset(dst, 0, (size_t)n);
        if (lenient)
            return rc;
        sqlite3_log(SQLITE_IOERR_DATA,
                    "alpr-crypt: %s page at offset %lld does not authenticate (altered, or "
                    "another key)",
                    kind_name(p->kind), (long long)start);
        return SQLITE_IOERR_DATA;
    }
    if (!whole) {
        memcpy(dst, buf + skip, (size_t)n);
        sodium_memzero(buf, sizeof buf);
    }
    return rc;
}

static int crypt_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off)
{
    struct crypt_file *p = (struct crypt_file *)file;
    unsigned char *dst = out;
    const sqlite3_int64 first = off, end = off + amt;
    int short_read = 0;
    while (off < end) {
        struct span s = span_at(p->kind, off);
        sqlite3_int64 stop = s.start + s.len < end ? s.start + s.len : end;
        int n = (int)(stop - off), rc;
        if (s.kind == SPAN_CLEAR)
            rc = p->real->pMethods->xRead(p->real, dst, n, off);
        else if (s.kind == SPAN_FRAME_HDR)
            rc = read_frame_header(p, s.start, (int)(off - s.start), dst, n);
        else
            rc = read_page(p, s.start, (int)(off - s.start), dst, n,
                           p->kind == KIND_WAL && first <= s.start - FRAME_HDR);
        if (rc == SQLITE_IOERR_SHORT_READ)
            short_read = 1;
        else if (rc != SQLITE_OK)
            return rc;
        dst += n;
        off = stop;
    }
    return short_read ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

/* Page 1 must say what the encryption relies on: page size 4096, STORE_CRYPT_RESERVE reserved
 * bytes. Anything else would let the b-tree write into the tag and nonce. */
static int header_ok(const unsigned char *page1)
{
    return page1[16] == (PAGE >> 8 & 0xff) && page1[17] == (PAGE & 0xff) &&
           page1[20] == STORE_CRYPT_RESERVE;
}

/* SQLite writes whole pages and whole frame headers; anything else is refused, not guessed at
 * (a partial page cannot be encrypted on its own). Page 1 must also carry our geometry. */
static int write_ok(const struct crypt_file *p, struct span s, sqlite3_int64 off, int n,
                    const unsigned char *src)
{
    if (s.kind == SPAN_CLEAR)
        return 1;
    if (off != s.start || n != s.len)
        return 0;
    return !(p->kind == KIND_MAIN && off == 0 && !header_ok(src));
}

static int crypt_write(sqlite3_file *file, const void *in, int amt, sqlite3_int64 off)
{
    struct crypt_file *p = (struct crypt_file *)file;
    const unsigned char *src = in;
    const sqlite3_int64 end = off + amt;
    unsigned char buf[PAGE];
    while (off < end) {
        struct span s = span_at(p->kind, off);
        sqlite3_int64 stop = s.start + s.len < end ? s.start + s.len : end;
        int n = (int)(stop - off), rc;
        const unsigned char *out = buf;
        if (!write_ok(p, s, off, n, src)) {
            sqlite3_log(SQLITE_IOERR_WRITE,
                        "alpr-crypt: refused a %s write of %d bytes at offset %lld (not a whole "
                        "page or frame header of a %d/%d database)",
                        kind_name(p->kind), n, (long long)off, PAGE, STORE_CRYPT_RESERVE);
            return SQLITE_IOERR_WRITE;
        }
        if (s.kind == SPAN_CLEAR) {
            out = src;
        } else if (s.kind == SPAN_FRAME_HDR) {
            memcpy(buf, src, FRAME_HDR);
            mask_checksums(p, off, buf);
        } else {
            seal_page(p, off, src, buf);
        }
        rc = p->real->pMethods->xWrite(p->real, out, n, off);
        if (rc != SQLITE_OK)
            return rc;
        src += n;
        off = stop;
    }
    return SQLITE_OK;
}

/* ---- the other I/O methods go to the base file ---- */

static sqlite3_file *real_of(sqlite3_file *file)
{
    return ((struct crypt_file *)file)->real;
}

static int crypt_close(sqlite3_file *file)
{
    sqlite3_file *r = real_of(file);
    return r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
}

static int crypt_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    return real_of(file)->pMethods->xTruncate(real_of(file), size);
}

static int crypt_sync(sqlite3_file *file, int flags)
{
    return real_of(file)->pMethods->xSync(real_of(file), flags);
}

static int crypt_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    return real_of(file)->pMethods->xFileSize(real_of(file), size);
}

static int crypt_lock(sqlite3_file *file, int lock)
{
    return real_of(file)->pMethods->xLock(real_of(file), lock);
}

static int crypt_unlock(sqlite3_file *file, int lock)
{
    return real_of(file)->pMethods->xUnlock(real_of(file), lock);
}

static int crypt_check_reserved(sqlite3_file *file, int *out)
{
    return real_of(file)->pMethods->xCheckReservedLock(real_of(file), out);
}

static int crypt_file_control(sqlite3_file *file, int op, void *arg)
{
    return real_of(file)->pMethods->xFileControl(real_of(file), op, arg);
}

static int crypt_sector_size(sqlite3_file *file)
{
    return real_of(file)->pMethods->xSectorSize(real_of(file));
}

static int crypt_device_characteristics(sqlite3_file *file)
{
    /* Batch-atomic writes (F2FS) commit without any journal through ioctls this layer does not
     * see; never offered. */
    return real_of(file)->pMethods->xDeviceCharacteristics(real_of(file)) &
           ~SQLITE_IOCAP_BATCH_ATOMIC;
}

/* Version 1: no shared memory (locking_mode=EXCLUSIVE keeps the WAL index in the heap) and no
 * memory mapping (which would hand SQLite the ciphertext). */
static const sqlite3_io_methods crypt_io = {
    1,
    crypt_close,
    crypt_read,
    crypt_write,
    crypt_truncate,
    crypt_sync,
    crypt_file_size,
    crypt_lock,
    crypt_unlock,
    crypt_check_reserved,
    crypt_file_control,
    crypt_sector_size,
    crypt_device_characteristics,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
};

/* ---- the VFS ---- */

static const char *open_kind_name(int flags)
{
    if (flags & SQLITE_OPEN_MAIN_JOURNAL)
        return "rollback journal";
    if (flags & (SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TRANSIENT_DB))
        return "temporary database";
    if (flags & (SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_SUBJOURNAL))
        return "temporary journal";
    if (flags & SQLITE_OPEN_SUPER_JOURNAL)
        return "super-journal";
    return "file";
}

static int crypt_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                      int *out_flags)
{
    const struct store_crypt *c = vfs->pAppData;
    struct crypt_file *p = (struct crypt_file *)file;
    enum file_kind kind = flags & SQLITE_OPEN_MAIN_DB ? KIND_MAIN
                          : flags & SQLITE_OPEN_WAL   ? KIND_WAL
                                                      : 0;
    char err[512];
    int fd = -1, rc;
    memset(p, 0, sizeof *p);
    if (!kind || !name) {
        sqlite3_log(SQLITE_CANTOPEN,
                    "alpr-crypt: refused to open %s (%s): it would hold plaintext (use WAL mode, "
                    "locking_mode=EXCLUSIVE, temp_store=MEMORY)",
                    name ? name : "a temporary file", open_kind_name(flags));
        return SQLITE_CANTOPEN;
    }
    /* Created here, 0600, O_EXCL, after the folder check; the base VFS then opens what we
     * checked (the folder check keeps anyone else from swapping it in between). */
    rc = store_privfile_open(name, (flags & SQLITE_OPEN_READONLY) != 0,
                             (flags & SQLITE_OPEN_CREATE) != 0, &fd, NULL, err, sizeof err);
    if (rc != 0) {
        sqlite3_log(rc == STORE_ERR_DENIED ? SQLITE_PERM : SQLITE_CANTOPEN, "alpr-crypt: %s", err);
        return rc == STORE_ERR_DENIED ? SQLITE_PERM : SQLITE_CANTOPEN;
    }
    close(fd);
    p->c = c;
    p->kind = kind;
    p->real = (sqlite3_file *)((char *)p + FILE_HDR_BYTES);
    rc = c->base->xOpen(c->base, name, p->real, flags | SQLITE_OPEN_NOFOLLOW, out_flags);
    if (rc != SQLITE_OK)
        return rc;
    p->base.pMethods = &crypt_io;
    return SQLITE_OK;
}

static sqlite3_vfs *base_of(sqlite3_vfs *vfs)
{
    return ((struct store_crypt *)vfs->pAppData)->base;
}

static int crypt_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    return base_of(vfs)->xDelete(base_of(vfs), name, sync_dir);
}

static int crypt_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    return base_of(vfs)->xAccess(base_of(vfs), name, flags, out);
}

static int crypt_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    int rc = base_of(vfs)->xFullPathname(base_of(vfs), name, n, out);
    if (rc == SQLITE_OK_SYMLINK) {
        sqlite3_log(SQLITE_CANTOPEN_SYMLINK, "alpr-crypt: %s: the path holds a symbolic link",
                    name);
        return SQLITE_CANTOPEN_SYMLINK;
    }
    return rc;
}

static void *crypt_dl_open(sqlite3_vfs *vfs, const char *name)
{
    return base_of(vfs)->xDlOpen(base_of(vfs), name);
}

static void crypt_dl_error(sqlite3_vfs *vfs, int n, char *out)
{
    base_of(vfs)->xDlError(base_of(vfs), n, out);
}

static void (*crypt_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    return base_of(vfs)->xDlSym(base_of(vfs), h, sym);
}

static void crypt_dl_close(sqlite3_vfs *vfs, void *h)
{
    base_of(vfs)->xDlClose(base_of(vfs), h);
}

static int crypt_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    return base_of(vfs)->xRandomness(base_of(vfs), n, out);
}

static int crypt_sleep(sqlite3_vfs *vfs, int us)
{
    return base_of(vfs)->xSleep(base_of(vfs), us);
}

static int crypt_current_time(sqlite3_vfs *vfs, double *out)
{
    return base_of(vfs)->xCurrentTime(base_of(vfs), out);
}

static int crypt_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    return base_of(vfs)->xGetLastError(base_of(vfs), n, out);
}

static int crypt_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    return base_of(vfs)->xCurrentTimeInt64(base_of(vfs), out);
}

int store_crypt_open(const struct store_key *master, struct store_crypt **out)
{
    struct store_crypt *c;
    sqlite3_vfs *base;
    int rc;
    if (!master || !out)
        return STORE_ERR_INVALID;
    if (sodium_init() < 0 || sqlite3_initialize() != SQLITE_OK)
        return STORE_ERR_IO;
    base = sqlite3_vfs_find("unix");
    if (!base || base->iVersion < 2)
        return STORE_ERR_IO;
    c = calloc(1, sizeof *c);
    if (!c)
        return STORE_ERR_NOMEM;
    rc = store_key_derive(master, 1, "alprpage", &c->page_key);
    if (rc == 0)
        rc = store_key_derive(master, 3, "alprwalh", &c->frame_key);
    if (rc != 0) {
        store_key_free(c->page_key);
        free(c);
        return rc;
    }
    snprintf(c->name, sizeof c->name, "alpr-crypt-%p", (void *)c);
    c->base = base;
    c->vfs.iVersion = 2;
    c->vfs.szOsFile = (int)FILE_HDR_BYTES + base->szOsFile;
    c->vfs.mxPathname = base->mxPathname;
    c->vfs.zName = c->name;
    c->vfs.pAppData = c;
    c->vfs.xOpen = crypt_open;
    c->vfs.xDelete = crypt_delete;
    c->vfs.xAccess = crypt_access;
    c->vfs.xFullPathname = crypt_full_pathname;
    c->vfs.xDlOpen = crypt_dl_open;
    c->vfs.xDlError = crypt_dl_error;
    c->vfs.xDlSym = crypt_dl_sym;
    c->vfs.xDlClose = crypt_dl_close;
    c->vfs.xRandomness = crypt_randomness;
    c->vfs.xSleep = crypt_sleep;
    c->vfs.xCurrentTime = crypt_current_time;
    c->vfs.xGetLastError = crypt_last_error;
    c->vfs.xCurrentTimeInt64 = crypt_current_time64;
    if (sqlite3_vfs_register(&c->vfs, 0) != SQLITE_OK) {
        store_key_free(c->page_key);
        store_key_free(c->frame_key);
        free(c);
        return STORE_ERR_IO;
    }
    *out = c;
    return 0;
}

const char *store_crypt_vfs_name(const struct store_crypt *c)
{
    return c->name;
}

void store_crypt_close(struct store_crypt *c)
{
    if (!c)
        return;
    sqlite3_vfs_unregister(&c->vfs);
    store_key_free(c->page_key);
    store_key_free(c->frame_key);
    free(c);
}

/* ---- preparing a connection ---- */

/* Maps the connection's last error: a page that does not authenticate means the wrong key. */
static int db_error(sqlite3 *db)
{
    int rc = sqlite3_extended_errcode(db);
    if (rc == SQLITE_IOERR_DATA || rc == SQLITE_NOTADB)
        return STORE_ERR_DENIED;
    if ((rc & 0xff) == SQLITE_NOMEM)
        return STORE_ERR_NOMEM;
    if ((rc & 0xff) == SQLITE_PERM || rc == SQLITE_CANTOPEN_SYMLINK)
        return STORE_ERR_DENIED;
    return STORE_ERR_IO;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_error(db);
}

/* Runs a PRAGMA that returns one row; its first column into *num and/or text (64 bytes). */
static int pragma(sqlite3 *db, const char *sql, sqlite3_int64 *num, char *text)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        if (num)
            *num = sqlite3_column_int64(st, 0);
        if (text)
            snprintf(text, 64, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 0;
    } else {
        rc = db_error(db);
    }
    sqlite3_finalize(st);
    return rc;
}

/* A new database: the page geometry, then page 1 written with no journal (there is nothing to
 * roll back), then WAL mode. */
static int create_db(sqlite3 *db)
{
    char mode[64];
    int reserve = STORE_CRYPT_RESERVE;
    int rc = exec(db, "PRAGMA page_size = 4096");
    if (rc == 0 &&
        sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve) != SQLITE_OK)
        rc = STORE_ERR_IO;
    if (rc == 0)
        rc = exec(db, "PRAGMA journal_mode = OFF");
    if (rc == 0)
        rc = pragma(db, "PRAGMA journal_mode = WAL", NULL, mode);
    if (rc == 0 && strcmp(mode, "wal") != 0)
        rc = STORE_ERR_IO;
    return rc;
}

/* An existing database: its geometry must be ours, and it must already be in WAL mode. */
static int check_db(sqlite3 *db)
{
    char mode[64];
    sqlite3_int64 size = 0;
    int reserve = -1;
    int rc = pragma(db, "PRAGMA page_size", &size, NULL);
    if (rc != 0)
        return rc;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve) != SQLITE_OK)
        return STORE_ERR_IO;
    if (size != PAGE || reserve != STORE_CRYPT_RESERVE)
        return STORE_ERR_INVALID;
    /* Keep the reserve through VACUUM, which asks for the reserve the connection wants. */
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve) != SQLITE_OK)
        return STORE_ERR_IO;
    rc = pragma(db, "PRAGMA journal_mode = WAL", NULL, mode);
    if (rc == 0 && strcmp(mode, "wal") != 0)
        rc = STORE_ERR_INVALID;
    return rc;
}

int store_crypt_prepare(sqlite3 *db)
{
    sqlite3_file *f = NULL;
    sqlite3_int64 pages = 0;
    int rc;
    if (!db || sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        f->pMethods != &crypt_io)
        return STORE_ERR_INVALID;
    rc = exec(db, "PRAGMA locking_mode = EXCLUSIVE; PRAGMA temp_store = MEMORY");
    if (rc == 0)
        rc = pragma(db, "PRAGMA page_count", &pages, NULL);
    if (rc == 0)
        rc = pages == 0 ? create_db(db) : check_db(db);
    return rc;
}

/* The message for a failure of sqlite3_open_v2 or store_crypt_prepare on path. */
static void open_error(sqlite3 *db, const char *path, int rc, char *err, size_t err_size)
{
    if (rc == STORE_ERR_DENIED && db && sqlite3_extended_errcode(db) == SQLITE_IOERR_DATA)
        store_privfile_error(err, err_size,
                             "%s: cannot decrypt: wrong key, or not an encrypted store", path);
    else if (rc == STORE_ERR_INVALID)
        store_privfile_error(err, err_size,
                             "%s: not an encrypted store of this format (page size %d, %d "
                             "reserved bytes, WAL mode)",
                             path, PAGE, STORE_CRYPT_RESERVE);
    else
        store_privfile_error(err, err_size, "%s: %s", path,
                             db ? sqlite3_errmsg(db) : "out of memory");
}

/* Runs the private-file checks on path (created when missing) and on its WAL if present, for
 * their messages: the VFS repeats them but can only log its reasons. */
static int precheck(const char *path, char *err, size_t err_size)
{
    char wal[4096];
    int fd = -1;
    int rc = store_privfile_open(path, 0, 1, &fd, NULL, err, err_size);
    if (rc != 0)
        return rc;
    close(fd);
    if (snprintf(wal, sizeof wal, "%s-wal", path) >= (int)sizeof wal) {
        store_privfile_error(err, err_size, "%s: path too long", path);
        return STORE_ERR_INVALID;
    }
    rc = store_privfile_open(wal, 0, 0, &fd, NULL, err, err_size);
    if (rc == STORE_ERR_NOTFOUND)
        return 0;
    if (rc == 0)
        close(fd);
    return rc;
}

int store_crypt_open_db(const struct store_crypt *c, const char *path, sqlite3 **out, char *err,
                        size_t err_size)
{
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW;
    sqlite3 *db = NULL;
    int rc;
    if (!c || !path || !out) {
        store_privfile_error(err, err_size, "store_crypt_open_db: no store or path");
        return STORE_ERR_INVALID;
    }
    rc = precheck(path, err, err_size);
    if (rc != 0)
        return rc;
    if (sqlite3_open_v2(path, &db, flags, c->name) != SQLITE_OK)
        rc = db ? db_error(db) : STORE_ERR_NOMEM;
    else
        rc = store_crypt_prepare(db);
    if (rc != 0) {
        open_error(db, path, rc, err, err_size);
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return 0;
}
