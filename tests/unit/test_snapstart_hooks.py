"""SnapStart runtime hooks (issue 14): after a restore, ``random`` is re-seeded and no cached client or secret of
a function survives; before the snapshot only configuration (settings, tenant file) is loaded.

The functions are imported as the Lambda runtime would import them, with moto standing in for AWS so that their
caches hold real clients and a real secret; the hooks they registered are then called as Lambda calls them
(``run_before_snapshot`` / ``run_after_restore``). ``snapshot_restore_py`` exists only in the Lambda runtime.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import random
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from eservice import aws, settings, snapstart
from tests.unit.test_intake_import import function_env as intake_env

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def function_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The function's environment, moto for AWS, and empty settings/client caches before and after."""
    for name, value in {**intake_env(), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        secret = boto3.client("secretsmanager").create_secret(Name="channel-keys", SecretString=_keys("hmac-key-1"))
        monkeypatch.setenv("CHANNEL_KEYS_SECRET_ARN", secret["ARN"])
        _forget_configuration()
        yield intake_env()
        _forget_configuration()


def _keys(payment_webhook_key: str) -> str:
    """The channel keys secret as deployed: the payment webhook key, LINE not set up yet."""
    return json.dumps({"payment_webhook_key": payment_webhook_key, "channel_secret": "", "channel_access_token": ""})


def _forget_configuration() -> None:
    settings.forget()
    aws.client.cache_clear()


def _load(function: str) -> types.ModuleType:
    """``functions/<function>/app.py`` under a name of its own (each function's module is ``app`` in Lambda)."""
    spec = importlib.util.spec_from_file_location(f"snapstart_{function}_app", REPO / "functions" / function / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _sizes(*cached: Any) -> list[int]:
    return [function.cache_info().currsize for function in cached]


def test_given_no_lambda_runtime_then_the_hooks_are_recorded_and_run_in_lambdas_order() -> None:
    # Lambda runs before-snapshot hooks in reverse order of registration, after-restore hooks in order.
    ran: list[str] = []
    before, after = list(snapstart._before), list(snapstart._after)
    try:
        snapstart.before_snapshot(lambda: ran.append("before 1"))
        snapstart.before_snapshot(lambda: ran.append("before 2"))
        snapstart.after_restore(lambda: ran.append("after 1"))
        snapstart.after_restore(lambda: ran.append("after 2"))
        snapstart._before[:] = snapstart._before[len(before) :]
        snapstart._after[:] = snapstart._after[len(after) :]
        snapstart.run_before_snapshot()
        snapstart.run_after_restore()
    finally:
        snapstart._before[:], snapstart._after[:] = before, after
    assert "snapshot_restore_py" not in sys.modules
    assert ran == ["before 2", "before 1", "after 1", "after 2"]


def test_given_the_lambda_runtime_library_then_each_hook_is_registered_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: dict[str, list[Any]] = {"before": [], "after": []}
    fake = types.ModuleType("snapshot_restore_py")
    fake.register_before_snapshot = registered["before"].append  # type: ignore[attr-defined]
    fake.register_after_restore = registered["after"].append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", fake)
    try:
        reloaded = importlib.reload(snapstart)
        assert registered["before"] == [reloaded.load_configuration]
        assert registered["after"] == [reloaded.reseed_and_forget_clients]
    finally:
        monkeypatch.delitem(sys.modules, "snapshot_restore_py")
        importlib.reload(snapstart)


def test_given_a_restored_snapshot_when_the_hooks_run_then_random_is_reseeded_and_no_client_survives(
    function_env: dict[str, str],
) -> None:
    aws.client("s3")
    aws.client("dynamodb")
    random.seed(1234)
    snapshot = random.getstate()
    replayed = [random.random() for _ in range(4)]  # what every environment restored from it would draw
    random.setstate(snapshot)

    snapstart.run_after_restore()

    assert [random.random() for _ in range(4)] != replayed
    assert aws.client.cache_info().currsize == 0


def test_given_a_snapshot_being_taken_then_only_the_configuration_is_loaded(function_env: dict[str, str]) -> None:
    snapstart.run_before_snapshot()

    assert _sizes(settings._settings, settings._tenant) == [1, 1]
    assert settings.tenant().id == "klongnoy"
    assert aws.client.cache_info().currsize == 0  # no client, credential or connection in the snapshot


def test_given_intake_served_requests_when_restored_then_its_clients_and_the_webhook_secret_are_read_again(
    function_env: dict[str, str],
) -> None:
    intake = _load("intake")
    assert intake.webhook_secret() == "hmac-key-1"
    filled = (intake.database, intake.saga, intake.files, intake.applications, intake.webhook_secret)
    intake.applications()
    assert _sizes(*filled) == [1, 1, 1, 1, 1]  # files: the uploads (documents are linked lazily)
    assert intake.forget_clients_and_secrets in snapstart._after

    snapstart.run_after_restore()

    assert _sizes(*filled) == [0, 0, 0, 0, 0]
    assert aws.client.cache_info().currsize == 0
    cleared = set(snapstart.clear_module_caches(vars(intake)))
    assert {"applications", "channel_keys", "database", "files", "line_api", "saga", "webhook_secret"} <= cleared
    assert not cleared & {"settings", "tenant"}  # imported, not intake's own: configuration stays
    # Read again after the restore (a rotated secret would be seen here).
    boto3.client("secretsmanager").put_secret_value(
        SecretId=os.environ["CHANNEL_KEYS_SECRET_ARN"], SecretString=_keys("hmac-key-2")
    )
    assert intake.webhook_secret() == "hmac-key-2"
    assert _sizes(settings._settings, settings._tenant) == [1, 1]  # configuration is kept: not a secret


@pytest.mark.parametrize(
    ("function", "cached"), [("clock", ("database", "saga")), ("notify", ("database", "saga_steps"))]
)
def test_given_a_saga_function_when_restored_then_its_table_and_saga_clients_are_built_again(
    function_env: dict[str, str], function: str, cached: tuple[str, str]
) -> None:
    module = _load(function)
    functions = [getattr(module, name) for name in cached]
    for built in functions:
        built()
    assert _sizes(*functions) == [1, 1]

    snapstart.run_after_restore()

    assert _sizes(*functions) == [0, 0]
    assert aws.client.cache_info().currsize == 0


def test_given_sign_when_restored_then_its_issuing_clients_and_the_agency_timestamper_are_built_again(
    function_env: dict[str, str],
) -> None:
    sign = _load("sign")
    from eservice_pdf import agency_keys

    sign.issuing()
    agency_keys._external_timestamper("http://127.0.0.1:9/tsa")  # an HTTP timestamper keeps its connection pool
    assert _sizes(sign.issuing, agency_keys._external_timestamper) == [1, 1]

    snapstart.run_after_restore()

    assert _sizes(sign.issuing, agency_keys._external_timestamper) == [0, 0]
    assert aws.client.cache_info().currsize == 0
