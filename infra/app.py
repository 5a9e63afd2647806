"""CDK entry point: ``cdk deploy -c tenant=<id>`` (or ``-c tenant=all``) from the tenant files."""

from __future__ import annotations

import os

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from eservice.tenant import load_all_tenants, load_tenant, tenants_dir

from .stack import EServiceStack

__all__ = ["build_app", "main"]


def stack_name(tenant_id: str) -> str:
    """The CloudFormation stack of one tenant."""
    return f"eservice-{tenant_id}"


def build_app(app: cdk.App | None = None, *, tenant: str | None = None) -> cdk.App:
    """Add one stack per selected tenant, with cdk-nag's AWS Solutions checks on the whole app."""
    app = app or cdk.App()
    selected = tenant or app.node.try_get_context("tenant") or "klongnoy"
    tenants = load_all_tenants() if selected == "all" else [load_tenant(tenants_dir() / f"{selected}.yaml")]
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    for t in tenants:
        EServiceStack(app, stack_name(t.id), tenant=t, env=env, description=f"e-Service of {t.name.en}")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app


def main() -> None:
    """Synthesize the app (called by the cdk CLI through cdk.json)."""
    build_app().synth()


if __name__ == "__main__":
    main()
