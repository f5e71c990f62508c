# pyhelper.py - imported by tmpfiles.py from beside it (sys.path[0]).
def line(i):
    return "line %d: %s\n" % (i, "x" * i)
