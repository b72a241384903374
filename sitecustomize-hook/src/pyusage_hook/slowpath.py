"""What only some starts need: listing the site directories (when the cached list is stale), looking
up the account name, resolving the collector's host name, posting over HTTP and truncating a record.
hook._slow() loads this file when a start first needs it and gives it the name `hook` for the hot
path's module, whose rules it keeps: stdlib only, Python 3.7, never raises into the start.
"""

import os
import sys

# Path states (directories on sys.path and their modification times) whose package lists are cached.
CACHED_STATES = 8

# `hook` (the hot path's module) is set by hook._slow() before this file runs.


def normalise(name):
    """PEP 503: lower case, runs of '-', '_' and '.' become one '-' (string methods: no re import)."""
    name = name.strip().lower().replace("_", "-").replace(".", "-")
    while "--" in name:
        name = name.replace("--", "-")
    return name.strip("-")


def distributions(dirs):
    """(directory entry, metadata folder name, normalised name, version) of every *.dist-info /
    *.egg-info in dirs, in their order, each directory's sorted; the first of a name wins."""
    seen = set()
    for entry in dirs:
        try:
            names = sorted(os.listdir(entry or "."))
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
                seen.add(key)
                yield entry, item, key, rest.split("-py", 1)[0] if sep else ""


def installed_packages(dirs):
    """[name, version] of every *.dist-info / *.egg-info in dirs, sorted by name; the first in dirs wins."""
    return sorted([key, version] for _, _, key, version in distributions(dirs))


def encode_packages(packages):
    """The package list as JSON: most names and versions need no escaping, so they are formatted in one go."""
    plain, string = hook.plain, hook.json_string
    return "[" + ",".join('["%s","%s"]' % (n, v) if plain(n) and plain(v) else "[" + string(n) + "," + string(v) + "]"
                          for n, v in packages) + "]"


def list_packages(dirs, cache_path, key, cached):
    """The listing of dirs as JSON text; with a key (a settled path state), kept first in the cache
    file, before up to CACHED_STATES - 1 earlier states."""
    text = encode_packages(installed_packages(dirs))
    if key is not None:
        write_state(cache_path, hook.PACKAGES_CACHE_HEADER, key, text, cached)
    return text


def write_state(cache_path, header, key, line, cached):
    """Keeps line under the path state key in a cache file of path states (see hook.cached_state),
    first, before up to CACHED_STATES - 1 of the states it held (its text: cached)."""
    earlier = cached[len(header):] if cached.startswith(header) else ""
    kept = [e for e in earlier.split("\x1e") if e.endswith("\n")][:CACHED_STATES - 1]
    write_cached(cache_path, header + key + line + "\n" + "".join("\x1e" + e for e in kept))


def account_name(uid, cache_path):
    """The name of account uid in the account database (through NSS, so directory users are named too),
    kept in cache_path; pwd leaves sys.modules as the program will expect it."""
    loaded_before = "pwd" in sys.modules
    try:
        import pwd
        name = pwd.getpwuid(int(uid)).pw_name
    except (ImportError, KeyError, OSError, ValueError):
        return "unknown"
    finally:
        if not loaded_before:
            sys.modules.pop("pwd", None)
    write_cached(cache_path, name)
    return name


def write_cached(path, text):
    """Keeps text in the user's cache, replacing the file at once (other starts may be reading it). The
    directory is made private (0700) and used only while it is the user's own; the temporary file is
    made new (O_EXCL, never through a link) and readable by the user alone. path None: no cache."""
    if not path:
        return
    temporary = path + ".tmp%d" % os.getpid()
    try:
        directory = os.path.dirname(path)
        os.makedirs(os.path.dirname(directory), 0o700, exist_ok=True)
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        if not hook.private(os.lstat(directory), 0o040000):
            return
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(temporary, flags, 0o600)
        except FileExistsError:
            os.unlink(temporary)  # left by a process of the same pid that died; the directory is ours
            fd = os.open(temporary, flags, 0o600)
        try:
            data = text.encode("utf-8", "surrogateescape")
            while data:
                data = data[os.write(fd, data):]
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass


def resolve_and_send(host, port, data, cache_path):
    """Runs on a background thread (which dies with the process): resolves host, sends, keeps the address."""
    try:
        _socket = hook.load_socket_module()
        found = _socket.getaddrinfo(host, port, 0, _socket.SOCK_DGRAM)
        # IPv4 first where both exist: collectors usually listen on it (as the devstack does)
        address = sorted(found, key=lambda info: info[0] != _socket.AF_INET)[0][4][0]
        hook.udp_send(address, port, data)
        write_cached(cache_path, address)
    except Exception:
        pass


def truncated(head, limit, dirs):
    """The record whose other fields are encoded in head, with as many of the packages in dirs as fit
    in limit bytes (halving the list) and 'truncated' set."""
    packages = installed_packages(dirs)
    while True:
        data = (head + ',"truncated":true,"packages":' + encode_packages(packages) + "}").encode("utf-8", "surrogatepass")
        if len(data) <= limit or not packages:
            return data
        del packages[len(packages) // 2:]


def post_at_exit(endpoint, data, token=None, ca_file=None, timeout=1.0):
    """HTTP(S): sent when the interpreter exits, so the start itself never waits; bounded by timeout."""
    import atexit
    atexit.register(_post, endpoint, data, token, ca_file, timeout)


def _post(endpoint, data, token, ca_file, timeout):
    try:
        import http.client
        from urllib.parse import urlsplit
        url = urlsplit(endpoint)
        if url.scheme == "https":
            # ssl only on this path: importing it costs milliseconds that no UDP start should pay.
            import ssl
            context = ssl.create_default_context(cafile=ca_file or None)
            connection = http.client.HTTPSConnection(url.hostname, url.port or 443, timeout=timeout, context=context)
        else:
            connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        connection.request("POST", url.path or "/v1/startups", body=data, headers=headers)
        connection.getresponse().read()
        connection.close()
    except Exception:
        pass
