/*
 * keys.c - the key retention service: add_key of user, logon and keyring
 * keys (default permissions, DESCRIBE strings, update of an existing key,
 * argument errors), KEYCTL_READ (payloads, keyring serial lists, short and
 * NULL buffers, logon's EOPNOTSUPP), SEARCH (nested, destination keyring,
 * missing/revoked/expired keys), request_key, LINK/UNLINK (cycles,
 * ENOTDIR, ENOENT), CLEAR, REVOKE, INVALIDATE, SET_TIMEOUT (EKEYEXPIRED),
 * SETPERM (and the EACCES it causes), CHOWN, MOVE, RESTRICT_KEYRING with
 * no type, GET_KEYRING_ID of the special keyrings (thread keyrings per
 * thread, the process keyring shared), SET_REQKEY_KEYRING, the
 * authorisation-key operations (EPERM/ENOKEY), GET_SECURITY, CAPABILITIES
 * size and unknown operations.  Everything happens inside a fresh anonymous
 * session keyring, so nothing outlives the program on the host; serial
 * numbers are only compared, never printed.
 */
// covers: add_key request_key keyctl
#include "common.h"
#include <pthread.h>
#include <time.h>

/* <linux/keyctl.h> values (musl has no kernel headers) */
#define KEY_SPEC_THREAD_KEYRING -1
#define KEY_SPEC_PROCESS_KEYRING -2
#define KEY_SPEC_SESSION_KEYRING -3
#define KEY_SPEC_GROUP_KEYRING -6
#define KEY_SPEC_REQKEY_AUTH_KEY -7
#define KEY_SPEC_REQUESTOR_KEYRING -8
#define KEY_REQKEY_DEFL_NO_CHANGE -1
#define KEY_REQKEY_DEFL_DEFAULT 0
#define KEY_REQKEY_DEFL_SESSION_KEYRING 3
#define KEY_REQKEY_DEFL_GROUP_KEYRING 6
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
#define KEYCTL_REJECT 19
#define KEYCTL_INSTANTIATE_IOV 20
#define KEYCTL_INVALIDATE 21
#define KEYCTL_DH_COMPUTE 23
#define KEYCTL_RESTRICT_KEYRING 29
#define KEYCTL_MOVE 30
#define KEYCTL_CAPABILITIES 31
#define KEYCTL_MOVE_EXCL 1

static const char *en(int e)
{
    switch (e) {
    case ENOKEY: return "ENOKEY";
    case EKEYEXPIRED: return "EKEYEXPIRED";
    case EKEYREVOKED: return "EKEYREVOKED";
    case EDEADLK: return "EDEADLK";
    case EDQUOT: return "EDQUOT";
    default: return errname(e);
    }
}

/* Print a call's result: "ok" (with the value when show) or the errno name. */
static long chk(const char *what, long r, int show)
{
    if (r < 0)
        printf("%s: %s\n", what, en(errno));
    else if (show)
        printf("%s: %ld\n", what, r);
    else
        printf("%s: ok\n", what);
    return r;
}

#define K(...) syscall(SYS_keyctl, __VA_ARGS__)

static long add(const char *type, const char *desc, const void *p, size_t n, long ring)
{
    return syscall(SYS_add_key, type, desc, p, n, ring);
}

static void describe(const char *what, long id)
{
    char buf[256];
    long n = K(KEYCTL_DESCRIBE, id, buf, sizeof(buf));
    if (n < 0)
        printf("describe %s: %s\n", what, en(errno));
    else
        printf("describe %s: %ld '%s'\n", what, n, buf);
}

/* The number of keys in keyring id, and whether serial is among them. */
static void ring_has(const char *what, long id, long serial)
{
    int buf[64];
    long n = K(KEYCTL_READ, id, buf, sizeof(buf));
    if (n < 0) {
        printf("read %s: %s\n", what, en(errno));
        return;
    }
    int found = 0;
    for (long i = 0; i < n / 4; i++)
        found |= buf[i] == serial;
    printf("read %s: %ld keys, has key %d\n", what, n / 4, found);
}

static long thr_before, thr_after, thr_proc;

static void *thread_main(void *arg)
{
    (void)arg;
    thr_before = K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0);
    if (thr_before < 0)
        thr_before = -errno;
    thr_after = K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 1);
    thr_proc = K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0);
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

int main(void)
{
    char buf[512];
    long s = K(KEYCTL_JOIN_SESSION_KEYRING, NULL);
    if (s <= 0) {
        printf("join: %s\n", en(errno));
        return 1;
    }
    printf("session is -3: %d\n", K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) == s);
    describe("session", KEY_SPEC_SESSION_KEYRING);
    ring_has("empty session", s, 0);

    /* ---- add_key */
    long u = chk("add user", add("user", "foo", "bar", 3, KEY_SPEC_SESSION_KEYRING), 0);
    describe("user", u);
    long l = chk("add logon", add("logon", "svc:foo", "secret", 6, KEY_SPEC_SESSION_KEYRING), 0);
    describe("logon", l);
    long kr = chk("add keyring", add("keyring", "kr", NULL, 0, KEY_SPEC_SESSION_KEYRING), 0);
    describe("keyring", kr);
    printf("serials positive and distinct: %d\n", u > 0 && l > 0 && kr > 0 && u != l && l != kr && u != kr);
    long u2 = add("user", "foo", "bazz", 4, KEY_SPEC_SESSION_KEYRING);
    printf("add same user key updates it: %d\n", u2 == u);
    long n = K(KEYCTL_READ, u, buf, sizeof(buf));
    printf("read after update: %ld '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
    long kr2 = add("keyring", "kr", NULL, 0, KEY_SPEC_SESSION_KEYRING);
    printf("add same keyring makes a new one: %d\n", kr2 > 0 && kr2 != kr);
    kr = kr2;
    ring_has("session", s, u);
    chk("add bad type", add("bogus", "x", "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add dot type", add(".user", "x", "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add empty type", add("", "x", "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add long type", add("0123456789012345678901234567890123", "x", "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add type fault", add((char *)1, "x", "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add null desc", add("user", NULL, "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add empty desc", add("user", "", "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add desc fault", add("user", (char *)1, "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add dot keyring", add("keyring", ".kr", NULL, 0, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add user no payload", add("user", "x", NULL, 0, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add payload fault", add("user", "x", NULL, 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add payload too big", add("user", "x", buf, 1024 * 1024, KEY_SPEC_SESSION_KEYRING), 0);
    static char big[40000];
    chk("add user 32768", add("user", "x", big, 32768, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add keyring payload", add("keyring", "x", "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add logon no colon", add("logon", "foo", "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add logon leading colon", add("logon", ":foo", "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("add into user key", add("user", "x", "x", 1, u), 0);
    chk("add into 0", add("user", "x", "x", 1, 0), 0);
    chk("add into unknown", add("user", "x", "x", 1, 0x7ffffff0), 0);
    chk("add into -6", add("user", "x", "x", 1, KEY_SPEC_GROUP_KEYRING), 0);
    chk("add into -7", add("user", "x", "x", 1, KEY_SPEC_REQKEY_AUTH_KEY), 0);
    chk("add into -9", add("user", "x", "x", 1, -9), 0);

    /* ---- read */
    chk("read user null", K(KEYCTL_READ, u, NULL, 0), 1);
    chk("read user short", K(KEYCTL_READ, u, buf, 1), 1);
    chk("read user fault", K(KEYCTL_READ, u, (char *)1, 100), 0);
    chk("read logon", K(KEYCTL_READ, l, buf, sizeof(buf)), 0);
    chk("read keyring null", K(KEYCTL_READ, s, NULL, 0), 1);
    chk("read keyring exact", K(KEYCTL_READ, s, buf, 12), 1);
    chk("read unknown", K(KEYCTL_READ, 0x7ffffff0, buf, sizeof(buf)), 0);
    chk("read 0", K(KEYCTL_READ, 0, buf, sizeof(buf)), 0);
    chk("read -6", K(KEYCTL_READ, KEY_SPEC_GROUP_KEYRING, buf, sizeof(buf)), 0);
    chk("get id, upper bits ignored", K(KEYCTL_GET_KEYRING_ID, 0xfffffffdL, 0) == s, 1);

    /* ---- describe */
    chk("describe null", K(KEYCTL_DESCRIBE, u, NULL, 0), 1);
    memset(buf, 0, sizeof(buf));
    n = K(KEYCTL_DESCRIBE, u, buf, 4);
    printf("describe short: %ld '%.4s'\n", n, buf);
    chk("describe fault", K(KEYCTL_DESCRIBE, u, (char *)1, 100), 0);

    /* ---- search and request_key */
    long deep = add("user", "deep", "d", 1, kr);
    printf("search user: %d\n", K(KEYCTL_SEARCH, s, "user", "foo", 0) == u);
    printf("search nested: %d\n", K(KEYCTL_SEARCH, s, "user", "deep", 0) == deep);
    printf("search keyring: %d\n", K(KEYCTL_SEARCH, s, "keyring", "kr", 0) == kr);
    printf("search top keyring: %d\n", K(KEYCTL_SEARCH, kr, "keyring", "kr", 0) == kr);
    chk("search missing", K(KEYCTL_SEARCH, s, "user", "nope", 0), 0);
    chk("search wrong type", K(KEYCTL_SEARCH, s, "logon", "foo", 0), 0);
    chk("search bad type", K(KEYCTL_SEARCH, s, "bogus", "foo", 0), 0);
    chk("search dot type", K(KEYCTL_SEARCH, s, ".user", "foo", 0), 0);
    chk("search in user key", K(KEYCTL_SEARCH, u, "user", "foo", 0), 0);
    chk("search desc fault", K(KEYCTL_SEARCH, s, "user", (char *)1, 0), 0);
    printf("request_key user: %d\n", syscall(SYS_request_key, "user", "foo", NULL, 0) == u);
    printf("request_key nested: %d\n", syscall(SYS_request_key, "user", "deep", NULL, 0) == deep);
    printf("request_key keyring: %d\n", syscall(SYS_request_key, "keyring", "kr", NULL, 0) == kr);
    chk("request_key missing", syscall(SYS_request_key, "user", "nope", NULL, 0), 0);
    chk("request_key bad type", syscall(SYS_request_key, "bogus", "foo", NULL, 0), 0);
    chk("request_key dot type", syscall(SYS_request_key, ".user", "foo", NULL, 0), 0);
    chk("request_key null desc", syscall(SYS_request_key, "user", NULL, NULL, 0), 0);
    chk("request_key bad dest", syscall(SYS_request_key, "user", "foo", NULL, u), 0);
    long kr3 = add("keyring", "kr3", NULL, 0, KEY_SPEC_SESSION_KEYRING);
    printf("request_key into dest: %d\n", syscall(SYS_request_key, "user", "deep", NULL, kr3) == deep);
    ring_has("dest", kr3, deep);
    printf("search into dest: %d\n", K(KEYCTL_SEARCH, s, "user", "foo", kr3) == u);
    ring_has("dest", kr3, u);

    /* ---- link, unlink, clear */
    chk("link", K(KEYCTL_LINK, u, kr), 0);
    chk("link again", K(KEYCTL_LINK, u, kr), 0);
    ring_has("kr", kr, u);
    chk("link self", K(KEYCTL_LINK, s, s), 0);
    chk("link cycle", K(KEYCTL_LINK, s, kr), 0);
    chk("link into user key", K(KEYCTL_LINK, u, l), 0);
    chk("link unknown", K(KEYCTL_LINK, 0x7ffffff0, kr), 0);
    chk("unlink", K(KEYCTL_UNLINK, u, kr), 0);
    chk("unlink again", K(KEYCTL_UNLINK, u, kr), 0);
    chk("unlink from user key", K(KEYCTL_UNLINK, u, l), 0);
    ring_has("kr", kr, u);
    chk("clear", K(KEYCTL_CLEAR, kr3), 0);
    ring_has("cleared", kr3, u);
    chk("clear user key", K(KEYCTL_CLEAR, u), 0);
    long tmp = add("user", "tmp", "t", 1, kr3);
    chk("unlink last link", K(KEYCTL_UNLINK, tmp, kr3), 0);

    /* ---- update */
    chk("update", K(KEYCTL_UPDATE, u, "qq", 2), 0);
    n = K(KEYCTL_READ, u, buf, sizeof(buf));
    printf("read after update: %ld '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
    chk("update empty", K(KEYCTL_UPDATE, u, NULL, 0), 0);
    chk("update fault", K(KEYCTL_UPDATE, u, (char *)1, 2), 0);
    chk("update huge", K(KEYCTL_UPDATE, u, buf, 1 << 20), 0);
    chk("update keyring", K(KEYCTL_UPDATE, kr, NULL, 0), 0);
    chk("update logon", K(KEYCTL_UPDATE, l, "abc", 3), 0);

    /* ---- permissions */
    long p = add("user", "perm", "p", 1, KEY_SPEC_SESSION_KEYRING);
    chk("setperm bad bits", K(KEYCTL_SETPERM, p, 0x40000000), 0);
    chk("setperm possessor view+search+setattr", K(KEYCTL_SETPERM, p, 0x29000000), 0);
    describe("perm", p);
    chk("read possessed without READ", K(KEYCTL_READ, p, buf, sizeof(buf)), 1);
    chk("update without WRITE", K(KEYCTL_UPDATE, p, "x", 1), 0);
    chk("add over without WRITE", add("user", "perm", "x", 1, KEY_SPEC_SESSION_KEYRING), 0);
    chk("link without LINK", K(KEYCTL_LINK, p, kr), 0);
    chk("setperm possessor setattr", K(KEYCTL_SETPERM, p, 0x20000000), 0);
    chk("describe without VIEW", K(KEYCTL_DESCRIBE, p, buf, sizeof(buf)), 0);
    chk("search without SEARCH", K(KEYCTL_SEARCH, s, "user", "perm", 0), 0);
    chk("read unpossessed", K(KEYCTL_READ, p, buf, sizeof(buf)), 0);
    chk("setperm unpossessed", K(KEYCTL_SETPERM, p, 0x3f000000), 0);
    chk("unlink needs no key perms", K(KEYCTL_UNLINK, p, s), 0);
    long c = add("user", "owned", "o", 1, KEY_SPEC_SESSION_KEYRING);
    chk("chown no change", K(KEYCTL_CHOWN, c, -1, -1), 0);
    chk("chown", K(KEYCTL_CHOWN, c, 5, 6), 0);
    describe("chowned", c);
    chk("setperm other owner", K(KEYCTL_SETPERM, c, 0x3f000000), 0);

    /* ---- revoke, invalidate, timeout */
    long r = add("user", "rv", "x", 1, KEY_SPEC_SESSION_KEYRING);
    chk("revoke", K(KEYCTL_REVOKE, r), 0);
    chk("read revoked", K(KEYCTL_READ, r, buf, sizeof(buf)), 0);
    chk("describe revoked", K(KEYCTL_DESCRIBE, r, buf, sizeof(buf)), 0);
    chk("revoke again", K(KEYCTL_REVOKE, r), 0);
    chk("search revoked", K(KEYCTL_SEARCH, s, "user", "rv", 0), 0);
    chk("request_key revoked", syscall(SYS_request_key, "user", "rv", NULL, 0), 0);
    long r2 = add("user", "rv", "y", 1, KEY_SPEC_SESSION_KEYRING);
    printf("add over revoked makes a new key: %d\n", r2 > 0 && r2 != r);
    long iv = add("user", "iv", "x", 1, KEY_SPEC_SESSION_KEYRING);
    chk("link iv", K(KEYCTL_LINK, iv, kr), 0);
    chk("invalidate", K(KEYCTL_INVALIDATE, iv), 0);
    chk("describe invalidated", K(KEYCTL_DESCRIBE, iv, buf, sizeof(buf)), 0);
    long t = add("user", "tm", "x", 1, KEY_SPEC_SESSION_KEYRING);
    chk("set timeout", K(KEYCTL_SET_TIMEOUT, t, 1), 0);
    chk("read before expiry", K(KEYCTL_READ, t, buf, sizeof(buf)), 1);
    long t2 = add("user", "tm2", "x", 1, KEY_SPEC_SESSION_KEYRING);
    chk("set timeout 2", K(KEYCTL_SET_TIMEOUT, t2, 1), 0);
    chk("clear timeout", K(KEYCTL_SET_TIMEOUT, t2, 0), 0);
    sleep_ms(1300);
    chk("read expired", K(KEYCTL_READ, t, buf, sizeof(buf)), 0);
    chk("describe expired", K(KEYCTL_DESCRIBE, t, buf, sizeof(buf)), 0);
    chk("search expired", K(KEYCTL_SEARCH, s, "user", "tm", 0), 0);
    chk("set timeout expired", K(KEYCTL_SET_TIMEOUT, t, 5), 0);
    chk("read timeout cleared", K(KEYCTL_READ, t2, buf, sizeof(buf)), 1);

    /* ---- move and restrict */
    long m = add("user", "mv", "x", 1, KEY_SPEC_SESSION_KEYRING);
    chk("move bad flags", K(KEYCTL_MOVE, m, s, kr, 2), 0);
    chk("move", K(KEYCTL_MOVE, m, s, kr, 0), 0);
    chk("move again", K(KEYCTL_MOVE, m, s, kr, 0), 0);
    ring_has("move target", kr, m);
    long m2 = add("user", "mv", "y", 1, KEY_SPEC_SESSION_KEYRING);
    chk("move excl onto same name", K(KEYCTL_MOVE, m2, s, kr, KEYCTL_MOVE_EXCL), 0);
    chk("restrict user key", K(KEYCTL_RESTRICT_KEYRING, u, NULL, NULL), 0);
    chk("restrict restriction without type", K(KEYCTL_RESTRICT_KEYRING, kr3, NULL, "x"), 0);
    chk("restrict type without restriction", K(KEYCTL_RESTRICT_KEYRING, kr3, "user", NULL), 0);
    chk("restrict bad type", K(KEYCTL_RESTRICT_KEYRING, kr3, "bogus", "x"), 0);
    chk("restrict user type", K(KEYCTL_RESTRICT_KEYRING, kr3, "user", "x"), 0);
    chk("restrict all", K(KEYCTL_RESTRICT_KEYRING, kr3, NULL, NULL), 0);
    chk("restrict again", K(KEYCTL_RESTRICT_KEYRING, kr3, NULL, NULL), 0);
    chk("link into restricted", K(KEYCTL_LINK, u, kr3), 0);

    /* ---- special keyrings */
    chk("process keyring absent", K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0), 0);
    long pk = K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 1);
    describe("process", pk);
    pthread_t th;
    pthread_create(&th, NULL, thread_main, NULL);
    pthread_join(th, NULL);
    chk("thread keyring absent", K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0), 0);
    long tk = K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 1);
    describe("thread", tk);
    printf("thread keyring stays: %d\n", K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0) == tk);
    printf("other thread: no thread keyring: %s, own one: %d, same process keyring: %d\n",
           en((int)-thr_before), thr_after > 0 && thr_after != tk, thr_proc == pk);
    chk("group keyring", K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_GROUP_KEYRING, 1), 0);
    chk("reqkey auth key", K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_REQKEY_AUTH_KEY, 1), 0);
    chk("requestor keyring", K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_REQUESTOR_KEYRING, 1), 0);
    chk("id -9", K(KEYCTL_GET_KEYRING_ID, -9, 1), 0);
    chk("id 0", K(KEYCTL_GET_KEYRING_ID, 0, 1), 0);
    printf("id of a user key: %d\n", K(KEYCTL_GET_KEYRING_ID, u, 0) == u);
    long pu = add("user", "inproc", "x", 1, KEY_SPEC_PROCESS_KEYRING);
    printf("request_key from process keyring: %d\n", syscall(SYS_request_key, "user", "inproc", NULL, 0) == pu);

    /* ---- request-key default keyring and authorisation */
    chk("reqkey query", K(KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_NO_CHANGE), 1);
    chk("reqkey set session", K(KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_SESSION_KEYRING), 1);
    chk("reqkey query", K(KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_NO_CHANGE), 1);
    chk("reqkey group", K(KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_GROUP_KEYRING), 0);
    chk("reqkey 8", K(KEYCTL_SET_REQKEY_KEYRING, 8), 0);
    chk("reqkey default", K(KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_DEFAULT), 1);
    chk("instantiate", K(KEYCTL_INSTANTIATE, u, "x", 1, 0), 0);
    chk("instantiate iov", K(KEYCTL_INSTANTIATE_IOV, u, NULL, 0, 0), 0);
    chk("negate", K(KEYCTL_NEGATE, u, 10, 0), 0);
    chk("reject error 0", K(KEYCTL_REJECT, u, 10, 0, 0), 0);
    chk("reject", K(KEYCTL_REJECT, u, 10, ENOKEY, 0), 0);
    chk("assume 0", K(KEYCTL_ASSUME_AUTHORITY, 0), 1);
    chk("assume key", K(KEYCTL_ASSUME_AUTHORITY, u), 0);
    chk("assume -1", K(KEYCTL_ASSUME_AUTHORITY, -1), 0);

    /* ---- misc */
    chk("capabilities size", K(KEYCTL_CAPABILITIES, NULL, 0), 1);
    chk("get security", K(KEYCTL_GET_SECURITY, u, buf, sizeof(buf)), 1);
    chk("dh compute", K(KEYCTL_DH_COMPUTE, NULL, NULL, 0, NULL), 0);
    chk("op 99", K(99, 0, 0, 0, 0), 0);
    chk("join empty name", K(KEYCTL_JOIN_SESSION_KEYRING, ""), 0);
    chk("join fault", K(KEYCTL_JOIN_SESSION_KEYRING, (char *)1), 0);
    long named = K(KEYCTL_JOIN_SESSION_KEYRING, "conformance-named");
    printf("joined named: %d\n", named > 0 && named == K(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
    describe("named session", KEY_SPEC_SESSION_KEYRING);
    chk("old session key not found", syscall(SYS_request_key, "user", "foo", NULL, 0), 0);
    long anon = K(KEYCTL_JOIN_SESSION_KEYRING, NULL);
    printf("joined anonymous: %d\n", anon > 0 && anon != named && anon != s);
    describe("anonymous session", KEY_SPEC_SESSION_KEYRING);
    return 0;
}
