/*
 * config.c - map a parsed config.json onto struct solo_config (see config.h).
 * Each known key has a small handler that checks the JSON type and copies the
 * value; type errors name the key and its position in the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "json.h"

struct cfg_ctx {
    const char *name;
    char *err;
    size_t errlen;
};

/* Format "NAME:LINE:COL: Key must be ..." for a value of the wrong type. */
static int type_error(struct cfg_ctx *cx, const char *key, const struct json *v, const char *want)
{
    snprintf(cx->err, cx->errlen, "%s:%d:%d: \"%s\" must be %s, not %s", cx->name, v->line,
             v->col, key, want, json_type_name(v->type));
    return -1;
}

static int get_string(struct cfg_ctx *cx, const char *key, const struct json *v, char **out)
{
    if (v->type != JSON_STRING || strlen(v->str) != v->len)
        return type_error(cx, key, v, "a string");
    free(*out);
    *out = xstrdup(v->str);
    return 0;
}

static int get_string_array(struct cfg_ctx *cx, const char *key, const struct json *v,
                            struct strvec *out)
{
    if (v->type != JSON_ARRAY)
        return type_error(cx, key, v, "an array of strings");
    for (size_t i = 0; i < v->n; i++) {
        const struct json *e = v->items[i];
        if (e->type != JSON_STRING || strlen(e->str) != e->len)
            return type_error(cx, key, e, "an array of strings");
        strvec_push(out, e->str);
    }
    return 0;
}

static int get_env(struct cfg_ctx *cx, const char *key, const struct json *v, struct solo_config *c)
{
    if (v->type != JSON_OBJECT)
        return type_error(cx, key, v, "an object of strings");
    for (size_t i = 0; i < v->n; i++) {
        const struct json *e = v->items[i];
        if (e->type != JSON_STRING || strlen(e->str) != e->len)
            return type_error(cx, key, e, "an object of strings");
        if (v->keys[i][0] == '\0' || strchr(v->keys[i], '=') != NULL) {
            snprintf(cx->err, cx->errlen, "%s:%d:%d: bad environment variable name \"%s\"",
                     cx->name, e->line, e->col, v->keys[i]);
            return -1;
        }
        char *kv = xasprintf("%s=%s", v->keys[i], e->str);
        strvec_push(&c->env, kv);
        free(kv);
    }
    return 0;
}

static int get_mapdirs(struct cfg_ctx *cx, const char *key, const struct json *v,
                       struct solo_config *c)
{
    if (v->type != JSON_OBJECT)
        return type_error(cx, key, v, "an object mapping host globs to guest directories");
    for (size_t i = 0; i < v->n; i++) {
        const struct json *e = v->items[i];
        if (e->type != JSON_STRING || strlen(e->str) != e->len)
            return type_error(cx, key, e, "an object mapping host globs to guest directories");
        strvec_push(&c->map_src, v->keys[i]);
        strvec_push(&c->map_dst, e->str);
    }
    return 0;
}

/* RunConfig: Memory and CPUs; its other ops keys are ignored with a warning. */
static int get_runconfig(struct cfg_ctx *cx, const char *key, const struct json *v,
                         struct solo_config *c)
{
    if (v->type != JSON_OBJECT)
        return type_error(cx, key, v, "an object");
    for (size_t i = 0; i < v->n; i++) {
        const char *k = v->keys[i];
        const struct json *e = v->items[i];
        if (strcmp(k, "Memory") == 0) {
            if (e->type != JSON_STRING || parse_size(e->str, &c->mem) < 0 || c->mem < (32u << 20)) {
                snprintf(cx->err, cx->errlen, "%s:%d:%d: \"RunConfig.Memory\" must be a size of at "
                         "least 32M such as \"512M\" or \"2G\"", cx->name, e->line, e->col);
                return -1;
            }
        } else if (strcmp(k, "IPAddress") == 0 || strcmp(k, "NetMask") == 0 ||
                   strcmp(k, "Gateway") == 0) {
            char **dst = k[0] == 'I' ? &c->ipaddr : k[0] == 'N' ? &c->netmask : &c->gateway;
            char *full = xasprintf("RunConfig.%s", k);
            int r = get_string(cx, full, e, dst);
            free(full);
            if (r < 0)
                return -1;
        } else if (strcmp(k, "CPUs") == 0) {
            if (e->type != JSON_NUMBER || e->num < 1 || e->num > 255 || e->num != (double)(unsigned)e->num) {
                snprintf(cx->err, cx->errlen, "%s:%d:%d: \"RunConfig.CPUs\" must be a whole number "
                         "from 1 to 255", cx->name, e->line, e->col);
                return -1;
            }
            c->cpus = (unsigned)e->num;
        } else {
            warnmsg("%s:%d:%d: \"RunConfig.%s\" is not supported; ignored", cx->name, e->line, e->col, k);
        }
    }
    return 0;
}

/* ops keys solo accepts but does not act on yet. */
static bool ops_known_key(const char *k)
{
    static const char *const keys[] = {
        "Boot", "BuildDir", "CloudConfig", "Debugflags", "Kernel", "Klibs", "ManifestPassthrough",
        "Mounts", "NanosVersion", "NoTrace", "Program", "ProgramPath", "RebootOnExit",
        "RunConfig", "TargetConfig", "TargetRoot", "Uefi", "VolumesDir", "LocalFilesParentDirectory",
        "BaseVolumeSz", "Env", "Args", "Files", "Dirs", "MapDirs", "Cwd", "Version", "Features",
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i], k) == 0)
            return true;
    return false;
}

/* Apply one top-level member. */
static int apply_key(struct cfg_ctx *cx, const char *k, const struct json *v, struct solo_config *c)
{
    if (strcmp(k, "Program") == 0)
        return get_string(cx, k, v, &c->program);
    if (strcmp(k, "Cwd") == 0)
        return get_string(cx, k, v, &c->cwd);
    if (strcmp(k, "Args") == 0)
        return get_string_array(cx, k, v, &c->args);
    if (strcmp(k, "Files") == 0)
        return get_string_array(cx, k, v, &c->files);
    if (strcmp(k, "Dirs") == 0)
        return get_string_array(cx, k, v, &c->dirs);
    if (strcmp(k, "Env") == 0)
        return get_env(cx, k, v, c);
    if (strcmp(k, "MapDirs") == 0)
        return get_mapdirs(cx, k, v, c);
    if (strcmp(k, "RunConfig") == 0)
        return get_runconfig(cx, k, v, c);
    if (strcmp(k, "NameServers") == 0)
        return get_string_array(cx, k, v, &c->nameservers);
    if (ops_known_key(k))
        warnmsg("%s:%d:%d: \"%s\" is not supported yet; ignored", cx->name, v->line, v->col, k);
    else
        warnmsg("%s:%d:%d: unknown key \"%s\" ignored", cx->name, v->line, v->col, k);
    return 0;
}

int config_parse(const char *text, size_t len, const char *name, struct solo_config *c,
                 char *err, size_t errlen)
{
    char jerr[200];
    struct cfg_ctx cx = { name, err, errlen };
    struct json *j = json_parse(text, len, jerr, sizeof(jerr));
    int r = 0;
    if (j == NULL) {
        char *why = strstr(jerr, ": ");
        if (why != NULL)
            *why = '\0';
        snprintf(err, errlen, "%s:%s: invalid JSON: %s", name, jerr, why != NULL ? why + 2 : "");
        return -1;
    }
    if (j->type != JSON_OBJECT) {
        snprintf(err, errlen, "%s:%d:%d: the top level must be an object, not %s", name,
                 j->line, j->col, json_type_name(j->type));
        json_free(j);
        return -1;
    }
    for (size_t i = 0; i < j->n && r == 0; i++)
        r = apply_key(&cx, j->keys[i], j->items[i], c);
    json_free(j);
    return r;
}

int config_load(const char *path, struct solo_config *c, char *err, size_t errlen)
{
    char *text;
    size_t len;
    int r = read_file(path, &text, &len);
    if (r < 0) {
        snprintf(err, errlen, "cannot read config %s: %s", path, strerror(-r));
        return -1;
    }
    r = config_parse(text, len, path, c, err, errlen);
    free(text);
    return r;
}

void config_free(struct solo_config *c)
{
    free(c->program);
    free(c->cwd);
    strvec_free(&c->args);
    strvec_free(&c->env);
    strvec_free(&c->files);
    strvec_free(&c->dirs);
    strvec_free(&c->map_src);
    strvec_free(&c->map_dst);
    strvec_free(&c->nameservers);
    free(c->ipaddr);
    free(c->netmask);
    free(c->gateway);
    memset(c, 0, sizeof(*c));
}
