"""Uploaded posters under /media/, as nginx serves them from media_dir
(lib/media writes posters/<hh>/<hash>.<jpg|png> there): the development
routes (nginx/routes.conf.in) on the real stack, and the production
example (nginx/biljett.conf.example) on a real nginx.

  - a content-addressed name is served as a static file with its image
    type, nosniff, a sandboxing CSP and a year's immutable cache;
  - nothing else in the directory is served: no other name or extension
    (an .html or .svg placed there, lib/media's temporary files, upper
    case), no listing, no way out of the directory.
"""
import hashlib
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from support import StackTest
import test_nginx_example as example

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.path.join(ROOT, "tests", "fuzz", "corpus", "image")


def seed(name):
    with open(os.path.join(SEEDS, name), "rb") as f:
        return f.read()


def place(media_dir, data, ext, name=None):
    """Writes data where lib/media would; returns the public path."""
    h = hashlib.blake2b(data, digest_size=32).hexdigest()
    rel = f"posters/{h[:2]}/{name or h + '.' + ext}"
    path = os.path.join(media_dir, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return "/media/" + rel


class MediaChecks:
    """The checks, for any server: self.get(path) -> (status, headers
    with lower-case names, body); self.media_dir."""

    def test_posters_are_served_as_immutable_images(self):
        for name, ext, ctype in (("png-rgb", "png", "image/png"),
                                 ("jpeg-exif", "jpg", "image/jpeg")):
            data = seed(name)
            status, headers, body = self.get(place(self.media_dir, data, ext))
            self.assertEqual(status, 200, name)
            self.assertEqual(body, data)
            self.assertEqual(headers.get("content-type"), ctype)
            self.assertEqual(headers.get("x-content-type-options"), "nosniff")
            self.assertIn("sandbox", headers.get("content-security-policy", ""))
            cache = headers.get("cache-control", "")
            self.assertIn("immutable", cache)
            self.assertIn("max-age=31536000", cache)

    def test_other_files_in_media_dir_are_not_served(self):
        data = b"<html><script>alert(1)</script></html>"
        h = hashlib.blake2b(data, digest_size=32).hexdigest()
        for name in ("evil.html", h + ".html", h + ".svg", ".tmp-Ab12Cd",
                     h.upper() + ".png", h + ".png.html", h[:63] + ".png"):
            path = place(self.media_dir, data, None, name=name)
            status, headers, body = self.get(path)
            self.assertEqual(status, 404, name)
            self.assertNotIn(b"alert", body, name)
        with open(os.path.join(self.media_dir, "secret.txt"), "w") as f:
            f.write("not for the web")
        for path in ("/media/", "/media/posters/", "/media/secret.txt",
                     "/media/posters/ab/" + "ab" * 32 + ".jpg",     # none such
                     "/media/posters/" + h[:2] + "/",
                     "/media/posters/" + h[:2] + "/..%2f..%2fsecret.txt",
                     "/media/posters/00/..%2f..%2f..%2fbiljett.conf"):
            status, headers, body = self.get(path)
            self.assertEqual(status, 404, path)
            self.assertNotIn(b"not for the web", body, path)
            self.assertNotIn(b"secret_key", body, path)


class DevMedia(MediaChecks, StackTest):
    """nginx/routes.conf.in on the development stack."""

    programs = ("catalog",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.media_dir = cls.stack.media_dir

    def test_media_dir_is_the_configured_one(self):
        self.assertEqual(self.stack.conf_value("media_dir"),
                         os.path.join(self.stack.rundir, "media"))

    def get(self, path):
        r = self.client().get(path)
        return r.status, {k.lower(): v for k, v in r.headers}, r.body


class ExampleMedia(MediaChecks, unittest.TestCase):
    """nginx/biljett.conf.example, with media_dir in a temporary
    directory, on a real nginx over https."""

    @classmethod
    def setUpClass(cls):
        if shutil.which("nginx") is None:
            raise unittest.SkipTest("nginx is not installed")
        cls.tmp = tempfile.mkdtemp(prefix="biljett-media-")
        cls.media_dir = os.path.join(cls.tmp, "media")
        cls.https_port = example.free_port()
        conf = example.render(cls.tmp, (example.free_port(), cls.https_port))
        site = os.path.join(cls.tmp, "biljett")
        with open(site) as f:
            text = f.read()
        assert "/var/lib/biljett/media/" in text
        with open(site, "w") as f:
            f.write(text.replace("/var/lib/biljett/media/", cls.media_dir + "/"))
        # A configuration beside media_dir, as in /var/lib/biljett.
        with open(os.path.join(cls.tmp, "biljett.conf"), "w") as f:
            f.write("secret_key = 00\n")
        cls.proc = subprocess.Popen(
            ["nginx", "-p", cls.tmp, "-c", conf, "-e", os.path.join(cls.tmp, "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while not cls.listening():
            if cls.proc.poll() is not None or time.monotonic() > deadline:
                cls.tearDownClass()
                raise AssertionError("nginx did not start")
            time.sleep(0.02)

    @classmethod
    def listening(cls):
        try:
            socket.create_connection(("127.0.0.1", cls.https_port), timeout=0.5).close()
            return True
        except OSError:
            return False

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "proc", None) is not None and cls.proc.poll() is None:
            cls.proc.terminate()
            try:
                cls.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def get(self, path):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", self.https_port,
                                           timeout=10, context=ctx)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def test_posters_keep_the_security_headers(self):
        data = seed("png-rgb")
        _, headers, _ = self.get(place(self.media_dir, data, "png"))
        for h in example.SECURITY_HEADERS:
            self.assertIn(h, headers)


if __name__ == "__main__":
    unittest.main()
