"""python -m pyusage_hook install|uninstall|status|send --dry-run"""

import argparse
import json
import os
import shutil
import sys
import sysconfig

import pyusage_hook

PTH_NAME = "pyusage.pth"
PTH_LINE = "import pyusage_hook._startup\n"
PACKAGE = "pyusage_hook"


def default_site_dir():
    return sysconfig.get_paths()["purelib"]


def install(site_dir, endpoint=None, base=None):
    """Copies the hook package into site_dir and adds a .pth line that runs it at every start."""
    os.makedirs(site_dir, exist_ok=True)
    source = os.path.dirname(os.path.abspath(pyusage_hook.__file__))
    target = os.path.join(site_dir, PACKAGE)
    if os.path.abspath(source) != os.path.abspath(target):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", pyusage_hook.CONFIG_FILE))
    lines = []
    if endpoint:
        lines.append("endpoint = %s\n" % endpoint)
    if base:
        lines.append("base = %s\n" % base)
    if lines:
        with open(os.path.join(target, pyusage_hook.CONFIG_FILE), "w", encoding="utf-8") as f:
            f.writelines(lines)
    with open(os.path.join(site_dir, PTH_NAME), "w", encoding="utf-8") as f:
        f.write(PTH_LINE)
    return target


def uninstall(site_dir):
    removed = False
    pth = os.path.join(site_dir, PTH_NAME)
    if os.path.exists(pth):
        os.remove(pth)
        removed = True
    target = os.path.join(site_dir, PACKAGE)
    if os.path.isdir(target):
        shutil.rmtree(target)
        removed = True
    return removed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pyusage_hook", description="pyusage start-up hook")
    commands = parser.add_subparsers(dest="command", required=True)
    p_install = commands.add_parser("install", help="run the hook at every start of an interpreter")
    p_install.add_argument("--site-dir", help="site directory to install into (default: this interpreter's site-packages)")
    p_install.add_argument("--endpoint", help="udp://host:port or http://host:port/v1/startups, written to hook.conf")
    p_install.add_argument("--base", help="base distribution label, written to hook.conf")
    p_uninstall = commands.add_parser("uninstall", help="remove the hook from a site directory")
    p_uninstall.add_argument("--site-dir")
    p_status = commands.add_parser("status", help="say where the hook is installed and what it would send")
    p_status.add_argument("--site-dir")
    p_send = commands.add_parser("send", help="send (or with --dry-run print) this interpreter's record")
    p_send.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    site_dir = getattr(args, "site_dir", None) or default_site_dir()
    if args.command == "install":
        target = install(site_dir, args.endpoint, args.base)
        print("pyusage hook installed in %s (runs via %s)" % (target, os.path.join(site_dir, PTH_NAME)))
    elif args.command == "uninstall":
        print("pyusage hook removed from %s" % site_dir if uninstall(site_dir) else "no pyusage hook in %s" % site_dir)
    elif args.command == "status":
        installed = os.path.exists(os.path.join(site_dir, PTH_NAME))
        print(json.dumps({"site_dir": site_dir, "installed": installed, "config": pyusage_hook._config(),
                          "record": pyusage_hook.build_record()}, indent=2))
    elif args.command == "send":
        config = pyusage_hook._config()
        data = pyusage_hook.encode(pyusage_hook.build_record(config))
        if args.dry_run or not config.get("endpoint"):
            print(data.decode("utf-8"))
            if not args.dry_run:
                print("no endpoint configured (PYUSAGE_ENDPOINT or hook.conf): nothing sent", file=sys.stderr)
                return 1
        else:
            pyusage_hook.send(data, config["endpoint"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
