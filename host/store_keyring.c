#include "store_keyring.h"

#include "store_privfile.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define RING_MAGIC    "ALPRRING"
#define RING_VERSION  1u
#define SLOT_BYTES    80 /* also the header's size */
#define NONCE_BYTES   crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES     crypto_aead_xchacha20poly1305_ietf_ABYTES
#define FILE_ID_BYTES 16
#define SLOT_PLAIN    (8 + STORE_KEYRING_KEY_BYTES)
#define HDR_AD_BYTES  32 /* magic, version, slot size, file id: what the check value covers */
#define SLOT_AD_BYTES (FILE_ID_BYTES + 8)
#define READ_CHUNK    256 /* slots read per pread when opening */

struct ring_entry {
    int64_t partition;
    uint32_t slot;
};

struct store_keyring {
    int fd;
    struct store_key *ring_key;
    unsigned char file_id[FILE_ID_BYTES];
    /* Entry i's key is keys[i * 32]; keys is guarded memory with room for cap entries. */
    struct ring_entry *entries;
    unsigned char *keys;
    size_t n, cap;
    /* One byte per slot in the file: 1 when it holds a key. */
    unsigned char *slot_used;
    uint32_t n_slots;
};

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static off_t slot_offset(uint32_t slot)
{
    return (off_t)SLOT_BYTES * ((off_t)slot + 1);
}

static int pwrite_all(int fd, const void *buf, size_t n, off_t off)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return STORE_ERR_IO;
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

static int pread_all(int fd, void *buf, size_t n, off_t off)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return STORE_ERR_IO;
        p += r;
        n -= (size_t)r;
        off += r;
    }
    return 0;
}

/* Writes n bytes at off and makes them durable before returning. */
static int write_durable(int fd, const void *buf, size_t n, off_t off)
{
    int rc = pwrite_all(fd, buf, n, off);
    if (rc == 0 && fdatasync(fd) != 0)
        rc = STORE_ERR_IO;
    return rc;
}

static void slot_ad(const struct store_keyring *kr, uint32_t slot, unsigned char ad[SLOT_AD_BYTES])
{
    memcpy(ad, kr->file_id, FILE_ID_BYTES);
    put_le64(ad + FILE_ID_BYTES, slot);
}

/* The first HDR_AD_BYTES of a header for file_id. */
static void header_fields(const unsigned char file_id[FILE_ID_BYTES], unsigned char *hdr)
{
    memcpy(hdr, RING_MAGIC, 8);
    put_le32(hdr + 8, RING_VERSION);
    put_le32(hdr + 12, SLOT_BYTES);
    memcpy(hdr + 16, file_id, FILE_ID_BYTES);
}

/* Writes a new header (new file id and check value) to an empty or torn-at-birth file. */
static int header_create(struct store_keyring *kr)
{
    unsigned char hdr[SLOT_BYTES] = {0}, empty[1] = {0};
    randombytes_buf(kr->file_id, FILE_ID_BYTES);
    header_fields(kr->file_id, hdr);
    randombytes_buf(hdr + HDR_AD_BYTES, NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
        empty, hdr + HDR_AD_BYTES + NONCE_BYTES, NULL, empty, 0, hdr, HDR_AD_BYTES, NULL,
        hdr + HDR_AD_BYTES, store_key_bytes(kr->ring_key));
    if (ftruncate(kr->fd, 0) != 0)
        return STORE_ERR_IO;
    return write_durable(kr->fd, hdr, sizeof hdr, 0);
}

/* Reads the header: the format, then the check value (the master key). */
static int header_check(struct store_keyring *kr)
{
    unsigned char hdr[SLOT_BYTES], want[HDR_AD_BYTES], empty[1] = {0};
    int rc = pread_all(kr->fd, hdr, sizeof hdr, 0);
    if (rc != 0)
        return rc;
    header_fields(hdr + 16, want);
    if (memcmp(hdr, want, HDR_AD_BYTES) != 0)
        return STORE_ERR_DATA;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
            empty, NULL, empty, 0, hdr + HDR_AD_BYTES + NONCE_BYTES, hdr, HDR_AD_BYTES,
            hdr + HDR_AD_BYTES, store_key_bytes(kr->ring_key)) != 0)
        return STORE_ERR_DENIED;
    memcpy(kr->file_id, hdr + 16, FILE_ID_BYTES);
    return 0;
}

static long find(const struct store_keyring *kr, int64_t partition)
{
    for (size_t i = 0; i < kr->n; i++)
        if (kr->entries[i].partition == partition)
            return (long)i;
    return -1;
}

/* Room for one more entry (and its key) and for slot index n_slots (an append). */
static int reserve(struct store_keyring *kr)
{
    if (kr->n == kr->cap) {
        size_t cap = kr->cap ? 2 * kr->cap : 64;
        struct ring_entry *e = realloc(kr->entries, cap * sizeof *e);
        unsigned char *keys;
        if (!e)
            return STORE_ERR_NOMEM;
        kr->entries = e;
        keys = sodium_malloc(cap * STORE_KEYRING_KEY_BYTES);
        if (!keys)
            return STORE_ERR_NOMEM;
        if (kr->keys) {
            memcpy(keys, kr->keys, kr->n * STORE_KEYRING_KEY_BYTES);
            sodium_free(kr->keys);
        }
        kr->keys = keys;
        kr->cap = cap;
    }
    unsigned char *used = realloc(kr->slot_used, (size_t)kr->n_slots + 1);
    if (!used)
        return STORE_ERR_NOMEM;
    kr->slot_used = used;
    return 0;
}

/* Adds an entry whose key is already at keys[n * 32]. */
static void add_entry(struct store_keyring *kr, int64_t partition, uint32_t slot)
{
    kr->entries[kr->n].partition = partition;
    kr->entries[kr->n].slot = slot;
    kr->n++;
    kr->slot_used[slot] = 1;
}

/* Decrypts slot (80 bytes read from the file) into a new entry. -1 when it does not open. */
static int load_slot(struct store_keyring *kr, uint32_t slot, const unsigned char *buf)
{
    unsigned char ad[SLOT_AD_BYTES], plain[SLOT_PLAIN];
    int64_t partition;
    int rc = reserve(kr);
    if (rc != 0)
        return rc;
    slot_ad(kr, slot, ad);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, buf + NONCE_BYTES,
                                                   SLOT_BYTES - NONCE_BYTES, ad, sizeof ad, buf,
                                                   store_key_bytes(kr->ring_key)) != 0)
        return -1;
    partition = (int64_t)get_le64(plain);
    if (find(kr, partition) >= 0) {
        /* Cannot happen without the ring key: two slots for one day. */
        sodium_memzero(plain, sizeof plain);
        return STORE_ERR_DATA;
    }
    memcpy(kr->keys + kr->n * STORE_KEYRING_KEY_BYTES, plain + 8, STORE_KEYRING_KEY_BYTES);
    sodium_memzero(plain, sizeof plain);
    add_entry(kr, partition, slot);
    return 0;
}

/* Loads the file's n_slots slots; wipes those that hold something that does not authenticate. */
static int load_slots(struct store_keyring *kr, uint32_t n_slots)
{
    static const unsigned char zeros[SLOT_BYTES];
    unsigned char buf[READ_CHUNK * SLOT_BYTES];
    int wiped = 0, rc = 0;
    kr->slot_used = calloc((size_t)n_slots + 1, 1);
    if (!kr->slot_used)
        return STORE_ERR_NOMEM;
    kr->n_slots = n_slots;
    for (uint32_t first = 0; first < n_slots && rc == 0; first += READ_CHUNK) {
        uint32_t count = n_slots - first < READ_CHUNK ? n_slots - first : READ_CHUNK;
        rc = pread_all(kr->fd, buf, (size_t)count * SLOT_BYTES, slot_offset(first));
        for (uint32_t i = 0; i < count && rc == 0; i++) {
            const unsigned char *s = buf + (size_t)i * SLOT_BYTES;
            if (sodium_is_zero(s, SLOT_BYTES))
                continue;
            rc = load_slot(kr, first + i, s);
            if (rc == -1) {
                rc = pwrite_all(kr->fd, zeros, SLOT_BYTES, slot_offset(first + i));
                wiped = 1;
            }
        }
    }
    sodium_memzero(buf, sizeof buf);
    if (rc == 0 && wiped && fdatasync(kr->fd) != 0)
        rc = STORE_ERR_IO;
    return rc;
}

static int ring_init(struct store_keyring *kr, const char *path, int created)
{
    struct stat st;
    int rc;
    if (flock(kr->fd, LOCK_EX | LOCK_NB) != 0)
        return errno == EWOULDBLOCK ? STORE_ERR_BUSY : STORE_ERR_IO;
    if (fstat(kr->fd, &st) != 0)
        return STORE_ERR_IO;
    if (st.st_size < SLOT_BYTES) {
        /* New, or its creation was cut short before any key could have been written. */
        rc = header_create(kr);
        if (rc == 0 && created)
            rc = store_privfile_sync_parent(path);
        return rc;
    }
    rc = header_check(kr);
    if (rc != 0)
        return rc;
    /* A torn append leaves a partial slot at the end: ignored, and overwritten by the next. */
    if ((st.st_size - SLOT_BYTES) / SLOT_BYTES > STORE_KEYRING_MAX_SLOTS)
        return STORE_ERR_DATA;
    return load_slots(kr, (uint32_t)((st.st_size - SLOT_BYTES) / SLOT_BYTES));
}

int store_keyring_open(const char *path, const struct store_key *master, struct store_keyring **out)
{
    struct store_keyring *kr;
    int created = 0, rc;
    if (!path || !master || !out)
        return STORE_ERR_INVALID;
    if (sodium_init() < 0)
        return STORE_ERR_IO;
    kr = calloc(1, sizeof *kr);
    if (!kr)
        return STORE_ERR_NOMEM;
    kr->fd = -1;
    rc = store_key_derive(master, 2, "alprring", &kr->ring_key);
    if (rc == 0)
        rc = store_privfile_open(path, 0, 1, &kr->fd, &created, NULL, 0);
    if (rc == 0)
        rc = ring_init(kr, path, created);
    if (rc != 0) {
        store_keyring_close(kr);
        return rc;
    }
    *out = kr;
    return 0;
}

/* The first free slot, or the one past the end. */
static uint32_t free_slot(const struct store_keyring *kr)
{
    for (uint32_t i = 0; i < kr->n_slots; i++)
        if (!kr->slot_used[i])
            return i;
    return kr->n_slots;
}

/* Makes, seals and persists a key for partition in a free slot. */
static int create_key(struct store_keyring *kr, int64_t partition)
{
    unsigned char plain[SLOT_PLAIN], buf[SLOT_BYTES], ad[SLOT_AD_BYTES];
    unsigned char *key;
    uint32_t slot = free_slot(kr);
    int rc;
    if (slot >= STORE_KEYRING_MAX_SLOTS)
        return STORE_ERR_FULL;
    rc = reserve(kr);
    if (rc != 0)
        return rc;
    key = kr->keys + kr->n * STORE_KEYRING_KEY_BYTES;
    randombytes_buf(key, STORE_KEYRING_KEY_BYTES);
    put_le64(plain, (uint64_t)partition);
    memcpy(plain + 8, key, STORE_KEYRING_KEY_BYTES);
    slot_ad(kr, slot, ad);
    randombytes_buf(buf, NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + NONCE_BYTES, NULL, plain, sizeof plain, ad,
                                               sizeof ad, NULL, buf, store_key_bytes(kr->ring_key));
    sodium_memzero(plain, sizeof plain);
    rc = write_durable(kr->fd, buf, sizeof buf, slot_offset(slot));
    if (rc != 0) {
        sodium_memzero(key, STORE_KEYRING_KEY_BYTES);
        return rc;
    }
    if (slot == kr->n_slots)
        kr->n_slots++;
    add_entry(kr, partition, slot);
    return 0;
}

int store_keyring_get(struct store_keyring *kr, int64_t partition, int create,
                      const unsigned char **key)
{
    long i;
    int rc;
    if (!kr || !key)
        return STORE_ERR_INVALID;
    i = find(kr, partition);
    if (i < 0) {
        if (!create)
            return STORE_ERR_NOTFOUND;
        rc = create_key(kr, partition);
        if (rc != 0)
            return rc;
        i = (long)kr->n - 1;
    }
    *key = kr->keys + (size_t)i * STORE_KEYRING_KEY_BYTES;
    return 0;
}

int store_keyring_destroy(struct store_keyring *kr, int64_t partition)
{
    static const unsigned char zeros[SLOT_BYTES];
    long i;
    size_t last;
    int rc;
    if (!kr)
        return STORE_ERR_INVALID;
    i = find(kr, partition);
    if (i < 0)
        return STORE_ERR_NOTFOUND;
    rc = write_durable(kr->fd, zeros, sizeof zeros, slot_offset(kr->entries[i].slot));
    if (rc != 0)
        return rc;
    kr->slot_used[kr->entries[i].slot] = 0;
    last = kr->n - 1;
    unsigned char *k = kr->keys + (size_t)i * STORE_KEYRING_KEY_BYTES;
    if ((size_t)i != last) {
        kr->entries[i] = kr->entries[last];
        memcpy(k, kr->keys + last * STORE_KEYRING_KEY_BYTES, STORE_KEYRING_KEY_BYTES);
    }
    sodium_memzero(kr->keys + last * STORE_KEYRING_KEY_BYTES, STORE_KEYRING_KEY_BYTES);
    kr->n = last;
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int store_keyring_list(struct store_keyring *kr, int64_t **ids, size_t *n)
{
    int64_t *v = NULL;
    if (!kr || !ids || !n)
        return STORE_ERR_INVALID;
    if (kr->n > 0) {
        v = malloc(kr->n * sizeof *v);
        if (!v)
            return STORE_ERR_NOMEM;
        for (size_t i = 0; i < kr->n; i++)
            v[i] = kr->entries[i].partition;
        qsort(v, kr->n, sizeof *v, cmp_id);
    }
    *ids = v;
    *n = kr->n;
    return 0;
}

void store_keyring_close(struct store_keyring *kr)
{
    if (!kr)
        return;
    if (kr->keys)
        sodium_free(kr->keys);
    free(kr->entries);
    free(kr->slot_used);
    if (kr->fd >= 0)
        close(kr->fd);
    store_key_free(kr->ring_key);
    sodium_memzero(kr->file_id, sizeof kr->file_id);
    free(kr);
}

int store_field_seal(const unsigned char key[32], const void *ad, size_t ad_len, const void *in,
                     size_t len, unsigned char *out)
{
    if (!key || !out || (!in && len) || (!ad && ad_len) ||
        len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX || sodium_init() < 0)
        return STORE_ERR_INVALID;
    randombytes_buf(out, NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE_BYTES, NULL, in, len, ad, ad_len, NULL,
                                               out, key);
    return 0;
}

int store_field_open(const unsigned char key[32], const void *ad, size_t ad_len,
                     const unsigned char *in, size_t len, void *out)
{
    if (!key || !in || (!out && len > STORE_KEYRING_OVERHEAD) || (!ad && ad_len) ||
        len < STORE_KEYRING_OVERHEAD)
        return STORE_ERR_INVALID;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL, in + NONCE_BYTES,
                                                   len - NONCE_BYTES, ad, ad_len, in, key) != 0)
        return STORE_ERR_TAMPER;
    return 0;
}
