"""Tests of the pyusage hook: pure functions, and real interpreters started with the hook installed."""

import ast
import http.server
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import unittest

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
sys.path.insert(0, SRC)

from pyusage_hook import hook  # noqa: E402
from pyusage_hook import __main__ as cli  # noqa: E402


def make_venv(root):
    """A throw-away virtual environment of the interpreter running the tests; returns (python, site_dir)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", root], check=True)
    python = os.path.join(root, "bin", "python")
    site_dir = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    return python, site_dir


def fake_distribution(site_dir, folder):
    os.makedirs(os.path.join(site_dir, folder), exist_ok=True)


def as_list(packages):
    """A package list as the hook returns it: JSON text."""
    return json.loads(packages)


def settle(directory):
    """Dates the directory back, as one not changed for a while (only such listings are cached)."""
    past = os.stat(directory).st_mtime - 60
    os.utime(directory, (past, past))


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYUSAGE_") and k not in ("DO_NOT_TRACK", "PYTHONPATH") and k not in hook.CI_VARIABLES}
    env.update(extra)
    return env


def self_signed_certificate(directory, name="collector"):
    """A certificate for 127.0.0.1 and localhost, made with Debian's openssl; returns (cert, key) paths."""
    cert, key = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def https_server(cert, key, received):
    """A local HTTPS server that keeps (headers, body) of each POST in received and answers 202."""
    import ssl

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class NormaliseTest(unittest.TestCase):

    def test_pep503_examples(self):
        for raw, expected in [("Foo_Bar", "foo-bar"), ("foo.bar", "foo-bar"), ("FOO--_.bar", "foo-bar"),
                              ("zope.interface", "zope-interface"), ("numpy", "numpy"), ("a_", "a")]:
            self.assertEqual(expected, hook._slow().normalise(raw), raw)


class SourceCompatibilityTest(unittest.TestCase):

    def test_every_file_parses_as_python_3_7(self):
        package = os.path.join(SRC, "pyusage_hook")
        for name in sorted(os.listdir(package)):
            if name.endswith(".py"):
                with open(os.path.join(package, name), encoding="utf-8") as f:
                    ast.parse(f.read(), filename=name, feature_version=(3, 7))


class EncoderTest(unittest.TestCase):

    def test_hand_written_json_reads_back_exactly(self):
        nasty = ['plain', 'quote"', "back\\slash", "new\nline\ttab", "nul\x00 bell\x07 del\x7f c1\x85",
                 "unicode é ✓ 𝄞", "", "\u2028\u2029", "</script>"]
        record = {"s%d" % i: text for i, text in enumerate(nasty)}
        record.update({"i": -3, "f": 1.5, "t": True, "n": None, "nan": float("nan"), "packages": [[n, n] for n in nasty]})
        encoded = dict(record, packages=hook._slow().encode_packages(record["packages"]))
        self.assertEqual(dict(record, nan=None), json.loads(hook.encode(encoded).decode("utf-8")))


class InstalledPackagesTest(unittest.TestCase):

    def test_reads_dist_info_and_egg_info_and_first_on_path_wins(self):
        with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
            fake_distribution(first, "Foo_Bar-1.2.3.dist-info")
            fake_distribution(first, "legacy-0.9-py3.11.egg-info")
            fake_distribution(second, "foo.bar-9.9.dist-info")
            fake_distribution(second, "other-2.0.dist-info")
            fake_distribution(second, "not_a_package")
            packages = hook._slow().installed_packages([first, second, "/does/not/exist"])
        self.assertEqual([["foo-bar", "1.2.3"], ["legacy", "0.9"], ["other", "2.0"]], packages)

    def test_the_package_list_is_cached_until_a_directory_on_the_path_changes(self):
        with tempfile.TemporaryDirectory() as site, tempfile.TemporaryDirectory() as cache:
            os.environ["XDG_CACHE_HOME"] = cache
            try:
                fake_distribution(site, "alpha-1.0.dist-info")
                settle(site)
                self.assertEqual([["alpha", "1.0"]], as_list(hook.cached_packages([site])))
                cache_file = hook._cache_file("packages", sys.prefix)
                self.assertTrue(os.path.exists(cache_file), "a settled path's list is cached")
                # Proof that the cache is what answers: a list changed behind the directory's back is what comes...
                with open(cache_file, encoding="utf-8") as f:
                    cached = f.read()
                with open(cache_file, "w", encoding="utf-8") as f:
                    f.write(cached.replace('["alpha","1.0"]', '["alpha","1.0-cached"]'))
                self.assertEqual([["alpha", "1.0-cached"]], as_list(hook.cached_packages([site])))
                # ...until the directory changes, as installing a distribution changes it.
                fake_distribution(site, "beta-2.0.dist-info")
                self.assertEqual([["alpha", "1.0"], ["beta", "2.0"]], as_list(hook.cached_packages([site])))
                with open(cache_file, encoding="utf-8") as f:
                    self.assertNotIn("beta", f.read(), "a directory changed a moment ago is not cached")
                settle(site)
                self.assertEqual([["alpha", "1.0"], ["beta", "2.0"]], as_list(hook.cached_packages([site])))
                self.assertEqual([["alpha", "1.0"], ["beta", "2.0"]], as_list(hook.cached_packages([site])))
                with open(cache_file, encoding="utf-8") as f:
                    self.assertIn('["beta","2.0"]', f.read())
            finally:
                del os.environ["XDG_CACHE_HOME"]

    def test_each_path_state_has_its_list_and_a_broken_cache_is_ignored(self):
        with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second, \
                tempfile.TemporaryDirectory() as cache:
            os.environ["XDG_CACHE_HOME"] = cache
            try:
                fake_distribution(first, "shared-1.0.dist-info")
                fake_distribution(second, "shared-2.0.dist-info")
                settle(first)
                settle(second)
                for _ in range(2):
                    self.assertEqual([["shared", "1.0"]], as_list(hook.cached_packages([first, second])))
                    self.assertEqual([["shared", "2.0"]], as_list(hook.cached_packages([second, first])), "the first on the path wins")
                with open(hook._cache_file("packages", sys.prefix), "wb") as f:
                    f.write(b"\xff\x00 not a cache\n\x1e" + first.encode())
                self.assertEqual([["shared", "1.0"]], as_list(hook.cached_packages([first, second])))
            finally:
                del os.environ["XDG_CACHE_HOME"]

    def test_without_user_variables_the_account_name_is_looked_up_once_a_day(self):
        saved = {k: os.environ.pop(k) for k in ("USER", "LOGNAME", "USERNAME") if k in os.environ}
        with tempfile.TemporaryDirectory() as cache:
            os.environ["XDG_CACHE_HOME"] = cache
            try:
                import pwd
                self.assertEqual(pwd.getpwuid(os.getuid()).pw_name, hook.user())
                cached = hook._cache_file("user", str(os.getuid()))
                with open(cached, "w", encoding="utf-8") as f:
                    f.write("renamed-in-cache")
                self.assertEqual("renamed-in-cache", hook.user(), "the kept name answers")
                old = os.stat(cached).st_mtime - hook.USER_TTL_SECONDS - 60
                os.utime(cached, (old, old))
                self.assertEqual(pwd.getpwuid(os.getuid()).pw_name, hook.user(), "a day later it is looked up again")
            finally:
                del os.environ["XDG_CACHE_HOME"]
                os.environ.update(saved)

    def test_a_list_too_large_for_a_datagram_is_truncated_with_a_flag(self):
        with tempfile.TemporaryDirectory() as site:
            for i in range(3000):
                fake_distribution(site, "package_%05d-1.0.0.dist-info" % i)
            sys.path.insert(0, site)
            try:
                record = hook.build_record({})
                data = hook.encode(record, 20000)
            finally:
                sys.path.remove(site)
        decoded = json.loads(data)
        self.assertLessEqual(len(data), 20000)
        self.assertTrue(decoded["truncated"])
        self.assertLess(len(decoded["packages"]), 3000)
        self.assertIn(["package-00000", "1.0.0"], decoded["packages"])


class CacheSafetyTest(unittest.TestCase):
    """The cache where another account can write (HOME=/tmp, sudo -E): never read, never written, no link followed."""

    def setUp(self):
        self.site = tempfile.mkdtemp()
        self.cache = tempfile.mkdtemp()
        os.environ["XDG_CACHE_HOME"] = self.cache
        fake_distribution(self.site, "alpha-1.0.dist-info")
        settle(self.site)
        self.assertEqual([["alpha", "1.0"]], as_list(hook.cached_packages([self.site])))
        self.cache_file = os.path.join(self.cache, "pyusage", os.path.basename(hook._cache_file("packages", sys.prefix)))
        with open(self.cache_file, encoding="utf-8") as f:
            self.genuine = f.read()
        self.forged = self.genuine.replace('["alpha","1.0"]', '["alpha","1.0-forged"]')

    def tearDown(self):
        del os.environ["XDG_CACHE_HOME"]
        shutil.rmtree(self.site, ignore_errors=True)
        shutil.rmtree(self.cache, ignore_errors=True)

    def forge(self):
        with open(self.cache_file, "w", encoding="utf-8") as f:
            f.write(self.forged)

    def test_a_forged_list_in_the_users_own_cache_is_used_proving_the_checks_below_can_fail(self):
        self.forge()
        self.assertEqual([["alpha", "1.0-forged"]], as_list(hook.cached_packages([self.site])))

    def test_a_directory_others_can_write_is_neither_read_nor_written(self):
        self.forge()
        os.chmod(os.path.dirname(self.cache_file), 0o777)
        self.assertEqual([["alpha", "1.0"]], as_list(hook.cached_packages([self.site])), "listed, not read from the cache")
        with open(self.cache_file, encoding="utf-8") as f:
            self.assertEqual(self.forged, f.read(), "and nothing written into it")

    def test_a_directory_of_another_account_is_not_used(self):
        self.forge()
        if os.geteuid() == 0:
            os.chown(os.path.dirname(self.cache_file), 65534, 65534)
        else:
            # Without root no file can be given away: another account's directory is then one this user cannot own.
            os.rename(os.path.dirname(self.cache_file), os.path.dirname(self.cache_file) + "-real")
            os.symlink(os.path.dirname(self.cache_file) + "-real", os.path.dirname(self.cache_file))
        self.assertEqual([["alpha", "1.0"]], as_list(hook.cached_packages([self.site])))

    def test_a_cache_file_that_is_a_link_or_writable_by_others_is_ignored(self):
        elsewhere = os.path.join(self.site, "forged-cache")
        with open(elsewhere, "w", encoding="utf-8") as f:
            f.write(self.forged)
        os.unlink(self.cache_file)
        os.symlink(elsewhere, self.cache_file)
        self.assertEqual([["alpha", "1.0"]], as_list(hook.cached_packages([self.site])), "the link is not followed")
        os.unlink(self.cache_file)
        self.forge()
        os.chmod(self.cache_file, 0o666)
        self.assertEqual([["alpha", "1.0"]], as_list(hook.cached_packages([self.site])))

    def test_what_the_hook_keeps_is_private_from_the_first_byte_whatever_the_umask(self):
        shutil.rmtree(os.path.join(self.cache, "pyusage"))
        saved = os.umask(0)
        try:
            self.assertEqual([["alpha", "1.0"]], as_list(hook.cached_packages([self.site])))
        finally:
            os.umask(saved)
        self.assertEqual(0o700, os.stat(os.path.dirname(self.cache_file)).st_mode & 0o777)
        self.assertEqual(0o600, os.stat(self.cache_file).st_mode & 0o777)
        self.assertEqual([], [n for n in os.listdir(os.path.dirname(self.cache_file)) if ".tmp" in n], "no temporary file is left")


class UdpReceiver(unittest.TestCase):
    """A local UDP socket, the endpoint the hooks of a test send to."""

    def setUp(self):
        self.receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.receiver.bind(("127.0.0.1", 0))
        self.receiver.settimeout(10)
        self.endpoint = "udp://127.0.0.1:%d" % self.receiver.getsockname()[1]

    def tearDown(self):
        self.receiver.close()


class RealInterpreterTest(UdpReceiver):
    """Starts real python processes of a venv with the hook installed by its installer."""

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="pyusage-hook-test-")
        cls.python, cls.site_dir = make_venv(os.path.join(cls.root, "venv"))
        subprocess.run([sys.executable, "-m", "pyusage_hook", "install", "--site-dir", cls.site_dir],
                       check=True, capture_output=True, env=clean_env(PYTHONPATH=SRC))
        fake_distribution(cls.site_dir, "Demo_Package-4.5.6.dist-info")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)


    def start(self, *args, **env):
        env.setdefault("XDG_CACHE_HOME", os.path.join(self.root, "cache"))
        # The start records alone; ImportsTest has the records sent at exit.
        env.setdefault("PYUSAGE_IMPORTS", "0")
        return subprocess.run([self.python] + list(args), capture_output=True, text=True, timeout=60,
                              env=clean_env(**env))

    def test_a_distribution_installed_between_starts_is_in_the_next_record(self):
        settle(self.site_dir)
        self.start("-c", "pass", PYUSAGE_ENDPOINT=self.endpoint)
        self.assertIn(["demo-package", "4.5.6"], self.receive()["packages"])
        self.assertTrue(os.listdir(os.path.join(self.root, "cache", "pyusage")), "the listing is cached")
        fake_distribution(self.site_dir, "Fresh.Install-0.1.dist-info")
        try:
            self.start("-c", "pass", PYUSAGE_ENDPOINT=self.endpoint)
            self.assertIn(["fresh-install", "0.1"], self.receive()["packages"])
        finally:
            os.rmdir(os.path.join(self.site_dir, "Fresh.Install-0.1.dist-info"))
        self.start("-c", "pass", PYUSAGE_ENDPOINT=self.endpoint)
        self.assertNotIn(["fresh-install", "0.1"], self.receive()["packages"], "an uninstalled distribution is gone")

    def receive(self):
        data, _ = self.receiver.recvfrom(65536)
        return json.loads(data.decode("utf-8"))

    def test_a_plain_start_sends_one_valid_record(self):
        result = self.start("-c", "pass", PYUSAGE_ENDPOINT=self.endpoint, PYUSAGE_BASE="2023.06")
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual("", result.stderr)
        record = self.receive()
        self.assertEqual(1, record["schema"])
        self.assertRegex(record["event_id"], r"^[0-9a-f]{32}$")
        self.assertEqual("-c", record["entry"])
        self.assertEqual("2023.06", record["base"])
        self.assertTrue(record["venv"])
        self.assertEqual(os.path.realpath(os.path.join(self.root, "venv")), os.path.realpath(record["prefix"]))
        # Python processes a venv's site-packages twice; the hook must still send once.
        self.receiver.settimeout(0.5)
        with self.assertRaises(socket.timeout):
            self.receive()
        self.assertIn(["demo-package", "4.5.6"], record["packages"])
        self.assertEqual("%d.%d.%d" % sys.version_info[:3], record["python"])
        self.assertGreater(record["startup_ms"], 0)

    def test_script_entry_and_ci_flag(self):
        script = os.path.join(self.root, "job.py")
        with open(script, "w") as f:
            f.write("import sys; sys.exit(3)\n")
        result = self.start(script, PYUSAGE_ENDPOINT=self.endpoint, CI="true")
        self.assertEqual(3, result.returncode, "the hook must not change the exit code")
        record = self.receive()
        self.assertEqual("job.py", record["entry"])
        self.assertTrue(record["ci"])

    def test_module_entry_names_the_module_and_can_be_switched_off(self):
        module_dir = os.path.join(self.root, "modules")
        os.makedirs(module_dir, exist_ok=True)
        with open(os.path.join(module_dir, "report_tool.py"), "w") as f:
            f.write("print('tool ran')\n")
        result = subprocess.run([self.python, "-m", "report_tool"], cwd=module_dir, capture_output=True, text=True,
                                env=clean_env(PYUSAGE_ENDPOINT=self.endpoint))
        self.assertEqual("tool ran\n", result.stdout)
        self.assertEqual("-m report_tool", self.receive()["entry"])
        self.start("-c", "pass", PYUSAGE_ENDPOINT=self.endpoint, PYUSAGE_ENTRY="off")
        self.assertNotIn("entry", self.receive())

    def test_host_name_endpoint_is_resolved_off_the_start_and_cached(self):
        cache = os.path.join(self.root, "cache")
        endpoint = "udp://localhost:%d" % self.receiver.getsockname()[1]
        # First start: no cached address, so the lookup and send run on a background thread.
        self.start("-c", "import time; time.sleep(0.5)", PYUSAGE_ENDPOINT=endpoint, XDG_CACHE_HOME=cache)
        self.assertEqual(1, self.receive()["schema"])
        with open(os.path.join(cache, "pyusage", "address-localhost")) as f:
            self.assertEqual("127.0.0.1", f.read())
        # Later starts send straight to the cached address, even a start that exits at once.
        result = self.start("-c", "import os; print(os.getpid())", PYUSAGE_ENDPOINT=endpoint, XDG_CACHE_HOME=cache)
        self.assertEqual(int(result.stdout.strip()), self.receive()["pid"])

    def test_broken_config_unreadable_paths_and_read_only_home_never_break_the_start(self):
        with open(os.path.join(self.site_dir, "pyusage_hook", hook.CONFIG_FILE), "wb") as f:
            f.write(b"\xff\xfe[pyusage\nendpoint == = \x00\n")
        try:
            settle(self.site_dir)  # so that the package list would be cached, where the home is read-only
            for env in ({"PYTHONPATH": "/etc/hostname"},
                        {"HOME": "/proc", "XDG_CACHE_HOME": "", "PYUSAGE_ENDPOINT": "udp://no-such-host.invalid:1"},
                        {"HOME": "/proc", "XDG_CACHE_HOME": "", "PYUSAGE_ENDPOINT": self.endpoint},
                        {"PYUSAGE_ENDPOINT": self.endpoint}):
                result = self.start("-c", "import sys; print('ok'); sys.exit(4)", **env)
                self.assertEqual(4, result.returncode, env)
                self.assertEqual("ok\n", result.stdout, env)
                self.assertEqual("", result.stderr, env)
            self.assertIn(["demo-package", "4.5.6"], self.receive()["packages"], "sent without a writable cache")
            self.assertEqual(1, self.receive()["schema"], "variables still work beside a broken config file")
        finally:
            os.remove(os.path.join(self.site_dir, "pyusage_hook", hook.CONFIG_FILE))

    def test_opt_out_sends_nothing(self):
        for env in ({"PYUSAGE_DISABLE": "1"}, {"DO_NOT_TRACK": "1"}):
            result = self.start("-c", "pass", PYUSAGE_ENDPOINT=self.endpoint, **env)
            self.assertEqual(0, result.returncode)
        # A start without opt-out afterwards: the first datagram to arrive must be its own.
        marker = self.start("-c", "import os; print(os.getpid())", PYUSAGE_ENDPOINT=self.endpoint)
        self.assertEqual(int(marker.stdout.strip()), self.receive()["pid"])

    def test_unreachable_or_invalid_endpoint_never_breaks_the_start(self):
        for endpoint in ("udp://no-such-host.invalid:1", "udp://127.0.0.1:notaport", "ftp://x", "udp://"):
            result = self.start("-c", "print('ok')", PYUSAGE_ENDPOINT=endpoint)
            self.assertEqual(0, result.returncode, endpoint)
            self.assertEqual("ok\n", result.stdout, endpoint)
            self.assertEqual("", result.stderr, endpoint)

    def test_debug_prints_the_record(self):
        result = self.start("-c", "pass", PYUSAGE_DEBUG="1")
        self.assertEqual(0, result.returncode)
        line = result.stderr.strip()
        self.assertTrue(line.startswith("pyusage: "), line)
        self.assertIn(["demo-package", "4.5.6"], json.loads(line[len("pyusage: "):])["packages"])

    def post_to_local_server(self, *args, **env):
        """Starts python with PYUSAGE_*HTTP* pointing at a local server; returns the bodies it received."""
        bodies = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = "http://127.0.0.1:%d/v1/startups" % server.server_address[1]
            env = {k: (url if v == "HTTP" else v) for k, v in env.items()}
            result = self.start(*args, **env)
            self.assertEqual(0, result.returncode, result.stderr)
        finally:
            server.shutdown()
            server.server_close()
        return bodies

    def test_a_token_is_the_datagrams_first_line(self):
        result = self.start("-c", "pass", PYUSAGE_ENDPOINT=self.endpoint, PYUSAGE_TOKEN="site-token-0123456789")
        self.assertEqual(0, result.returncode, result.stderr)
        data, _ = self.receiver.recvfrom(65536)
        line, _, record = data.partition(b"\n")
        self.assertEqual(b"Bearer site-token-0123456789", line)
        self.assertIn(["demo-package", "4.5.6"], json.loads(record.decode("utf-8"))["packages"])

    def test_https_endpoint_with_a_ca_file_posts_with_the_token(self):
        cert, key = self_signed_certificate(self.root)
        received = []
        server = https_server(cert, key, received)
        try:
            url = "https://127.0.0.1:%d/v1/startups" % server.server_address[1]
            result = self.start("-c", "pass", PYUSAGE_ENDPOINT=url, PYUSAGE_TOKEN="site-token-0123456789", PYUSAGE_CA_FILE=cert)
            self.assertEqual(0, result.returncode, result.stderr)
            self.assertEqual("", result.stderr)
            self.assertEqual(1, len(received))
            headers, body = received[0]
            self.assertEqual("Bearer site-token-0123456789", headers["Authorization"])
            self.assertIn(["demo-package", "4.5.6"], json.loads(body)["packages"])
            # Without the CA the certificate is not trusted: nothing is sent, and the start is unharmed.
            result = self.start("-c", "pass", PYUSAGE_ENDPOINT=url, PYUSAGE_TOKEN="site-token-0123456789")
            self.assertEqual(0, result.returncode, result.stderr)
            self.assertEqual("", result.stderr)
            self.assertEqual(1, len(received))
        finally:
            server.shutdown()
            server.server_close()

    def test_http_endpoint_posts_at_exit(self):
        bodies = self.post_to_local_server("-c", "pass", PYUSAGE_ENDPOINT="HTTP")
        self.assertEqual(1, len(bodies))
        self.assertIn(["demo-package", "4.5.6"], json.loads(bodies[0])["packages"])

    def test_a_record_too_large_for_a_datagram_goes_over_http_whole(self):
        many = os.path.join(self.root, "many")
        for i in range(2500):
            fake_distribution(many, "a_rather_long_distribution_name_%04d-1.0.%d.dist-info" % (i, i))
        bodies = self.post_to_local_server("-c", "pass", PYUSAGE_ENDPOINT=self.endpoint, PYUSAGE_HTTP_ENDPOINT="HTTP",
                                           PYTHONPATH=many)
        self.assertEqual(1, len(bodies))
        record = json.loads(bodies[0])
        self.assertGreater(len(bodies[0]), hook.MAX_DATAGRAM)
        self.assertEqual(2501, len(record["packages"]))
        self.assertNotIn("truncated", record)
        self.receiver.settimeout(0.5)
        with self.assertRaises(socket.timeout):
            self.receive()

    def test_the_hook_leaves_the_process_as_it_found_it(self):
        probe = ("import json, os, signal, sys; print(json.dumps([os.getcwd(), sys.path, repr(signal.getsignal(signal.SIGINT)),"
                 " sorted(set(sys.modules) - {'_pyusage_hook', '_socket'})]))")
        hooked = self.start("-c", probe, PYUSAGE_ENDPOINT=self.endpoint, PYUSAGE_IMPORTS="1")
        self.receive()
        disabled = self.start("-c", probe, PYUSAGE_ENDPOINT=self.endpoint, PYUSAGE_DISABLE="1")
        self.assertEqual(json.loads(disabled.stdout), json.loads(hooked.stdout))

    def test_isolated_mode_still_reports_and_no_site_skips_the_hook(self):
        # -I drops the user site and PYTHON* variables, but the environment's site-packages still runs
        # its .pth files and PYUSAGE_* variables are not PYTHON* ones: the start is reported.
        isolated = self.start("-I", "-c", "import os; print(os.getpid())", PYUSAGE_ENDPOINT=self.endpoint)
        self.assertEqual(0, isolated.returncode)
        self.assertEqual(int(isolated.stdout.strip()), self.receive()["pid"])
        no_site = self.start("-S", "-c", "import sys; print('pyusage_hook' in sys.modules)", PYUSAGE_ENDPOINT=self.endpoint)
        self.assertEqual("False\n", no_site.stdout)


def write_distribution(site_dir, name, version, files, record=True, top_level=None, egg=False):
    """A distribution as an installer leaves it: its files (relative path -> text) in site_dir, and
    its metadata folder with METADATA and RECORD (or, egg=True, an egg-info with top_level.txt)."""
    for path, text in files.items():
        full = os.path.join(site_dir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    folder = os.path.join(site_dir, "%s-%s.%s" % (name, version, "egg-info" if egg else "dist-info"))
    os.makedirs(folder)
    with open(os.path.join(folder, "PKG-INFO" if egg else "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version))
    if top_level is not None:
        with open(os.path.join(folder, "top_level.txt"), "w") as f:
            f.write("\n".join(top_level) + "\n")
    if record and not egg:
        meta = os.path.basename(folder)
        with open(os.path.join(folder, "RECORD"), "w") as f:
            for path in list(files) + [meta + "/METADATA", meta + "/RECORD"]:
                f.write("%s,,\n" % path)
            f.write("../../../bin/%s-tool,,\n" % name)


class ModuleNamesTest(unittest.TestCase):

    def test_modules_packages_and_namespace_packages_are_named_from_the_files(self):
        names = hook._load("imports").module_names_of_files([
            "six.py", "numpy/__init__.py", "numpy/core/multiarray.py", "_speedups.cpython-311-x86_64-linux-gnu.so",
            "google/protobuf/__init__.py", "google/protobuf/message.py", "google/_upb.so", "numpy-1.0.dist-info/RECORD",
            "../../../bin/f2py", "__editable___demo_1_0_finder.py", "__pycache__/six.cpython-311.pyc", "demo.pth"])
        self.assertEqual({"six", "numpy", "_speedups", "google.protobuf", "google._upb"}, names)


class ImportsTest(UdpReceiver):
    """Real interpreters in a venv whose distributions have real module files and installers' metadata."""

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="pyusage-imports-test-")
        cls.python, cls.site_dir = make_venv(os.path.join(cls.root, "venv"))
        subprocess.run([sys.executable, "-m", "pyusage_hook", "install", "--site-dir", cls.site_dir],
                       check=True, capture_output=True, env=clean_env(PYTHONPATH=SRC))
        write_distribution(cls.site_dir, "alpha", "1.0", {"alpha/__init__.py": "", "alpha/sub.py": ""})
        write_distribution(cls.site_dir, "Beta_Tools", "2.0", {"beta.py": ""}, egg=True, top_level=["beta"])
        # A namespace package split over two distributions.
        write_distribution(cls.site_dir, "ns_a", "3.0", {"ns/a/__init__.py": ""})
        write_distribution(cls.site_dir, "ns_b", "3.1", {"ns/b/__init__.py": ""})
        write_distribution(cls.site_dir, "gamma", "4.0", {"gamma/__init__.py": ""}, record=False, top_level=["gamma"])
        write_distribution(cls.site_dir, "unused", "5.0", {"unused/__init__.py": ""})
        with open(os.path.join(cls.site_dir, "stray.py"), "w") as f:
            f.write("")  # a module no distribution owns
        settle(cls.site_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)


    def run_python(self, code, **env):
        env.setdefault("XDG_CACHE_HOME", os.path.join(self.root, "cache"))
        return subprocess.run([self.python, "-c", code], capture_output=True, text=True, timeout=60,
                              env=clean_env(PYUSAGE_ENDPOINT=self.endpoint, **env))

    def records(self, quiet=1.0):
        """Every datagram that arrives until none has for `quiet` seconds, as (start, import records)."""
        starts, imports = [], []
        self.receiver.settimeout(quiet)
        while True:
            try:
                data, _ = self.receiver.recvfrom(65536)
            except socket.timeout:
                return starts, imports
            record = json.loads(data.decode("utf-8"))
            (imports if record.get("kind") == "imports" else starts).append(record)

    def test_the_record_names_exactly_the_distributions_imported(self):
        result = self.run_python("import alpha.sub, beta, ns.a, gamma, stray, json")
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual("", result.stderr)
        starts, imports = self.records()
        self.assertEqual(1, len(starts))
        self.assertEqual(1, len(imports), "one import record per process")
        record = imports[0]
        self.assertEqual(starts[0]["event_id"], record["event_id"])
        self.assertEqual(starts[0]["user"], record["user"])
        self.assertEqual(1, record["schema"])
        self.assertEqual([["alpha", "1.0"], ["beta-tools", "2.0"], ["gamma", "4.0"], ["ns-a", "3.0"]], record["imports"])

    def test_the_map_is_cached_and_built_again_when_a_distribution_is_installed(self):
        self.run_python("import alpha")
        self.records()
        cache = os.path.join(self.root, "cache", "pyusage")
        self.assertTrue([f for f in os.listdir(cache) if f.startswith("modules-")], "the module map is cached")
        write_distribution(self.site_dir, "delta", "0.1", {"delta.py": ""})
        try:
            self.run_python("import delta, alpha")
            self.assertEqual([["alpha", "1.0"], ["delta", "0.1"]], self.records()[1][0]["imports"])
        finally:
            shutil.rmtree(os.path.join(self.site_dir, "delta-0.1.dist-info"))
            os.remove(os.path.join(self.site_dir, "delta.py"))
            settle(self.site_dir)

    def test_an_exception_or_sys_exit_keeps_the_exit_and_still_reports(self):
        failed = self.run_python("import alpha\nraise RuntimeError('boom')")
        self.assertEqual(1, failed.returncode)
        self.assertTrue(failed.stderr.rstrip().endswith("RuntimeError: boom"), failed.stderr)
        self.assertNotIn("pyusage", failed.stderr)
        self.assertNotIn("atexit", failed.stderr)
        self.assertEqual([["alpha", "1.0"]], self.records()[1][0]["imports"])
        exited = self.run_python("import sys, ns.b\nsys.exit(3)")
        self.assertEqual(3, exited.returncode)
        self.assertEqual("", exited.stderr)
        self.assertEqual([["ns-b", "3.1"]], self.records()[1][0]["imports"])

    def test_a_process_that_imports_nothing_installed_says_so(self):
        self.run_python("import json")
        self.assertEqual([], self.records()[1][0]["imports"])

    def test_os_exit_and_the_switch_send_no_import_record(self):
        self.run_python("import os, alpha; os._exit(0)")
        starts, imports = self.records()
        self.assertEqual((1, 0), (len(starts), len(imports)))
        self.run_python("import alpha", PYUSAGE_IMPORTS="0")
        starts, imports = self.records()
        self.assertEqual((1, 0), (len(starts), len(imports)))

    def test_a_process_that_runs_on_reports_once_while_running_and_again_only_with_more(self):
        # The first import after the time reports what was imported before it; the exit adds the rest.
        code = "import time, alpha\ntime.sleep(1.0)\nimport beta\ntime.sleep(0.2)\nimport ns.a\n"
        result = self.run_python(code, PYUSAGE_IMPORTS_AFTER="0.5")
        self.assertEqual("", result.stderr)
        imports = self.records()[1]
        self.assertEqual([["alpha", "1.0"]], imports[0]["imports"])
        self.assertEqual([["alpha", "1.0"], ["beta-tools", "2.0"], ["ns-a", "3.0"]], imports[1]["imports"])
        self.assertEqual(2, len(imports))
        self.run_python("import time, alpha\ntime.sleep(1.0)\nimport json\n", PYUSAGE_IMPORTS_AFTER="0.5")
        self.assertEqual(1, len(self.records()[1]), "nothing new by the exit: no second record")

    def test_a_forked_child_does_not_report_for_its_parent(self):
        code = "import os, sys, alpha\npid = os.fork()\nif pid == 0:\n    import beta\n    sys.exit(0)\nos.waitpid(pid, 0)\n"
        self.run_python(code)
        imports = self.records()[1]
        self.assertEqual([[["alpha", "1.0"]]], [record["imports"] for record in imports])


class InstallerTest(unittest.TestCase):

    def test_install_writes_config_and_uninstall_removes_everything(self):
        with tempfile.TemporaryDirectory() as site_dir:
            cli.install_site_dir(site_dir, endpoint="udp://127.0.0.1:8514", base="2025.01")
            self.assertTrue(os.path.exists(os.path.join(site_dir, cli.PTH_NAME)))
            with open(os.path.join(site_dir, cli.PACKAGE, hook.CONFIG_FILE)) as f:
                self.assertEqual("[pyusage]\nendpoint = udp://127.0.0.1:8514\nbase = 2025.01\n", f.read())
            status = subprocess.run([sys.executable, "-m", "pyusage_hook", "status", "--site-dir", site_dir],
                                    capture_output=True, text=True, env=clean_env(PYTHONPATH=SRC))
            self.assertEqual(0, status.returncode, status.stderr)
            report = json.loads(status.stdout)
            self.assertEqual(os.path.join(site_dir, cli.PTH_NAME), report["installed"])
            self.assertEqual("udp://127.0.0.1:8514", report["config"]["endpoint"])
            self.assertIsInstance(report["record"]["packages"], list)
            self.assertTrue(cli.uninstall(site_dir))
            self.assertEqual([], os.listdir(site_dir))
            self.assertFalse(cli.uninstall(site_dir))

    def test_a_pth_line_left_without_its_hook_file_is_silent(self):
        root = tempfile.mkdtemp(prefix="pyusage-hook-test-")
        try:
            python, site_dir = make_venv(os.path.join(root, "venv"))
            cli.install_site_dir(site_dir, endpoint="udp://127.0.0.1:9")
            shutil.rmtree(os.path.join(site_dir, cli.PACKAGE))
            result = subprocess.run([python, "-c", "print('started')"], capture_output=True, text=True, env=clean_env())
            self.assertEqual(("started\n", ""), (result.stdout, result.stderr))
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def test_standard_library_install_chains_an_existing_sitecustomize_and_uninstall_restores_it(self):
        with tempfile.TemporaryDirectory() as stdlib, tempfile.TemporaryDirectory() as marker_dir:
            original = "import os\nopen(os.path.join(%r, 'ran'), 'w').close()\n" % marker_dir
            with open(os.path.join(stdlib, "sitecustomize.py"), "w") as f:
                f.write(original)
            receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            receiver.bind(("127.0.0.1", 0))
            receiver.settimeout(10)
            try:
                cli.install_stdlib(stdlib, endpoint="udp://127.0.0.1:%d" % receiver.getsockname()[1])
                for module in ("sitecustomize.py", cli.ORIGINAL_SITECUSTOMIZE):
                    self.assertTrue(os.path.exists(importlib.util.cache_from_source(os.path.join(stdlib, module))),
                                    "starts that may not write bytecode must not compile %s each time" % module)
                # sitecustomize is imported from the first sys.path entry holding one: PYTHONPATH stands in for the stdlib
                result = subprocess.run([sys.executable, "-c", "print('started')"], capture_output=True, text=True,
                                        env=clean_env(PYTHONPATH=stdlib))
                self.assertEqual("started\n", result.stdout, result.stderr)
                self.assertEqual(1, json.loads(receiver.recv(65536))["schema"])
                self.assertTrue(os.path.exists(os.path.join(marker_dir, "ran")), "the original sitecustomize must still run")
            finally:
                receiver.close()
            self.assertTrue(cli.uninstall(stdlib))
            with open(os.path.join(stdlib, "sitecustomize.py")) as f:
                self.assertEqual(original, f.read())
            self.assertEqual(["sitecustomize.py"], sorted(n for n in os.listdir(stdlib) if n != "__pycache__"))
            with open(importlib.util.cache_from_source(os.path.join(stdlib, "sitecustomize.py")), "rb") as f:
                self.assertEqual(len(original), int.from_bytes(f.read(16)[12:16], "little"),
                                 "the bytecode of the restored sitecustomize.py is its own")

    def test_send_dry_run_prints_a_record(self):
        result = subprocess.run([sys.executable, "-m", "pyusage_hook", "send", "--dry-run"], capture_output=True,
                                text=True, env=clean_env(PYTHONPATH=SRC))
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertRegex(json.loads(result.stdout)["event_id"], r"^[0-9a-f]{32}$")


if __name__ == "__main__":
    unittest.main()
