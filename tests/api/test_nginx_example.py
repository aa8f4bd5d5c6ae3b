"""The production nginx example, nginx/biljett.conf.example, as an
operator installs it on Debian 12 (docs/operations.md section 4): copied
into a temporary directory with only the machine-specific things changed
(certificate, log and temporary paths, the installed share directory)
and included from a minimal nginx.conf the way /etc/nginx/nginx.conf
includes sites-enabled/.  `nginx -t` with the system's nginx (Debian 12:
1.22) must accept it.
"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "nginx", "biljett.conf.example")
SHARE = "/usr/local/share/biljett/"     # make install PREFIX=/usr/local


def self_signed(tmp):
    """A throw-away certificate and key for tickets.example.org."""
    crt, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-days", "2", "-subj", "/CN=tickets.example.org",
                    "-keyout", key, "-out", crt],
                   check=True, capture_output=True)
    return crt, key


def render(tmp, ports=None):
    """Writes tmp/nginx.conf including tmp/biljett (the example with the
    machine-specific paths changed); with ports=(http, https) the example
    listens there on 127.0.0.1 and its sockets point into tmp.  Returns
    the nginx.conf path."""
    with open(EXAMPLE) as f:
        text = f.read()
    crt, key = self_signed(tmp)
    text = re.sub(r"(?m)^(\s*ssl_certificate)\s+\S+;", rf"\1 {crt};", text)
    text = re.sub(r"(?m)^(\s*ssl_certificate_key)\s+\S+;", rf"\1 {key};", text)
    text = text.replace("/var/log/nginx/", tmp + "/")
    # The installed share directory is this checkout.
    text = text.replace(SHARE, ROOT + "/")
    if ports is not None:
        http_port, https_port = ports
        text = re.sub(r"(?m)^\s*listen\s+\[::\].*\n", "", text)
        text = re.sub(r"(?m)^(\s*listen)\s+80\b", rf"\1 127.0.0.1:{http_port}", text)
        text = re.sub(r"(?m)^(\s*listen)\s+443\b", rf"\1 127.0.0.1:{https_port}", text)
        text = text.replace("unix:/run/biljett/", f"unix:{tmp}/")
    site = os.path.join(tmp, "biljett")
    with open(site, "w") as f:
        f.write(text)
    temp = "\n".join(f"\t{kind}_temp_path {tmp}/tmp-{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""{"user root root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log {tmp}/access.log;
{temp}
	include {site};
}}
""")
    return conf


class NginxT(unittest.TestCase):
    """`nginx -t` with the system's nginx (Debian 12: 1.22)."""

    def test_nginx_t_accepts_the_example(self):
        if shutil.which("nginx") is None:
            self.skipTest("nginx is not installed")
        tmp = tempfile.mkdtemp(prefix="biljett-nginx-t-")
        try:
            conf = render(tmp)
            p = subprocess.run(["nginx", "-t", "-p", tmp, "-c", conf,
                                "-e", os.path.join(tmp, "error.log")],
                               capture_output=True, text=True)
            out = p.stdout + p.stderr
            self.assertEqual(p.returncode, 0, out)
            self.assertIn("syntax is ok", out)
            self.assertIn("test is successful", out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
