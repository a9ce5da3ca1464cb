"""A small web service for benchmarks: a threading HTTP server on
127.0.0.1 (a port of its own) whose every request walks a few calls deep
(route -> handler -> render -> encode) and answers a JSON document of a
few hundred bytes. Runs on CPython 3.6+. Prints "ready PID PORT"."""
import json
import os
import sys

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
except ImportError:  # 3.6: no ThreadingHTTPServer
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from socketserver import ThreadingMixIn

    class ThreadingHTTPServer(ThreadingMixIn, HTTPServer):
        daemon_threads = True

ITEMS = [{"id": i, "name": "item-%d" % i, "tags": ["a", "b", "c"][: i % 3 + 1]}
         for i in range(12)]


def encode(doc):
    return json.dumps(doc, sort_keys=True).encode()


def render(path):
    total = sum(item["id"] for item in ITEMS)
    return encode({"path": path, "items": ITEMS, "total": total})


def handle(path):
    return render(path)


def route(path):
    return handle(path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY each
    # answer waits for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True

    def do_GET(self):
        body = route(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
sys.stdout.write("ready %d %d\n" % (os.getpid(), server.server_address[1]))
sys.stdout.flush()
server.serve_forever()
