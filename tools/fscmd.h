/*
 * fscmd.h - `solo fs ...`: look inside an image without booting it.
 *   solo fs ls IMAGE [PATH]      list a directory (or describe one object)
 *   solo fs cat IMAGE PATH       write a file's bytes to stdout
 *   solo fs get IMAGE PATH DEST  copy a file out of the image
 *   solo fs manifest IMAGE       print the manifest tuple
 *   solo fs check IMAGE          verify the log, walk the tree, read every file
 */
#ifndef SOLO_TOOLS_FSCMD_H
#define SOLO_TOOLS_FSCMD_H

#include <stdio.h>
#include "runtime/lib/tuple.h"

/* argv[0] is the subcommand ("ls", ...).  Returns solo's exit status. */
int fs_main(int argc, char **argv);
/* Print a tuple as indented "key: value" lines (bytes quoted and escaped). */
void tuple_print(FILE *f, const struct tuple *t, int indent);

#endif
