"""python -m pyusage_hook install|uninstall|status|send --dry-run"""

import argparse
import importlib.util
import json
import os
import py_compile
import shutil
import sys
import sysconfig

from pyusage_hook import hook

PACKAGE = "pyusage_hook"
PTH_NAME = "pyusage.pth"
SITECUSTOMIZE = "sitecustomize.py"
# Where an existing sitecustomize.py is kept while the hook is installed in the standard library.
ORIGINAL_SITECUSTOMIZE = "_pyusage_original_sitecustomize.py"
MARKER = "# installed by pyusage_hook"


def stdlib_dir():
    return sysconfig.get_paths()["stdlib"]


def pth_line(hook_file):
    """The line that runs the hook at every start. It loads the file by path with the import system's
    own loader (using its cached bytecode), which skips the sys.path directory listings a plain import
    would cost, and registers it as its own module only. The sys.modules check makes it run once per
    process: Python processes a venv's site-packages (and its .pth lines) twice. It is one expression,
    not a try statement run through exec(): a .pth line is compiled at every start, and such a
    statement would be compiled a second time (a tenth of a millisecond). site prints an exception
    from a .pth line, so the line loads only a readable hook file; its run() never raises."""
    return ("import sys, os; '_pyusage_hook' in sys.modules or not os.access(%r, os.R_OK) or "
            "__import__('_frozen_importlib')._load(__import__('_frozen_importlib_external')"
            ".spec_from_file_location('_pyusage_hook', %r)).run()\n") % (hook_file, hook_file)


def compile_for_starts(module, optimize=2):
    """The module's bytecode, written at install time: starts may not write it (PYTHONDONTWRITEBYTECODE,
    a read-only standard library) and would compile the source every time (the first compile() of a
    process costs a millisecond). The hook's own without docstrings, which no start reads (a tenth
    less to unmarshal), but always under the name the loader looks for (optimize=0)."""
    py_compile.compile(module, cfile=importlib.util.cache_from_source(module), doraise=False, optimize=optimize,
                       invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)


def _copy_package(directory, settings):
    """Copies the hook into directory/pyusage_hook with its bytecode and writes pyusage.ini with the
    settings given (a dict of pyusage.ini keys; None values are left out)."""
    source = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(os.path.abspath(directory), PACKAGE)
    if os.path.abspath(source) != os.path.abspath(target):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", hook.CONFIG_FILE))
    hook_file = os.path.join(target, "hook.py")
    for module in (hook_file, os.path.join(target, "slowpath.py"), os.path.join(target, "imports.py")):
        compile_for_starts(module)
    given = [(key, value) for key, value in settings.items() if value]
    if given:
        with open(os.path.join(target, hook.CONFIG_FILE), "w", encoding="utf-8") as f:
            f.write("[pyusage]\n")
            f.writelines("%s = %s\n" % (key, value) for key, value in given)
    return target, hook_file


def install_site_dir(site_dir, endpoint=None, base=None, **settings):
    """A .pth line in site_dir runs the hook for every interpreter that processes site_dir.
    settings: further pyusage.ini keys (token, ca_file, http_endpoint)."""
    os.makedirs(site_dir, exist_ok=True)
    target, hook_file = _copy_package(site_dir, dict(endpoint=endpoint, base=base, **settings))
    with open(os.path.join(site_dir, PTH_NAME), "w", encoding="utf-8") as f:
        f.write(pth_line(hook_file))
    return os.path.join(site_dir, PTH_NAME)


def install_stdlib(directory, endpoint=None, base=None, **settings):
    """sitecustomize.py in the standard library: every venv made from this interpreter runs it too.
    An existing sitecustomize.py is kept and still runs, after the hook. settings: as install_site_dir."""
    target, hook_file = _copy_package(directory, dict(endpoint=endpoint, base=base, **settings))
    ours = os.path.join(directory, SITECUSTOMIZE)
    original = os.path.join(directory, ORIGINAL_SITECUSTOMIZE)
    if os.path.lexists(ours) and not _is_ours(ours) and not os.path.lexists(original):
        os.rename(ours, original)  # a symlink (Debian's) stays a symlink
    with open(ours, "w", encoding="utf-8") as f:
        f.write(MARKER + "; the sitecustomize.py it replaced is kept as %s and runs after it.\n" % ORIGINAL_SITECUSTOMIZE)
        # compiled once into its bytecode, so the line can sit in a try statement here
        f.write("try:\n    " + pth_line(hook_file) + "except Exception:\n    pass\n")
        f.write("if __import__('os').path.lexists(%r):\n    import %s\n" % (original, ORIGINAL_SITECUSTOMIZE[:-3]))
    compile_for_starts(ours)
    if os.path.lexists(original):
        compile_for_starts(original, optimize=0)  # renamed, it no longer matches the bytecode its package compiled
    return ours


def _is_ours(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.readline().startswith(MARKER)
    except (OSError, UnicodeError):
        return False


def uninstall(directory):
    """Removes whatever install put into directory and restores a sitecustomize.py it had replaced."""
    removed = False
    pth = os.path.join(directory, PTH_NAME)
    if os.path.exists(pth):
        os.remove(pth)
        removed = True
    ours = os.path.join(directory, SITECUSTOMIZE)
    if _is_ours(ours):
        original = os.path.join(directory, ORIGINAL_SITECUSTOMIZE)
        for path in (ours, importlib.util.cache_from_source(ours), importlib.util.cache_from_source(original)):
            if os.path.exists(path):
                os.remove(path)
        removed = True
        if os.path.lexists(original):
            os.rename(original, ours)
            compile_for_starts(ours, optimize=0)
    target = os.path.join(directory, PACKAGE)
    if os.path.isdir(target) and os.path.abspath(target) != os.path.dirname(os.path.abspath(__file__)):
        shutil.rmtree(target)
        removed = True
    return removed


def where_installed(directory):
    if os.path.exists(os.path.join(directory, PTH_NAME)):
        return os.path.join(directory, PTH_NAME)
    if _is_ours(os.path.join(directory, SITECUSTOMIZE)):
        return os.path.join(directory, SITECUSTOMIZE)
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pyusage_hook", description="pyusage start-up hook")
    commands = parser.add_subparsers(dest="command")
    p_install = commands.add_parser("install", help="run the hook at every start of this interpreter (and its venvs)")
    p_install.add_argument("--site-dir", help="install into this site directory via a .pth file "
                                              "(default: the standard library, via sitecustomize.py)")
    p_install.add_argument("--endpoint", help="udp://host:port or http(s)://host:port/v1/startups, written to pyusage.ini")
    p_install.add_argument("--http-endpoint", help="http(s)://host:port/v1/startups for records too large for a datagram")
    p_install.add_argument("--token", help="the collector's token (PYUSAGE_COLLECTOR_TOKEN), written to pyusage.ini: "
                                           "every user of this interpreter can read it")
    p_install.add_argument("--ca-file", help="PEM file of the CA that signed the collector's certificate (https:// endpoints)")
    p_install.add_argument("--base", help="base distribution label, written to pyusage.ini")
    for name, text in (("uninstall", "remove the hook and restore a replaced sitecustomize.py"),
                       ("status", "say where the hook is installed and what it would send")):
        commands.add_parser(name, help=text).add_argument("--site-dir")
    p_send = commands.add_parser("send", help="send this interpreter's record (--dry-run: print it)")
    p_send.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2

    directory = getattr(args, "site_dir", None) or stdlib_dir()
    if args.command == "install":
        extra = dict(http_endpoint=args.http_endpoint, token=args.token, ca_file=args.ca_file)
        if args.site_dir:
            where = install_site_dir(args.site_dir, args.endpoint, args.base, **extra)
        else:
            where = install_stdlib(directory, args.endpoint, args.base, **extra)
        print("pyusage hook installed: %s" % where)
    elif args.command == "uninstall":
        print("pyusage hook removed from %s" % directory if uninstall(directory) else "no pyusage hook in %s" % directory)
    elif args.command == "status":
        config_dir = os.path.join(directory, PACKAGE)
        settings = hook.config(config_dir)
        shown = dict(settings, token="(set)") if settings.get("token") else settings
        print(json.dumps({"installed": where_installed(directory), "config": shown,
                          "disabled": hook.disabled(settings),
                          "record": json.loads(hook.encode(hook.build_record(settings)).decode("utf-8"))}, indent=2))
    elif args.command == "send":
        settings = hook.config()
        limit = None if hook.http_endpoint(settings) else hook.MAX_DATAGRAM - len(hook.token_line(settings))
        data = hook.encode(hook.build_record(settings), limit)
        if args.dry_run:
            print(data.decode("utf-8"))
        elif not settings.get("endpoint"):
            print("no endpoint configured (PYUSAGE_ENDPOINT or pyusage.ini): nothing sent", file=sys.stderr)
            return 1
        else:
            hook.send(data, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
