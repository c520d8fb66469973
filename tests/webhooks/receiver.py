"""A webhook receiver for the webhook tests: verifies every request with the
`standardwebhooks` package (the specification's own library), answers 500 to the first
FAIL_FIRST requests and 204 after, and reports what it got at GET /received. With HANG_FIRST,
the first that many requests get no answer for a minute (a sender can be killed meanwhile).

Usage: receiver.py PORT SECRET FAIL_FIRST [HANG_FIRST]
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

PORT = int(sys.argv[1])
SECRET = sys.argv[2]
FAIL_FIRST = int(sys.argv[3])
HANG_FIRST = int(sys.argv[4]) if len(sys.argv) > 4 else 0

lock = threading.Lock()
received = []  # {id, type, verified, answered}
wh = Webhook(SECRET)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        with lock:
            body = json.dumps(received).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        # The test kit's HTTP client checks every answer carries it.
        self.send_header("x-content-type-options", "nosniff")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            payload = wh.verify(body, headers)
            verified, kind = True, payload.get("type")
        except WebhookVerificationError as e:
            verified, kind = False, str(e)
        with lock:
            hang = len(received) < HANG_FIRST
            status = 500 if len(received) < FAIL_FIRST else 204
            received.append(
                {
                    "id": headers.get("webhook-id"),
                    "type": kind,
                    "verified": verified,
                    "answered": None if hang else status,
                }
            )
        if hang:
            time.sleep(60)
            return
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print("ready", flush=True)
server.serve_forever()
