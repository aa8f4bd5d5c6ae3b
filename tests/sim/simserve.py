"""What every simulator here does the same way around its own protocol:
the common command-line options, a TLS server socket, a log line on
stderr, and serving its servers on 127.0.0.1 until SIGTERM or SIGINT.

Each simulator is started as a script (scripts/devstack.py, the tests), so
its own directory is on sys.path and `import simserve` finds this file.
Callers see the same command lines and the same signals as before: a
simulator is ready when its ports accept connections, and exits 0 on
SIGTERM after shutting its servers down.
"""
import argparse
import http.server
import json
import signal
import ssl
import sys
import threading


class Server(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1, a thread per connection; a restart
    may take the port again at once."""
    daemon_threads = True
    allow_reuse_address = True


# What a control port adds to its answers: tests call it from pages
# (CORS) and must never see a cached state.
CONTROL_HEADERS = (("Access-Control-Allow-Origin", "*"), ("Cache-Control", "no-store"))


def send_json(handler, status, body, headers=()):
    """Answers handler's request with body as JSON, status and headers."""
    data = json.dumps(body).encode()
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def answer_json(text):
    """A peer's answer, parsed as JSON when it is JSON, else as it came."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def logger(name):
    """A log(msg) writing "name: msg" to stderr (the simulator's log
    file under devstack), flushed at once so a test sees it."""
    def log(msg):
        sys.stderr.write(f"{name}: {msg}\n")
        sys.stderr.flush()
    return log


def parser(doc, control_required=True):
    """The simulator's argument parser with --port and --control-port;
    its module docstring is the help text."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--control-port", type=int, required=control_required)
    return ap


def add_tls(ap, required=False):
    """--cert and --key, the server certificate of the API port."""
    ap.add_argument("--cert", required=required)
    ap.add_argument("--key", required=required)


def check_tls(ap, args):
    """Optional TLS takes both files or neither (exits with a usage error)."""
    if bool(args.cert) != bool(args.key):
        ap.error("--cert and --key go together")


def tls(srv, cert, key, client_ca=None):
    """Wraps srv's socket in TLS 1.2 or later with cert/key; with
    client_ca every client must present a certificate signed by it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    if client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    return srv


def api_and_control(args, api, control):
    """The servers of a simulator with one API port (handler api, over TLS
    when args has --cert and --key) and a plain control port (control)."""
    srv = Server(("127.0.0.1", args.port), api)
    if args.cert:
        tls(srv, args.cert, args.key)
    return [srv, Server(("127.0.0.1", args.control_port), control)]


def serve(servers, log, banner):
    """Serves each server in a thread of its own, logs banner, and
    returns once SIGTERM or SIGINT has come and every server has stopped."""
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    log(banner)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    stop.wait()
    for s in servers:
        s.shutdown()
