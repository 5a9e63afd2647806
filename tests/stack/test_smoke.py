"""The README's run command on its own: it starts, answers, stores a request, and stops cleanly (issue 2)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.stack

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_given_the_run_command_then_the_sites_and_api_answer_and_ctrl_c_stops_it():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--port", str(port)],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = ""
        deadline = time.monotonic() + 240
        while "Press Ctrl-C to stop." not in banner and time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
            if not line and process.poll() is not None:
                break
            banner += line
        base = f"http://127.0.0.1:{port}"
        assert f"{base}/officer/" in banner and "reviewer@klongnoy.go.th" in banner, banner[-2000:]

        openapi = requests.get(f"{base}/api/openapi.json", timeout=30)
        home = requests.get(f"{base}/", timeout=30)
        officer_spa = requests.get(f"{base}/officer/", timeout=30)
        services = requests.get(f"{base}/api/services", timeout=30).json()["services"]

        assert openapi.status_code == 200 and "/drafts/{draft_id}/submit" in openapi.json()["paths"]
        assert home.status_code == 200 and "<html" in home.text.lower()
        assert officer_spa.status_code == 200
        assert {s["id"] for s in services} == {
            "food-shop",
            "fire-certificate",
            "street-vending",
            "residence-certificate",
        }
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0
    assert "stopped" in output
