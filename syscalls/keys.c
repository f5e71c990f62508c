/*
 * keys.c - the kernel key retention service for the one program: add_key,
 * request_key and keyctl, with /proc/keys, /proc/key-users and the
 * /proc/sys/kernel/keys limits.
 *
 * Key types: "user" (a readable blob of 1..32767 bytes), "logon" (the same,
 * never readable from user space, description "prefix:rest") and "keyring"
 * (a list of links to other keys).  Every key is in one global list, found
 * by its serial number (random, positive, above 3 as Linux's).  A key lives
 * while it is referenced: by a link from a keyring, or as one of the special
 * keyrings the process holds (thread keyrings per thread, the process and
 * session keyrings, the uid's user and user-session keyrings).  When the
 * last reference goes the key is destroyed at once (Linux's garbage
 * collector does the same later, but a key without references is already
 * invisible to lookups there too).
 *
 * Permissions follow Linux: 32 bits, possessor/user/group/other bytes of
 * VIEW READ WRITE SEARCH LINK SETATTR.  A key is possessed when it can be
 * reached by searching from the thread, process and session keyrings (a
 * search descends only into keyrings that grant SEARCH, and only finds keys
 * that grant it), or when it was named by a KEY_SPEC_* id.
 *
 * There is no /sbin/request-key upcall in a unikernel: request_key finds
 * existing keys only, and nothing can hold the authorisation key that
 * KEYCTL_INSTANTIATE/NEGATE/REJECT/ASSUME_AUTHORITY need.
 */
#include "syscalls/syscalls.h"
#include "syscalls/misc.h"
#include "fs/vfs.h"

/* KEY_SPEC_* ids */
#define SPEC_THREAD -1
#define SPEC_PROCESS -2
#define SPEC_SESSION -3
#define SPEC_USER -4
#define SPEC_USER_SESSION -5
#define SPEC_GROUP -6
#define SPEC_REQKEY_AUTH -7
#define SPEC_REQUESTOR -8

/* KEY_REQKEY_DEFL_* */
#define REQKEY_NO_CHANGE -1
#define REQKEY_DEFAULT 0
#define REQKEY_GROUP 6
#define REQKEY_REQUESTOR 7

/* permission bits (one byte per class: possessor, user, group, other) */
#define P_VIEW 0x01
#define P_READ 0x02
#define P_WRITE 0x04
#define P_SEARCH 0x08
#define P_LINK 0x10
#define P_SETATTR 0x20
#define P_ALL 0x3f
#define POS(p) ((u32)(p) << 24)
#define USR(p) ((u32)(p) << 16)
#define NEED_UNLINK 0x100               /* lookup for unlink: no permission needed */

#define MAX_DESC 4096                   /* KEY_MAX_DESC_SIZE */
#define MAX_PAYLOAD (1024 * 1024 - 1)   /* add_key's limit on plen */
#define USER_MAX_DATA 32767             /* user/logon payload limit */
#define MAX_DEPTH 6                     /* KEYRING_SEARCH_MAX_DEPTH */
#define INVALID_GID 0xffffffffu
#define OVERFLOW_ID 65534               /* how an invalid id prints */

/* Quotas (/proc/sys/kernel/keys), Linux's defaults. */
#define MAXKEYS 200
#define MAXBYTES 20000
#define ROOT_MAXKEYS 1000000
#define ROOT_MAXBYTES 25000000
#define GC_DELAY 300

enum key_type { T_USER, T_LOGON, T_KEYRING };
static const char *const type_names[] = { "user", "logon", "keyring" };

#define F_REVOKED 0x1
#define F_INVALID 0x2
#define F_RESTRICTED 0x4                /* KEYCTL_RESTRICT_KEYRING with no type: no more links */

struct key {
    struct key *next;                   /* the global list */
    s32 serial;
    int type;
    char *desc;
    u8 *data;                           /* user/logon payload */
    u32 datalen;
    u32 uid, gid, perm;
    u32 flags;
    int refs;                           /* links to it + special-keyring references */
    u64 expiry;                         /* now_ns() deadline, 0 for none */
    struct key **links;                 /* keyring: the keys it holds */
    int nlinks, cap;
    u32 quotalen;                       /* bytes charged to the owner */
};

static struct key *all_keys;
static struct key *process_ring, *session_ring;
static struct key *user_ring, *user_session_ring;

/* Per-thread state: the thread keyring and the request-key default. */
#define MAX_THREADS 256
static struct {
    int tid;
    struct key *ring;
    int reqkey;
} threads[MAX_THREADS];

static bool dead(const struct key *k) { return k->refs <= 0 || (k->flags & F_INVALID) != 0; }
static bool expired(const struct key *k) { return k->expiry != 0 && now_ns() >= k->expiry; }

/* The key's validity: 0, -EKEYREVOKED or -EKEYEXPIRED (Linux's key_validate). */
static int key_valid(const struct key *k)
{
    if ((k->flags & F_INVALID) != 0)
        return -ENOKEY;
    if ((k->flags & F_REVOKED) != 0)
        return -EKEYREVOKED;
    return expired(k) ? -EKEYEXPIRED : 0;
}

static struct key *key_by_serial(s32 serial)
{
    for (struct key *k = all_keys; k != NULL; k = k->next)
        if (k->serial == serial && !dead(k))
            return k;
    return NULL;
}

/* ------------------------------------------------------------ quotas */

static void quota_of(u32 uid, u32 *nkeys, u32 *nbytes)
{
    *nkeys = *nbytes = 0;
    for (struct key *k = all_keys; k != NULL; k = k->next)
        if (k->uid == uid) {
            (*nkeys)++;
            *nbytes += k->quotalen;
        }
}

/* Whether uid may own one more key (extra = 1) of bytes more bytes. */
static bool quota_ok(u32 uid, u32 extra, u32 bytes)
{
    u32 n, b;
    quota_of(uid, &n, &b);
    u32 maxk = uid == 0 ? ROOT_MAXKEYS : MAXKEYS, maxb = uid == 0 ? ROOT_MAXBYTES : MAXBYTES;
    return n + extra <= maxk && b + bytes <= maxb;
}

/* ------------------------------------------------------------ life cycle */

static void key_put(struct key *k);

static void key_free_data(struct key *k)
{
    kfree(k->data);
    k->data = NULL;
    k->datalen = 0;
}

/* Drop every link of keyring r. */
static void ring_clear(struct key *r)
{
    struct key **links = r->links;
    int n = r->nlinks;
    r->links = NULL;
    r->nlinks = r->cap = 0;
    for (int i = 0; i < n; i++)
        key_put(links[i]);
    kfree(links);
}

static void key_destroy(struct key *k)
{
    for (struct key **p = &all_keys; *p != NULL; p = &(*p)->next)
        if (*p == k) {
            *p = k->next;
            break;
        }
    if (k->type == T_KEYRING)
        ring_clear(k);
    key_free_data(k);
    kfree(k->desc);
    kfree(k);
}

static void key_get(struct key *k) { k->refs++; }

static void key_put(struct key *k)
{
    if (k != NULL && --k->refs == 0)
        key_destroy(k);
}

static s32 new_serial(void)
{
    for (;;) {
        u32 r;
        random_bytes(&r, sizeof(r));
        s32 s = (s32)(r & 0x7fffffff);
        if (s < 3)
            continue;
        bool used = false;
        for (struct key *k = all_keys; k != NULL && !used; k = k->next)
            used = k->serial == s;
        if (!used)
            return s;
    }
}

/* A new key with no references yet (the caller takes the first): the key,
 * or NULL with *err set (-EDQUOT, -ENOMEM).  desc is copied; data is taken. */
static struct key *key_alloc(int type, const char *desc, u32 uid, u32 gid, u32 perm,
                             u8 *data, u32 datalen, int *err)
{
    size_t dl = strlen(desc);
    u32 quotalen = (u32)dl + 1 + (type == T_KEYRING ? 0 : datalen);
    if (!quota_ok(uid, 1, quotalen)) {
        *err = -EDQUOT;
        return NULL;
    }
    struct key *k = kzalloc(sizeof(*k));
    char *d = kmalloc(dl + 1);
    if (k == NULL || d == NULL) {
        kfree(k);
        kfree(d);
        *err = -ENOMEM;
        return NULL;
    }
    memcpy(d, desc, dl + 1);
    k->serial = new_serial();
    k->type = type;
    k->desc = d;
    k->data = data;
    k->datalen = datalen;
    k->uid = uid;
    k->gid = gid;
    k->perm = perm;
    k->quotalen = quotalen;
    k->next = all_keys;
    all_keys = k;
    return k;
}

static struct key *keyring_alloc(const char *desc, u32 uid, u32 gid, u32 perm, int *err)
{
    return key_alloc(T_KEYRING, desc, uid, gid, perm, NULL, 0, err);
}

/* ------------------------------------------------------------ permissions and possession */

static bool is_possessed(const struct key *k);

/* The permission bits the caller has on k (possessed or not). */
static u32 key_perms(const struct key *k, bool possessed)
{
    u32 p;
    if (k->uid == process_fsuid())
        p = k->perm >> 16;
    else if (k->gid != INVALID_GID && k->gid == process_fsgid())
        p = k->perm >> 8;
    else
        p = k->perm;
    if (possessed)
        p |= k->perm >> 24;
    return p & P_ALL;
}

static bool perm_ok(const struct key *k, bool possessed, u32 need)
{
    return (key_perms(k, possessed) & need) == need;
}

/* The keyrings a possession search starts from. */
static int search_roots(struct key **roots)
{
    int n = 0;
    for (int i = 0; i < MAX_THREADS; i++)
        if (threads[i].ring != NULL && threads[i].tid == current->tid)
            roots[n++] = threads[i].ring;
    if (process_ring != NULL)
        roots[n++] = process_ring;
    if (session_ring != NULL)
        roots[n++] = session_ring;
    else if (user_session_ring != NULL)
        roots[n++] = user_session_ring;
    return n;
}

/* Whether target is found when searching keyring r (possessed) at depth d. */
static bool reach(const struct key *r, const struct key *target, int d)
{
    if (r->type != T_KEYRING || !perm_ok(r, true, P_SEARCH) || d > MAX_DEPTH)
        return false;
    for (int i = 0; i < r->nlinks; i++) {
        const struct key *k = r->links[i];
        if (k == target && perm_ok(k, true, P_SEARCH))
            return true;
    }
    for (int i = 0; i < r->nlinks; i++)
        if (r->links[i]->type == T_KEYRING && reach(r->links[i], target, d + 1))
            return true;
    return false;
}

static bool is_possessed(const struct key *k)
{
    struct key *roots[3];
    int n = search_roots(roots);
    for (int i = 0; i < n; i++) {
        if (roots[i] == k && perm_ok(k, true, P_SEARCH))
            return true;
        if (reach(roots[i], k, 1))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ special keyrings */

static int thread_slot(bool create)
{
    int free = -1;
    for (int i = 0; i < MAX_THREADS; i++) {
        if (threads[i].tid == current->tid)
            return i;
        if (threads[i].tid != 0 && thread_by_tid(threads[i].tid) == NULL) {
            /* that thread is gone: its thread keyring goes with it */
            struct key *r = threads[i].ring;
            threads[i].tid = 0;
            threads[i].ring = NULL;
            key_put(r);
        }
        if (threads[i].tid == 0 && free < 0)
            free = i;
    }
    if (!create || free < 0)
        return -1;
    threads[free].tid = current->tid;
    threads[free].ring = NULL;
    threads[free].reqkey = REQKEY_DEFAULT;
    return free;
}

/* The uid's user keyring and user-session keyring, made on first use. */
static int user_keyrings(void)
{
    if (user_ring != NULL && user_session_ring != NULL)
        return 0;
    u32 uid = process_ruid();
    char name[32];
    int err = 0;
    if (user_ring == NULL) {
        ksnprintf(name, sizeof(name), "_uid.%u", uid);
        user_ring = keyring_alloc(name, uid, INVALID_GID, POS(0x1f) | USR(P_ALL), &err);
        if (user_ring == NULL)
            return err;
        key_get(user_ring);
    }
    ksnprintf(name, sizeof(name), "_uid_ses.%u", uid);
    user_session_ring = keyring_alloc(name, uid, INVALID_GID, POS(0x1f) | USR(P_ALL), &err);
    if (user_session_ring == NULL)
        return err;
    key_get(user_session_ring);
    struct key **l = kmalloc(4 * sizeof(*l));
    if (l == NULL)
        return -ENOMEM;
    user_session_ring->links = l;
    user_session_ring->cap = 4;
    l[user_session_ring->nlinks++] = user_ring;
    key_get(user_ring);
    return 0;
}

/* A new anonymous session keyring (or the named one) becomes the session keyring. */
static void set_session(struct key *k)
{
    key_get(k);
    key_put(session_ring);
    session_ring = k;
}

/* The keyring for a KEY_SPEC_* id, created when create is set: the key or
 * NULL with *err set. */
static struct key *special_ring(int id, bool create, int *err)
{
    u32 uid = process_fsuid(), gid = process_fsgid();
    *err = -ENOKEY;
    switch (id) {
    case SPEC_THREAD: {
        int s = thread_slot(create);
        if (s < 0)
            return NULL;
        if (threads[s].ring == NULL && create) {
            struct key *k = keyring_alloc("_tid", uid, gid, POS(P_ALL) | USR(P_VIEW), err);
            if (k == NULL)
                return NULL;
            key_get(k);
            threads[s].ring = k;
        }
        return threads[s].ring;
    }
    case SPEC_PROCESS:
        if (process_ring == NULL && create) {
            struct key *k = keyring_alloc("_pid", uid, gid, POS(P_ALL) | USR(P_VIEW), err);
            if (k == NULL)
                return NULL;
            key_get(k);
            process_ring = k;
        }
        return process_ring;
    case SPEC_SESSION:
        if (session_ring == NULL) {
            if (create) {
                /* Linux joins a new anonymous session keyring */
                struct key *k = keyring_alloc("_ses", uid, gid,
                                              POS(P_ALL) | USR(P_VIEW | P_READ), err);
                if (k == NULL)
                    return NULL;
                set_session(k);
            } else {
                /* Linux installs the user-session keyring as the session keyring */
                if ((*err = user_keyrings()) < 0)
                    return NULL;
                set_session(user_session_ring);
            }
        }
        return session_ring;
    case SPEC_USER:
    case SPEC_USER_SESSION:
        if ((*err = user_keyrings()) < 0)
            return NULL;
        return id == SPEC_USER ? user_ring : user_session_ring;
    case SPEC_REQKEY_AUTH:
    case SPEC_REQUESTOR:
        return NULL;                    /* no authorisation key is ever held */
    default:
        *err = -EINVAL;                 /* SPEC_GROUP too: Linux has no group keyrings */
        return NULL;
    }
}

#define L_CREATE 0x1
#define L_PARTIAL 0x2
#define L_NOVALID 0x4                   /* KEYCTL_READ checks validity itself, later */

/* Linux's lookup_user_key: the key named by id (a serial or KEY_SPEC_*)
 * with the permission need (P_* bits, 0, or NEED_UNLINK), or NULL with
 * *err set.  *possessed tells whether the caller possesses it. */
static struct key *lookup(s32 id, int lflags, u32 need, bool *possessed, int *err)
{
    struct key *k;
    bool pos;
    if (id < 0) {
        if (id < SPEC_REQUESTOR) {
            *err = -EINVAL;
            return NULL;
        }
        k = special_ring((int)id, (lflags & L_CREATE) != 0, err);
        if (k == NULL)
            return NULL;
        pos = true;
    } else if (id == 0) {
        *err = -EINVAL;
        return NULL;
    } else {
        k = key_by_serial(id);
        if (k == NULL) {
            *err = -ENOKEY;
            return NULL;
        }
        pos = is_possessed(k);
    }
    if (possessed != NULL)
        *possessed = pos;
    if (need == NEED_UNLINK)
        return k;
    if (!perm_ok(k, pos, need)) {
        *err = -EACCES;
        return NULL;
    }
    if ((lflags & L_NOVALID) == 0 && (*err = key_valid(k)) < 0)
        return NULL;
    return k;
}

/* ------------------------------------------------------------ keyrings */

static int ring_index(const struct key *r, const struct key *k)
{
    for (int i = 0; i < r->nlinks; i++)
        if (r->links[i] == k)
            return i;
    return -1;
}

/* The key in r with the same type and description as (type, desc), or -1. */
static int ring_find(const struct key *r, int type, const char *desc)
{
    for (int i = 0; i < r->nlinks; i++)
        if (r->links[i]->type == type && strcmp(r->links[i]->desc, desc) == 0)
            return i;
    return -1;
}

/* Whether keyring from reaches keyring to (or is it), for cycle detection. */
static int ring_reaches(const struct key *from, const struct key *to, int depth)
{
    if (from == to)
        return -EDEADLK;
    if (depth > MAX_DEPTH)
        return -ELOOP;
    for (int i = 0; i < from->nlinks; i++)
        if (from->links[i]->type == T_KEYRING) {
            int e = ring_reaches(from->links[i], to, depth + 1);
            if (e < 0)
                return e;
        }
    return 0;
}

static void ring_remove(struct key *r, int i)
{
    struct key *k = r->links[i];
    memmove(&r->links[i], &r->links[i + 1], (size_t)(r->nlinks - i - 1) * sizeof(*r->links));
    r->nlinks--;
    key_put(k);
}

/* Linux's key_link: link k into keyring r, displacing a key with the same
 * type and description.  0 or -errno. */
static int ring_link(struct key *r, struct key *k)
{
    if (r->type != T_KEYRING)
        return -ENOTDIR;
    if ((r->flags & F_RESTRICTED) != 0)
        return -EPERM;
    if (k->type == T_KEYRING) {
        int e = ring_reaches(k, r, 1);
        if (e < 0)
            return e;
    }
    int i = ring_find(r, k->type, k->desc);
    if (i >= 0 && r->links[i] == k)
        return 0;
    if (i < 0 && r->nlinks == r->cap) {
        int cap = r->cap == 0 ? 8 : r->cap * 2;
        struct key **l = kmalloc((size_t)cap * sizeof(*l));
        if (l == NULL)
            return -ENOMEM;
        if (r->nlinks > 0)
            memcpy(l, r->links, (size_t)r->nlinks * sizeof(*l));
        kfree(r->links);
        r->links = l;
        r->cap = cap;
    }
    key_get(k);
    if (i >= 0) {
        struct key *old = r->links[i];
        r->links[i] = k;
        key_put(old);
    } else {
        r->links[r->nlinks++] = k;
    }
    return 0;
}

/* Search result of keyring r (possessed or not) for (type, desc), nested:
 * the first valid match that grants SEARCH, else the error of the last
 * unusable match (-EACCES, -EKEYREVOKED, -EKEYEXPIRED), else -ENOKEY. */
static struct key *ring_search(struct key *r, bool pos, int type, const char *desc, int depth,
                               int *err)
{
    if (r->type != T_KEYRING || depth > MAX_DEPTH)
        return NULL;
    for (int i = 0; i < r->nlinks; i++) {
        struct key *k = r->links[i];
        if (k->type != type || strcmp(k->desc, desc) != 0 || (k->flags & F_INVALID) != 0)
            continue;
        if (!perm_ok(k, pos, P_SEARCH)) {
            *err = -EACCES;
            continue;
        }
        int v = key_valid(k);
        if (v < 0) {
            *err = v;
            continue;
        }
        return k;
    }
    for (int i = 0; i < r->nlinks; i++) {
        struct key *k = r->links[i];
        if (k->type != T_KEYRING || !perm_ok(k, pos, P_SEARCH) || key_valid(k) < 0)
            continue;
        struct key *f = ring_search(k, pos, type, desc, depth + 1, err);
        if (f != NULL)
            return f;
    }
    return NULL;
}

/* Search keyring r, the keyring itself included (Linux compares the top
 * keyring too). */
static struct key *search_top(struct key *r, bool pos, int type, const char *desc, int *err)
{
    if (r->type == type && strcmp(r->desc, desc) == 0 && perm_ok(r, pos, P_SEARCH) &&
        key_valid(r) == 0)
        return r;
    return ring_search(r, pos, type, desc, 1, err);
}

/* Search the thread, process and session keyrings (request_key). */
static struct key *search_process(int type, const char *desc, int *err)
{
    struct key *roots[3];
    if (session_ring == NULL && user_keyrings() < 0)
        return NULL;
    int n = search_roots(roots);
    for (int i = 0; i < n; i++) {
        struct key *k = search_top(roots[i], true, type, desc, err);
        if (k != NULL)
            return k;
    }
    return NULL;
}

/* ------------------------------------------------------------ user arguments */

/* A key type name from user space (key_get_type_from_user): the type, or -errno. */
static int get_type(const char *utype, bool *known)
{
    char t[32];
    long n = strncpy_from_user(t, utype, sizeof(t));
    if (n == -ENAMETOOLONG || n == 0)
        return -EINVAL;
    if (n < 0)
        return (int)n;
    if (t[0] == '.')
        return -EPERM;
    *known = true;
    for (int i = 0; i < (int)ARRAY_SIZE(type_names); i++)
        if (strcmp(t, type_names[i]) == 0)
            return i;
    *known = false;
    return 0;
}

/* A description (strndup_user with KEY_MAX_DESC_SIZE): a kmalloc'd string or NULL with *err. */
static char *get_desc(const char *udesc, int *err)
{
    char *d = kmalloc(MAX_DESC);
    if (d == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    long n = strncpy_from_user(d, udesc, MAX_DESC);
    if (n < 0) {
        kfree(d);
        *err = n == -ENAMETOOLONG ? -EINVAL : (int)n;
        return NULL;
    }
    return d;
}

/* A payload copied from user space: 0 (*out NULL for plen 0) or -errno. */
static int get_payload(const void *up, u64 plen, u8 **out)
{
    *out = NULL;
    if (plen == 0)
        return 0;
    u8 *p = kmalloc(plen);
    if (p == NULL)
        return -ENOMEM;
    if (copy_from_user(p, up, plen) < 0) {
        kfree(p);
        return -EFAULT;
    }
    *out = p;
    return 0;
}

/* The type's preparse checks of a payload (and logon's description check). */
static int vet(int type, const char *desc, const u8 *data, u64 plen)
{
    if (type == T_KEYRING)
        return plen != 0 ? -EINVAL : 0;
    if (plen == 0 || plen > USER_MAX_DATA || data == NULL)
        return -EINVAL;
    if (type == T_LOGON && desc != NULL) {
        const char *c = strchr(desc, ':');
        if (c == NULL || c == desc)
            return -EINVAL;
    }
    return 0;
}

/* Replace k's payload (the type's update): 0 or -errno.  data is taken on success. */
static int key_update(struct key *k, u8 *data, u32 plen)
{
    if (k->type == T_KEYRING)
        return -EOPNOTSUPP;
    int e = vet(k->type, NULL, data, plen);
    if (e < 0)
        return e;
    u32 q = (u32)strlen(k->desc) + 1 + plen;
    if (q > k->quotalen && !quota_ok(k->uid, 0, q - k->quotalen))
        return -EDQUOT;
    key_free_data(k);
    k->data = data;
    k->datalen = plen;
    k->quotalen = q;
    k->expiry = 0;                      /* an update gives the key a new life */
    return 0;
}

/* ------------------------------------------------------------ add_key, request_key */

long sys_add_key(const char *utype, const char *udesc, const void *upayload, u64 plen, s32 ringid)
{
    if (plen > MAX_PAYLOAD)
        return -EINVAL;
    bool known;
    int type = get_type(utype, &known), err = 0;
    if (type < 0)
        return type;
    char *desc = NULL;
    if (udesc != NULL) {
        if ((desc = get_desc(udesc, &err)) == NULL)
            return err;
        if (desc[0] == '\0') {
            kfree(desc);
            desc = NULL;
        } else if (desc[0] == '.' && known && type == T_KEYRING) {
            kfree(desc);
            return -EPERM;
        }
    }
    u8 *data;
    if ((err = get_payload(upayload, plen, &data)) < 0)
        goto out;
    bool pos;
    struct key *r = lookup(ringid, L_CREATE, P_WRITE, &pos, &err);
    if (r == NULL)
        goto out;
    err = -ENODEV;
    if (!known)
        goto out;
    err = -ENOTDIR;
    if (r->type != T_KEYRING)
        goto out;
    if ((err = vet(type, desc, data, plen)) < 0)
        goto out;
    err = -EINVAL;
    if (desc == NULL)
        goto out;
    err = -EPERM;
    if ((r->flags & F_RESTRICTED) != 0)
        goto out;
    int i = type == T_KEYRING ? -1 : ring_find(r, type, desc);
    if (i >= 0 && (r->links[i]->flags & (F_REVOKED | F_INVALID)) == 0) {
        /* update the existing key instead of creating one */
        struct key *k = r->links[i];
        err = -EACCES;
        if (!perm_ok(k, pos, P_WRITE))
            goto out;
        if ((err = key_update(k, data, (u32)plen)) < 0)
            goto out;
        kfree(desc);
        return k->serial;
    }
    u32 perm = POS(P_VIEW | P_SEARCH | P_LINK | P_SETATTR | P_WRITE) | USR(P_VIEW);
    if (type != T_LOGON)
        perm |= POS(P_READ);
    struct key *k = key_alloc(type, desc, process_fsuid(), process_fsgid(), perm, data,
                              (u32)plen, &err);
    if (k == NULL)
        goto out;
    data = NULL;
    key_get(k);                         /* held while linking */
    err = ring_link(r, k);
    s32 serial = k->serial;
    key_put(k);
    kfree(desc);
    return err < 0 ? err : serial;
out:
    kfree(desc);
    kfree(data);
    return err;
}

// partial: there is no /sbin/request-key upcall: a key that is not found is never constructed (ENOKEY, also when callout_info is given)
long sys_request_key(const char *utype, const char *udesc, const char *ucallout, s32 destid)
{
    bool known;
    int type = get_type(utype, &known), err = 0;
    if (type < 0)
        return type;
    char *desc = get_desc(udesc, &err);
    if (desc == NULL)
        return err;
    if (ucallout != NULL) {
        char *c = kmalloc(PAGE_SIZE);
        long n = c == NULL ? -ENOMEM : strncpy_from_user(c, ucallout, PAGE_SIZE);
        kfree(c);
        if (n < 0) {
            kfree(desc);
            return n == -ENAMETOOLONG ? -EINVAL : n;
        }
    }
    struct key *dest = NULL;
    if (destid != 0 && (dest = lookup(destid, L_CREATE, P_WRITE, NULL, &err)) == NULL)
        goto out;
    err = -ENOKEY;
    if (!known)
        goto out;
    struct key *k = search_process(type, desc, &err);
    if (k == NULL)
        goto out;
    if (dest != NULL && (err = ring_link(dest, k)) < 0)
        goto out;
    kfree(desc);
    return k->serial;
out:
    kfree(desc);
    return err;
}

/* ------------------------------------------------------------ keyctl operations */

#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_UPDATE 2
#define KEYCTL_REVOKE 3
#define KEYCTL_CHOWN 4
#define KEYCTL_SETPERM 5
#define KEYCTL_DESCRIBE 6
#define KEYCTL_CLEAR 7
#define KEYCTL_LINK 8
#define KEYCTL_UNLINK 9
#define KEYCTL_SEARCH 10
#define KEYCTL_READ 11
#define KEYCTL_INSTANTIATE 12
#define KEYCTL_NEGATE 13
#define KEYCTL_SET_REQKEY_KEYRING 14
#define KEYCTL_SET_TIMEOUT 15
#define KEYCTL_ASSUME_AUTHORITY 16
#define KEYCTL_GET_SECURITY 17
#define KEYCTL_SESSION_TO_PARENT 18
#define KEYCTL_REJECT 19
#define KEYCTL_INSTANTIATE_IOV 20
#define KEYCTL_INVALIDATE 21
#define KEYCTL_GET_PERSISTENT 22
#define KEYCTL_RESTRICT_KEYRING 29
#define KEYCTL_MOVE 30
#define KEYCTL_CAPABILITIES 31
#define KEYCTL_MOVE_EXCL 1

static long join_session(const char *uname)
{
    u32 uid = process_fsuid(), gid = process_fsgid();
    int err = 0;
    if (uname == NULL) {
        struct key *k = keyring_alloc("_ses", uid, gid, POS(P_ALL) | USR(P_VIEW | P_READ), &err);
        if (k == NULL)
            return err;
        set_session(k);
        return k->serial;
    }
    char *name = get_desc(uname, &err);
    if (name == NULL)
        return err;
    if (name[0] == '\0') {
        kfree(name);
        return -EINVAL;
    }
    /* a keyring of that name the user may search (Linux's find_keyring_by_name) */
    struct key *k = NULL;
    for (struct key *c = all_keys; c != NULL && k == NULL; c = c->next)
        if (c->type == T_KEYRING && c->uid == uid && strcmp(c->desc, name) == 0 && !dead(c) &&
            key_valid(c) == 0 && c->desc[0] != '_' && perm_ok(c, false, P_SEARCH))
            k = c;
    if (k == NULL) {
        k = keyring_alloc(name, uid, gid, POS(P_ALL) | USR(P_VIEW | P_READ | P_LINK), &err);
        if (k == NULL) {
            kfree(name);
            return err;
        }
    }
    kfree(name);
    if (k != session_ring)
        set_session(k);
    return k->serial;
}

static long do_describe(s32 id, char *ubuf, u64 len)
{
    int err;
    struct key *k = lookup(id, L_PARTIAL, P_VIEW, NULL, &err);
    if (k == NULL)
        return err;
    char *s = kmalloc(MAX_DESC + 64);
    if (s == NULL)
        return -ENOMEM;
    u32 gid = k->gid == INVALID_GID ? OVERFLOW_ID : k->gid;
    long n = ksnprintf(s, MAX_DESC + 64, "%s;%d;%d;%08x;%s", type_names[k->type], (int)k->uid,
                       (int)gid, k->perm, k->desc) + 1;
    if (ubuf != NULL && len >= (u64)n && copy_to_user(ubuf, s, (size_t)n) < 0)
        n = -EFAULT;
    kfree(s);
    return n;
}

static long do_read(s32 id, u8 *ubuf, u64 len)
{
    int err;
    bool pos;
    struct key *k = lookup(id, L_NOVALID, 0, &pos, &err);
    if (k == NULL)
        return -ENOKEY;                 /* as Linux: whatever the lookup failed with */
    if (!perm_ok(k, pos, P_READ) && !pos)
        return -EACCES;
    if (k->type == T_LOGON)
        return -EOPNOTSUPP;
    if ((err = key_valid(k)) < 0)
        return err;
    if (k->type == T_USER) {
        if (ubuf != NULL && len >= k->datalen && copy_to_user(ubuf, k->data, k->datalen) < 0)
            return -EFAULT;
        return k->datalen;
    }
    long need = (long)k->nlinks * 4;
    if (ubuf == NULL || len == 0)
        return need;
    if ((len & 3) != 0)
        return -EINVAL;
    if (len >= (u64)need) {
        for (int i = 0; i < k->nlinks; i++)
            if (copy_to_user(ubuf + 4 * i, &k->links[i]->serial, 4) < 0)
                return -EFAULT;
    }
    return need;
}

static long do_search(s32 ringid, const char *utype, const char *udesc, s32 destid)
{
    bool known;
    int type = get_type(utype, &known), err = 0;
    if (type < 0)
        return type;
    char *desc = get_desc(udesc, &err);
    if (desc == NULL)
        return err;
    bool pos;
    struct key *r = lookup(ringid, 0, P_SEARCH, &pos, &err), *dest = NULL, *k = NULL;
    if (r == NULL)
        goto out;
    if (destid != 0 && (dest = lookup(destid, L_CREATE, P_WRITE, NULL, &err)) == NULL)
        goto out;
    err = -ENOKEY;
    if (!known)
        goto out;
    err = r->type == T_KEYRING ? -ENOKEY : -ENOTDIR;
    if (r->type != T_KEYRING)
        goto out;
    if ((k = search_top(r, pos, type, desc, &err)) == NULL)
        goto out;
    if (dest != NULL) {
        err = -EACCES;
        if (!perm_ok(k, pos || is_possessed(k), P_LINK))
            goto out;
        if ((err = ring_link(dest, k)) < 0)
            goto out;
    }
    err = k->serial;
out:
    kfree(desc);
    return err;
}

static long do_move(s32 id, s32 fromid, s32 toid, u32 flags)
{
    int err;
    if ((flags & ~(u32)KEYCTL_MOVE_EXCL) != 0)
        return -EINVAL;
    struct key *k = lookup(id, L_CREATE | L_PARTIAL, P_LINK, NULL, &err);
    if (k == NULL)
        return err;
    struct key *from = lookup(fromid, 0, P_WRITE, NULL, &err);
    if (from == NULL)
        return err;
    struct key *to = lookup(toid, L_CREATE, P_WRITE, NULL, &err);
    if (to == NULL)
        return err;
    if (from->type != T_KEYRING || to->type != T_KEYRING)
        return -ENOTDIR;
    if (from == to)
        return 0;
    int i = ring_index(from, k);
    if (i < 0)
        return -ENOENT;
    if ((flags & KEYCTL_MOVE_EXCL) != 0 && ring_find(to, k->type, k->desc) >= 0)
        return -EEXIST;
    key_get(k);
    err = ring_link(to, k);
    if (err == 0 && (i = ring_index(from, k)) >= 0)
        ring_remove(from, i);
    key_put(k);
    return err;
}

/* Whether the caller may give a key to uid/gid (Linux: CAP_SYS_ADMIN, or no change). */
static long do_chown(s32 id, u32 uid, u32 gid)
{
    int err;
    struct key *k = lookup(id, L_CREATE | L_PARTIAL, P_SETATTR, NULL, &err);
    if (k == NULL)
        return err;
    if (!cap_has(CAP_SYS_ADMIN)) {
        if (uid != (u32)-1 && uid != k->uid)
            return -EACCES;
        if (gid != (u32)-1 && gid != k->gid && (k->uid != process_fsuid() || gid != process_fsgid()))
            return -EACCES;
    }
    if (uid != (u32)-1 && uid != k->uid) {
        if (!quota_ok(uid, 1, k->quotalen))
            return -EDQUOT;
        k->uid = uid;
    }
    if (gid != (u32)-1)
        k->gid = gid;
    return 0;
}

static long do_restrict(s32 id, const char *utype, const char *urestr)
{
    int err = 0;
    bool known = false;
    if (utype != NULL) {
        int t = get_type(utype, &known);
        if (t < 0)
            return t;
    }
    if (urestr != NULL) {
        if (utype == NULL)
            return -EINVAL;
        char *r = get_desc(urestr, &err);
        if (r == NULL)
            return err;
        kfree(r);
    }
    struct key *k = lookup(id, 0, P_SETATTR, NULL, &err);
    if (k == NULL)
        return err;
    if (k->type != T_KEYRING)
        return -ENOTDIR;
    if (utype != NULL) {
        if (urestr == NULL)
            return -EINVAL;
        /* only the asymmetric type has restrictions, and solo has no such type */
        return known ? -ENOENT : -ENOKEY;
    }
    if ((k->flags & F_RESTRICTED) != 0)
        return -EEXIST;
    k->flags |= F_RESTRICTED;
    return 0;
}

// partial: no persistent keyrings, Diffie-Hellman or public-key operations, asymmetric-key link restrictions or key notifications (EOPNOTSUPP/ENOKEY as a kernel built without them); no request-key authorisation keys (instantiate/negate/reject EPERM); the session keyring is shared by all threads (per-thread credentials on Linux), and a new thread gets no thread keyring of its own when its creator had one
long sys_keyctl(int op, u64 a2, u64 a3, u64 a4, u64 a5)
{
    int err;
    struct key *k, *r;
    switch (op) {
    case KEYCTL_GET_KEYRING_ID:
        k = lookup((s32)a2, (int)a3 != 0 ? L_CREATE : 0, P_SEARCH, NULL, &err);
        return k == NULL ? err : k->serial;
    case KEYCTL_JOIN_SESSION_KEYRING:
        return join_session((const char *)a2);
    case KEYCTL_UPDATE: {
        u64 plen = a4;
        if (plen > PAGE_SIZE)
            return -EINVAL;
        u8 *data;
        if ((err = get_payload((const void *)a3, plen, &data)) < 0)
            return err;
        k = lookup((s32)a2, 0, P_WRITE, NULL, &err);
        if (k != NULL)
            err = key_update(k, data, (u32)plen);
        if (err < 0)
            kfree(data);
        return err;
    }
    case KEYCTL_REVOKE:
        k = lookup((s32)a2, 0, P_WRITE, NULL, &err);
        if (k == NULL && err == -EACCES)
            k = lookup((s32)a2, 0, P_SETATTR, NULL, &err);
        if (k == NULL)
            return err;
        k->flags |= F_REVOKED;
        key_free_data(k);               /* a keyring keeps its links until destroyed */
        return 0;
    case KEYCTL_CHOWN:
        return do_chown((s32)a2, (u32)a3, (u32)a4);
    case KEYCTL_SETPERM:
        if (((u32)a3 & ~0x3f3f3f3fu) != 0)
            return -EINVAL;
        if ((k = lookup((s32)a2, L_CREATE | L_PARTIAL, P_SETATTR, NULL, &err)) == NULL)
            return err;
        if (!cap_has(CAP_SYS_ADMIN) && k->uid != process_fsuid())
            return -EACCES;
        k->perm = (u32)a3;
        return 0;
    case KEYCTL_DESCRIBE:
        return do_describe((s32)a2, (char *)a3, (u32)a4);
    case KEYCTL_CLEAR:
        if ((r = lookup((s32)a2, L_CREATE, P_WRITE, NULL, &err)) == NULL)
            return err;
        if (r->type != T_KEYRING)
            return -ENOTDIR;
        ring_clear(r);
        return 0;
    case KEYCTL_LINK:
        if ((r = lookup((s32)a3, L_CREATE, P_WRITE, NULL, &err)) == NULL)
            return err;
        if ((k = lookup((s32)a2, L_CREATE, P_LINK, NULL, &err)) == NULL)
            return err;
        return ring_link(r, k);
    case KEYCTL_UNLINK: {
        if ((r = lookup((s32)a3, 0, P_WRITE, NULL, &err)) == NULL)
            return err;
        if ((k = lookup((s32)a2, L_PARTIAL, NEED_UNLINK, NULL, &err)) == NULL)
            return err;
        if (r->type != T_KEYRING)
            return -ENOTDIR;
        int i = ring_index(r, k);
        if (i < 0)
            return -ENOENT;
        ring_remove(r, i);
        return 0;
    }
    case KEYCTL_SEARCH:
        return do_search((s32)a2, (const char *)a3, (const char *)a4, (s32)a5);
    case KEYCTL_READ:
        return do_read((s32)a2, (u8 *)a3, a4);
    case KEYCTL_INSTANTIATE:
        if (a4 > MAX_PAYLOAD)
            return -EINVAL;
        return -EPERM;                  /* no authorisation key */
    case KEYCTL_INSTANTIATE_IOV:
        if ((u32)a4 > 1024)
            return -EINVAL;
        return -EPERM;
    case KEYCTL_NEGATE:
        return -EPERM;
    case KEYCTL_REJECT:
        if ((u32)a4 == 0 || (u32)a4 >= 4095 || ((u32)a4 >= 512 && (u32)a4 <= 516))
            return -EINVAL;             /* not an errno, or a restart code */
        return -EPERM;
    case KEYCTL_SET_REQKEY_KEYRING: {
        int s = thread_slot(true);
        int old = s < 0 ? REQKEY_DEFAULT : threads[s].reqkey, v = (int)a2;
        if (v == REQKEY_NO_CHANGE)
            return old;
        if (v < REQKEY_DEFAULT || v > REQKEY_REQUESTOR || v == REQKEY_GROUP)
            return -EINVAL;
        if (v == 1 || v == 2) {         /* the thread or process keyring: made now */
            if (special_ring(v == 1 ? SPEC_THREAD : SPEC_PROCESS, true, &err) == NULL)
                return err;
        }
        if (s < 0)
            return -ENOMEM;
        threads[s].reqkey = v;
        return old;
    }
    case KEYCTL_SET_TIMEOUT:
        if ((k = lookup((s32)a2, L_CREATE | L_PARTIAL, P_SETATTR, NULL, &err)) == NULL)
            return err;
        if ((u32)a3 == 0) {
            k->expiry = 0;
        } else {
            u64 t = now_ns() + (u64)(u32)a3 * 1000000000UL;
            k->expiry = t == 0 ? 1 : t;
        }
        return 0;
    case KEYCTL_ASSUME_AUTHORITY:
        if ((s32)a2 < 0)
            return -EINVAL;
        return (s32)a2 == 0 ? 0 : -ENOKEY;   /* nothing to assume */
    case KEYCTL_GET_SECURITY:
        if ((k = lookup((s32)a2, L_PARTIAL, P_VIEW, NULL, &err)) == NULL)
            return err;
        if (a3 != 0 && a4 > 0 && copy_to_user((void *)a3, "", 1) < 0)
            return -EFAULT;
        return 1;                       /* no security module: an empty label */
    case KEYCTL_SESSION_TO_PARENT:
        return -EPERM;                  /* the parent is not a process of this kernel */
    case KEYCTL_INVALIDATE:
        if ((k = lookup((s32)a2, 0, P_SEARCH, NULL, &err)) == NULL)
            return err;
        key_get(k);
        k->flags |= F_INVALID;
        /* drop it from every keyring that links it */
        for (struct key *c = all_keys; c != NULL; c = c->next)
            if (c->type == T_KEYRING) {
                int i;
                while ((i = ring_index(c, k)) >= 0)
                    ring_remove(c, i);
            }
        key_put(k);
        return 0;
    case KEYCTL_RESTRICT_KEYRING:
        return do_restrict((s32)a2, (const char *)a3, (const char *)a4);
    case KEYCTL_MOVE:
        return do_move((s32)a2, (s32)a3, (s32)a4, (u32)a5);
    case KEYCTL_CAPABILITIES: {
        u8 caps[2] = { 0x01 | 0x20 | 0x40 | 0x80, 0 };   /* CAPABILITIES INVALIDATE RESTRICT MOVE */
        u64 n = MIN(a3, sizeof(caps));
        if (n > 0 && copy_to_user((void *)a2, caps, n) < 0)
            return -EFAULT;
        return sizeof(caps);
    }
    case KEYCTL_GET_PERSISTENT:
    default:
        return -EOPNOTSUPP;
    }
}

/* ------------------------------------------------------------ /proc */

/* /proc/keys: the keys the caller may view (Linux's layout). */
static long gen_keys(char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    u64 now = now_ns();
    for (struct key *k = all_keys; k != NULL; k = k->next) {
        if (dead(k))
            continue;
        bool pos = is_possessed(k);
        if (!perm_ok(k, pos, P_VIEW))
            continue;
        char tmo[16];
        if (k->expiry == 0)
            ksnprintf(tmo, sizeof(tmo), "perm");
        else if (now >= k->expiry)
            ksnprintf(tmo, sizeof(tmo), "expd");
        else {
            u64 s = (k->expiry - now) / 1000000000UL;
            if (s < 60)
                ksnprintf(tmo, sizeof(tmo), "%lus", s);
            else if (s < 3600)
                ksnprintf(tmo, sizeof(tmo), "%lum", s / 60);
            else if (s < 86400)
                ksnprintf(tmo, sizeof(tmo), "%luh", s / 3600);
            else
                ksnprintf(tmo, sizeof(tmo), "%luw", s / 604800);
        }
        u32 gid = k->gid == INVALID_GID ? OVERFLOW_ID : k->gid;
        /* flags: Instantiated Revoked Dead in-Quota Under-construction Negative invalidated */
        out_put(&o, "%08x I%c-Q--%c %5d %4s %08x %5d %5d %-9.9s %s", (u32)k->serial,
             (k->flags & F_REVOKED) ? 'R' : '-', (k->flags & F_INVALID) ? 'i' : '-', k->refs, tmo,
             k->perm, (int)k->uid, (int)gid, type_names[k->type], k->desc);
        if (k->type == T_KEYRING) {
            if (k->nlinks == 0)
                out_put(&o, ": empty\n");
            else
                out_put(&o, ": %d\n", k->nlinks);
        } else if ((k->flags & F_REVOKED) == 0) {
            out_put(&o, ": %u\n", k->datalen);
        } else {
            out_put(&o, "\n");
        }
    }
    return (long)o.len;
}

/* /proc/key-users: "uid: usage nkeys/nikeys qnkeys/maxkeys qnbytes/maxbytes". */
static long gen_key_users(char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    u32 uids[16];
    int n = 0;
    for (struct key *k = all_keys; k != NULL; k = k->next) {
        bool seen = false;
        for (int i = 0; i < n && !seen; i++)
            seen = uids[i] == k->uid;
        if (!seen && n < (int)ARRAY_SIZE(uids))
            uids[n++] = k->uid;
    }
    for (int i = 0; i < n; i++) {
        u32 nk, nb;
        quota_of(uids[i], &nk, &nb);
        out_put(&o, "%5u: %5u %u/%u %u/%u %u/%u\n", uids[i], nk + 1, nk, nk, nk,
             uids[i] == 0 ? ROOT_MAXKEYS : MAXKEYS, nb, uids[i] == 0 ? ROOT_MAXBYTES : MAXBYTES);
    }
    return (long)o.len;
}

static long gen_maxkeys(char *b, size_t c) { return ksnprintf(b, c, "%d\n", MAXKEYS); }
static long gen_maxbytes(char *b, size_t c) { return ksnprintf(b, c, "%d\n", MAXBYTES); }
static long gen_root_maxkeys(char *b, size_t c) { return ksnprintf(b, c, "%d\n", ROOT_MAXKEYS); }
static long gen_root_maxbytes(char *b, size_t c) { return ksnprintf(b, c, "%d\n", ROOT_MAXBYTES); }
static long gen_gc_delay(char *b, size_t c) { return ksnprintf(b, c, "%d\n", GC_DELAY); }

/* Called by procfs_init. */
void keys_proc_init(void)
{
    static const struct { const char *path; vfs_gen_fn gen; } files[] = {
        { "/proc/keys", gen_keys },
        { "/proc/key-users", gen_key_users },
        { "/proc/sys/kernel/keys/maxkeys", gen_maxkeys },
        { "/proc/sys/kernel/keys/maxbytes", gen_maxbytes },
        { "/proc/sys/kernel/keys/root_maxkeys", gen_root_maxkeys },
        { "/proc/sys/kernel/keys/root_maxbytes", gen_root_maxbytes },
        { "/proc/sys/kernel/keys/gc_delay", gen_gc_delay },
    };
    for (size_t i = 0; i < ARRAY_SIZE(files); i++)
        if (vfs_register_generated(files[i].path, files[i].gen) < 0)
            klog("keys: cannot register %s", files[i].path);
}
