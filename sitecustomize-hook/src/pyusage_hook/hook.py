"""pyusage start-up hook: reports one record per Python start to the pyusage collector.

This file is the hot path: what a usual start runs. It is loaded by file path at every start (see
pth_line in __main__.py), so it stays small, self-contained, stdlib-only, valid Python 3.7, and
cheap: it imports nothing that Python has not loaded already except _socket, encodes JSON by hand
(importing json pulls in re, enum and more: several milliseconds), reads the package list kept in the
user's cache (listed again only when a site directory changed), reads files with plain system calls
and sends one UDP datagram without waiting for an answer. What only some starts need (listing site
directories, looking up the account or the collector's address, HTTP, truncation) is in slowpath.py,
loaded only then. It never raises and never prints (except with PYUSAGE_DEBUG=1).
"""

import os
import sys

SCHEMA = 1
CONFIG_FILE = "pyusage.ini"
CI_VARIABLES = ("CI", "GITLAB_CI", "JENKINS_URL", "GITHUB_ACTIONS", "BUILDKITE", "TF_BUILD", "TEAMCITY_VERSION",
                "CIRCLECI", "TRAVIS", "BITBUCKET_BUILD_NUMBER")
# Larger datagrams risk IP fragmentation loss on real networks; bigger records go over HTTP or are truncated.
MAX_DATAGRAM = 60000
# How long a resolved collector address is reused before it is looked up again (off the hot path).
ADDRESS_TTL_SECONDS = 3600
# How long a user name looked up in the account database is reused (a renamed account shows within a day).
USER_TTL_SECONDS = 86400
# A site directory changed this recently may change again within its file system's time resolution
# without its modification time moving, so a listing that includes it is not cached.
SETTLED_NS = 2 * 10**9
PACKAGES_CACHE_HEADER = "pyusage packages 2\n"
SETTINGS = ("endpoint", "http_endpoint", "token", "ca_file", "base", "entry", "debug", "disable", "imports", "imports_after")
# A process still running this many seconds after its start reports its imports at its next import
# (see watch_imports), so that services are seen before they exit.
IMPORTS_AFTER_SECONDS = 600.0
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
# Cache files are read without following a link: another account that can write to a shared cache
# directory could otherwise point a user's cache at a file of its own.
_CACHE_READ_FLAGS = _READ_FLAGS | getattr(os, "O_NOFOLLOW", 0)


def config(directory=None):
    """Settings from pyusage.ini beside this file ([pyusage] section, key = value), then PYUSAGE_* variables."""
    values = {}
    try:
        text = _read(os.path.join(directory or os.path.dirname(os.path.abspath(__file__)), CONFIG_FILE)).decode("utf-8")
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            key = key.strip().lower()
            if sep and key in SETTINGS:
                values[key] = value.strip()
    except (OSError, UnicodeError, ValueError):
        pass
    for key in SETTINGS:
        env = os.environ.get("PYUSAGE_" + key.upper())
        if env is not None:
            values[key] = env
    return values


def _on(value):
    return value not in (None, "", "0", "false", "no", "off")


def disabled(settings):
    return _on(settings.get("disable")) or _on(os.environ.get("DO_NOT_TRACK"))


def _read(path):
    """The whole file, through plain system calls: a file object costs more than the reading itself."""
    fd = os.open(path, _READ_FLAGS)
    try:
        return _read_all(fd)
    finally:
        os.close(fd)


def _read_all(fd):
    """Everything left to read from fd."""
    data = b""
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return data
        data += chunk


def _standard_library_dirs():
    """The standard library and its extension modules: never site directories, so never scanned."""
    stdlib = os.path.dirname(os.__file__) if getattr(os, "__file__", None) else ""
    return (stdlib, os.path.join(stdlib, "lib-dynload")) if stdlib else ()


def site_dirs(paths=None):
    """The sys.path entries that are scanned for distributions: not the standard library, not zip files."""
    skip = _standard_library_dirs()
    return [entry for entry in (sys.path if paths is None else paths)
            if isinstance(entry, str) and entry not in skip and not entry.endswith(".zip")]


def path_state(dirs):
    """The state of the directories on the path, as a cache key: each one's modification time and
    absolute name; and whether a listing of that state may be cached (see SETTLED_NS)."""
    import time
    settled = time.time_ns() - SETTLED_NS
    state = []
    cacheable = True
    for entry in dirs:
        try:
            mtime = os.stat(entry or ".").st_mtime_ns
        except (OSError, ValueError):
            mtime = -1
        directory = entry if os.path.isabs(entry) else os.path.join(os.getcwd(), entry)
        cacheable = cacheable and mtime < settled and "\n" not in directory and "\x1e" not in directory
        state.append("%d %s" % (mtime, directory))
    return "\x1e" + "\t".join(state) + "\n", cacheable


def cached_state(kind, header, key):
    """The line kept under this path state in the user's cache file of this kind (see cached_packages),
    the file's whole text (kept states are written back with a new one), or None for the line."""
    path = _cache_file(kind, sys.prefix)
    cached = ""
    try:
        cached = _read_private(path).decode("utf-8", "surrogateescape") if path else ""
        start = cached.find(key) if cached.startswith(header) else -1
        if start >= 0:
            start += len(key)
            return cached[start:cached.index("\n", start)], cached, path
    except (OSError, ValueError):
        pass
    return None, cached, path


def cached_packages(paths=None):
    """The JSON text of [name, version] of every distribution on the path (see slowpath.installed_packages),
    kept in the user's cache between starts and listed again only when a directory on the path was
    modified since (installing or removing a distribution adds or removes an entry, which moves the
    directory's modification time). A hit costs a stat per directory and one small file read instead
    of a listing, a name check and the encoding of every distribution: most of the hook's time. The
    cache keeps the last few path states of the interpreter (a script's own directory is on the path too)."""
    dirs = site_dirs(paths)
    key, cacheable = path_state(dirs)
    listed, cached, path = cached_state("packages", PACKAGES_CACHE_HEADER, key)
    if listed is not None and listed.startswith("[") and listed.endswith("]"):
        return listed
    return _slow().list_packages(dirs, path, key if cacheable else None, cached)


def startup_ms():
    """Milliseconds from process start (kernel start time) to now; None where /proc is missing."""
    try:
        import time
        stat = _read("/proc/self/stat")
        start_ticks = int(stat[stat.rindex(b")") + 2:].split()[19])
        elapsed = time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
        return round(max(elapsed, 0.0) * 1000.0, 3)
    except (OSError, ValueError, AttributeError, IndexError):
        return None


def entry():
    """Script basename, '-m module', '-c' or 'interactive'. At this point sys.argv of -m is only ['-m']."""
    argv = getattr(sys, "argv", None) or [""]
    first = argv[0]
    if first == "-c":
        return "-c"
    if first == "-m":
        try:
            args = _read("/proc/self/cmdline").split(b"\0")
            return "-m " + args[args.index(b"-m") + 1].decode("utf-8", "replace")
        except (OSError, ValueError, IndexError):
            return "-m"
    if not first or first == "-":
        return "interactive"
    return os.path.basename(first)


def user():
    """The user's name: from the environment, else from the account database (slowpath.account_name),
    kept in the user's cache for a day, as services often have no USER and the lookup costs a tenth
    of a millisecond."""
    for key in ("USER", "LOGNAME", "USERNAME"):
        if os.environ.get(key):
            return os.environ[key]
    uid = str(os.getuid()) if hasattr(os, "getuid") else ""
    return _read_cached("user", uid, USER_TTL_SECONDS) or _slow().account_name(uid, _cache_file("user", uid))


def build_record(settings):
    """The start's record; its "packages" is already JSON text (see cached_packages)."""
    import time
    base = settings.get("base") or os.path.basename(os.path.normpath(sys.base_prefix)) or sys.base_prefix
    started_as = entry()
    record = {
        "schema": SCHEMA,
        "event_id": os.urandom(16).hex(),
        "ts": time.time(),
        "user": user(),
        "host": os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "unknown"),
        "pid": os.getpid(),
        "python": "%d.%d.%d" % sys.version_info[:3],
        "impl": sys.implementation.name,
        "executable": sys.executable or "",
        "base": base,
        "prefix": sys.prefix,
        "venv": sys.prefix != sys.base_prefix,
        "ci": any(os.environ.get(v) for v in CI_VARIABLES),
        "interactive": started_as == "interactive" and os.isatty(0),
        "packages": cached_packages(),
    }
    if settings.get("entry", "on") not in ("off", "0", "false", "no"):
        record["entry"] = started_as
    took = startup_ms()
    if took is not None:
        record["startup_ms"] = took
    return record


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def plain(value):
    """A string that JSON writes as it is, between quotes."""
    return value.isprintable() and '"' not in value and "\\" not in value


def json_string(value):
    if plain(value):
        return '"' + value + '"'
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch < " " or "\x7f" <= ch <= "\x9f" or "\ud800" <= ch <= "\udfff":
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _json_scalar(value):
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return repr(value)
    return "null"


def encode(record, limit=None):
    """Compact UTF-8 JSON; with a limit, packages are dropped (and 'truncated' set) until it fits."""
    head = "{" + ",".join(json_string(k) + ":" + _json_scalar(v) for k, v in record.items() if k != "packages")
    data = (head + ',"packages":' + record["packages"] + "}").encode("utf-8", "surrogatepass")
    if limit is not None and len(data) > limit:
        return _slow().truncated(head, limit, site_dirs())
    return data


def _split_host_port(netloc):
    host, _, port = netloc.rstrip("/").rpartition(":")
    return host.strip("[]"), int(port)


def _is_ip_literal(host):
    return host.replace(".", "").isdigit() or ":" in host


def _cache_file(kind, name):
    """The user's cache file of this kind for name (made safe as a file name, its end kept when long);
    None when the cache directory is not the user's own (see private)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = os.path.join(base, "pyusage")
    try:
        if not private(os.lstat(directory), 0o040000):
            return None
    except FileNotFoundError:
        pass  # made, privately, when the first list is kept
    except (OSError, ValueError):
        return None
    return os.path.join(directory, kind + "-" + "".join(c if c.isalnum() or c in ".-" else "_" for c in name)[-180:])


def private(status, kind):
    """Whether a file (kind 0o100000) or directory (0o040000), as lstat or fstat saw it, is of that kind,
    belongs to this process's user and may be written by no one else: only then is the cache used."""
    return status.st_mode & 0o170000 == kind and status.st_uid == os.geteuid() and not status.st_mode & 0o022


def _read_private(path, max_age=None):
    """A cache file's bytes, if it is the user's own regular file (never through a link); None when it
    is older than max_age seconds. Owner, mode and age come from one fstat of the open file."""
    fd = os.open(path, _CACHE_READ_FLAGS)
    try:
        status = os.fstat(fd)
        if not private(status, 0o100000):
            raise OSError("not the user's own file: " + path)
        if max_age is not None:
            import time
            if time.time() - status.st_mtime >= max_age:
                return None
        return _read_all(fd)
    finally:
        os.close(fd)


def _read_cached(kind, name, ttl_seconds):
    """What an earlier start kept in the user's cache under kind and name, if younger than ttl_seconds."""
    try:
        path = _cache_file(kind, name)
        data = _read_private(path, ttl_seconds) if path else None
        if data is not None:
            return data.decode("utf-8", "surrogateescape").strip() or None
    except (OSError, ValueError):
        pass
    return None


def load_socket_module():
    """_socket, loaded straight from lib-dynload where it is a shared library: a plain import would
    first list the standard library directories. Its symbols are bound lazily, as the hook calls
    three of its functions. Built-in or elsewhere: a plain import."""
    if "_socket" in sys.modules or "_socket" in sys.builtin_module_names:
        import _socket
        return _socket
    try:
        import _imp
        import _frozen_importlib as bootstrap
        import _frozen_importlib_external as external
        for directory in _standard_library_dirs()[1:]:
            for suffix in _imp.extension_suffixes():
                path = os.path.join(directory, "_socket" + suffix)
                if os.path.exists(path):
                    flags = sys.getdlopenflags()
                    sys.setdlopenflags(flags & ~os.RTLD_NOW | os.RTLD_LAZY)
                    try:
                        return bootstrap._load(external.spec_from_file_location("_socket", path))
                    finally:
                        sys.setdlopenflags(flags)
    except Exception:
        pass
    import _socket
    return _socket


def udp_send(address, port, data):
    _socket = load_socket_module()
    family = _socket.AF_INET6 if ":" in address else _socket.AF_INET
    sock = _socket.socket(family, _socket.SOCK_DGRAM)
    try:
        sock.sendto(data, (address, port))
    finally:
        sock.close()


def send_udp(endpoint, data):
    """To the collector's address: given, or resolved by an earlier start; else resolved and sent on a
    background thread, so a slow or dead DNS never delays the start."""
    host, port = _split_host_port(endpoint[len("udp://"):])
    address = host if _is_ip_literal(host) else _read_cached("address", host, ADDRESS_TTL_SECONDS)
    if address is not None:
        udp_send(address, port, data)
    else:
        import _thread
        _thread.start_new_thread(_slow().resolve_and_send, (host, port, data, _cache_file("address", host)))


def http_endpoint(settings):
    endpoint = settings.get("http_endpoint") or settings.get("endpoint") or ""
    return endpoint if endpoint.startswith(("http://", "https://")) else ""


def token_line(settings):
    """What a datagram starts with when a token is set: the collector checks and removes it."""
    token = settings.get("token")
    return ("Bearer " + token + "\n").encode("utf-8", "surrogateescape") if token else b""


def send(data, settings, at_once=False):
    """UDP when the record fits one datagram; else HTTP when an HTTP endpoint is set: at exit, so the
    start never waits, or at_once (the import record, sent at exit or in a later import) within a second."""
    endpoint = settings.get("endpoint") or ""
    over_http = http_endpoint(settings)
    line = token_line(settings)
    if endpoint.startswith("udp://") and (len(line) + len(data) <= MAX_DATAGRAM or not over_http):
        send_udp(endpoint, line + data)
    elif over_http:
        post = _slow()._post if at_once else _slow().post_at_exit
        post(over_http, data, settings.get("token"), settings.get("ca_file"), 1.0)


_loaded = {}


def _load(name):
    """A file of this package beside this one (slowpath.py, imports.py), loaded by path (like this file)
    the first time a start needs it, and kept out of sys.modules."""
    if name not in _loaded:
        import _frozen_importlib as bootstrap
        import _frozen_importlib_external as external
        spec = external.spec_from_file_location("_pyusage_" + name, os.path.join(os.path.dirname(__file__), name + ".py"))
        module = bootstrap.module_from_spec(spec)
        module.hook = sys.modules[__name__]
        spec.loader.exec_module(module)
        _loaded[name] = module
    return _loaded[name]


def _slow():
    return _load("slowpath")


class _ImportsLater:
    """First on sys.meta_path, it sees each new import and finds nothing; the first one after its time
    reports the imports so far (imports.py) and takes it off the path. A thread would be cheaper to
    reason about, but Python 3.12 warns at every fork of a process that has more than one."""

    def __init__(self, due, watch, clock):
        self.due = due
        self.watch = watch
        self.clock = clock

    def find_spec(self, name, path=None, target=None):
        if self.due is not None and self.clock() >= self.due:
            self.due = None  # reported once, whichever thread imports first
            try:
                sys.meta_path.remove(self)
            except ValueError:
                pass
            report_imports(self.watch, False)
        return None


def watch_imports(record, settings):
    """Reports the installed distributions this process imported: at its exit (atexit) and, when it
    runs on, once at its first import IMPORTS_AFTER_SECONDS after the start. Modules loaded before the
    hook ran (by .pth files) are not the program's own, so they are left out."""
    loaded = "atexit" in sys.modules
    import atexit
    import time
    if not loaded:
        del sys.modules["atexit"]  # its registrations stay: they belong to the interpreter
    watch = {"record": record, "settings": settings, "before": frozenset(sys.modules), "sent": None}
    atexit.register(report_imports, watch, True)
    try:
        after = float(settings.get("imports_after") or IMPORTS_AFTER_SECONDS)
    except ValueError:
        after = IMPORTS_AFTER_SECONDS
    sys.meta_path.insert(0, _ImportsLater(time.monotonic() + after, watch, time.monotonic))


def report_imports(watch, at_exit):
    """Sends the import record of the process watched: at exit unless the same set was sent already,
    before exit only when something was imported. Never raises or prints (unless debugging): it runs
    in the program's import or at its exit."""
    try:
        record = watch["record"]
        if record.get("pid") != os.getpid():
            return  # a forked child runs its parent's exit handlers: its imports are not that start's
        imported = imported_distributions(watch["before"])
        if imported is None:
            return
        if watch["sent"] is not None:
            imported |= watch["sent"]
            if imported == watch["sent"]:
                return
        elif not at_exit and not imported:
            return
        watch["sent"] = imported
        send(encode_imports(record, sorted(imported)), watch["settings"], at_once=True)
    except Exception:
        if _on(watch["settings"].get("debug")):
            import traceback
            traceback.print_exc()


MODULES_CACHE_HEADER = "pyusage modules 2\n"
# The start record's fields an import record repeats, so that it is useful when its start was lost.
IMPORT_RECORD_FIELDS = ("event_id", "ts", "user", "host", "pid", "python", "base", "prefix", "venv", "ci")


def imported_distributions(before):
    """The installed distributions owning a module loaded since the hook ran (not
    in before): a top-level module, or a package under a namespace package, whose file lies in a
    directory holding distributions (see imports.py, which builds the map of module names to their
    distributions when the user's cache has none for this path, or one older than its directories).
    Each is its [name, version] as JSON text, as the map keeps it; None when the map cannot be had in time."""
    dirs = site_dirs()
    key = "\x1e" + "\t".join(entry if os.path.isabs(entry) else os.path.join(os.getcwd(), entry) for entry in dirs) + "\n"
    line, cached, path = cached_state("modules", MODULES_CACHE_HEADER, key)
    holders, owners = _fresh_map(line) if line else (None, None)
    if owners is None:
        built = _load("imports").build(dirs, path, key, cached)
        if built is None:
            return None
        holders, owners = built
    found = set()
    for name, module in list(sys.modules.items()):
        owner = owners.get(name)
        if owner is not None and name not in before:
            file = getattr(module, "__file__", None)
            if isinstance(file, str) and file.startswith(holders):
                found.add(owner)
    return found


def _fresh_map(line):
    """(holding directories, {module: its owner as JSON text}) of a cached map line, or (None, None) when a
    directory holding distributions changed since it was built (one stat each)."""
    head, sep, body = line.partition("\x1d")
    if not sep:
        return None, None
    holders = []
    for item in head.split("\x1f") if head else ():
        mtime, _, directory = item.partition(" ")
        try:
            if os.stat(directory).st_mtime_ns != int(mtime):
                return None, None
        except (OSError, ValueError):
            return None, None
        holders.append(directory + os.sep)
    parts = body.split("\t") if body else []
    return tuple(holders), dict(zip(parts[::2], parts[1::2]))


def encode_imports(record, imported):
    """The import record: the start's identity, and [name, version] of each distribution imported (JSON text, sorted)."""
    head = ",".join(json_string(k) + ":" + _json_scalar(record[k]) for k in IMPORT_RECORD_FIELDS if k in record)
    return ('{"schema":%d,"kind":"imports",%s,"imports":[%s]}' % (SCHEMA, head, ",".join(imported))).encode("utf-8", "surrogatepass")


def run(directory=None):
    """Called at every interpreter start: never raises, never prints unless debugging."""
    settings = {}
    try:
        settings = config(directory)
        if disabled(settings):
            return
        debug = _on(settings.get("debug"))
        if not settings.get("endpoint") and not debug:
            return
        # Without an HTTP endpoint an oversized record is truncated to one datagram.
        record = build_record(settings)
        data = encode(record, None if http_endpoint(settings) else MAX_DATAGRAM - len(token_line(settings)))
        if debug:
            sys.stderr.write("pyusage: " + data.decode("utf-8", "replace") + "\n")
        if settings.get("endpoint"):
            send(data, settings)
            if _on(settings.get("imports", "on")):
                watch_imports(record, settings)
    except Exception:
        if _on(settings.get("debug")):
            import traceback
            traceback.print_exc()
