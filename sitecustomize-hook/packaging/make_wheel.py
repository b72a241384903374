"""Builds the hook's wheel (pure Python, any interpreter 3.7+) with the standard library alone.

pip installs a wheel without a build backend, so the distribution's hook/ installs on hosts with no
network and no setuptools: `pip install --no-index pyusage_hook-<version>-py3-none-any.whl`.
The layout is the binary distribution format's (PEP 427, PEP 491): the package, then a
.dist-info directory with METADATA, WHEEL and a RECORD of every file's SHA-256 and size.

usage: python3 make_wheel.py OUTPUT_DIR
"""

import base64
import hashlib
import os
import re
import sys
import zipfile

HOOK = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "pyusage_hook"


def project_field(name):
    with open(os.path.join(HOOK, "pyproject.toml"), encoding="utf-8") as toml:
        match = re.search(r'^%s\s*=\s*"([^"]*)"' % name, toml.read(), re.MULTILINE)
    if not match:
        raise SystemExit("pyproject.toml has no %s" % name)
    return match.group(1)


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def main(out_dir):
    version = project_field("version")
    dist_info = "%s-%s.dist-info" % (PACKAGE, version)
    files = []
    source = os.path.join(HOOK, "src", PACKAGE)
    for name in sorted(os.listdir(source)):
        if name.endswith(".py"):
            with open(os.path.join(source, name), "rb") as module:
                files.append(("%s/%s" % (PACKAGE, name), module.read()))
    with open(os.path.join(HOOK, "README.md"), encoding="utf-8") as readme:
        description = readme.read()
    metadata = "\n".join([
        "Metadata-Version: 2.1",
        "Name: pyusage-hook",
        "Version: " + version,
        "Summary: " + project_field("description"),
        "Requires-Python: " + project_field("requires-python"),
        "Description-Content-Type: text/markdown",
        "", description])
    wheel = "Wheel-Version: 1.0\nGenerator: pyusage make_wheel.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files += [(dist_info + "/METADATA", metadata.encode()), (dist_info + "/WHEEL", wheel.encode()),
              (dist_info + "/top_level.txt", (PACKAGE + "\n").encode())]
    record = "".join(record_line(path, data) + "\n" for path, data in files) + dist_info + "/RECORD,,\n"
    files.append((dist_info + "/RECORD", record.encode()))
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, "%s-%s-py3-none-any.whl" % (PACKAGE, version))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            # A fixed time: the same sources make the same wheel.
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    print(target)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
