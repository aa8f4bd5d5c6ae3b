#!/usr/bin/env python3
"""An SMTP sink (RFC 5321 subset) that keeps every accepted message as
MAILDIR/NNNNNN.eml for tests and `make run`.

  --port P          SMTP on 127.0.0.1 (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT,
                    DATA, RSET, NOOP, QUIT; no STARTTLS)
  --dir MAILDIR     where messages go, written atomically
  --control-port C  plain HTTP: POST /__sink/fail-next {"count", "code"}
                    makes the next DATA commands fail (to test retries);
                    GET /__sink/messages; GET /__sink/auth (every AUTH
                    command seen: [{"mechanism", "user"}], all of them in
                    clear, since the sink has no TLS); POST /__sink/reset

Credentials are accepted whatever they are; the user name is recorded in
the X-Sink-Envelope line and by /__sink/auth, the password never.  As the
sink offers no STARTTLS, a client that must not send credentials in
clear never authenticates here: that is what /__sink/auth lets tests see.
"""
import base64
import http.server
import json
import os
import socketserver
import threading

import simserve

LOCK = threading.Lock()
STATE = {"fail": [], "seq": 0, "auth": []}
ARGS = None
MAX_SIZE = 10 * 1024 * 1024


log = simserve.logger("smtp-sink")


def store(envelope, data):
    with LOCK:
        STATE["seq"] += 1
        n = STATE["seq"]
        while os.path.exists(os.path.join(ARGS.dir, f"{n:06d}.eml")):
            n += 1
            STATE["seq"] = n
    name = os.path.join(ARGS.dir, f"{n:06d}.eml")
    tmp = os.path.join(ARGS.dir, f".{n:06d}.tmp")
    with open(tmp, "wb") as f:
        f.write(envelope.encode() + b"\r\n" + data)
    os.rename(tmp, name)
    return name


class Session(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def readline(self):
        line = self.rfile.readline(4096)
        if not line:
            raise EOFError
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def handle(self):
        self.reply("220 127.0.0.1 biljett SMTP sink ready")
        mail_from, rcpts, user = None, [], None
        try:
            while True:
                line = self.readline()
                cmd = line[:4].upper()
                arg = line[5:] if len(line) > 4 else ""
                if cmd == "EHLO":
                    self.reply("250-127.0.0.1 hello")
                    self.reply("250-8BITMIME")
                    self.reply(f"250-SIZE {MAX_SIZE}")
                    self.reply("250 AUTH PLAIN LOGIN")
                elif cmd == "HELO":
                    self.reply("250 127.0.0.1")
                elif cmd == "AUTH":
                    parts = arg.split()
                    mech = parts[0].upper() if parts else ""
                    seen = {"mechanism": mech, "user": None}
                    with LOCK:
                        STATE["auth"].append(seen)
                    if mech == "PLAIN":
                        blob = parts[1] if len(parts) > 1 else None
                        if blob is None:
                            self.reply("334 ")
                            blob = self.readline()
                        fields = base64.b64decode(blob + "==").split(b"\0")
                        user = fields[1].decode() if len(fields) > 1 else ""
                        seen["user"] = user
                        self.reply("235 2.7.0 Authentication successful")
                    elif mech == "LOGIN":
                        if len(parts) > 1:
                            user = base64.b64decode(parts[1] + "==").decode()
                        else:
                            self.reply("334 VXNlcm5hbWU6")
                            user = base64.b64decode(self.readline() + "==").decode()
                        self.reply("334 UGFzc3dvcmQ6")
                        seen["user"] = user
                        self.readline()     # the password: read, never kept
                        self.reply("235 2.7.0 Authentication successful")
                    else:
                        self.reply("504 5.5.4 Unrecognized authentication type")
                elif cmd == "MAIL":
                    mail_from = arg.split(":", 1)[1].strip() if ":" in arg else ""
                    rcpts = []
                    self.reply("250 2.1.0 OK")
                elif cmd == "RCPT":
                    if mail_from is None:
                        self.reply("503 5.5.1 MAIL first")
                        continue
                    rcpts.append(arg.split(":", 1)[1].strip() if ":" in arg else "")
                    self.reply("250 2.1.5 OK")
                elif cmd == "DATA":
                    if not rcpts:
                        self.reply("503 5.5.1 RCPT first")
                        continue
                    with LOCK:
                        fail = STATE["fail"].pop(0) if STATE["fail"] else None
                    if fail is not None:
                        self.reply(f"{fail} 4.3.0 Simulated failure")
                        mail_from, rcpts = None, []
                        continue
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    lines = []
                    size = 0
                    while True:
                        raw = self.rfile.readline(1 << 20)
                        if not raw:
                            raise EOFError
                        if raw in (b".\r\n", b".\n"):
                            break
                        if raw.startswith(b".."):
                            raw = raw[1:]
                        size += len(raw)
                        if size <= MAX_SIZE:
                            lines.append(raw)
                    if size > MAX_SIZE:
                        self.reply("552 5.3.4 Message too big")
                    else:
                        env = (f"X-Sink-Envelope: from={mail_from} to={','.join(rcpts)}"
                               + (f" user={user}" if user else ""))
                        name = store(env, b"".join(lines))
                        log(f"stored {name} from {mail_from} to {rcpts}")
                        self.reply("250 2.0.0 OK queued")
                    mail_from, rcpts = None, []
                elif cmd == "RSET":
                    mail_from, rcpts = None, []
                    self.reply("250 2.0.0 OK")
                elif cmd == "NOOP":
                    self.reply("250 2.0.0 OK")
                elif cmd == "QUIT":
                    self.reply("221 2.0.0 Bye")
                    return
                else:
                    self.reply("502 5.5.2 Command not recognized")
        except (EOFError, ConnectionError, OSError):
            return


class Control(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def send(self, status, body):
        simserve.send_json(self, status, body)

    def do_GET(self):
        if self.path == "/__sink/messages":
            names = sorted(n for n in os.listdir(ARGS.dir) if n.endswith(".eml"))
            return self.send(200, names)
        if self.path == "/__sink/auth":
            with LOCK:
                return self.send(200, list(STATE["auth"]))
        self.send(404, {"error": "not found"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(n)) if n else {}
        except ValueError:
            body = {}
        if self.path == "/__sink/fail-next":
            with LOCK:
                STATE["fail"] += [int(body.get("code", 451))] * int(body.get("count", 1))
            return self.send(200, {"ok": True})
        if self.path == "/__sink/reset":
            with LOCK:
                STATE["fail"] = []
                STATE["auth"] = []
            for name in os.listdir(ARGS.dir):
                if name.endswith(".eml"):
                    os.unlink(os.path.join(ARGS.dir, name))
            return self.send(200, {"ok": True})
        self.send(404, {"error": "not found"})


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    ap = simserve.parser(__doc__, control_required=False)
    ap.add_argument("--dir", required=True)
    ARGS = ap.parse_args()
    os.makedirs(ARGS.dir, exist_ok=True)
    servers = [Server(("127.0.0.1", ARGS.port), Session)]
    if ARGS.control_port:
        servers.append(simserve.Server(("127.0.0.1", ARGS.control_port), Control))
    simserve.serve(servers, log, f"SMTP on 127.0.0.1:{ARGS.port}, mail kept in {ARGS.dir}")


if __name__ == "__main__":
    main()
