/*
 * config.h - the ops-compatible config.json subset understood by solo.
 *
 *   Program  string            program to run (when none is given on the command line)
 *   Args     array of strings  arguments after argv[0] (before command-line ones)
 *   Env      object            NAME -> string value
 *   Files    array of strings  host files copied into the image at the same path
 *                              (relative paths land under /)
 *   Dirs     array of strings  host directories copied recursively, same rule
 *   MapDirs  object            host glob -> guest directory; every match is copied
 *                              into that directory (directories recursively)
 *   Cwd      string            the program's initial working directory
 *   RunConfig object           "Memory" (string, e.g. "2G") and "CPUs" (number):
 *                              defaults for solo run's --mem and --cpus
 *
 * Other keys ops knows (RunConfig, Klibs, ...) and unknown keys are ignored with a
 * warning; a known key of the wrong type is an error.  Relative host paths are
 * relative to solo's working directory, as with ops.
 */
#ifndef SOLO_TOOLS_CONFIG_H
#define SOLO_TOOLS_CONFIG_H

#include "util.h"

struct solo_config {
    char *program;
    struct strvec args;
    struct strvec env;             /* "NAME=VALUE" */
    struct strvec files;
    struct strvec dirs;
    struct strvec map_src;         /* MapDirs: glob patterns ... */
    struct strvec map_dst;         /* ... and their guest directories */
    char *cwd;
    uint64_t mem;                  /* RunConfig.Memory in bytes, 0 if unset */
    unsigned cpus;                 /* RunConfig.CPUs, 0 if unset */
    /* network (added by net): NameServers, RunConfig.IPAddress/NetMask/Gateway */
    struct strvec nameservers;
    char *ipaddr, *netmask, *gateway;
};

/* Parse config text; name labels messages ("config.json:3:7: ...").  0, or -1
 * with the reason in err.  Warnings for ignored keys go to stderr. */
int config_parse(const char *text, size_t len, const char *name, struct solo_config *c,
                 char *err, size_t errlen);
/* Read and parse a file. 0 or -1 with the reason in err. */
int config_load(const char *path, struct solo_config *c, char *err, size_t errlen);
void config_free(struct solo_config *c);

#endif
