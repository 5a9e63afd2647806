"""CDK entry point: ``cdk deploy -c tenant=<id>`` (or ``-c tenant=all``) from the tenant files."""

from __future__ import annotations

import os

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from eservice.tenant import load_all_tenants, load_tenant, tenants_dir

from .edge import EDGE_REGION, EdgeFirewallStack
from .stack import EServiceStack

__all__ = ["build_app", "edge_stack_name", "main", "stack_name"]


def stack_name(tenant_id: str) -> str:
    """The CloudFormation stack of one tenant."""
    return f"eservice-{tenant_id}"


def edge_stack_name(tenant_id: str) -> str:
    """The tenant's CloudFront web firewall, in us-east-1 (``infra/edge.py``)."""
    return f"eservice-{tenant_id}-edge"


def build_app(app: cdk.App | None = None, *, tenant: str | None = None) -> cdk.App:
    """Add the stacks of each selected tenant, with cdk-nag's AWS Solutions checks on the whole app.

    Each tenant has its stack in the deploy region and an edge stack in us-east-1 (its CloudFront
    web firewall), deployed first.
    """
    app = app or cdk.App()
    selected = tenant or app.node.try_get_context("tenant") or "klongnoy"
    tenants = load_all_tenants() if selected == "all" else [load_tenant(tenants_dir() / f"{selected}.yaml")]
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    edge_env = cdk.Environment(account=env.account, region=EDGE_REGION)
    for t in tenants:
        edge = EdgeFirewallStack(
            app, edge_stack_name(t.id), tenant=t, env=edge_env, description=f"e-Service edge firewall of {t.name.en}"
        )
        stack = EServiceStack(app, stack_name(t.id), tenant=t, env=env, description=f"e-Service of {t.name.en}")
        stack.add_stack_dependency(edge, "the distribution uses the edge web ACL, read from us-east-1")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app


def main() -> None:
    """Synthesize the app (called by the cdk CLI through cdk.json)."""
    build_app().synth()


if __name__ == "__main__":
    main()
