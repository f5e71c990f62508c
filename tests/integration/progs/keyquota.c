// covers: add_key keyctl
/*
 * keyquota.c - key quotas and the /proc key files under solo (integration:
 * a native run would depend on the host's other keys and on Linux's lazy
 * key garbage collector): the /proc/sys/kernel/keys limits, a non-root
 * user's 200-key and 20000-byte quotas (EDQUOT) and their release when the
 * keys go, root's larger quota, CHOWN by a non-root user (EACCES), and the
 * /proc/keys and /proc/key-users lines (serial numbers cut off).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

static char payload[2000];

static void cat(const char *path)
{
    char line[256];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        printf("%s: %s\n", path, strerror(errno));
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL)
        printf("%s: %s", path, strlen(line) > 9 && strcmp(path, "/proc/keys") == 0 ? line + 9 : line);
    fclose(f);
}

/* Add keys of len bytes to the session keyring until one fails. */
static int fill(const char *prefix, int len)
{
    char d[32];
    int i;
    for (i = 0; i < 1000; i++) {
        snprintf(d, sizeof(d), "%s%d", prefix, i);
        if (syscall(SYS_add_key, "user", d, payload, len, -3) < 0)
            break;
    }
    if (i == 1000)
        printf("%s: %d keys of %d bytes\n", prefix, i, len);
    else
        printf("%s: %d keys of %d bytes, then %s\n", prefix, i, len, errno == EDQUOT ? "EDQUOT" : strerror(errno));
    return i;
}

int main(void)
{
    memset(payload, 'x', sizeof(payload));
    const char *lim[] = { "maxkeys", "maxbytes", "root_maxkeys", "root_maxbytes", "gc_delay" };
    for (int i = 0; i < 5; i++) {
        char p[64];
        snprintf(p, sizeof(p), "/proc/sys/kernel/keys/%s", lim[i]);
        cat(p);
    }
    long s = syscall(SYS_keyctl, 1, NULL);
    long k = syscall(SYS_add_key, "user", "rootkey", "abc", 3, -3);
    printf("session %d, key %d\n", s > 0, k > 0);
    cat("/proc/keys");
    cat("/proc/key-users");
    if (syscall(SYS_setresuid, 1000, 1000, 0) != 0)
        return 1;
    long c = syscall(SYS_keyctl, 4, k, 1000, -1);
    printf("chown by non-root: %s\n", c < 0 ? (errno == EACCES ? "EACCES" : strerror(errno)) : "ok");
    fill("small", 10);
    cat("/proc/key-users");
    syscall(SYS_keyctl, 7, -3);           /* KEYCTL_CLEAR: the keys go, and their quota */
    fill("big", 1000);
    syscall(SYS_keyctl, 7, -3);
    if (syscall(SYS_setresuid, 0, 0, 0) != 0)
        return 1;
    fill("root", 10);
    return 0;
}
