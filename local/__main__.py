"""``python -m local``: run the whole e-Service on this machine and print where to open it.

``python -m local --cell klongnoy,khunthale``: two agencies of one cell side by side (one national
citizen pool), each on its own port from ``--port`` up."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from types import FrameType

from .front import ADMIN_TOKEN_HEADER
from .stack import GRACE_SECONDS, LocalStack


class _Stop(BaseException):
    """SIGINT or SIGTERM, raised in the main thread wherever it is: starting or serving."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    # One stop at a time: a second Ctrl-C must not interrupt the stop itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise _Stop(signal.Signals(signum).name)


def _leave_anyway(after: float) -> None:
    """The last word on a bounded stop: whatever blocks (a full stdout pipe), the process ends."""

    def leave() -> None:
        os.set_blocking(2, False)  # a full stderr pipe must not hold the exit either
        try:
            os.write(2, b"stopped (shutdown did not finish in time)\n")
        except OSError:
            pass
        os._exit(0)

    timer = threading.Timer(after, leave)
    timer.daemon = True
    timer.start()


def main() -> None:
    """Start the local stack and serve until Ctrl-C or SIGTERM; stop in a bounded time."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenant", default=os.environ.get("TENANT", "klongnoy"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument(
        "--cell",
        metavar="TENANT,TENANT",
        help="run these tenants as one cell (infra/cell.py), each on its own port from --port up",
    )
    args = parser.parse_args()
    if args.cell:
        tenants = tuple(t.strip() for t in args.cell.split(",") if t.strip())
        stack = LocalStack(tenants=tenants, mode="cell", port=args.port)
    else:
        stack = LocalStack(tenant=args.tenant, port=args.port)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    started = time.monotonic()
    try:
        stack.start()
        if stack.members:
            _print_cell_welcome(stack, time.monotonic() - started)
        else:
            _print_welcome(stack, args.tenant, time.monotonic() - started)
        while True:
            signal.pause()
    except _Stop:
        pass
    _leave_anyway(GRACE_SECONDS + 0.8)
    abandoned = stack.stop(grace=GRACE_SECONDS)
    if abandoned:
        were = "request still running was" if abandoned == 1 else "requests still running were"
        print(f"stopped ({abandoned} {were} abandoned)", flush=True)
    else:
        print("stopped", flush=True)
    # Parked saga executions and abandoned requests hold (daemon) threads: leave without them.
    os._exit(0)


def _warn(stack: LocalStack) -> None:
    print(
        "\nWARNING: /_local/* and /_aws/* are developer tools for this machine only, with no authentication: "
        "/_local/mailbox shows every e-mail and SMS sent (sign-in and sign-up codes included), /_local/clock "
        "moves the service's time. The server is bound to 127.0.0.1 alone: never expose this port (no proxy, "
        "no port forwarding). Admin Cognito calls to /_aws/cognito need the header "
        f"{ADMIN_TOKEN_HEADER}: {stack.admin_token}",
        file=sys.stderr,
        flush=True,
    )


def _print_welcome(stack: LocalStack, tenant: str, seconds: float) -> None:
    _warn(stack)
    print(f"\ne-Service of tenant '{tenant}' is running ({seconds:.1f} s)\n")
    print(f"  Citizen site   {stack.url}/")
    print(f"  Officer SPA    {stack.url}/officer/")
    print(f"  API            {stack.url}/api/   (OpenAPI: {stack.url}/api/openapi.json)")
    print(f"  Mailbox        {stack.url}/_local/mailbox")
    print(f'  LINE (fake)    {stack.url}/_local/line    (POST {{"user_id": "U…", "text": "<link code>"}})')
    print(f'  Virtual clock  {stack.url}/_local/clock   (POST {{"advance": "P31D"}})')
    print(f'  Faults         {stack.url}/_local/faults  (POST {{"service": "dynamodb", "operation": "PutItem"}})')
    print("\n  Sign in with:")
    _print_logins(stack)
    print("\nPress Ctrl-C to stop.", flush=True)


def _print_logins(stack: LocalStack) -> None:
    for login in stack.logins:
        groups = f" [{', '.join(login.groups)}]" if login.groups else ""
        print(f"    {login.pool:8} {login.email:32} {login.password}{groups}")
        if login.totp_secret:
            print(f"    {'':8} TOTP secret key (add it to an authenticator app): {login.totp_secret}")


def _print_cell_welcome(cell: LocalStack, seconds: float) -> None:
    _warn(cell)
    print(f"\ne-Service cell '{cell.cell}' is running with {len(cell.members)} agencies ({seconds:.1f} s)")
    print("  One national citizen account signs in to every agency; each agency has its own officers.")
    for tenant, member in cell.members.items():
        print(f"\n  {tenant}")
        print(f"    Citizen site   {member.url}/")
        print(f"    Officer SPA    {member.url}/officer/")
        print(f"    API            {member.url}/api/   (OpenAPI: {member.url}/api/openapi.json)")
        print(f"    Mailbox        {member.url}/_local/mailbox   (every agency's messages)")
        print(f'    Virtual clock  {member.url}/_local/clock     (one clock for the cell: POST {{"advance": "P31D"}})')
        print("    Sign in with:")
        _print_logins(member)
    print("\nPress Ctrl-C to stop.", flush=True)


if __name__ == "__main__":
    main()
