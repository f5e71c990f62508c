/*
 * dlopen.c - a dynamic program that loads a plugin at run time: argv[1] is
 * the plugin's path (placed in the image with config.json Files), argv[2] a
 * library that does not exist.  It calls the plugin's function, looks up a
 * symbol that is not there and reports dlopen's failure for the missing
 * library; the output must equal the native run's.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: dlopen PLUGIN MISSING\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        printf("dlopen %s failed: %s\n", argv[1], dlerror());
        return 1;
    }
    const char *(*name)(void) = (const char *(*)(void))dlsym(h, "plugin_name");
    long (*work)(long) = (long (*)(long))dlsym(h, "plugin_work");
    if (name == NULL || work == NULL) {
        printf("dlsym failed: %s\n", dlerror());
        return 1;
    }
    printf("plugin %s: work(10) = %ld\n", name(), work(10));
    printf("missing symbol: %s\n", dlsym(h, "no_such_symbol") == NULL ? "NULL" : "found?");
    printf("dlclose: %d\n", dlclose(h));
    void *m = dlopen(argv[2], RTLD_NOW);
    const char *e = m == NULL ? dlerror() : NULL;
    printf("missing library: %s\n", e != NULL && strstr(e, "cannot open shared object file") != NULL ?
           "cannot open shared object file" : "unexpected");
    return 0;
}
