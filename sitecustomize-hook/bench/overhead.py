"""Benchmark (not a test): what the pyusage hook adds to a Python start.

Creates virtual environments with the same 300 fake distributions and times `python -c pass` without
a hook and with: the pyusage hook as installed by default (sitecustomize.py in the standard library,
which stand-in directories on PYTHONPATH play here for every variant, each with a sitecustomize.py of
the base as Debian's Python has); the pyusage hook installed as a .pth (install --site-dir); a naive
hook that lists packages with importlib.metadata and sends JSON over a socket (the baseline to beat);
and, as the floor of any hook that sends a datagram, a start that only loads _socket. Each variant is
timed in pairs with a no-hook start, in a random order each pair, so that machine noise hits both
alike; it prints medians, the added milliseconds and ratios. The hooks send to a UDP socket of this
script, which also counts what arrived. Then the import record's cost: a venv whose distributions
have real packages and RECORDs, a process importing 50 of them, timed with no hook, with the hook with
imports off and with the hook, in a random order each run (the last two differ by the exit's work and
the import finder's).

    python3 sitecustomize-hook/bench/overhead.py [--runs 60] [--packages 300]
"""

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Distributions the import case imports: a notebook's worth.
IMPORTED = 50
SRC = os.path.join(os.path.dirname(HERE), "src")

NAIVE_HOOK = '''
import json, os, socket, sys, uuid
from importlib.metadata import distributions
def _send():
    try:
        packages = sorted({(d.metadata["Name"], d.version) for d in distributions()})
        record = {"event_id": uuid.uuid4().hex, "python": sys.version.split()[0], "packages": packages}
        host, port = os.environ["PYUSAGE_ENDPOINT"][6:].rsplit(":", 1)
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(json.dumps(record).encode(), (host, int(port)))
    except Exception:
        pass
_send()
'''


def make_venv(root, packages, with_modules=False):
    """A venv with that many fake distributions; with_modules, each has a package to import
    (package_NNN) and the RECORD an installer writes."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", root], check=True)
    python = os.path.join(root, "bin", "python")
    site_dir = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    for i in range(packages):
        folder = "package_%03d-1.%d.0.dist-info" % (i, i % 10)
        dist_info = os.path.join(site_dir, folder)
        os.makedirs(dist_info)
        with open(os.path.join(dist_info, "METADATA"), "w") as f:
            f.write("Metadata-Version: 2.1\nName: package-%03d\nVersion: 1.%d.0\n" % (i, i % 10))
        if with_modules:
            module = os.path.join(site_dir, "package_%03d" % i)
            os.makedirs(module)
            files = ["package_%03d/__init__.py" % i] + ["package_%03d/part_%d.py" % (i, n) for n in range(20)]
            for name in files:
                open(os.path.join(site_dir, name), "w").close()
            with open(os.path.join(dist_info, "RECORD"), "w") as f:
                f.writelines("%s,sha256=x,0\n" % name for name in files + [folder + "/METADATA", folder + "/RECORD"])
    return python, site_dir


def time_start(python, env, code="pass"):
    start = time.perf_counter()
    subprocess.run([python, "-c", code], env=env, check=True)
    return (time.perf_counter() - start) * 1000.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--packages", type=int, default=300)
    args = parser.parse_args()

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    receiver.setblocking(False)
    endpoint = "udp://127.0.0.1:%d" % receiver.getsockname()[1]

    with tempfile.TemporaryDirectory(prefix="pyusage-bench-") as root:
        install = dict(os.environ, PYTHONPATH=SRC)
        # The default install writes sitecustomize.py into the standard library. Stand-ins for it on
        # PYTHONPATH (searched first), for every variant alike: each holds a sitecustomize.py of the
        # base (as Debian's Python has one), which the installer keeps and chains.
        plain_stdlib, hooked_stdlib = os.path.join(root, "stdlib"), os.path.join(root, "hooked-stdlib")
        for directory in (plain_stdlib, hooked_stdlib):
            os.makedirs(directory)
            with open(os.path.join(directory, "sitecustomize.py"), "w") as f:
                f.write("# the base's own start-up customisation\n")
        subprocess.run([sys.executable, "-c", "import sys; from pyusage_hook import __main__ as cli; "
                        "cli.compile_for_starts(sys.argv[1], optimize=0); cli.install_stdlib(sys.argv[2], endpoint=sys.argv[3])",
                        os.path.join(plain_stdlib, "sitecustomize.py"), hooked_stdlib, endpoint], check=True, env=install)
        python, site_dir = make_venv(os.path.join(root, "venv"), args.packages)
        pth_python, pth_site = make_venv(os.path.join(root, "pth"), args.packages)
        subprocess.run([sys.executable, "-m", "pyusage_hook", "install", "--site-dir", pth_site, "--endpoint", endpoint],
                       check=True, capture_output=True, env=install)
        importing, importing_site = make_venv(os.path.join(root, "importing"), args.packages, with_modules=True)
        naive, naive_site = make_venv(os.path.join(root, "naive"), args.packages)
        with open(os.path.join(naive_site, "naive_hook.py"), "w") as f:
            f.write(NAIVE_HOOK)
        with open(os.path.join(naive_site, "naive_hook.pth"), "w") as f:
            f.write("import naive_hook\n")
        # The hook lists a site directory again while it changed in the last 2 s (see hook.SETTLED_NS);
        # dated back, they stand for an installation not changed since yesterday.
        yesterday = time.time() - 86400
        for directory in (plain_stdlib, hooked_stdlib, site_dir, pth_site, naive_site, importing_site):
            os.utime(directory, (yesterday, yesterday))

        env = {k: v for k, v in os.environ.items() if not k.startswith("PYUSAGE_") and k != "PYTHONPATH"}
        no_hook = ("no hook", python, dict(env, PYTHONPATH=plain_stdlib))
        variants = [("pyusage hook", python, dict(env, PYTHONPATH=hooked_stdlib)),
                    ("pyusage .pth", pth_python, dict(env, PYTHONPATH=plain_stdlib)),
                    ("naive hook", naive, dict(env, PYTHONPATH=plain_stdlib, PYUSAGE_ENDPOINT=endpoint)),
                    ("_socket only", python, dict(env, PYTHONPATH=plain_stdlib), "import _socket")]
        # What the exit's import record costs: 50 of the distributions imported, their module map cached.
        fifty = "import " + ", ".join("package_%03d" % i for i in range(0, 2 * IMPORTED, 2))
        importing_variants = [("no hook", importing, dict(env, PYTHONPATH=plain_stdlib), fifty),
                              ("imports off", importing, dict(env, PYTHONPATH=hooked_stdlib, PYUSAGE_IMPORTS="0"), fifty),
                              ("pyusage hook", importing, dict(env, PYTHONPATH=hooked_stdlib), fifty)]
        for variant in [no_hook] + variants + importing_variants:  # warm the page cache and the hook's caches
            for _ in range(3):
                time_start(*variant[1:])
        drain(receiver)
        pairs = []
        received = 0
        for variant in variants:
            pairs.append((variant[0],) + compare(no_hook, variant, args.runs))
            received += drain(receiver)
        imported = compare_all(importing_variants, args.runs)
        drain(receiver)

    print("python %s, %d packages, %d runs of each variant in each pair" % (sys.version.split()[0], args.packages, args.runs))
    print("(pyusage hook: the default install, sitecustomize.py in the standard library; pyusage .pth: install --site-dir)")
    added = {}
    for name, base_times, hook_times in pairs:
        report("no hook", base_times, base_times)
        report(name, hook_times, base_times)
        added[name] = statistics.median(hook_times) - statistics.median(base_times)
    print("pyusage hook adds %.2f ms per start (%.2f ms as a .pth); the naive importlib.metadata hook adds %.2f ms;"
          " loading _socket alone adds %.2f ms" % (added["pyusage hook"], added["pyusage .pth"], added["naive hook"],
                                                  added["_socket only"]))
    # The pyusage hooks send a start record and, at exit, an import record; the naive hook one record.
    print("datagrams received: %d of %d sent by the three hooks" % (received, 5 * args.runs))
    print("importing %d of the %d distributions (python -c 'import package_000, ...'):" % (IMPORTED, args.packages))
    no_hook_times, off_times, on_times = imported
    report("no hook", no_hook_times, no_hook_times)
    report("imports off", off_times, no_hook_times)
    report("pyusage hook", on_times, no_hook_times)
    print("with %d distributions imported the hook adds %.2f ms per process, of which its import record (exit work and"
          " the finder) %.2f ms" % (IMPORTED, statistics.median(on_times) - statistics.median(no_hook_times),
                                   statistics.median(on_times) - statistics.median(off_times)))


def compare(first, second, runs):
    """Start times of two variants, timed in pairs in a new random order each pair: in a fixed order
    one variant would always start right after the other (and after a slow start, caches are cold).
    The naive hook is compared in pairs of its own for the same reason."""
    order = random.Random(0)
    times = {first[0]: [], second[0]: []}
    for _ in range(runs):
        for variant in order.sample([first, second], 2):
            times[variant[0]].append(time_start(*variant[1:]))
    return times[first[0]], times[second[0]]


def compare_all(variants, runs):
    """As compare, for any number of variants: each run starts every one, in a new random order."""
    order = random.Random(0)
    times = [[] for _ in variants]
    for _ in range(runs):
        for index in order.sample(range(len(variants)), len(variants)):
            times[index].append(time_start(*variants[index][1:]))
    return times


def report(name, times, base_times):
    median, base = statistics.median(times), statistics.median(base_times)
    print("  %-13s median %7.2f ms  added %+6.2f ms  ratio %.3f" % (name, median, median - base, median / base))


def drain(receiver):
    count = 0
    while True:
        try:
            receiver.recv(65536)
            count += 1
        except BlockingIOError:
            return count


if __name__ == "__main__":
    main()
