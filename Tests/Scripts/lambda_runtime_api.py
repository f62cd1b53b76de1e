"""A local endpoint speaking the Lambda Runtime API (2018-06-01), for tests.

Serves the events in EVENTS_FILE (a JSON list of {"requestId": ..., "event": <JSON>}) one
per GET /runtime/invocation/next, then holds the next GET open; records every response,
error and init error as OUT_DIR/{requestId}.response.json, .error.json, init.error.json.
Prints the port it listens on (127.0.0.1) as its first line.
usage: python3 Tests/Scripts/lambda_runtime_api.py EVENTS_FILE OUT_DIR
"""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A child of the test process may inherit SIGTERM ignored: take the default back.
signal.signal(signal.SIGTERM, signal.SIG_DFL)
events = json.load(open(sys.argv[1]))
out_dir = sys.argv[2]
lock = threading.Lock()
PREFIX = "/2018-06-01/runtime"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path != PREFIX + "/invocation/next":
            self.send_error(404)
            return
        with lock:
            event = events.pop(0) if events else None
        if event is None:
            # No more invocations: Lambda would freeze the function here.
            time.sleep(3600)
            return
        body = json.dumps(event["event"]).encode()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", event["requestId"])
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 300000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:billmig-worker")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        parts = self.path[len(PREFIX):].strip("/").split("/")
        if parts == ["init", "error"]:
            name = "init.error.json"
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            name = f"{parts[1]}.{parts[2]}.json"
        else:
            self.send_error(404)
            return
        record = {"body": body.decode(), "errorType": self.headers.get("Lambda-Runtime-Function-Error-Type")}
        with open(os.path.join(out_dir, name + ".tmp"), "w") as f:
            json.dump(record, f)
        os.rename(os.path.join(out_dir, name + ".tmp"), os.path.join(out_dir, name))
        self.send_response(202)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
