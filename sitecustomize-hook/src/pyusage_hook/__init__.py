"""pyusage start-up hook: reports one record per Python start to the pyusage collector.

Stdlib only, and cheap: it imports little, scans site directories with os.scandir instead of
importlib.metadata, and sends one UDP datagram without waiting for an answer. It never raises and
never prints (except with PYUSAGE_DEBUG=1).
"""

import os
import sys

SCHEMA = 1
CONFIG_FILE = "hook.conf"
CI_VARIABLES = ("CI", "GITLAB_CI", "JENKINS_URL", "GITHUB_ACTIONS", "BUILDKITE", "TF_BUILD", "TEAMCITY_VERSION",
                "CIRCLECI", "TRAVIS", "BITBUCKET_BUILD_NUMBER")
MAX_DATAGRAM = 60000


def _config():
    """key = value lines of hook.conf beside this package, overridden by PYUSAGE_* variables."""
    values = {}
    try:
        with open(os.path.join(os.path.dirname(__file__), CONFIG_FILE), encoding="utf-8") as f:
            for line in f:
                key, sep, value = line.partition("=")
                if sep and not line.lstrip().startswith("#"):
                    values[key.strip().lower()] = value.strip()
    except OSError:
        pass
    for key in ("endpoint", "base", "debug", "disable"):
        env = os.environ.get("PYUSAGE_" + key.upper())
        if env is not None:
            values[key] = env
    return values


def disabled(config):
    if config.get("disable", "") not in ("", "0"):
        return True
    dnt = os.environ.get("DO_NOT_TRACK")
    return dnt is not None and dnt not in ("", "0")


def normalise(name):
    """PEP 503: lower case, runs of '-', '_' and '.' become one '-'."""
    out = []
    previous_separator = False
    for ch in name.strip().lower():
        if ch in "-_.":
            if not previous_separator:
                out.append("-")
            previous_separator = True
        else:
            out.append(ch)
            previous_separator = False
    return "".join(out).strip("-")


def installed_packages(paths=None):
    """[name, version] of every *.dist-info / *.egg-info on sys.path; the first on sys.path wins."""
    seen = {}
    for entry in (sys.path if paths is None else paths):
        try:
            with os.scandir(entry or ".") as it:
                names = [e.name for e in it]
        except OSError:
            continue
        for item in names:
            if item.endswith(".dist-info"):
                stem = item[:-10]
            elif item.endswith(".egg-info"):
                stem = item[:-9]
            else:
                continue
            # name-version[-pyX.Y]: the name never contains '-' in these folder names (wheel rules)
            name, sep, rest = stem.partition("-")
            version = rest.split("-py", 1)[0] if sep else ""
            key = normalise(name)
            if key and key not in seen:
                seen[key] = version
    return [[name, seen[name]] for name in sorted(seen)]


def _startup_ms():
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


def _entry():
    argv = getattr(sys, "argv", None) or [""]
    first = argv[0]
    if first == "-c":
        return "-c"
    if first == "-m":
        return "-m"
    if not first or first == "-":
        return "interactive"
    return os.path.basename(first)


def _user():
    for key in ("USER", "LOGNAME", "USERNAME"):
        if os.environ.get(key):
            return os.environ[key]
    try:
        import pwd
        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):
        return "unknown"


def build_record(config=None):
    config = _config() if config is None else config
    import time
    base = config.get("base") or os.path.basename(os.path.normpath(sys.base_prefix)) or sys.base_prefix
    entry = _entry()
    record = {
        "schema": SCHEMA,
        "event_id": os.urandom(16).hex(),
        "ts": time.time(),
        "user": _user(),
        "host": os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "unknown"),
        "pid": os.getpid(),
        "python": "%d.%d.%d" % sys.version_info[:3],
        "impl": sys.implementation.name,
        "executable": sys.executable or "",
        "base": base,
        "prefix": sys.prefix,
        "venv": sys.prefix != sys.base_prefix,
        "entry": entry,
        "ci": any(os.environ.get(v) for v in CI_VARIABLES),
        "interactive": entry == "interactive" and os.isatty(0),
        "packages": installed_packages(),
    }
    startup = _startup_ms()
    if startup is not None:
        record["startup_ms"] = startup
    return record


def encode(record):
    import json
    data = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(data) > MAX_DATAGRAM:
        packages = record["packages"]
        while packages and len(data) > MAX_DATAGRAM:
            del packages[len(packages) // 2:]
            record["truncated"] = True
            data = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return data


def send(data, endpoint):
    """UDP: one datagram, no reply awaited. HTTP: POSTed at exit with a short timeout."""
    if endpoint.startswith("udp://"):
        host, _, port = endpoint[6:].rstrip("/").rpartition(":")
        import _socket
        family = _socket.AF_INET6 if ":" in host.strip("[]") else _socket.AF_INET
        sock = _socket.socket(family, _socket.SOCK_DGRAM)
        try:
            sock.sendto(data, (host.strip("[]"), int(port)))
        finally:
            sock.close()
    elif endpoint.startswith("http://"):
        import atexit
        atexit.register(_post, data, endpoint)


def _post(data, endpoint):
    try:
        import http.client
        from urllib.parse import urlsplit
        url = urlsplit(endpoint)
        connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=1.0)
        connection.request("POST", url.path or "/v1/startups", body=data, headers={"Content-Type": "application/json"})
        connection.getresponse().read()
        connection.close()
    except Exception:
        pass


def run():
    """Called at every interpreter start: never raises, never prints unless debugging."""
    try:
        config = _config()
        if disabled(config):
            return
        endpoint = config.get("endpoint")
        debug = config.get("debug", "") not in ("", "0")
        if not endpoint and not debug:
            return
        data = encode(build_record(config))
        if debug:
            sys.stderr.write("pyusage: " + data.decode("utf-8") + "\n")
        if endpoint:
            send(data, endpoint)
    except Exception:
        if os.environ.get("PYUSAGE_DEBUG", "") not in ("", "0"):
            import traceback
            traceback.print_exc()
