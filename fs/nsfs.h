/*
 * nsfs.h - namespaces as objects (fs/nsfs.c): the /proc/<pid>/ns/ links,
 * the nsfs files opening one gives, and the namespaces the process is in.
 *
 * solo runs one process, so "the caller's namespaces" are the process's:
 * one current namespace per kind.  Only UTS namespaces have more than one
 * instance (unshare(CLONE_NEWUTS) makes one, setns switches between them);
 * every other kind has its one initial namespace.  A namespace lives while
 * it is current or an nsfs file holds it (reference counted).
 */
#ifndef SOLO_NSFS_H
#define SOLO_NSFS_H

#include "runtime/kernel.h"

/* The CLONE_NEW* flag of each kind (Linux's ns type values). */
#define NS_CLONE_NEWTIME 0x80U
#define NS_CLONE_NEWNS 0x20000U
#define NS_CLONE_NEWCGROUP 0x2000000U
#define NS_CLONE_NEWUTS 0x4000000U
#define NS_CLONE_NEWIPC 0x8000000U
#define NS_CLONE_NEWUSER 0x10000000U
#define NS_CLONE_NEWPID 0x20000000U
#define NS_CLONE_NEWNET 0x40000000U
#define NS_CLONE_ALL (NS_CLONE_NEWTIME | NS_CLONE_NEWNS | NS_CLONE_NEWCGROUP | NS_CLONE_NEWUTS | \
                      NS_CLONE_NEWIPC | NS_CLONE_NEWUSER | NS_CLONE_NEWPID | NS_CLONE_NEWNET)

#define NS_UTS_LEN 65

/* The names a UTS namespace holds (uname, sethostname, setdomainname). */
struct uts_names {
    char host[NS_UTS_LEN];             /* valid once host_set */
    bool host_set;                     /* else the manifest's "hostname" or "solo" */
    char domain[NS_UTS_LEN];
};

struct ns;
struct file;
struct node;
struct vnode;

/* The caller's UTS names (those of its current UTS namespace). */
struct uts_names *ns_uts_names(void);
/* unshare(CLONE_NEWUTS): a new UTS namespace, a copy of the current one's
 * names, becomes current.  0 or -ENOMEM. */
int ns_unshare_uts(void);
/* The namespace an nsfs file f refers to, or NULL if f is not one. */
struct ns *ns_of_file(struct file *f);
u32 ns_type(const struct ns *ns);      /* its CLONE_NEW* flag */
/* The current namespace of kind type (one CLONE_NEW* flag). */
struct ns *ns_current(u32 type);
/* Make ns the current namespace of its kind (a UTS namespace; the other
 * kinds have one instance, which is always current). */
void ns_switch(struct ns *ns);
/* /proc/<pid>/ns/: add the directory and its links under dir (fs/procfs.c). */
void nsfs_proc_init(struct vnode *pid_dir);
/* Is n a namespace's node (files opened on it keep no path)? */
bool nsfs_node_is(const struct node *n);
/* Is lnk a /proc/<pid>/ns/ link?  Then *out = the namespace node it jumps
 * to (fs/vfs.c follows it like /proc/self/fd/N). */
bool nsfs_link_follow(const struct node *lnk, struct node *out);

#endif
