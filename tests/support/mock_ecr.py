#!/usr/bin/env python3
"""A mock Amazon ECR API endpoint for EcrAuth's integration tests, demo and benchmarks.

Unlike moto, its proxyEndpoint can point at a local registry, so a real `docker login`
can follow. Asked as an HTTP proxy (HTTP_PROXY), it answers as the ECR endpoint itself and
logs the request as proxied. It checks what real ECR would check about the request's shape (POST /,
X-Amz-Target, Content-Type, a SigV4 Authorization header scoped to service `ecr`) and
answers 400 like ECR when they are wrong. Binds 127.0.0.1 only. Standard library only.

usage: mock_ecr.py --proxy-endpoint http://127.0.0.1:5000 --password-file FILE
                   [--user AWS] [--fail CODE] [--status N] [--log FILE]
Prints "listening on PORT" once ready. Stops on SIGTERM.
"""
import argparse
import base64
import json
import re
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
PUBLIC_TARGET = "SpencerFrontendService.GetAuthorizationToken"
SIGV4 = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/\d{8}/([a-z0-9-]+)/(ecr|ecr-public)/aws4_request, "
                   r"SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$")


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--proxy-endpoint", required=True)
    p.add_argument("--password-file", required=True, help="file holding the registry password")
    p.add_argument("--user", default="AWS")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--fail", help="answer every call with this AWS error code")
    p.add_argument("--status", type=int, default=400, help="HTTP status for --fail")
    p.add_argument("--log", help="append one JSON line per request (no secrets) to this file")
    p.add_argument("--ttl", type=int, default=12 * 3600, help="token lifetime in seconds")
    p.add_argument("--fail-first", type=int, default=0,
                   help="answer the first N calls with HTTP 500 ServerException (to exercise retries)")
    p.add_argument("--answer", choices=["ok", "empty", "bad-token"], default="ok",
                   help="empty: no authorizationData; bad-token: a token that is not base64")
    p.add_argument("--per-registry", action="store_true",
                   help="with registryIds: password '<password>-<id>' and a proxyEndpoint host naming the id")
    p.add_argument("--deny-registry", action="append", default=[],
                   help="answer AccessDeniedException when registryIds holds this id (repeatable)")
    p.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (and --tls-key)")
    p.add_argument("--tls-key")
    return p.parse_args()


def main():
    args = parse_args()

    calls = {"count": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without this, Nagle plus the client's
        # delayed ACK adds 40 ms to every call on a kept-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, *_):  # keep test output quiet
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def error(self, status, code, message):
            self.reply(status, {"__type": code, "message": message})

        def do_GET(self):
            self.error(404, "UnknownOperationException", "only POST / is served")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            # Asked as an HTTP proxy (absolute-form target, RFC 9112 3.2.2): answer as the target.
            proxied = self.path.startswith("http://")
            if proxied:
                self.path = urlsplit(self.path).path or "/"
            auth = self.headers.get("Authorization", "")
            signed = SIGV4.match(auth)
            if args.log:
                with open(args.log, "a") as log:
                    log.write(json.dumps({
                        "path": self.path,
                        "target": self.headers.get("X-Amz-Target"),
                        "access_key": signed.group(1) if signed else None,
                        "region": signed.group(2) if signed else None,
                        "service": signed.group(3) if signed else None,
                        "session_token": bool(self.headers.get("X-Amz-Security-Token")),
                        "proxied": proxied,
                    }) + "\n")
            target = self.headers.get("X-Amz-Target")
            if self.path != "/" or target not in (TARGET, PUBLIC_TARGET):
                return self.error(400, "UnknownOperationException", "unknown operation")
            if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
                return self.error(400, "SerializationException", "wrong content type")
            if not signed:
                return self.error(400, "MissingAuthenticationTokenException", "request is not signed")
            if args.fail:
                return self.error(args.status, args.fail, "mock ECR was told to fail")
            calls["count"] += 1
            if calls["count"] <= args.fail_first:
                return self.error(500, "ServerException", "mock ECR fails this call on purpose")
            if args.answer == "empty":
                return self.reply(200, {"authorizationData": []})
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self.error(400, "SerializationException", "body is not JSON")
            with open(args.password_file) as f:
                password = f.read().strip()
            token = base64.b64encode(f"{args.user}:{password}".encode()).decode()
            if args.answer == "bad-token":
                token = "%%% not base64 %%%"
            expires = int(time.time()) + args.ttl
            if target == PUBLIC_TARGET:
                return self.reply(200, {"authorizationData": {"authorizationToken": token, "expiresAt": expires}})
            ids = body.get("registryIds") or [None]
            if any(registry_id in args.deny_registry for registry_id in ids):
                return self.error(400, "AccessDeniedException", "not authorized for this registry")
            data = []
            for registry_id in ids:
                endpoint, entry_token = args.proxy_endpoint, token
                if args.per_registry and registry_id:
                    endpoint = f"https://{registry_id}.dkr.ecr.us-east-1.amazonaws.com"
                    entry_token = base64.b64encode(f"{args.user}:{password}-{registry_id}".encode()).decode()
                data.append({"authorizationToken": entry_token, "expiresAt": expires,
                             "proxyEndpoint": endpoint})
            self.reply(200, {"authorizationData": data})

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
