#!/usr/bin/env python3
"""Measures a Lambda bootstrap's cold start on this machine.

A minimal Lambda Runtime API (the part a custom runtime talks to) listens on a free
port; the bootstrap is started with the environment Lambda would give it (the
`MADOGUCHI_*` settings, credentials, and `AWS_ENDPOINT_URL` pointing at a moto server
started here), and the script measures

  init:   from starting the process to its first `GET /runtime/invocation/next`
          (what Lambda reports as Init Duration, minus loading the file from storage),
  first:  from handing it the first event to its `POST …/response` (or `…/error`).

Each run is a fresh process. Usage:

  functions/lambda/coldstart.py target/lambda/api/bootstrap [--runs 20] [--event api|outbox|sweep]

Prints one line per run and the median, min and max, in milliseconds. x86_64
bootstraps only (this machine's architecture).
"""

import argparse
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

API_EVENT = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/api/v1/me",
    "rawQueryString": "",
    "headers": {"accept": "application/json", "host": "support.example.jp"},
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "abcd1234",
        "domainName": "abcd1234.execute-api.ap-northeast-1.amazonaws.com",
        "domainPrefix": "abcd1234",
        "http": {
            "method": "GET",
            "path": "/api/v1/me",
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.10",
            "userAgent": "coldstart",
        },
        "requestId": "coldstart",
        "routeKey": "$default",
        "stage": "$default",
        "time": "23/Nov/2026:01:00:00 +0000",
        "timeEpoch": 1795482000000,
    },
    "isBase64Encoded": False,
}
# A batch with nothing for the sender (a ticket item): the handler runs, sends nothing.
OUTBOX_EVENT = {
    "Records": [
        {
            "eventID": "1",
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "awsRegion": "ap-northeast-1",
            "dynamodb": {
                "Keys": {"PK": {"S": "TICKET#1"}, "SK": {"S": "META"}},
                "NewImage": {"PK": {"S": "TICKET#1"}, "SK": {"S": "META"}},
                "SequenceNumber": "1",
                "SizeBytes": 10,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        }
    ]
}
SWEEP_EVENT = {
    "version": "0",
    "id": "coldstart",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-23T01:00:00Z",
    "region": "ap-northeast-1",
    "resources": [],
    "detail": {},
}
EVENTS = {"api": API_EVENT, "outbox": OUTBOX_EVENT, "sweep": SWEEP_EVENT}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Runtime:
    """One invocation's worth of the Runtime API."""

    def __init__(self, event):
        self.event = json.dumps(event).encode()
        self.first_next = None
        self.answered = None
        self.answer = None
        self.given = None
        self.done = threading.Event()
        runtime = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.endswith("/runtime/invocation/next"):
                    if runtime.first_next is None:
                        runtime.first_next = time.perf_counter()
                    if runtime.given is not None:
                        # Second /next: the test is over; hold the connection.
                        runtime.done.wait(10)
                        self.send_response(500)
                        self.end_headers()
                        return
                    runtime.given = time.perf_counter()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Lambda-Runtime-Aws-Request-Id", "req-1")
                    self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
                    self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:ap-northeast-1:123456789012:function:coldstart")
                    self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                    self.send_header("Content-Length", str(len(runtime.event)))
                    self.end_headers()
                    self.wfile.write(runtime.event)
                else:
                    self.send_response(404)
                    self.end_headers()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if runtime.answered is None and "/invocation/" in self.path:
                    runtime.answered = time.perf_counter()
                    runtime.answer = (self.path.rsplit("/", 1)[-1], body[:300])
                self.send_response(202)
                self.end_headers()
                self.wfile.write(b"{}")
                if runtime.answered is not None:
                    runtime.done.set()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"


def start_moto():
    port = free_port()
    moto = subprocess.Popen(
        [str(ROOT / ".venv/bin/moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
            return moto, f"http://127.0.0.1:{port}"
        except Exception:
            time.sleep(0.1)
    moto.kill()
    sys.exit("moto_server did not answer")


def run_once(bootstrap, event, endpoint):
    runtime = Runtime(event)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": runtime.address,
        "AWS_LAMBDA_FUNCTION_NAME": "coldstart",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/coldstart",
        "AWS_LAMBDA_LOG_STREAM_NAME": "coldstart",
        "AWS_REGION": "ap-northeast-1",
        "AWS_DEFAULT_REGION": "ap-northeast-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": endpoint,
        "MADOGUCHI_TABLE": "madoguchi",
        "MADOGUCHI_BUCKET": "madoguchi-private",
        "MADOGUCHI_SES_CONFIGURATION_SET": "madoguchi",
        "MADOGUCHI_BASE_URL": "https://support.example.jp",
        "MADOGUCHI_JWT_KEYS": "k1:0123456789abcdef0123456789abcdef0123456789abcdef",
        "RUST_LOG": "warn",
    }
    # TZDIR=/nonexistent stands for an image without /usr/share/zoneinfo.
    if "TZDIR" in os.environ:
        env["TZDIR"] = os.environ["TZDIR"]
    start = time.perf_counter()
    proc = subprocess.Popen([bootstrap], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.perf_counter() + 30
    # Until it answers, or exits (a handler that panics with panic = "abort").
    while not runtime.done.wait(0.005) and proc.poll() is None and time.perf_counter() < deadline:
        pass
    proc.kill()
    _, err = proc.communicate()
    runtime.server.shutdown()
    if runtime.first_next is None:
        sys.exit(f"the bootstrap never asked for an event:\n{err.decode(errors='replace')}")
    init = (runtime.first_next - start) * 1000
    if runtime.answered is None:
        return init, None, ("exited", err.decode(errors="replace").strip().encode())
    first = (runtime.answered - runtime.given) * 1000
    return init, first, runtime.answer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("bootstrap")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--event", choices=sorted(EVENTS), default=None)
    a = p.parse_args()
    kind = a.event or Path(a.bootstrap).parent.name
    event = EVENTS.get(kind, API_EVENT)
    moto, endpoint = start_moto()
    try:
        inits, firsts = [], []
        for i in range(a.runs):
            init, first, answer = run_once(a.bootstrap, event, endpoint)
            inits.append(init)
            if first is not None:
                firsts.append(first)
            shown = "-" if first is None else f"{first:7.1f} ms"
            print(f"run {i + 1:2}: init {init:7.1f} ms  first invocation {shown}  -> {answer[0]} {answer[1][:80]!r}")
        for name, xs in (("init", inits), ("first invocation", firsts)):
            if xs:
                print(f"{name}: median {statistics.median(xs):.1f} ms, min {min(xs):.1f}, max {max(xs):.1f} ({len(xs)} runs)")
    finally:
        moto.terminate()


if __name__ == "__main__":
    main()
