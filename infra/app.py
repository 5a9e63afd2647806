"""CDK entry point: ``cdk deploy -c tenant=<id>`` (or ``all``, or ids with commas) and ``-c mode=silo|cell``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import cx_api

from eservice.tenant import Tenant, load_all_tenants, load_tenant, tenants_dir

from .api_group import ApiGroupStack, api_group_stack_name, api_groups
from .cell import CellPlatformStack, cell_edge_stack_name, cell_stack_name
from .checks import add_checks
from .edge import EDGE_REGION, EdgeFirewallStack
from .routes import REPO
from .stack import EServiceStack
from .stamp import STAMP_CONTEXT, StampPlan, shape, stamp_assembly

__all__ = [
    "MODES",
    "NO_STACK_TRACES",
    "VERSION_OUTPUT",
    "StampingApp",
    "build_app",
    "edge_stack_name",
    "main",
    "new_app",
    "select_tenants",
    "stack_name",
]

#: ``silo``: a platform of its own per tenant (a large agency, its own account); ``cell``: many tenants share one.
MODES = ("silo", "cell")
#: The output of each tenant stack that names its version (``-c version=...`` or ``git describe``).
VERSION_OUTPUT = "ServiceVersion"


def stack_name(tenant_id: str) -> str:
    """The CloudFormation stack of one tenant."""
    return f"eservice-{tenant_id}"


def edge_stack_name(tenant_id: str) -> str:
    """The tenant's CloudFront web firewall, in us-east-1 (``infra/edge.py``)."""
    return f"eservice-{tenant_id}-edge"


def source_version() -> str:
    """The commit being deployed (``git describe``), or ``unknown`` outside a checkout."""
    try:
        run = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return "unknown"
    return run.stdout.strip() or "unknown"


def version_output(stack: cdk.Stack, version: str) -> None:
    """The version a tenant's stack runs, read back by ``python -m infra.fleet_report``."""
    cdk.CfnOutput(stack, VERSION_OUTPUT, value=version, description="e-Service version (git describe) of this stack")


def select_tenants(selected: str) -> list[Tenant]:
    """``all``, one tenant id, or ids separated by commas (the tenant files of ``tenants_dir()``)."""
    if selected == "all":
        return load_all_tenants()
    return [load_tenant(tenants_dir() / f"{t.strip()}.yaml") for t in selected.split(",") if t.strip()]


#: CDK records where each construct was made (a JavaScript stack trace through the jsii kernel, for each of
#: the hundreds of constructs of each tenant) unless these are set; the templates are the same either way.
#: ``-c aws:cdk:disable-stack-trace=false -c aws:cdk:disable-creation-stack-traces=false`` keeps them.
NO_STACK_TRACES = ("aws:cdk:disable-stack-trace", "aws:cdk:disable-creation-stack-traces")


def _without_stack_traces(app: cdk.App) -> None:
    """Issue 14 (synth time): no construct stack traces unless the context asks for them."""
    if app.node.children:  # context can only be set on an empty app
        return
    for key in NO_STACK_TRACES:
        if app.node.try_get_context(key) is None:
            app.node.set_context(key, True)


def build_app(
    app: cdk.App | None = None, *, tenant: str | None = None, mode: str | None = None, cell: str | None = None
) -> cdk.App:
    """Add the stacks of each selected tenant, with cdk-nag's AWS Solutions checks (``infra/checks.py``).

    ``-c mode=silo`` (the default): each tenant has its stack in the deploy region and an edge stack in
    us-east-1 (its CloudFront web firewall), deployed first. ``-c mode=cell -c cell=<name>``: the cell's
    edge firewall and platform stack (``infra/cell.py``), then one thin stack per tenant.
    """
    app = app or cdk.App()
    _without_stack_traces(app)
    selected = tenant or app.node.try_get_context("tenant") or "klongnoy"
    mode = mode or app.node.try_get_context("mode") or "silo"
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    tenants = select_tenants(selected)
    version = str(app.node.try_get_context("version") or source_version())
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    edge_env = cdk.Environment(account=env.account, region=EDGE_REGION)
    if mode == "cell":
        name = cell or app.node.try_get_context("cell") or "main"
        edge = EdgeFirewallStack(
            app, cell_edge_stack_name(name), cell=name, env=edge_env, description=f"e-Service cell {name} edge firewall"
        )
        platform = CellPlatformStack(
            app, cell_stack_name(name), cell=name, tenants=tenants, env=env, description=f"e-Service cell {name}"
        )
        platform.add_stack_dependency(edge, "the distribution uses the edge web ACL, read from us-east-1")
        # Issue 14: the cell's REST APIs, ten agencies to each (infra/api_group.py).
        groups = []
        for index, members in enumerate(api_groups(tenants)):
            group = ApiGroupStack(
                app,
                api_group_stack_name(name, index),
                cell=name,
                index=index,
                tenants=members,
                platform=platform,
                env=env,
                description=f"e-Service cell {name} API {index}",
            )
            group.add_stack_dependency(platform, "the cell's user pools, origin firewall and API logging role")
            groups.append(group)
        # Issue 14: the first tenant of each shape through CDK, the others stamped from it (infra/stamp.py).
        plan = (
            StampPlan(cell=name, stack_name=stack_name, layer_versions=_layer_versions(app)) if _stamps(app) else None
        )
        representatives: dict[str, str] = {}
        for t in tenants:
            representative = representatives.setdefault(shape(t), t.id) if plan is not None else t.id
            if plan is not None:
                plan.tenants[t.id] = (t, representative)
            if representative != t.id:
                continue
            stack = EServiceStack(
                app, stack_name(t.id), tenant=t, platform=platform, env=env, description=f"e-Service of {t.name.en}"
            )
            # Its API's id comes from an export named after it (one stack of the cell's APIs, whichever holds
            # it): every API stack first, so a stamped tenant inherits a dependency that holds for it too.
            for group in groups:
                stack.add_stack_dependency(group, "the agency's API id (its stage of a shared API)")
            version_output(stack, version)
        if plan is not None:
            app.stamp_plan = plan  # type: ignore[attr-defined]
    else:
        for t in tenants:
            edge = EdgeFirewallStack(
                app,
                edge_stack_name(t.id),
                tenant=t,
                env=edge_env,
                description=f"e-Service edge firewall of {t.name.en}",
            )
            stack = EServiceStack(app, stack_name(t.id), tenant=t, env=env, description=f"e-Service of {t.name.en}")
            stack.add_stack_dependency(edge, "the distribution uses the edge web ACL, read from us-east-1")
            version_output(stack, version)
    add_checks(app)  # cdk-nag and CloudFormation Validate, on one stack of each shape (infra/checks.py)
    return app


class StampingApp(cdk.App):
    """An app whose synthesis writes the cell's stamped tenant stacks into its cloud assembly (``infra/stamp.py``)."""

    stamp_plan: StampPlan | None = None

    def synth(self, **options: Any) -> cx_api.CloudAssembly:
        assembly = super().synth(**options)
        plan = self.stamp_plan
        if plan is None or not plan.stamped():
            return assembly
        stamp_assembly(Path(assembly.directory), plan)
        return cx_api.CloudAssembly(assembly.directory)


def _stamps(app: cdk.App) -> bool:
    """Stamping: an app of ``new_app`` (which writes the stamped stacks) unless ``-c stamp=false``."""
    return isinstance(app, StampingApp) and str(app.node.try_get_context(STAMP_CONTEXT)).lower() != "false"


def _layer_versions(app: cdk.App) -> bool:
    return cdk.FeatureFlags.of(app).is_enabled("@aws-cdk/aws-lambda:recognizeLayerVersion") is True


def new_app(**props: Any) -> cdk.App:
    """The app ``cdk synth`` builds: without ``tree.json``, the construct tree of every stack with the
    properties of each resource again (megabytes for a cell, and a tenth of a second a tenant to write,
    issue 14); nothing here or in the deployment reads it. In a cell, it stamps the tenant stacks of a shape
    from the first one CDK built (``infra/stamp.py``; ``-c stamp=false`` builds each through CDK)."""
    return StampingApp(tree_metadata=False, **props)


def main() -> None:
    """Synthesize the app (called by the cdk CLI through cdk.json)."""
    build_app(new_app()).synth()


if __name__ == "__main__":
    main()
