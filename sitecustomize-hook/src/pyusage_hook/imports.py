"""The map from module names to the installed distributions that own them, built when the user's
cache has none for this path (see hook.imported_distributions, which reads it at exit). A module is
named by a distribution's RECORD as installers write it, else by its top_level.txt (egg-info); a
namespace package (a top-level directory without __init__, such as google) by the packages under it,
each owned by its distribution. Built within BUILD_SECONDS. Loaded by path from hook.py, which it is
given as `hook`; its rules hold here: stdlib only, Python 3.7, never raises into the program.
"""

import os
import sys

# Reading every RECORD of a large environment takes tens of milliseconds; past this the exit reports
# nothing, caches nothing, and the next exit tries again.
BUILD_SECONDS = 0.5

# `hook` (the hot path's module) is set by hook._load() before this file runs.


def build(dirs, cache_path, key, cached):
    """(holding directories, {module: '["name","version"]'}) for these path entries, kept in the cache
    file under key when every holding directory has settled; None past BUILD_SECONDS."""
    import time
    started = time.time_ns()
    built = build_owners(dirs, time.monotonic() + BUILD_SECONDS)
    if built is None:
        return None
    holders, by_module, mtimes = built
    if all(mtime < started - hook.SETTLED_NS for mtime in mtimes):
        line = "\x1f".join("%d %s" % (mtime, directory[:-1]) for mtime, directory in zip(mtimes, holders)) + "\x1d" + "\t".join(
            module + "\t" + owner for module, owner in sorted(by_module.items()))
        hook._slow().write_state(cache_path, hook.MODULES_CACHE_HEADER, key, line, cached)
    return holders, by_module


def build_owners(dirs, deadline):
    """(the directories holding distributions, each ending with a separator; {module: its owner's
    [name, version] as JSON text}; the holders' modification times) from every distribution's
    metadata in dirs, the first of a name winning as in the package list; None past the deadline.
    A directory changed while it is read has a time too recent for the map to be cached (see build)."""
    import time
    holders = []
    mtimes = []
    by_module = {}
    stated = {}
    for entry, item, key, version in hook._slow().distributions(dirs):
        if time.monotonic() > deadline:
            return None
        directory = os.path.abspath(entry or ".")
        if any(c in directory for c in "\t\n\x1d\x1e\x1f"):
            continue
        if directory not in stated:
            try:
                stated[directory] = os.stat(directory).st_mtime_ns
            except (OSError, ValueError):
                continue
        if directory + os.sep not in holders:
            holders.append(directory + os.sep)
            mtimes.append(stated[directory])
        # As the import record will carry it: JSON text, escaped, so no separator of the cache is left in it.
        owner = "[" + hook.json_string(key) + "," + hook.json_string(version) + "]"
        for module in module_names(os.path.join(directory, item)):
            by_module.setdefault(module, owner)
    return tuple(holders), by_module, mtimes


def module_names(metadata_dir):
    """The importable names a distribution's files give (see module_names_of_files), from its RECORD,
    else the names listed in its top_level.txt."""
    try:
        text = hook._read(os.path.join(metadata_dir, "RECORD")).decode("utf-8", "surrogateescape")
        return module_names_of_files(_record_path(line) for line in text.splitlines() if line)
    except (OSError, ValueError):
        pass
    try:
        text = hook._read(os.path.join(metadata_dir, "top_level.txt")).decode("utf-8", "surrogateescape")
        return {line.strip() for line in text.splitlines() if line.strip().isidentifier()}
    except (OSError, ValueError):
        return set()


def _record_path(line):
    """The file of a RECORD line (CSV: a path holding a comma is quoted)."""
    if line.startswith('"'):
        return line[1:line.index('"', 1)]
    return line.split(",", 1)[0]


def module_names_of_files(paths):
    """Top-level modules (six.py, an extension module) and packages (numpy/__init__.py) among these
    files relative to the site directory; for a top-level directory without __init__ (a namespace
    package), the modules and packages under it (google.protobuf). Metadata, scripts outside the site
    directory, bytecode caches and editable installs' finder modules name nothing."""
    singles = set()
    regular = set()
    under = {}
    for path in paths:
        parts = path.replace("\\", "/").split("/")
        first = parts[0]
        if first.startswith("__editable__") or first.endswith((".dist-info", ".data", ".egg-info")):
            continue
        if len(parts) == 1:
            name = _module_of_file(first)
            if name:
                singles.add(name)
            continue
        if not first.isidentifier():
            continue
        if len(parts) == 2 and parts[1].startswith("__init__."):
            regular.add(first)
            continue
        second = _module_of_file(parts[1]) if len(parts) == 2 else parts[1]
        if second and second.isidentifier() and second != "__pycache__":
            under.setdefault(first, set()).add(second)
    names = singles | regular
    for first, seconds in under.items():
        if first not in regular:
            names.update(first + "." + second for second in seconds)
    return names


def _module_of_file(file_name):
    """six.py -> six; _speedups.cpython-311-x86_64-linux-gnu.so -> _speedups; anything else -> None."""
    if file_name.endswith(".py"):
        name = file_name[:-3]
    elif file_name.endswith((".so", ".pyd")):
        name = file_name.split(".", 1)[0]
    else:
        return None
    return name if name.isidentifier() and not name.startswith("__editable__") else None
