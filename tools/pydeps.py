R"PYDEPS(#"
# pydeps.py - what a Python program needs in a solo image.  solo runs this
# with the very interpreter it puts into the image (python3 -E -s -c THIS
# GUEST_CWD PYTHONPATH ARGS...; ARGS are the interpreter's own arguments,
# such as "script.py a b", "-c CODE" or "-m module") and reads the answer
# from stdout: NUL-separated records
#     F host guest      a file (symlinks followed)
#     T host guest      a whole directory tree
#     D guest           an (empty) directory
#     W message         a warning for the user
#     E message         analysis failed: solo falls back to the whole stdlib
#
# What goes in: the modules the interpreter itself loads at start-up (this
# helper looks at sys.modules before importing anything), the sources of
# the frozen ones (os.py is the landmark by which the interpreter finds its
# stdlib), lib-dynload as a directory, and every module the program imports,
# transitively, found by scanning bytecode for import instructions (also the
# imports inside functions; for the start-up modules only their module-level
# imports, so site's help() does not bring pydoc).  A module that lives in a
# package brings its whole top-level package directory (packages import their
# own submodules lazily and read data files); a third-party package found
# that way is scanned in full, so what numpy, scipy or scikit-learn import
# comes too, while stdlib packages are scanned module by module.  Modules
# and packages under site directories bring their *.dist-info/*.egg-info
# (importlib.metadata) and the site directory's *.pth files (the interpreter
# runs them at start-up, on the host as in the guest).  Modules beside the
# script (or in the working directory for -c and -m) land at the matching
# guest path.  Imports of modules that do not exist are ignored, as the
# program must then be handling ImportError.
#
# The file is at once Python and, through the raw-string marks on its first
# and last lines, a C string literal that tools/python.c includes.
import sys

STARTUP = [m for m in list(sys.modules.values())]

import dis
import importlib.machinery
import importlib.util
import marshal
import os

# Module names that are looked up by string at run time, and what they need.
DYNAMIC = {
    "encodings": ["encodings", "stringprep"],     # encodings.idna (socket host names)
    "codecs": ["encodings"],
    "pickle": ["_compat_pickle"],
    "runpy": ["importlib.machinery", "importlib.util", "pkgutil"],
}
# Stdlib packages whose modules are imported by computed names (codecs are
# looked up as "encodings." + name): all their modules are scanned.
SCAN_WHOLE = {"encodings"}
# Developer tools of the stdlib: many stdlib modules import them in their
# self-tests and debugging helpers; they come only when the program (or a
# third-party package) imports them itself.
DEV_TOOLS = {"doctest", "unittest", "pdb", "pydoc", "pydoc_data", "test", "idlelib", "tkinter",
             "turtle", "turtledemo", "lib2to3", "distutils", "ensurepip", "venv", "xmlrpc"}
# Parts of third-party packages that are included but not scanned: test
# suites and build helpers import test runners and build tools.
SKIP_SCAN_DIRS = ("tests", "test", "testing", "distutils", "_build_utils")
SKIP_SCAN_FILES = ("setup.py", "conftest.py")
IMPORT_NAME = dis.opmap["IMPORT_NAME"]
LOAD_CONST = dis.opmap["LOAD_CONST"]
EXTENDED_ARG = dis.opmap["EXTENDED_ARG"]


class Scan:
    def __init__(self, path, local):
        self.path = path                    # module search path (host)
        self.local = local                  # [(host dir, guest dir)] for non-site dirs
        self.out = []
        self.seen_mod = set()
        self.seen_file = set()
        self.seen_tree = set()
        self.seen_meta = set()
        self.queue = []                     # (code file, nested too) still to scan
        self.shallow = False                # queue module-level imports only
        self.scanned = {}                   # path -> nested code scanned too
        self.stdlib = [os.path.realpath(p) for p in
                       {sysconfig_path("stdlib"), sysconfig_path("platstdlib")} if p]
        self.sites = [os.path.realpath(p) for p in site_dirs()]

    def emit(self, *rec):
        self.out.append(rec)

    def guest_of(self, host):
        """Guest path of a host file: beside the script (or in the working
        directory) it keeps its place relative to that directory, else its path."""
        ahost = os.path.abspath(host)
        for h, g in self.local:
            ah = os.path.abspath(h or ".")
            if ahost == ah or ahost.startswith(ah.rstrip("/") + "/"):
                return os.path.normpath(os.path.join(g, os.path.relpath(ahost, ah)))
        return ahost

    def add_file(self, host):
        if host in self.seen_file or not os.path.isfile(host):
            return
        self.seen_file.add(host)
        self.emit("F", host, self.guest_of(host))
        if host.endswith(".py"):
            pyc = importlib.util.cache_from_source(host)
            if os.path.isfile(pyc):
                self.seen_file.add(pyc)
                self.emit("F", pyc, self.guest_of(pyc))

    def add_tree(self, host, scan):
        """Add directory host whole; scan: queue all its modules for scanning."""
        if host in self.seen_tree:
            return
        self.seen_tree.add(host)
        self.emit("T", host, self.guest_of(host))
        for d, subdirs, files in os.walk(host):
            subdirs[:] = [s for s in subdirs if s not in SKIP_SCAN_DIRS and s != "__pycache__"]
            for f in files:
                p = os.path.join(d, f)
                self.seen_file.add(p)
                if scan and f.endswith(".py") and f not in SKIP_SCAN_FILES:
                    self.want_scan(p)

    def want_scan(self, path):
        """Queue path for scanning (its nested code too unless in shallow mode)."""
        nested = not self.shallow
        done = self.scanned.get(path)
        if done is None or (nested and not done):
            self.scanned[path] = nested
            self.queue.append((path, nested))

    def is_site(self, real):
        return any(real == s or real.startswith(s + "/") for s in self.sites)

    def is_stdlib(self, real):
        if self.is_site(real):
            return False
        return any(real.startswith(s + "/") for s in self.stdlib)

    def site_of(self, host):
        real = os.path.realpath(host)
        for s in self.sites:
            if real.startswith(s + "/"):
                return s
        return None

    def add_module_file(self, name, origin, is_pkg_dir):
        """origin: the module's file; its top-level package directory (if it
        is in one) goes in whole."""
        top = name.split(".")[0]
        depth = name.count(".") + (1 if is_pkg_dir else 0)
        if depth == 0:
            self.add_file(origin)
        else:
            d = os.path.dirname(origin)
            for _ in range(depth - 1):
                d = os.path.dirname(d)
            if os.path.basename(d) == top:
                self.add_tree(d, self.is_site(os.path.realpath(d)) or top in SCAN_WHOLE)
            else:
                self.add_file(origin)
        if origin.endswith(".py"):
            self.want_scan(origin)
        site = self.site_of(origin)
        if site is not None:
            self.add_site_extras(site, top)

    def add_site_extras(self, site, top):
        """*.pth of the site directory and the distribution metadata owning top."""
        if site not in self.seen_meta:
            self.seen_meta.add(site)
            for f in sorted(os.listdir(site)):
                if f.endswith(".pth"):
                    self.add_file(os.path.join(site, f))
        key = (site, top)
        if key in self.seen_meta:
            return
        self.seen_meta.add(key)
        for f in sorted(os.listdir(site)):
            if not (f.endswith(".dist-info") or f.endswith(".egg-info")):
                continue
            meta = os.path.join(site, f)
            if dist_owns(meta, f, top):
                if os.path.isdir(meta):
                    self.add_tree(meta, False)
                else:
                    self.add_file(meta)

    def find(self, name):
        """Spec of module name, or None."""
        if name in sys.builtin_module_names:
            return None
        parent, _, _ = name.rpartition(".")
        try:
            if parent == "":
                if importlib.machinery.FrozenImporter.find_spec(name) is not None:
                    return "frozen"
                return importlib.machinery.PathFinder.find_spec(name, self.path)
            pspec = self.find_cached(parent)
            if pspec is None or pspec == "frozen" or pspec.submodule_search_locations is None:
                return None
            return importlib.machinery.PathFinder.find_spec(name, pspec.submodule_search_locations)
        except Exception:               # finders raise more than ImportError
            return None

    def find_cached(self, name):
        if not hasattr(self, "_specs"):
            self._specs = {}
        if name not in self._specs:
            self._specs[name] = self.find(name)
        return self._specs[name]

    def add_module(self, name):
        """Add module name (and its parents); False when it does not exist."""
        if name in self.seen_mod:
            return True
        self.seen_mod.add(name)
        parts = name.split(".")
        for i in range(1, len(parts)):
            self.add_module(".".join(parts[:i]))
        spec = self.find_cached(name)
        if spec is None:
            return False
        for extra in DYNAMIC.get(name, []):
            self.add_module(extra)
        if spec == "frozen":
            self.add_frozen_source(name)
            return True
        origin = spec.origin
        if spec.submodule_search_locations is not None and (origin is None or origin == "namespace"):
            for d in spec.submodule_search_locations:
                self.add_tree(d, True)
            return True
        if origin is None or not os.path.isfile(origin):
            return True
        self.add_module_file(name, origin, spec.submodule_search_locations is not None)
        if name == "sysconfig" or name.startswith("_sysconfigdata"):
            self.add_sysconfigdata()
        return True

    def add_frozen_source(self, name):
        for d in self.stdlib:
            for cand in (os.path.join(d, *name.split(".")) + ".py",
                         os.path.join(d, *name.split("."), "__init__.py")):
                if os.path.isfile(cand):
                    self.add_file(cand)
                    self.want_scan(cand)
                    return

    def add_sysconfigdata(self):
        try:
            import sysconfig
            n = sysconfig._get_sysconfigdata_name()
        except Exception:
            return
        if n not in self.seen_mod:
            self.add_module(n)

    def scan_file(self, path, nested):
        code = load_code(path)
        if code is None:
            return
        pkg = module_package(path, self.path)
        stdlib = self.is_stdlib(os.path.realpath(path))
        for name, level, fromlist in imports_of(code, nested):
            if stdlib and level == 0 and name.split(".")[0] in DEV_TOOLS:
                continue
            self.add_import(name, level, fromlist, pkg)

    def add_import(self, name, level, fromlist, pkg):
        if level > 0:
            if pkg is None:
                return
            base = pkg.split(".")
            if level - 1 > len(base) - 1:
                return
            base = base[:len(base) - (level - 1)]
            name = ".".join(base + ([name] if name else []))
        if not name or not self.add_module(name):
            return
        for f in fromlist or ():
            if f != "*":
                sub = name + "." + f
                if self.find_cached(sub) is not None:
                    self.add_module(sub)

    def drain(self):
        while self.queue:
            self.scan_file(*self.queue.pop())


def sysconfig_path(kind):
    try:
        import sysconfig
        return sysconfig.get_paths()[kind]
    except Exception:
        return None


def site_dirs():
    dirs = []
    try:
        import site
        dirs += site.getsitepackages()
    except Exception:
        pass
    return [d for d in dirs if os.path.isdir(d)] + [p for p in sys.path if p.endswith("-packages")]


def dist_owns(meta, fname, top):
    """Does the metadata at meta (a *.dist-info or *.egg-info) own top-level name top?"""
    dist = fname.rsplit(".", 1)[0].split("-")[0]
    if dist.lower().replace("-", "_") == top.lower():
        return True
    if not os.path.isdir(meta):
        return False
    try:
        with open(os.path.join(meta, "top_level.txt")) as f:
            if top in f.read().split():
                return True
    except OSError:
        pass
    try:
        with open(os.path.join(meta, "RECORD")) as f:
            for line in f:
                if line.startswith(top + "/") or line.startswith(top + "."):
                    return True
    except OSError:
        pass
    return False


def load_code(path):
    """Code object of a .py file: from its fresh __pycache__ entry, else compiled."""
    try:
        pyc = importlib.util.cache_from_source(path)
        st = os.stat(path)
        with open(pyc, "rb") as f:
            data = f.read()
        if (data[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(data[4:8], "little") == 0 and
                int.from_bytes(data[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF):
            return marshal.loads(data[16:])
    except (OSError, ValueError, EOFError, TypeError):
        pass
    try:
        with open(path, "rb") as f:
            return compile(f.read(), path, "exec", dont_inherit=True)
    except (OSError, SyntaxError, ValueError):
        return None


def imports_of(code, nested=True):
    """(name, level, fromlist) of every import instruction in code, and in the
    functions and classes it defines when nested.  Wordcode (3.6+) is searched
    for the IMPORT_NAME opcode; level and fromlist are the constants of the two
    LOAD_CONSTs before it (the compiler always emits them there)."""
    b = code.co_code
    i = b.find(IMPORT_NAME)
    while i >= 0:
        if i % 2 == 0:
            level, fromlist = 0, None
            if (i >= 4 and b[i - 4] == LOAD_CONST and b[i - 2] == LOAD_CONST and
                    (i < 6 or b[i - 6] != EXTENDED_ARG)):
                lv, fl = code.co_consts[b[i - 3]], code.co_consts[b[i - 1]]
                level = lv if isinstance(lv, int) else 0
                fromlist = fl if isinstance(fl, tuple) else None
            arg = b[i + 1]
            k = i - 2
            shift = 8
            while k >= 0 and b[k] == EXTENDED_ARG:
                arg |= b[k + 1] << shift
                shift += 8
                k -= 2
            if arg < len(code.co_names):
                yield code.co_names[arg], level, fromlist
        i = b.find(IMPORT_NAME, i + 1)
    for c in code.co_consts if nested else ():
        if hasattr(c, "co_code"):
            yield from imports_of(c)


def module_package(path, search):
    """Dotted package a .py file belongs to, from the search path entry it lies under."""
    real = os.path.realpath(path)
    best = None
    for p in search:
        rp = os.path.realpath(p or ".")
        if real.startswith(rp + "/") and (best is None or len(rp) > len(best)):
            best = rp
    if best is None:
        return None
    rel = os.path.relpath(real, best)[:-3].split("/")
    if rel[-1] == "__init__":
        return ".".join(rel[:-1])
    return ".".join(rel[:-1]) or None


def parse_args(args):
    """Mode of the interpreter's command line: ("script", path), ("c", code), ("m", mod) or (None, None)."""
    with_value = {"-W", "-X", "--check-hash-based-pycs"}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-" or not a.startswith("-"):
            return ("script", a) if a != "-" else (None, None)
        if a == "--":
            return ("script", args[i + 1]) if i + 1 < len(args) else (None, None)
        if a in with_value:
            i += 2
            continue
        if a.startswith("--"):
            i += 1
            continue
        for j, ch in enumerate(a[1:], 1):
            if ch in "cm":
                rest = a[j + 1:]
                if rest:
                    return (ch, rest)
                return (ch, args[i + 1]) if i + 1 < len(args) else (None, None)
            if ch in "WX":
                i += 0 if a[j + 1:] else 1
                break
        i += 1
    return (None, None)


def main():
    guest_cwd, pythonpath = sys.argv[1], sys.argv[2]
    mode, what = parse_args(sys.argv[3:])
    rest = [p for p in sys.path[1:] if p]
    extra = [p for p in pythonpath.split(":") if p]
    local = []
    if mode == "script":
        d = os.path.dirname(what)
        g = os.path.normpath(os.path.join(guest_cwd, d)) if not os.path.isabs(d) else d
        local.append((d or ".", g))
        path = [d or "."] + extra + rest
    else:
        local.append(("", guest_cwd))
        path = [""] + extra + rest
    s = Scan(path, local)
    # Start-up modules: what they import lazily (site's help(), os.popen's
    # subprocess, ...) is left out unless the program imports it itself.
    s.shallow = True
    for m in STARTUP:
        name = getattr(m, "__name__", None)
        if name and name != "__main__":
            s.add_module(name)
    s.drain()
    s.shallow = False
    for p in sys.path:
        if p.endswith("lib-dynload") and os.path.isdir(p):
            s.emit("D", p)
    if mode == "script":
        if not os.path.isfile(what):
            s.emit("W", "%s: no such script; adding the interpreter's start-up modules only" % what)
        else:
            s.add_file(what)
            s.want_scan(what)
    elif mode == "c":
        try:
            code = compile(what, "<string>", "exec", dont_inherit=True)
            for name, level, fromlist in imports_of(code):
                s.add_import(name, level, fromlist, None)
        except (SyntaxError, ValueError):
            pass
    elif mode == "m":
        s.add_module("runpy")
        if s.add_module(what):
            spec = s.find_cached(what)
            if spec not in (None, "frozen") and spec.submodule_search_locations is not None:
                s.add_module(what + ".__main__")
    else:
        s.emit("E", "no script to analyse (program read from stdin)")
    s.drain()
    w = sys.stdout.buffer
    for rec in s.out:
        for field in rec:
            w.write(os.fsencode(field) + b"\0")
    w.flush()


if __name__ == "__main__":
    main()
#)PYDEPS"
