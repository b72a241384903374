"""pyusage start-up hook: reports one record per Python start to the pyusage collector.

This one file is the whole hot path. It is loaded by file path at every start (see pth_line), so it
must stay self-contained, stdlib-only, valid Python 3.7, and cheap: it imports nothing that Python
has not loaded already except _socket, encodes JSON by hand (importing json pulls in re, enum and
more: several milliseconds), lists site directories instead of using importlib.metadata (and keeps
the listings in the user's cache until a directory changes), and sends one UDP datagram without
waiting for an answer. It never raises and never prints (except
with PYUSAGE_DEBUG=1).
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
# Path states (directories on sys.path and their modification times) whose package lists are cached.
CACHED_STATES = 8
SETTINGS = ("endpoint", "http_endpoint", "base", "entry", "debug", "disable")


def config(directory=None):
    """Settings from pyusage.ini beside this file ([pyusage] section, key = value), then PYUSAGE_* variables."""
    values = {}
    try:
        path = os.path.join(directory or os.path.dirname(os.path.abspath(__file__)), CONFIG_FILE)
        with open(path, encoding="utf-8") as f:
            for line in f:
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


def normalise(name):
    """PEP 503: lower case, runs of '-', '_' and '.' become one '-' (string methods: no re import)."""
    name = name.strip().lower().replace("_", "-").replace(".", "-")
    while "--" in name:
        name = name.replace("--", "-")
    return name.strip("-")


def _standard_library_dirs():
    """The standard library and its extension modules: never site directories, so never scanned."""
    stdlib = os.path.dirname(os.__file__) if getattr(os, "__file__", None) else ""
    return (stdlib, os.path.join(stdlib, "lib-dynload")) if stdlib else ()


def _site_dirs(paths):
    """The sys.path entries that are scanned for distributions: not the standard library, not zip files."""
    skip = _standard_library_dirs()
    return [entry for entry in paths if isinstance(entry, str) and entry not in skip and not entry.endswith(".zip")]


def installed_packages(paths=None):
    """[name, version] of every *.dist-info / *.egg-info on sys.path; the first on sys.path wins."""
    seen = {}
    for entry in _site_dirs(sys.path if paths is None else paths):
        try:
            names = os.listdir(entry or ".")
        except (OSError, ValueError):
            continue
        for item in names:
            if item.endswith(".dist-info"):
                stem = item[:-10]
            elif item.endswith(".egg-info"):
                stem = item[:-9]
            else:
                continue
            # name-version[-pyX.Y]: in these folder names the name itself never holds a '-'
            name, sep, rest = stem.partition("-")
            key = normalise(name)
            if key and key not in seen:
                seen[key] = rest.split("-py", 1)[0] if sep else ""
    return [[name, seen[name]] for name in sorted(seen)]


class EncodedPackages(str):
    """The package list already encoded as JSON, as the cache keeps it; encode() writes it as it is."""

    @staticmethod
    def packages():
        """The list itself, listed again (importing json would add modules to the process), for the
        rare record that has to be truncated."""
        return installed_packages()


def cached_packages(paths=None):
    """installed_packages(), encoded, kept in the user's cache between starts and listed again only
    when a directory on the path was modified since (installing or removing a distribution adds or
    removes an entry, which moves the directory's modification time). A hit costs a stat per directory
    and one small file read instead of a listing, a name check and the encoding of every distribution:
    most of the hook's time. The cache keeps the last few path states of the interpreter (a script's
    own directory is on the path too)."""
    dirs = _site_dirs(sys.path if paths is None else paths)
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
    key = "\x1e" + "\t".join(state) + "\n"
    path = _cache_file("packages", sys.prefix)
    cached = ""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            cached = f.read()
        start = cached.find(key) if cached.startswith(PACKAGES_CACHE_HEADER) else -1
        if start >= 0:
            start += len(key)
            return EncodedPackages(cached[start:cached.index("\n", start)])
    except (OSError, ValueError):
        pass
    packages = installed_packages(dirs)
    if cacheable:
        _write_packages_cache(key + _json(packages) + "\n", cached)
    return packages


def _write_packages_cache(entry, cached):
    """This path state first, then up to CACHED_STATES - 1 earlier ones."""
    earlier = cached[len(PACKAGES_CACHE_HEADER):] if cached.startswith(PACKAGES_CACHE_HEADER) else ""
    kept = [e for e in earlier.split("\x1e") if e.endswith("\n")][:CACHED_STATES - 1]
    _write_cached("packages", sys.prefix, PACKAGES_CACHE_HEADER + entry + "".join("\x1e" + e for e in kept))


def startup_ms():
    """Milliseconds from process start (kernel start time) to now; None where /proc is missing."""
    try:
        import time
        with open("/proc/self/stat", "rb") as f:
            stat = f.read()
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
            with open("/proc/self/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            return "-m " + args[args.index(b"-m") + 1].decode("utf-8", "replace")
        except (OSError, ValueError, IndexError):
            return "-m"
    if not first or first == "-":
        return "interactive"
    return os.path.basename(first)


def user():
    """The user's name: from the environment, else from the account database (through NSS, so
    directory users are named too), kept in the user's cache for a day, as services often have no
    USER and the lookup costs a tenth of a millisecond."""
    for key in ("USER", "LOGNAME", "USERNAME"):
        if os.environ.get(key):
            return os.environ[key]
    uid = str(os.getuid()) if hasattr(os, "getuid") else ""
    name = _read_cached("user", uid, USER_TTL_SECONDS)
    if name:
        return name
    loaded_before = "pwd" in sys.modules
    try:
        import pwd
        name = pwd.getpwuid(int(uid)).pw_name
    except (ImportError, KeyError, OSError, ValueError):
        return "unknown"
    finally:
        if not loaded_before:
            sys.modules.pop("pwd", None)  # leave sys.modules as the program will expect it
    _write_cached("user", uid, name)
    return name


def build_record(settings):
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


def _plain(value):
    return value.isprintable() and '"' not in value and "\\" not in value


def _string(value):
    if _plain(value):
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


def _json(value):
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, EncodedPackages):
        return value
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else "null"
    if isinstance(value, list) and value and isinstance(value[0], list):
        # the package list: most names and versions need no escaping, so format them in one go
        return "[" + ",".join(
            '["%s","%s"]' % (n, v) if _plain(n) and _plain(v) else "[" + _string(n) + "," + _string(v) + "]"
            for n, v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(_string(k) + ":" + _json(v) for k, v in value.items()) + "}"
    return "[" + ",".join(_json(v) for v in value) + "]"


def encode(record, limit=None):
    """Compact UTF-8 JSON; with a limit, packages are dropped (and 'truncated' set) until it fits."""
    data = _json(record).encode("utf-8", "surrogatepass")
    if limit is not None and len(data) > limit:
        packages = record["packages"]
        record = dict(record, truncated=True,
                      packages=packages.packages() if isinstance(packages, EncodedPackages) else list(packages))
        while record["packages"] and len(data) > limit:
            del record["packages"][len(record["packages"]) // 2:]
            data = _json(record).encode("utf-8", "surrogatepass")
    return data


def _split_host_port(netloc):
    host, _, port = netloc.rstrip("/").rpartition(":")
    return host.strip("[]"), int(port)


def _is_ip_literal(host):
    return host.replace(".", "").isdigit() or ":" in host


def _cache_file(kind, name):
    """The user's cache file of this kind for name (made safe as a file name, its end kept when long)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pyusage", kind + "-" + "".join(c if c.isalnum() or c in ".-" else "_" for c in name)[-180:])


def _cached_address(host):
    """The address resolved for host by an earlier start, if recent; never a DNS lookup."""
    return _read_cached("address", host, ADDRESS_TTL_SECONDS)


def _read_cached(kind, name, ttl_seconds):
    """What an earlier start kept in the user's cache under kind and name, if younger than ttl_seconds."""
    try:
        path = _cache_file(kind, name)
        import time
        if time.time() - os.stat(path).st_mtime < ttl_seconds:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                return f.read().strip() or None
    except (OSError, ValueError):
        pass
    return None


def _write_cached(kind, name, text):
    """Keeps text in the user's cache, replacing the file at once (other starts may be reading it)."""
    try:
        path = _cache_file(kind, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = path + ".tmp%d" % os.getpid()
        with open(temporary, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        os.replace(temporary, path)
    except (OSError, ValueError):
        pass


def _resolve_and_send(host, port, data):
    """Runs on a background thread: a slow or dead DNS never delays the start (the thread dies with the process)."""
    try:
        _socket = _load_socket_module()
        found = _socket.getaddrinfo(host, port, 0, _socket.SOCK_DGRAM)
        # IPv4 first where both exist: collectors usually listen on it (as the devstack does)
        address = sorted(found, key=lambda info: info[0] != _socket.AF_INET)[0][4][0]
        _udp_send(address, port, data)
        _write_cached("address", host, address)
    except Exception:
        pass


def _load_socket_module():
    """_socket, loaded straight from lib-dynload where it is a shared library: a plain import would
    first list the standard library directories (a third of the hook's cost). Built-in or elsewhere:
    a plain import."""
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
                    spec = external.spec_from_file_location("_socket", path)
                    return bootstrap._load(spec)
    except Exception:
        pass
    import _socket
    return _socket


def _udp_send(address, port, data):
    _socket = _load_socket_module()
    family = _socket.AF_INET6 if ":" in address else _socket.AF_INET
    sock = _socket.socket(family, _socket.SOCK_DGRAM)
    try:
        sock.sendto(data, (address, port))
    finally:
        sock.close()


def send_udp(endpoint, data):
    host, port = _split_host_port(endpoint[len("udp://"):])
    address = host if _is_ip_literal(host) else _cached_address(host)
    if address is not None:
        _udp_send(address, port, data)
    else:
        import _thread
        _thread.start_new_thread(_resolve_and_send, (host, port, data))


def post_at_exit(endpoint, data, timeout=1.0):
    """HTTP: sent when the interpreter exits, so the start itself never waits; bounded by timeout."""
    import atexit
    atexit.register(_post, endpoint, data, timeout)


def _post(endpoint, data, timeout):
    try:
        import http.client
        from urllib.parse import urlsplit
        url = urlsplit(endpoint)
        connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)
        connection.request("POST", url.path or "/v1/startups", body=data, headers={"Content-Type": "application/json"})
        connection.getresponse().read()
        connection.close()
    except Exception:
        pass


def http_endpoint(settings):
    endpoint = settings.get("http_endpoint") or settings.get("endpoint") or ""
    return endpoint if endpoint.startswith("http://") else ""


def send(data, settings):
    """UDP when the record fits one datagram; else HTTP when an HTTP endpoint is set."""
    endpoint = settings.get("endpoint") or ""
    over_http = http_endpoint(settings)
    if endpoint.startswith("udp://") and (len(data) <= MAX_DATAGRAM or not over_http):
        send_udp(endpoint, data)
    elif over_http:
        post_at_exit(over_http, data)


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
        data = encode(build_record(settings), None if http_endpoint(settings) else MAX_DATAGRAM)
        if debug:
            sys.stderr.write("pyusage: " + data.decode("utf-8", "replace") + "\n")
        if settings.get("endpoint"):
            send(data, settings)
    except Exception:
        if _on(settings.get("debug")):
            import traceback
            traceback.print_exc()


def pth_line(hook_file, config_dir):
    """The .pth line that runs this file at every start. It loads the file by path with the import
    system's own loader (using its cached bytecode), which skips the sys.path directory listings a
    plain import would cost, and registers it as its own module only. The sys.modules check makes it
    run once per process: Python processes a venv's site-packages (and its .pth lines) twice."""
    code = ("try:\n"
            " import _frozen_importlib as b, _frozen_importlib_external as e\n"
            " s = e.spec_from_file_location('_pyusage_hook', %r)\n"
            " m = b.module_from_spec(s); sys.modules['_pyusage_hook'] = m; s.loader.exec_module(m)\n"
            " m.run(%r)\n"
            "except Exception:\n"
            " pass\n") % (hook_file, config_dir)
    return "import sys; '_pyusage_hook' in sys.modules or exec(%r)\n" % code
