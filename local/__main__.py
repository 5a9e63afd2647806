"""``python -m local``: run the whole e-Service on this machine and print where to open it."""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time

from .stack import LocalStack


def main() -> None:
    """Start the local stack and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenant", default=os.environ.get("TENANT", "klongnoy"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    args = parser.parse_args()
    started = time.monotonic()
    stack = LocalStack(tenant=args.tenant, port=args.port).start()
    print(f"\ne-Service of tenant '{args.tenant}' is running ({time.monotonic() - started:.1f} s)\n")
    print(f"  Citizen site   {stack.url}/")
    print(f"  Officer SPA    {stack.url}/officer/")
    print(f"  API            {stack.url}/api/   (OpenAPI: {stack.url}/api/openapi.json)")
    print(f"  Mailbox        {stack.url}/_local/mailbox")
    print(f'  Virtual clock  {stack.url}/_local/clock   (POST {{"advance": "P31D"}})')
    print("\n  Sign in with:")
    for login in stack.logins:
        groups = f" [{', '.join(login.groups)}]" if login.groups else ""
        print(f"    {login.pool:8} {login.email:32} {login.password}{groups}")
    print("\nPress Ctrl-C to stop.", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    stack.stop()
    print("stopped")
    # Parked saga executions hold threads; leave without waiting for them.
    os._exit(0)


if __name__ == "__main__":
    main()
