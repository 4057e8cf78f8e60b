#!/usr/bin/env python3
"""A stand-in for the IAM Identity Center (SSO) portal, for EcrAuth's SSO profile tests.

It answers GetRoleCredentials (GET /federation/credentials?role_name=..&account_id=.., the
cached access token in the x-amz-sso_bearer_token header) with fixed role credentials when the
token is the expected one, and with 401 UnauthorizedException ("Session token not found or
invalid") otherwise or when --refuse is given: what the real portal says for an expired or
signed-out session. Binds 127.0.0.1 only. Standard library only.

usage: mock_sso.py --port N --token-file FILE --access-key-id AKID [--refuse]
Stops on SIGTERM.
"""
import argparse
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token-file", required=True, help="file holding the expected access token")
    p.add_argument("--access-key-id", required=True, help="the role credentials' key id")
    p.add_argument("--refuse", action="store_true", help="refuse every session (expired, signed out)")
    args = p.parse_args()
    with open(args.token_file) as f:
        token = f.read().strip()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            ok = not args.refuse and self.headers.get("x-amz-sso_bearer_token") == token
            if ok and self.path.startswith("/federation/credentials"):
                status, body = 200, {"roleCredentials": {
                    "accessKeyId": args.access_key_id, "secretAccessKey": "sso-role-secret",
                    "sessionToken": "sso-role-session-token", "expiration": 4102444800000}}
            else:
                status, body = 401, {"message": "Session token not found or invalid"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status != 200:
                self.send_header("x-amzn-ErrorType", "UnauthorizedException")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
