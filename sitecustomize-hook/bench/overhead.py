"""Benchmark (not a test): what the pyusage hook adds to a Python start.

Creates three virtual environments with the same 300 fake distributions: one without a hook, one
with the pyusage hook installed by its installer, and one with a naive hook that lists packages with
importlib.metadata and sends JSON over a socket (the baseline to beat). Times `python -c pass` in
each, interleaved so that machine noise hits all alike, and prints medians, the added milliseconds and
ratios. The hooks send to a UDP socket of this script, which also counts what arrived.

    python3 sitecustomize-hook/bench/overhead.py [--runs 60] [--packages 300]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
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


def make_venv(root, packages):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", root], check=True)
    python = os.path.join(root, "bin", "python")
    site_dir = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    for i in range(packages):
        dist_info = os.path.join(site_dir, "package_%03d-1.%d.0.dist-info" % (i, i % 10))
        os.makedirs(dist_info)
        with open(os.path.join(dist_info, "METADATA"), "w") as f:
            f.write("Metadata-Version: 2.1\nName: package-%03d\nVersion: 1.%d.0\n" % (i, i % 10))
    return python, site_dir


def time_start(python, env):
    start = time.perf_counter()
    subprocess.run([python, "-c", "pass"], env=env, check=True)
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
        bare, _ = make_venv(os.path.join(root, "bare"), args.packages)
        hooked, hooked_site = make_venv(os.path.join(root, "hooked"), args.packages)
        subprocess.run([sys.executable, "-m", "pyusage_hook", "install", "--site-dir", hooked_site,
                        "--endpoint", endpoint], check=True, capture_output=True, env=dict(os.environ, PYTHONPATH=SRC))
        naive, naive_site = make_venv(os.path.join(root, "naive"), args.packages)
        with open(os.path.join(naive_site, "naive_hook.py"), "w") as f:
            f.write(NAIVE_HOOK)
        with open(os.path.join(naive_site, "naive_hook.pth"), "w") as f:
            f.write("import naive_hook\n")

        env = {k: v for k, v in os.environ.items() if not k.startswith("PYUSAGE_") and k != "PYTHONPATH"}
        naive_env = dict(env, PYUSAGE_ENDPOINT=endpoint)
        variants = [("no hook", bare, env), ("pyusage hook", hooked, env), ("naive hook", naive, naive_env)]
        for _, python, variant_env in variants:  # warm the page cache and the .pyc files
            for _ in range(3):
                time_start(python, variant_env)
        drain(receiver)
        times = {name: [] for name, _, _ in variants}
        for _ in range(args.runs):
            for name, python, variant_env in variants:
                times[name].append(time_start(python, variant_env))
        received = drain(receiver)

    base = statistics.median(times["no hook"])
    print("python %s, %d packages, %d interleaved runs each" % (sys.version.split()[0], args.packages, args.runs))
    for name, _, _ in variants:
        median = statistics.median(times[name])
        print("  %-13s median %7.2f ms  added %+6.2f ms  ratio %.3f" % (name, median, median - base, median / base))
    hook_added = statistics.median(times["pyusage hook"]) - base
    naive_added = statistics.median(times["naive hook"]) - base
    print("pyusage hook adds %.2f ms per start; the naive importlib.metadata hook adds %.2f ms (%.1fx more)"
          % (hook_added, naive_added, naive_added / hook_added if hook_added > 0 else float("inf")))
    print("datagrams received: %d of %d sent by the two hooks" % (received, 2 * args.runs))


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
