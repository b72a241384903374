"""The wheel the distribution ships: every file in it listed in RECORD with its true hash and size."""

import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile

HOOK = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class WheelTest(unittest.TestCase):

    def test_record_lists_every_file_with_its_hash(self):
        with tempfile.TemporaryDirectory() as out:
            built = subprocess.run([sys.executable, os.path.join(HOOK, "packaging", "make_wheel.py"), out],
                                   check=True, capture_output=True, text=True).stdout.strip()
            self.assertTrue(os.path.basename(built).startswith("pyusage_hook-"), built)
            self.assertTrue(built.endswith("-py3-none-any.whl"), built)
            with zipfile.ZipFile(built) as wheel:
                names = wheel.namelist()
                record_name = [name for name in names if name.endswith(".dist-info/RECORD")][0]
                record = wheel.read(record_name).decode().splitlines()
                listed = {}
                for line in record:
                    path, digest, size = line.rsplit(",", 2)
                    listed[path] = (digest, size)
                self.assertEqual(sorted(names), sorted(listed))
                for name in names:
                    if name == record_name:
                        self.assertEqual(("", ""), listed[name])
                        continue
                    data = wheel.read(name)
                    expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    self.assertEqual((expected, str(len(data))), listed[name], name)
                self.assertIn("pyusage_hook/hook.py", names)
                metadata = wheel.read(record_name.replace("RECORD", "METADATA")).decode()
                self.assertIn("Name: pyusage-hook", metadata)


if __name__ == "__main__":
    unittest.main()
