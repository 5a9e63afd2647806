"""The environment of a function, read once into a typed model that fails fast."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from .officer_pool import GROUP_SEPARATOR
from .tenant import Tenant, load_tenant

__all__ = ["Settings", "forget", "settings", "tenant"]


class Settings(BaseModel):
    """What CDK puts in every function's environment (see infra/stack.py)."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    tenant_file: Path
    table_name: str
    uploads_bucket: str
    #: A cell's quarantine bucket, shared by its agencies, each under its tenant id (issue 14; empty in a
    #: silo stack: unchecked uploads stay under quarantine/ of its own uploads bucket). See eservice.aws.
    quarantine_bucket: str = ""
    documents_bucket: str
    exports_bucket: str
    seal_key_id: str
    tsa_key_id: str
    data_key_id: str
    citizen_pool_id: str
    officer_pool_id: str
    #: The agency's group names in the officer pool start with this: empty in a pool of its own (silo), and
    #: ``<tenant id>:`` in a cell's shared officer pool (issue 14; see eservice.officer_pool).
    officer_group_prefix: str = ""
    schedule_group: str
    scheduler_role_arn: str
    state_machine_arn: str = ""
    dead_letter_queue_url: str = ""
    #: The agency's keys (JSON: the payment webhook key, the LINE channel's secret and token, the CKAN key).
    channel_keys_secret_arn: str = ""
    mail_configuration_set: str = ""
    sign_function: str = ""
    notify_function: str = ""
    clock_function: str = ""
    #: Where citizens open the site; links in messages and QR codes point here.
    public_base_url: str = ""
    #: The LINE Messaging API (the local stack points it at its fake LINE server).
    line_api_base: str = "https://api.line.me"
    #: R-5.3: the CKAN portal (data.go.th; the local stack points it at its fake CKAN; its API key is in the
    #: channel keys secret). Empty URL: the tenant file's ``open_data.ckan_url``.
    ckan_url: str = ""
    #: Where the exports bucket is served read-only (CloudFront); empty: the public base URL.
    exports_base_url: str = ""

    @model_validator(mode="after")
    def _own_group_prefix(self) -> Settings:
        # Any other prefix would let the agency read another agency's officers as its own (eservice.officer_pool).
        if self.officer_group_prefix not in ("", f"{self.tenant_id}{GROUP_SEPARATOR}"):
            raise ValueError(f"officer_group_prefix must be empty or {self.tenant_id}{GROUP_SEPARATOR}")
        return self


def settings() -> Settings:
    """The settings of this process (RuntimeError naming the missing variables if incomplete).

    Read once per distinct environment: in Lambda that is once per container; the local cell
    (``local/stack.py``) runs several tenants' functions in one process, each invocation with its own.
    """
    return _settings(tuple(os.environ.get(name.upper()) for name in Settings.model_fields))


@lru_cache(maxsize=16)
def _settings(environment: tuple[str | None, ...]) -> Settings:
    values = dict(zip(Settings.model_fields, environment, strict=True))
    try:
        return Settings.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        missing = ", ".join(".".join(str(p) for p in e["loc"]).upper() or e["msg"] for e in exc.errors())
        raise RuntimeError(f"function environment incomplete: {missing}") from None


def tenant() -> Tenant:
    """This stack's tenant configuration (the example documents are checked at synth, served by the site)."""
    return _tenant(settings().tenant_file)


@lru_cache(maxsize=16)
def _tenant(tenant_file: Path) -> Tenant:
    return load_tenant(tenant_file, check_files=False)


def forget() -> None:
    """Forget every environment's settings and tenant read so far (tests that change the environment; a
    SnapStart restore keeps them: they are configuration, loaded before the snapshot)."""
    _settings.cache_clear()
    _tenant.cache_clear()
