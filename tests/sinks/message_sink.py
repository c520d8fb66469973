#!/usr/bin/env python3
"""A local sink for what Portcullis sends: a real SMTP server (aiosmtpd, with AUTH) and an
HTTP endpoint for the signed SMS webhook. Each received message becomes one JSON file in --dir:

    {"channel": "email"|"sms", "to": ..., "from": ..., "subject": ..., "text": ..., "html": ...}

Tests poll that directory. The process runs until SIGTERM/SIGINT.

    message_sink.py --dir D --smtp-port P --smtp-user U --smtp-password W \
                    [--http-port Q --webhook-secret S]
"""

import argparse
import hashlib
import hmac
import json
import os
import signal
import threading
import time
import warnings
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

counter = 0
counter_lock = threading.Lock()


def write(directory, record):
    global counter
    with counter_lock:
        counter += 1
        n = counter
    name = f"{time.time_ns()}-{n:05d}-{record['channel']}.json"
    tmp = os.path.join(directory, "." + name)
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f)
    os.rename(tmp, os.path.join(directory, name))


class MailHandler:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        for rcpt in envelope.rcpt_tos:
            write(
                self.directory,
                {
                    "channel": "email",
                    "to": rcpt,
                    "from": str(msg.get("From", "")),
                    "subject": str(msg.get("Subject", "")),
                    "text": text.get_content() if text else "",
                    "html": html.get_content() if html else "",
                    "authenticated_as": session.auth_data.login.decode()
                    if isinstance(session.auth_data, LoginPassword)
                    else None,
                },
            )
        return "250 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and hmac.compare_digest(auth_data.login, user.encode())
            and hmac.compare_digest(auth_data.password, password.encode())
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return check


def webhook_handler(directory, secret):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ts = self.headers.get("X-Portcullis-Timestamp", "")
            sig = self.headers.get("X-Portcullis-Signature", "")
            want = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(sig, want):
                self.send_response(401)
                self.end_headers()
                return
            data = json.loads(body)
            write(directory, {"channel": "sms", "to": data.get("to"), "from": "", "subject": "",
                              "text": data.get("body", ""), "html": "", "kind": data.get("kind")})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


def main():
    # Plain-text AUTH is fine on the loopback interface this sink binds to.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--smtp-port", type=int, required=True)
    p.add_argument("--smtp-user", required=True)
    p.add_argument("--smtp-password", required=True)
    p.add_argument("--http-port", type=int)
    p.add_argument("--webhook-secret")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    smtp = Controller(
        MailHandler(a.dir),
        hostname="127.0.0.1",
        port=a.smtp_port,
        authenticator=authenticator(a.smtp_user, a.smtp_password),
        auth_required=True,
        auth_require_tls=False,
    )
    smtp.start()
    http = None
    if a.http_port:
        http = ThreadingHTTPServer(("127.0.0.1", a.http_port), webhook_handler(a.dir, a.webhook_secret or ""))
        threading.Thread(target=http.serve_forever, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    smtp.stop()
    if http:
        http.shutdown()


if __name__ == "__main__":
    main()
