/*
 * numa.c - the memory-policy calls on a one-node machine: set_mempolicy and
 * get_mempolicy round trips (modes, flags, node masks), mbind on a mapping
 * read back with MPOL_F_ADDR, migrate_pages, move_pages status and
 * set_mempolicy_home_node, each with its error cases.
 */
// covers: set_mempolicy get_mempolicy mbind migrate_pages move_pages set_mempolicy_home_node
#include "common.h"
#include <sys/mman.h>

#define PG 4096UL
#define SYS_home_node 450

static void policy(const char *what)
{
    int mode = -1;
    unsigned long mask = 0xff;
    long r = syscall(SYS_get_mempolicy, &mode, &mask, 65UL, 0UL, 0UL);
    if (r < 0)
        printf("%s: get -1 %s\n", what, errname(errno));
    else
        printf("%s: mode %d mask %lx\n", what, mode, mask);
}

static void set(const char *what, int mode, unsigned long mask, unsigned long maxnode)
{
    long r = syscall(SYS_set_mempolicy, mode, mask != ~0UL ? &mask : NULL, maxnode);
    show(what, r);
    policy(what);
}

static void test_process_policy(void)
{
    policy("initial");
    set("bind {0}", 2, 1, 65);
    set("interleave {0,1}", 3, 3, 65);
    int node = -1;
    show("F_NODE interleave", syscall(SYS_get_mempolicy, &node, NULL, 0UL, 0UL, 1UL));
    printf("next node %d\n", node);
    set("preferred {0}", 1, 1, 65);
    show("F_NODE preferred", syscall(SYS_get_mempolicy, &node, NULL, 0UL, 0UL, 1UL));
    set("preferred {} (local)", 1, 0, 65);
    set("local", 4, ~0UL, 0);
    set("bind static {0,5}", 2 | (1 << 15), 0x21, 65);
    set("bind relative {3}", 2 | (1 << 14), 0x8, 65);
    set("bind {1}", 2, 2, 65);
    set("bind {}", 2, 0, 65);
    set("local {0}", 4, 1, 65);
    set("default {0}", 0, 1, 65);
    set("mode 7", 7, 1, 65);
    set("static+relative", 2 | (3 << 14), 1, 65);
    set("numa balancing interleave", 3 | (1 << 13), 1, 65);
    set("preferred static {}", 1 | (1 << 15), 0, 65);
    set("default", 0, ~0UL, 0);
    show("set bad mask pointer", syscall(SYS_set_mempolicy, 2, (void *)8, 65UL));
    unsigned long m;
    show("get mask with maxnode 0", syscall(SYS_get_mempolicy, NULL, &m, 0UL, 0UL, 0UL));
    show("get bad flags", syscall(SYS_get_mempolicy, NULL, NULL, 0UL, 0UL, 8UL));
    show("get addr without F_ADDR", syscall(SYS_get_mempolicy, NULL, NULL, 0UL, 4096UL, 0UL));
    show("F_NODE default", syscall(SYS_get_mempolicy, &node, NULL, 0UL, 0UL, 1UL));
    m = 0;
    int mode = -1;
    show("mems allowed", syscall(SYS_get_mempolicy, &mode, &m, 65UL, 0UL, 4UL));
    printf("allowed mask %lx\n", m);
    show("mems allowed + F_NODE", syscall(SYS_get_mempolicy, &mode, &m, 65UL, 0UL, 5UL));
    show("get bad policy pointer", syscall(SYS_get_mempolicy, (void *)8, NULL, 0UL, 0UL, 0UL));
}

static void test_mbind(void)
{
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned long mask = 1;
    int mode = -1;
    unsigned long got = 0;
    show("mbind bind", syscall(SYS_mbind, p, 2 * PG, 2, &mask, 65UL, 0UL));
    show("F_ADDR", syscall(SYS_get_mempolicy, &mode, &got, 65UL, p + PG, 2UL));
    printf("page 1: mode %d mask %lx\n", mode, got);
    show("F_ADDR other page", syscall(SYS_get_mempolicy, &mode, &got, 65UL, p + 3 * PG, 2UL));
    printf("page 3: mode %d mask %lx\n", mode, got);
    p[0] = 1;
    int node = -1;
    show("F_NODE|F_ADDR", syscall(SYS_get_mempolicy, &node, NULL, 0UL, p, 3UL));
    printf("page node %d\n", node);
    show("mbind preferred", syscall(SYS_mbind, p + 3 * PG, PG, 1, &mask, 65UL, 1UL));
    show("home node on bind", syscall(SYS_home_node, p, 2 * PG, 0UL, 0UL));
    show("home node on preferred", syscall(SYS_home_node, p, 4 * PG, 0UL, 0UL));
    show("home node 1", syscall(SYS_home_node, p, PG, 1UL, 0UL));
    show("home node flags", syscall(SYS_home_node, p, PG, 0UL, 1UL));
    show("home node unaligned", syscall(SYS_home_node, p + 1, PG, 0UL, 0UL));
    show("mbind default", syscall(SYS_mbind, p, 4 * PG, 0, NULL, 0UL, 0UL));
    show("F_ADDR after default", syscall(SYS_get_mempolicy, &mode, NULL, 0UL, p + PG, 2UL));
    printf("page 1: mode %d\n", mode);
    show("mbind unaligned", syscall(SYS_mbind, p + 1, PG, 2, &mask, 65UL, 0UL));
    show("mbind bad flags", syscall(SYS_mbind, p, PG, 2, &mask, 65UL, 8UL));
    show("mbind zero length", syscall(SYS_mbind, p, 0UL, 2, &mask, 65UL, 0UL));
    mask = 2;
    show("mbind node 1", syscall(SYS_mbind, p, PG, 2, &mask, 65UL, 0UL));
    munmap(p + 2 * PG, PG);
    mask = 1;
    show("mbind over a hole", syscall(SYS_mbind, p, 4 * PG, 2, &mask, 65UL, 0UL));
    show("F_ADDR unmapped", syscall(SYS_get_mempolicy, &mode, NULL, 0UL, p + 2 * PG, 2UL));
    munmap(p, 4 * PG);
}

static void test_migrate(void)
{
    unsigned long oldm = 1, newm = 1;
    show("migrate self", syscall(SYS_migrate_pages, 0, 65UL, &oldm, &newm));
    show("migrate getpid", syscall(SYS_migrate_pages, getpid(), 65UL, &oldm, &newm));
    newm = 0;
    show("migrate to none", syscall(SYS_migrate_pages, 0, 65UL, &oldm, &newm));
    newm = 1;
    show("migrate no such pid", syscall(SYS_migrate_pages, 999999, 65UL, &oldm, &newm));
    char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p + 2 * PG, PG);
    p[0] = 1;
    void *pages[3] = { p, p + PG, p + 2 * PG };
    int nodes[3] = { 0, 0, 0 }, status[3] = { 9, 9, 9 };
    show("move_pages query", syscall(SYS_move_pages, 0, 3UL, pages, NULL, status, 0));
    printf("status %d %d %d\n", status[0], status[1], status[2]);
    status[0] = status[1] = status[2] = 9;
    show("move_pages to 0", syscall(SYS_move_pages, 0, 3UL, pages, nodes, status, 2));
    printf("status %d %d %d\n", status[0], status[1], status[2]);
    nodes[0] = 1;
    show("move_pages to 1", syscall(SYS_move_pages, 0, 1UL, pages, nodes, status, 2));
    show("move_pages bad flags", syscall(SYS_move_pages, 0, 1UL, pages, NULL, status, 1));
    show("move_pages no such pid", syscall(SYS_move_pages, 999999, 1UL, pages, NULL, status, 0));
    munmap(p, 2 * PG);
}

int main(void)
{
    test_process_policy();
    test_mbind();
    test_migrate();
    return 0;
}
