"""The whole e-Service on one machine, with no AWS account (the embedded default).

1. synthesize the same CDK app that ``cdk deploy`` uses (cached by the sources' hash);
2. start moto's server in this process on 127.0.0.1, with the Step Functions interpreter on;
3. create the resources from the synthesized template (``provision``);
4. run the Lambda handlers in this process (``lambda_runner``);
5. serve the API, the two sites and the local tools on one port (``front``);
6. seed the demo tenant's officers (one per group) and a demo citizen.

Tests use this same class, so what the demo shows is what the tests prove. ``stop`` and ``restart``
take a bounded time whatever requests are running; ``inject_fault`` makes AWS calls fail (``faults``).

``LocalStack(tenants=("klongnoy", "khunthale"), mode="cell")`` runs a cell (``infra/cell.py``) instead:
the platform stack once (the national citizen pool), then each tenant's thin stack with its own front
on its own port (each agency has its own domain), all on one moto. ``members`` holds each tenant's
stack (a ``LocalStack`` of its own); each tenant's functions run with their own environment
(``lambda_runner.InvocationEnviron``), so a citizen signed in once applies to every agency of the cell.
"""

from __future__ import annotations

import base64
import email
import hashlib
import inspect
import io
import json
import mimetypes
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import requests
from moto.moto_server.werkzeug_app import (
    BackendRequest,
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from pydantic import TypeAdapter
from werkzeug.wrappers import Request, Response

from eservice.officer_pool import OfficerGroups
from eservice.tenant import load_tenant, tenants_dir
from infra import web_headers
from infra.api_group import api_export_name, api_group_stack_name, api_groups, stage_name
from infra.cell import cell_stack_name

from . import faults, lambda_runner, moto_cognito, moto_dynamodb, moto_sns, s3_post_policy
from .fake_ckan import FakeCkan
from .fake_line import FakeLine
from .front import (
    ADMIN_TOKEN_HEADER,
    Front,
    LocalServer,
    gateway_responses_from_template,
    routes_from_template,
)
from .hosted_ui import HOSTED_UI_PATH, HostedUi
from .malware_scan import MalwareScanner
from .payment_simulator import PaymentSimulator
from .provision import Provisioned, Template, provision

__all__ = ["GRACE_SECONDS", "MODES", "LocalStack", "Login", "Restarted"]

REPO = Path(__file__).resolve().parents[1]
REGION = "ap-southeast-1"
# How long a stop or restart waits for running requests before it leaves them.
GRACE_SECONDS = 3.0
# What the CLI would set: asset and construct-path metadata, and no layer bundling (pip for Lambda).
_SYNTH_CONTEXT = (
    "{'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-asset-metadata': True, 'aws:cdk:enable-path-metadata': True}"
)
_SYNTH_INPUTS = ("infra", "functions", "layers/core/python", "tenants", "cdk.json")
#: ``silo``: one tenant with a platform of its own; ``cell``: a cell's platform and several tenants (``infra.app``).
MODES = ("silo", "cell")


@dataclass(frozen=True)
class Login:
    """A seeded account to sign in with."""

    pool: str
    email: str
    password: str
    groups: tuple[str, ...] = ()
    #: The officer's TOTP secret (base32), as their authenticator app holds it; None without TOTP.
    totp_secret: str | None = None


def _sources_hash(tenant: str, mode: str = "silo", cell: str = "") -> str:
    prefix = tenant if mode == "silo" else f"{mode}:{cell}:{tenant}"
    digest = hashlib.sha256(f"{prefix}:{_SYNTH_CONTEXT}".encode())
    for top in _SYNTH_INPUTS:
        root = REPO / top
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(path.relative_to(REPO).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def synthesize(tenant: str, *, workdir: Path, mode: str = "silo", cell: str = "local") -> Path:
    """Synthesize the tenant's stack (in a subprocess: jsii runs node) unless the sources are unchanged.

    ``mode="cell"``: ``tenant`` is the cell's tenant ids separated by commas; the assembly holds the
    platform stack of ``cell`` and one stack per tenant."""
    outdir = workdir / (f"cdk.out-{tenant}" if mode == "silo" else f"cdk.out-cell-{cell}-{tenant.replace(',', '-')}")
    stamp = outdir / ".sources-hash"
    wanted = _sources_hash(tenant, mode, cell)
    if stamp.exists() and stamp.read_text() == wanted:
        return outdir
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    code = (
        "from infra.app import build_app, new_app\n"
        f"app = new_app(outdir={str(outdir)!r}, context={_SYNTH_CONTEXT})\n"
        + (
            f"build_app(app, tenant={tenant!r}).synth()\n"
            if mode == "silo"
            else f"build_app(app, tenant={tenant!r}, mode='cell', cell={cell!r}).synth()\n"
        )
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"cdk synth failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    stamp.write_text(wanted)
    return outdir


@dataclass(frozen=True)
class Restarted:
    """What a ``restart`` cut short."""

    aborted_executions: tuple[str, ...]
    abandoned_requests: int


@dataclass
class LocalStack:
    """Start with ``start()``, stop with ``stop()``; ``url`` is where to open it."""

    tenant: str = "klongnoy"
    port: int = 0
    workdir: Path = field(default_factory=lambda: REPO / ".local")
    url: str = ""
    moto_url: str = ""
    logins: list[Login] = field(default_factory=list)
    provisioned: Provisioned | None = None
    template: Template | None = None
    _moto_server: LocalServer | None = None
    _moto_app: _MotoDispatcher | None = None
    _scanner: MalwareScanner | None = None
    _front_server: LocalServer | None = None
    _front: Front | None = None
    _cognito_extensions: list[Any] = field(default_factory=list)
    #: Sent as ``X-Local-Admin-Token`` with admin Cognito calls to ``/_aws/cognito`` (random per start).
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    line: FakeLine | None = None
    #: R-5.3: the fake CKAN portal (data.go.th) the clock's open-data export pushes to.
    ckan: FakeCkan | None = None
    #: ``silo`` (one tenant, ``tenant``) or ``cell`` (the tenants of ``tenants`` in the cell ``cell``).
    mode: str = "silo"
    tenants: tuple[str, ...] = ()
    cell: str = "local"
    #: In a cell: each tenant's stack (its front, template, resources and seeded officers), by tenant id.
    members: dict[str, LocalStack] = field(default_factory=dict, repr=False, compare=False)
    #: In a cell: the shared REST API this agency has a stage of (infra/api_group.py).
    api_template: Template | None = None
    #: In a cell: the platform stack's template and resources (the national citizen pool, the keys, the layers).
    platform: Template | None = None
    platform_provisioned: Provisioned | None = None
    #: A tenant's stack in a cell: the cell it belongs to (None: a silo stack, or the cell itself).
    _cell: LocalStack | None = field(default=None, repr=False, compare=False)

    # --- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> LocalStack:
        """Bring the whole service up; returns self."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.mode == "cell":
            return self._start_cell()
        self.workdir.mkdir(parents=True, exist_ok=True)
        assembly = synthesize(self.tenant, workdir=self.workdir)
        self.template = _stack_template(assembly, f"eservice-{self.tenant}")
        self._start_moto()
        self._install_aws_extensions()
        self._start_tenant()
        return self

    def _install_aws_extensions(self) -> None:
        lambda_runner.install()
        moto_dynamodb.install()
        moto_cognito.install(mailer=self._send_cognito_mail)
        moto_sns.install()

    def _start_cell(self) -> LocalStack:
        """The cell's platform stack once, then each tenant's stack with its own front (see the module docstring)."""
        if not self.tenants or len(set(self.tenants)) != len(self.tenants):
            raise ValueError(f"a cell needs distinct tenant ids, not {self.tenants!r}")
        self.tenant = self.tenants[0]  # Cognito's mails of the national pool go out as the first agency's
        self.workdir.mkdir(parents=True, exist_ok=True)
        assembly = synthesize(",".join(self.tenants), workdir=self.workdir, mode="cell", cell=self.cell)
        self.platform = _stack_template(assembly, cell_stack_name(self.cell))
        self._start_moto()
        self._install_aws_extensions()
        self.platform_provisioned = provision(self.platform, region=REGION, overrides={}, own_environment={})
        exports = self.platform_provisioned.exports(self.platform)
        self._scan_as_planned(self.platform, self.platform_provisioned)  # the cell's shared quarantine
        if self._moto_app is not None:
            quarantine = self.platform.logical_id(f"{self.platform.stack_name}/Quarantine/Resource")
            self._moto_app.unlistable.add(self.platform_provisioned.refs[quarantine])
        # The cell's shared REST APIs (infra/api_group.py): each member's routes are its stage's. Nothing of them
        # is created locally (no API Gateway here); each agency's stack imports its API's id, a stand-in here.
        apis: dict[str, Template] = {}
        for index, group in enumerate(api_groups([load_tenant(tenants_dir() / f"{t}.yaml") for t in self.tenants])):
            template = _stack_template(assembly, api_group_stack_name(self.cell, index))
            for agency in group:
                apis[agency.id] = template
                exports[api_export_name(agency.id)] = f"local{index}"
        for index, tenant in enumerate(self.tenants):
            member = LocalStack(
                tenant=tenant,
                port=self.port + index if self.port else 0,
                workdir=self.workdir,
                moto_url=self.moto_url,
                admin_token=self.admin_token,
                _cell=self,
            )
            member._moto_app = self._moto_app
            member.template = _stack_template(assembly, f"eservice-{tenant}")
            member.api_template = apis[tenant]
            self.members[tenant] = member
            member._start_tenant(imports=exports, seed_citizen=index == 0)
        self.url = self.members[self.tenants[0]].url
        self.logins = self.members[self.tenants[0]].logins
        return self

    def _start_tenant(self, *, imports: dict[str, str] | None = None, seed_citizen: bool = True) -> None:
        """One tenant's stack on the running moto: its resources, its front, its fakes and its seeded accounts."""
        assert self.template is not None
        # Listening from here on (the URL goes into the functions' settings); 503 until ready.
        self._front_server = LocalServer(self._wsgi, port=self.port, name="front")
        self.url = f"http://127.0.0.1:{self._front_server.port}"
        self.line = FakeLine(credentials=self.line_credentials, webhook_url=lambda: f"{self.url}/api/line/webhook")
        self.line.start()
        from eservice.tenant import compile_tenant
        from eservice.tenant import load_tenant as _load_tenant

        agency = _load_tenant(tenants_dir() / f"{self.tenant}.yaml")
        organization = agency.open_data.organization
        self.ckan = FakeCkan(api_key=secrets.token_urlsafe(32), organizations=(organization,) if organization else ())
        self.ckan.start()
        # What the functions' tenant layer holds (infra/stack.py): the tenant file compiled to JSON.
        tenant_file = str(
            compile_tenant(
                agency,
                tenants_dir(),
                REPO / ".local" / "tenant-layers" / self.tenant,
            )
        )
        self.provisioned = provision(
            self.template,
            region=REGION,
            overrides={
                "TENANT_FILE": tenant_file,
                "PUBLIC_BASE_URL": self.url,
                "LINE_API_BASE": self.line.url,
                "CKAN_URL": self.ckan.url,
            },
            imports=imports,
            # In a cell each tenant's functions read their own environment; a silo stack's read the process's.
            own_environment={"TENANT_FILE": tenant_file, "PUBLIC_BASE_URL": self.url} if self._cell else None,
        )
        if self._cell is None:
            # Handlers run in this process: they read the stack's environment from os.environ.
            os.environ.update(self.provisioned.environment)
            os.environ["TENANT_FILE"] = tenant_file
            os.environ["PUBLIC_BASE_URL"] = self.url
        self._set_line_and_ckan_keys()
        self.payments = PaymentSimulator(base_url=lambda: self.url, secret=self.payment_secret)
        self.hosted_ui = HostedUi.for_stack(self)
        from .email_otp import EmailOtpSignIn
        from .provision import ACCOUNT

        self._cognito_extensions = [
            EmailOtpSignIn(region=REGION, account=ACCOUNT, sender=agency.notifications.email_from)
        ]
        self._scan_as_planned(self.template, self.provisioned)
        self._seed(seed_citizen=seed_citizen)
        self._front = self._make_front()

    def _scan_as_planned(self, template: Template, provisioned: Provisioned) -> None:
        """GuardDuty Malware Protection for S3 on AWS; its stand-in here tags moto's objects the same way, in
        the bucket and under the prefix the template's plan protects (a silo's uploads under quarantine/, a
        cell's whole shared quarantine bucket)."""
        for plan in template.of_type("AWS::GuardDuty::MalwareProtectionPlan").values():
            protected = plan["Properties"]["ProtectedResource"]["S3Bucket"]
            (prefix,) = protected.get("ObjectPrefixes") or [""]
            if self._moto_app is not None:
                self._scanner = MalwareScanner(
                    bucket=str(provisioned.resolve(protected["BucketName"])),
                    s3=boto3.client("s3", region_name=REGION),
                    prefix=prefix,
                )
                self._moto_app.on_object_created.append(self._scanner.object_created)

    def _env(self, name: str) -> str:
        """A variable of this stack's functions' environment (``CHANNEL_KEYS_SECRET_ARN``...)."""
        assert self.provisioned is not None, "start() first"
        return self.provisioned.environment[name]

    def _make_front(self) -> Front:
        assert self.template is not None and self.provisioned is not None
        if self.api_template is None:  # a silo: the stack's own API
            api, routes = self.template, routes_from_template(self.template, self.provisioned)
        else:  # a cell's agency: its stage of a shared API, whose authorizers name the cell's pools
            api = self.api_template
            named = Provisioned(region=REGION, imports=self.provisioned.imports)
            routes = routes_from_template(api, named, stage=stage_name(self.tenant))
        return Front(
            routes=routes,
            moto_url=self.moto_url,
            region=REGION,
            invoke=self.invoke,
            sites={"/officer/": REPO / "web" / "officer", "/": REPO / "web" / "citizen"},
            site_config=self._site_config(),
            # The pages call Cognito and the hosted sign-in through the front; uploads go to S3 (moto).
            csp=web_headers.content_security_policy(connect=[self.moto_url]),
            foreign=(HOSTED_UI_PATH, "/_local/pay"),
            local_routes={
                "/_local/mailbox": self._mailbox,
                "/_local/clock": self._clock,
                "/_local/pay": self.payments,
                "/_local/faults": faults.endpoint,
                "/_local/line": self._line_endpoint,
                "/_local/sweep": self._sweep,
                "/_local/schedules": self._recurring,
                "/open-data": self._open_data_files,
                "/pki": self._pki,
                "/examples": self._examples,
                HOSTED_UI_PATH: self.hosted_ui,
            },
            cognito_extensions=self._cognito_extensions,
            cognito_admin_token=self.admin_token,
            gateway_responses=gateway_responses_from_template(api),
        )

    def stop(self, *, grace: float = GRACE_SECONDS) -> int:
        """Stop in about ``grace`` seconds at most; returns how many running requests were abandoned.

        Parked saga executions and abandoned requests keep their (daemon) threads: they end with the process.
        """
        assert self._cell is None, "stop the cell, not one of its tenants"
        abandoned = sum(member._stop_tenant(grace) for member in self.members.values())
        abandoned += self._stop_tenant(grace)
        if self._moto_server is not None:
            self._moto_server.stop(0)
        lambda_runner.uninstall()
        moto_cognito.uninstall()
        moto_sns.uninstall()
        return abandoned

    def _stop_tenant(self, grace: float) -> int:
        abandoned = self._front_server.stop(grace) if self._front_server is not None else 0
        if self._scanner is not None:
            self._scanner.stop()
        if self.line is not None:
            self.line.stop()
        if self.ckan is not None:
            self.ckan.stop()
        return abandoned

    def restart(self, *, grace: float = GRACE_SECONDS) -> Restarted:
        """What a restart of this process in the middle of a saga leaves, as far as AWS keeps it.

        Running executions of the stack's state machines are stopped (ABORTED, as if their worker died
        with the process), every Lambda container is dropped (the next invocations are cold starts, with
        new module copies, so nothing ``functools.cache``d in a handler module survives; the layers'
        modules are shared by all containers here and keep theirs) and the front starts again on the
        same port. moto's data (tables, buckets, keys, pools, executions) stays: it stands for what AWS
        keeps durably. A real restart of ``python -m local`` loses moto's memory too.
        """
        assert self._cell is None, "restart the cell, not one of its tenants"
        stacks = list(self.members.values()) or [self]
        ports, abandoned, aborted = [], 0, []
        for stack in stacks:
            assert stack._front_server is not None, "start() first"
            ports.append(stack._front_server.port)
            abandoned += stack._front_server.stop(grace)
        for stack in stacks:
            aborted += stack._abort_running_executions(grace)
        lambda_runner.drop_containers()
        for stack, port in zip(stacks, ports, strict=True):
            stack._front = stack._make_front()
            stack._front_server = LocalServer(stack._wsgi, port=port, name="front")
        return Restarted(aborted_executions=tuple(aborted), abandoned_requests=abandoned)

    def _abort_running_executions(self, grace: float) -> list[str]:
        assert self.template is not None and self.provisioned is not None
        sfn = boto3.client("stepfunctions", region_name=REGION)
        aborted = []
        for logical in self.template.of_type("AWS::StepFunctions::StateMachine"):
            pages = sfn.get_paginator("list_executions").paginate(
                stateMachineArn=self.provisioned.refs[logical], statusFilter="RUNNING"
            )
            for execution in (e for page in pages for e in page["executions"]):
                sfn.stop_execution(executionArn=execution["executionArn"], error=_RESTART_ERROR, cause=_RESTART_CAUSE)
                _wake_parked_tasks(execution["executionArn"])
                aborted.append(execution["executionArn"])
        # moto records the abort at the interpreter's next step: a task in the middle of a call finishes first.
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(
            sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" for arn in aborted
        ):
            time.sleep(0.05)
        return aborted

    # --- faults ------------------------------------------------------------------------------------------
    def inject_fault(self, **rule: Any) -> str:
        """Make a chosen AWS call of the Lambda handlers fail (``faults.FaultSpec``); returns the rule's id."""
        return faults.add(**rule)

    def clear_faults(self) -> int:
        """Remove every fault rule; returns how many there were."""
        return faults.clear()

    def fault_report(self) -> list[dict[str, Any]]:
        """Every fault rule with how many matching calls it saw and how many it failed."""
        return faults.report()

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        front = self._front
        if front is None:
            response = Response(json.dumps({"message": "the local stack is starting"}), status=503)
            return response(environ, start_response)
        return front(environ, start_response)

    def _start_moto(self) -> None:
        import logging

        # One line per AWS call would drown what the service itself logs.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

        for name, value in {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "TZ": "UTC",  # Step Functions Wait states compare against local time
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "eservice-local",
        }.items():
            os.environ[name] = value
        os.environ.pop("AWS_PROFILE", None)
        time.tzset()
        _check_moto_server()
        self._moto_app = _MotoDispatcher(_create_backend_app)
        self._moto_server = LocalServer(self._moto_app, request_handler=MotoRequestHandler, name="moto")
        port = self._moto_server.port
        self.moto_url = f"http://127.0.0.1:{port}"
        os.environ["AWS_ENDPOINT_URL"] = self.moto_url
        os.environ["MOTO_PORT"] = str(port)
        # The layers' clients are one per process (eservice.aws.client): those of a stack started before in this
        # process (the bench runs several) would still call that stack's stopped moto.
        from eservice.aws import client

        client.cache_clear()
        response = requests.post(
            f"{self.moto_url}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        )
        response.raise_for_status()

    # --- in-process invocation ---------------------------------------------------------------------
    def invoke(self, function_name: str, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke a function through moto's Lambda API (the path every invocation takes)."""
        client = boto3.client("lambda", region_name=REGION)
        response = client.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
        payload = json.loads(response["Payload"].read() or b"null")
        return payload if isinstance(payload, dict) else {"result": payload}

    def function_name(self, short: str) -> str:
        """The physical name of ``intake``, ``clock``, ``sign`` or ``notify``."""
        assert self.provisioned is not None and self.template is not None
        logical = self.template.logical_id(f"eservice-{self.tenant}/{short.title()}Function/Resource")
        return self.provisioned.refs[logical]

    def resource(self, construct_path: str) -> str:
        """The physical id of a resource by its construct path below the stack (``Table/Resource``)."""
        assert self.provisioned is not None and self.template is not None
        return self.provisioned.refs[self.template.logical_id(f"eservice-{self.tenant}/{construct_path}")]

    # --- seeding -------------------------------------------------------------------------------------
    def _site_config(self) -> dict[str, Any]:
        assert self.provisioned is not None and self.template is not None
        refs = self.provisioned.refs
        if self._cell is None:
            citizen_pool = self.resource("CitizenPool/Resource")
            citizen_client = refs[
                self.template.logical_id(f"eservice-{self.tenant}/CitizenPool/CitizenWebClient/Resource")
            ]
            officer_pool = self.resource("OfficerPool/Resource")
            officer_client = refs[
                self.template.logical_id(f"eservice-{self.tenant}/OfficerPool/OfficerWebClient/Resource")
            ]
        else:
            # The cell's national citizen pool and its one officer pool, with this agency's own web clients.
            platform, created = self._cell.platform, self._cell.platform_provisioned
            assert platform is not None and created is not None
            citizen_pool = created.refs[platform.logical_id(f"{platform.stack_name}/CitizenPool/Resource")]
            citizen_client = self.resource("CitizenWebClient/Resource")
            officer_pool = created.refs[platform.logical_id(f"{platform.stack_name}/OfficerPool/Resource")]
            officer_client = self.resource("OfficerWebClient/Resource")
        return {
            "tenant": self.tenant,
            "apiBase": "/api",
            "cognitoEndpoint": "/_aws/cognito",
            "region": REGION,
            "citizen": {
                "oauthDomain": "/_aws/cognito-domain",
                "userPoolId": citizen_pool,
                "clientId": citizen_client,
            },
            "officer": {"userPoolId": officer_pool, "clientId": officer_client},
            "local": True,
        }

    def _seed(self, *, seed_citizen: bool = True) -> None:
        from eservice.tenant import OFFICER_GROUPS, load_tenant
        from eservice.units import AGENCY_WIDE, unit_group

        tenant = load_tenant(tenants_dir() / f"{self.tenant}.yaml")
        cognito = boto3.client("cognito-idp", region_name=REGION)
        config = self._site_config()
        officer_pool = config["officer"]["userPoolId"]
        pool_group = self.officer_groups().pool_name  # in a cell's shared pool, this agency's group names
        for group in OFFICER_GROUPS:
            # As the administrator does: a temporary password; the officer's first sign-in sets the
            # password and enrols TOTP (done here at once, so that the demo and the tests sign in).
            email_address = f"{group}@{tenant.domain}"
            temporary = f"Temp#{secrets.token_urlsafe(12)}1a"
            cognito.admin_create_user(
                UserPoolId=officer_pool,
                Username=email_address,
                TemporaryPassword=temporary,
                UserAttributes=[
                    {"Name": "email", "Value": email_address},
                    {"Name": "email_verified", "Value": "true"},
                ],
                MessageAction="SUPPRESS",
            )
            cognito.admin_add_user_to_group(
                UserPoolId=officer_pool, Username=email_address, GroupName=pool_group(group)
            )
            if group not in AGENCY_WIDE | {"records"}:
                # the demo's one officer per role works for every unit (each unit's group), as the
                # administrator would set it (PUT /api/officer/officers/{username}/units); an officer of one
                # unit sees only that unit's requests.
                for unit_id in tenant.units:
                    cognito.admin_add_user_to_group(
                        UserPoolId=officer_pool, Username=email_address, GroupName=pool_group(unit_group(unit_id))
                    )
            password = "Officer#2569local"
            secret = self.first_sign_in(email_address, temporary, password)
            login = Login(pool="officer", email=email_address, password=password, groups=(group,), totp_secret=secret)
            self.logins.append(login)
        citizen = Login(pool="citizen", email="somchai@example.com", password="Citizen#2569local")
        if seed_citizen:  # in a cell, once: the citizen pool is the cell's, every agency's citizens are in it
            self._create_user(cognito, config["citizen"]["userPoolId"], citizen)
        self.logins.append(citizen)

    def officer_groups(self) -> OfficerGroups:
        """This agency's group names in the officer pool (``<tenant id>:<group>`` in a cell's shared pool), as
        its functions read them from their environment."""
        return OfficerGroups(prefix=self._env("OFFICER_GROUP_PREFIX") if self._cell else "")

    def first_sign_in(self, email_address: str, temporary_password: str, new_password: str) -> str:
        """An officer's first sign-in as the officer SPA does it; returns the TOTP secret enrolled."""
        cognito = boto3.client("cognito-idp", region_name=REGION)
        client_id = self._site_config()["officer"]["clientId"]
        answer = cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email_address, "PASSWORD": temporary_password},
        )
        if answer.get("ChallengeName") != "NEW_PASSWORD_REQUIRED":
            raise RuntimeError(f"expected NEW_PASSWORD_REQUIRED, Cognito answered {answer.get('ChallengeName')}")
        answer = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=answer["Session"],
            ChallengeResponses={"USERNAME": email_address, "NEW_PASSWORD": new_password},
        )
        if answer.get("ChallengeName") != "MFA_SETUP":
            raise RuntimeError(f"expected MFA_SETUP, Cognito answered {answer.get('ChallengeName')}")
        association = cognito.associate_software_token(Session=answer["Session"])
        secret = str(association["SecretCode"])
        verified = cognito.verify_software_token(
            Session=association["Session"], UserCode=moto_cognito.totp_code(secret), FriendlyDeviceName="seed"
        )
        answer = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses={"USERNAME": email_address},
        )
        if "AuthenticationResult" not in answer:
            raise RuntimeError(f"MFA_SETUP did not sign in: {answer.get('ChallengeName')}")
        return secret

    def cognito_admin(self, action: str, payload: dict[str, Any]) -> requests.Response:
        """An admin Cognito call through ``/_aws/cognito`` with the stack's admin token (what the console does)."""
        return requests.post(
            f"{self.url}/_aws/cognito",
            data=json.dumps(payload),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
                ADMIN_TOKEN_HEADER: self.admin_token,
            },
            timeout=30,
        )

    def _send_cognito_mail(self, to: str, subject: str, text: str) -> None:
        """How Cognito's codes reach people locally: SES in moto, so they show in ``/_local/mailbox``."""
        from moto.ses.models import ses_backends

        from eservice.tenant import load_tenant

        from .provision import ACCOUNT

        sender = load_tenant(tenants_dir() / f"{self.tenant}.yaml").notifications.email_from
        ses_backends[ACCOUNT][REGION].send_email(sender, subject, text, {"ToAddresses": [to]})

    @staticmethod
    def _create_user(cognito: Any, pool_id: str, login: Login) -> None:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=login.email,
            UserAttributes=[{"Name": "email", "Value": login.email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=login.email, Password=login.password, Permanent=True
        )

    def _channel_keys_text(self) -> str:
        arn = self._env("CHANNEL_KEYS_SECRET_ARN")
        return str(boto3.client("secretsmanager", region_name=REGION).get_secret_value(SecretId=arn)["SecretString"])

    def payment_secret(self) -> str:
        """The webhook key the stack generated (in the channel keys secret), shared with the simulator."""
        from eservice.channel_keys import ChannelKeys

        return ChannelKeys.from_secret_string(self._channel_keys_text()).payment_webhook_key

    def _set_line_and_ckan_keys(self) -> None:
        """What the agency's admin does once: put the LINE channel's secret and access token and the CKAN API
        key in the stack's channel keys secret, beside the payment webhook key (the LINE ones made up here: the
        fake LINE server checks them)."""
        import secrets

        assert self.ckan is not None, "the fake CKAN starts first"
        value = {
            **json.loads(self._channel_keys_text()),
            "channel_secret": secrets.token_hex(16),
            "channel_access_token": secrets.token_urlsafe(48),
            "ckan_api_key": self.ckan.api_key,
        }
        boto3.client("secretsmanager", region_name=REGION).put_secret_value(
            SecretId=self._env("CHANNEL_KEYS_SECRET_ARN"), SecretString=json.dumps(value)
        )

    def line_credentials(self) -> Any:
        """The LINE channel's secret and access token (``LineCredentials``), as the functions read them."""
        from eservice.channel_keys import ChannelKeys

        credentials = ChannelKeys.from_secret_string(self._channel_keys_text()).line
        assert credentials is not None, "the local stack sets the LINE channel up when it starts"
        return credentials

    def _line_endpoint(self, request: Request) -> Response:
        assert self.line is not None, "start() first"
        return self.line.endpoint(request)

    def sign_in(self, login: Login) -> str:
        """An ID token for a seeded (or any) account, as the sites get it from Cognito."""
        config = self._site_config()[login.pool]
        cognito = boto3.client("cognito-idp", region_name=REGION)
        result = cognito.initiate_auth(
            ClientId=config["clientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": login.email, "PASSWORD": login.password},
        )
        if result.get("ChallengeName") == "SOFTWARE_TOKEN_MFA" and login.totp_secret:
            result = cognito.respond_to_auth_challenge(
                ClientId=config["clientId"],
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=result["Session"],
                ChallengeResponses={
                    "USERNAME": login.email,
                    "SOFTWARE_TOKEN_MFA_CODE": moto_cognito.totp_code(login.totp_secret),
                },
            )
        if "AuthenticationResult" not in result:
            raise RuntimeError(f"{login.pool} sign-in stopped at Cognito's {result.get('ChallengeName')} challenge")
        return str(result["AuthenticationResult"]["IdToken"])

    # --- local tools -----------------------------------------------------------------------------------
    def _mailbox(self, request: Request) -> Response:
        files = request.args.get("files") in ("1", "true")
        body = {"messages": self.mailbox(files=files, to=request.args.get("to"))}
        return Response(json.dumps(body, ensure_ascii=False), content_type="application/json")

    def mailbox(self, *, files: bool = False, to: str | None = None) -> list[dict[str, Any]]:
        """Every message sent: e-mail (SES) and SMS (SNS, with its sender id), oldest first.

        ``files``: each e-mail's attachments also as ``{"name", "base64"}`` (``?files=1``); ``to``: only the
        messages to that address or number (``?to=``), so a long run's mailbox need not be sent whole."""
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        from .provision import ACCOUNT

        messages: list[dict[str, Any]] = []
        for sent in ses_backends[ACCOUNT][REGION].sent_messages:
            raw = getattr(sent, "raw_data", None)
            if raw:
                parsed = email.message_from_string(raw)
                if to is not None and to not in (parsed.get("To") or ""):
                    continue
                body, attachments, contents = "", [], []
                for part in parsed.walk():
                    if part.get_filename():
                        attachments.append(_decoded_header(part.get_filename() or ""))
                        if files:
                            data = part.get_payload(decode=True)
                            encoded = base64.b64encode(data if isinstance(data, bytes) else b"").decode()
                            contents.append({"name": attachments[-1], "base64": encoded})
                    elif part.get_content_type() == "text/plain" and not body:
                        payload = part.get_payload(decode=True)
                        body = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
                messages.append(
                    {
                        "channel": "email",
                        "from": _decoded_header(parsed.get("From") or ""),
                        "to": [a.strip() for a in (parsed.get("To") or "").split(",") if a.strip()],
                        "subject": _decoded_header(parsed.get("Subject") or ""),
                        "body": body,
                        "attachments": attachments,
                        **({"files": contents} if files else {}),
                    }
                )
            else:
                if to is not None and to not in getattr(sent, "destinations", {}).get("ToAddresses", []):
                    continue
                messages.append(
                    {
                        "channel": "email",
                        "to": list(getattr(sent, "destinations", {}).get("ToAddresses", [])),
                        "subject": getattr(sent, "subject", ""),
                        "body": getattr(sent, "body", ""),
                        "attachments": [],
                    }
                )
        for message_id, (phone, text) in sns_backends[ACCOUNT][REGION].sms_messages.items():
            if to is not None and to != phone:
                continue
            sender = moto_sns.attributes_of(message_id).get("AWS.SNS.SMS.SenderID")
            messages.append(
                {"channel": "sms", "to": [phone], "subject": "", "body": text, "attachments": [], "sender": sender}
            )
        return messages

    def _examples(self, request: Request) -> Response:
        """``/examples/<file>``: the tenant's example documents (Q3.4), as CloudFront serves them from the site."""
        from eservice.tenant import examples_dir

        folder = examples_dir(tenants_dir() / f"{self.tenant}.yaml", self.tenant).resolve()
        target = (folder / request.path.removeprefix("/examples").lstrip("/")).resolve()
        if target.parent != folder or not target.is_file():
            return Response("not found\n", status=404, content_type="text/plain; charset=utf-8")
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return Response(target.read_bytes(), content_type=content_type)

    def _pki(self, request: Request) -> Response:
        """``/pki/<name>``: what CloudFront serves from ``pki/`` in the sites bucket, from moto's copy of it."""
        name = request.path.removeprefix("/pki").lstrip("/")
        if name not in _PKI_FILES:
            return _pki_not_found(f"no such trust material: /pki/{name} (published: {', '.join(_PKI_FILES)})")
        if request.method not in ("GET", "HEAD"):
            return Response("GET only\n", status=405, content_type="text/plain; charset=utf-8")
        s3 = boto3.client("s3", region_name=REGION)
        try:
            stored = s3.get_object(Bucket=self.resource("Sites/Resource"), Key=f"pki/{name}")
        except s3.exceptions.NoSuchKey:
            return _pki_not_found(
                f"/pki/{name} is not issued yet: the sign function publishes the root certificate and CRL "
                "when the agency's PKI is first used (the first time stamp or seal)"
            )
        headers = {"Cache-Control": stored["CacheControl"]} if stored.get("CacheControl") else {}
        return Response(stored["Body"].read(), content_type=stored["ContentType"], headers=headers)

    def _sweep(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(
                json.dumps({"error": "POST to run the sweeper"}), status=405, content_type="application/json"
            )
        body = request.get_json(force=True, silent=True) or {}
        report = self.sweep(grace_seconds=float(body.get("grace_seconds", 120)))
        return Response(json.dumps(report), content_type="application/json")

    def sweep(self, *, grace_seconds: float = 120) -> dict[str, Any]:
        """Run the sweeper now, as its schedule does (``grace_seconds``: leave younger answers alone)."""
        return self.invoke(self.function_name("clock"), {"action": "sweep", "grace_seconds": grace_seconds})

    def _recurring(self, request: Request) -> Response:
        """``POST /_local/schedules/<name>``: run a recurring schedule of the stack now (``LicenceExpiry``,
        ``OpenDataMonthEnd``, ``Sweeper``...), as EventBridge Scheduler does when it fires: its target with
        its input. ``GET`` lists them."""
        schedules = self.recurring_schedules()
        name = request.path.removeprefix("/_local/schedules").strip("/")
        if request.method == "GET" and not name:
            listing = {n: {"expression": s["expression"], "input": s["input"]} for n, s in schedules.items()}
            return Response(json.dumps(listing), content_type="application/json")
        if request.method != "POST" or name not in schedules:
            body = {"error": f"POST /_local/schedules/<name>, one of: {', '.join(sorted(schedules))}"}
            status = 404 if request.method == "POST" else 405
            return Response(json.dumps(body), status=status, content_type="application/json")
        return Response(json.dumps(self.run_schedule(name), default=str), content_type="application/json")

    def recurring_schedules(self) -> dict[str, dict[str, Any]]:
        """The stack's recurring schedules by construct id: expression, target function (short name), input."""
        assert self.template is not None
        found: dict[str, dict[str, Any]] = {}
        for logical, resource in self.template.of_type("AWS::Scheduler::Schedule").items():
            props = resource["Properties"]
            target = props["Target"]
            arn = target["Arn"]
            function_logical = arn["Fn::GetAtt"][0] if isinstance(arn, dict) and "Fn::GetAtt" in arn else ""
            if isinstance(arn, dict) and "Ref" in arn:  # the function's "live" alias (SnapStart, issue 14)
                function_logical = self.template.resources[arn["Ref"]]["Properties"]["FunctionName"]["Ref"]
            functions = {
                self.template.logical_id(f"eservice-{self.tenant}/{s.title()}Function/Resource"): s
                for s in ("intake", "clock", "sign", "notify")
            }
            short = functions.get(function_logical)
            name = re.sub(r"[0-9A-F]{8}$", "", logical)
            found[name] = {"expression": props["ScheduleExpression"], "function": short, "input": target.get("Input")}
        return found

    def run_schedule(self, name: str) -> dict[str, Any]:
        """Fire one recurring schedule now (what its EventBridge Scheduler schedule does)."""
        schedule = self.recurring_schedules()[name]
        return self.invoke(self.function_name(schedule["function"]), json.loads(schedule["input"] or "{}"))

    def _open_data_files(self, request: Request) -> Response:
        """``/open-data/<file>``: what CloudFront serves read-only from open-data/ in the exports bucket."""
        if request.method not in ("GET", "HEAD"):
            return Response("GET only\n", status=405, content_type="text/plain; charset=utf-8")
        key = request.path.lstrip("/")
        s3 = boto3.client("s3", region_name=REGION)
        try:
            stored = s3.get_object(Bucket=self.resource("Exports/Resource"), Key=key)
        except s3.exceptions.NoSuchKey:
            return Response("not found\n", status=404, content_type="text/plain; charset=utf-8")
        return Response(stored["Body"].read(), content_type=stored["ContentType"])

    def _clock(self, request: Request) -> Response:
        from eservice import clock_source

        if request.method == "POST":
            body = request.get_json(force=True, silent=True) or {}
            try:
                if "advance" in body:
                    delta = TypeAdapter(timedelta).validate_python(body["advance"])
                    clock_source.set_offset(clock_source.offset() + delta)
                elif "set" in body:
                    target = datetime.fromisoformat(body["set"])
                    if target.tzinfo is None:
                        raise ValueError("give a time zone, e.g. +07:00")
                    clock_source.set_offset(target - datetime.now(UTC))
                else:
                    raise ValueError('send {"advance": "P31D"} or {"set": "<ISO-8601>"}')
            except ValueError as exc:
                return Response(json.dumps({"error": str(exc)}), status=400, content_type="application/json")
            fired = self.fire_due_schedules()
            return Response(
                json.dumps({"now": clock_source.now().isoformat(), "fired": fired}), content_type="application/json"
            )
        return Response(
            json.dumps(
                {"now": clock_source.now().isoformat(), "offset_seconds": clock_source.offset().total_seconds()}
            ),
            content_type="application/json",
        )

    def fire_due_schedules(self) -> list[str]:
        """Do what EventBridge Scheduler does when a one-time schedule is due: invoke its target."""
        if self._cell is not None:  # one clock for the whole cell: every agency's due schedules fire
            return [name for member in self._cell.members.values() for name in member._fire_own_due_schedules()]
        return self._fire_own_due_schedules()

    def _fire_own_due_schedules(self) -> list[str]:
        """This agency's due deadline schedules (named after it: a cell's agencies share one group)."""
        from eservice import clock_source
        from eservice.saga_steps import schedule_name_prefix

        scheduler = boto3.client("scheduler", region_name=REGION)
        group = self._env("SCHEDULE_GROUP")
        now = clock_source.now()
        fired = []
        schedules = scheduler.list_schedules(GroupName=group, NamePrefix=schedule_name_prefix(self.tenant))
        for summary in schedules.get("Schedules", []):
            schedule = scheduler.get_schedule(GroupName=group, Name=summary["Name"])
            expression = schedule["ScheduleExpression"]
            if not expression.startswith("at("):
                continue
            due = datetime.fromisoformat(expression[3:-1]).replace(tzinfo=UTC)
            if schedule.get("ScheduleExpressionTimezone", "UTC") != "UTC":
                raise ValueError("deadline schedules are written in UTC")
            if due > now:
                continue
            target = schedule["Target"]
            self.invoke(target["Arn"].rsplit(":", 1)[-1], json.loads(target.get("Input") or "{}"))
            # One-time schedules delete themselves after completion (ActionAfterCompletion=DELETE).
            scheduler.delete_schedule(GroupName=group, Name=summary["Name"])
            fired.append(summary["Name"])
        return fired


def _stack_template(assembly: Path, stack_name: str) -> Template:
    return Template(
        stack_name=stack_name,
        body=json.loads((assembly / f"{stack_name}.template.json").read_text()),
        assembly_dir=assembly,
    )


# The files the sign function publishes under pki/ (eservice_pdf.pki.trust_material).
_PKI_FILES = ("root.crt", "root.pem", "root.crl")


def _pki_not_found(message: str) -> Response:
    return Response(message + "\n", status=404, content_type="text/plain; charset=utf-8")


_RESTART_ERROR = "Local.Restart"
_RESTART_CAUSE = "the local stack restarted while this execution ran"


def _wake_parked_tasks(execution_arn: str) -> None:
    """Let a stopped execution end now, as on AWS, rather than when its task token is answered.

    moto's StopExecution only marks the interpreter stopped; a task waiting for its token keeps
    waiting, so the execution stays RUNNING and its token still works. Answering those waits (with an
    output the stopped interpreter never uses: it takes no further step) lets it end and record the
    abort; failing them instead would make moto record the execution FAILED.
    """
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeSuccess
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    from .provision import ACCOUNT

    execution = stepfunctions_parser_backends[ACCOUNT][REGION].describe_execution(execution_arn)
    environment = getattr(getattr(execution, "exec_worker", None), "env", None)
    if environment is None:
        return  # not evaluating yet: it meets the stop at its first step
    pool = getattr(getattr(environment, "callback_pool_manager", None), "_pool", None)
    if not isinstance(pool, dict):
        raise RuntimeError("moto's Step Functions interpreter changed: update _wake_parked_tasks in local/stack.py")
    for endpoint in list(pool.values()):
        if endpoint.get_outcome() is None:
            endpoint.notify(CallbackOutcomeSuccess(callback_id=endpoint.callback_id, output="{}"))


def _unsigned_form(environ: dict[str, Any]) -> bool:
    """A request whose body moto reads to find its service: form-encoded, no Authorization (a presigned URL)."""
    return (
        "HTTP_AUTHORIZATION" not in environ
        and str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded")
        and str(environ.get("CONTENT_LENGTH", "")).isdigit()
        and int(environ["CONTENT_LENGTH"]) > 0
    )


class _MotoDispatcher(DomainDispatcherApplication):
    """moto's request dispatcher, with S3's upload rules and without what made a presigned upload hang.

    To find the service of an unsigned request (a presigned URL), moto reads a form-encoded body while
    it holds its one dispatcher lock, and puts the bytes back only if they decode as UTF-8. A PDF sent
    with curl's or urllib's default Content-Type (application/x-www-form-urlencoded) was therefore
    consumed, and S3 then waited for a body that had already arrived, until the client gave up. Here
    the body is read before that lock (a slow client cannot stall every AWS call) and always kept.

    moto keeps whatever a form upload (S3 POST policy) carries; S3 first checks the policy (size range,
    key, content type, signature, expiry). ``s3_post_policy`` does that here, before moto keeps a byte.
    Each object stored by a form upload or a PUT is then announced to ``on_object_created`` (the S3
    event GuardDuty Malware Protection reacts to).
    """

    def __init__(self, create_app: Any) -> None:
        super().__init__(create_app)
        self.on_object_created: list[Any] = []
        #: Buckets no function may list (a cell's shared quarantine): S3 answers a missing key there with 403
        #: AccessDenied, not 404, to a caller without s3:ListBucket; moto, which enforces no IAM, is made to.
        self.unlistable: set[str] = set()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        created: tuple[str, str] | None = None
        if s3_post_policy.is_form_upload(environ):
            refused = s3_post_policy.refusal(environ)
            if refused is not None:
                return refused(environ, start_response)
            created = _form_upload_target(environ)
        elif _unsigned_form(environ):
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        if created is None:
            created = _put_object_target(environ)
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            bucket, _, key = str(environ.get("PATH_INFO", "")).lstrip("/").partition("/")
            if key and bucket in self.unlistable:
                return self._missing_as_denied(environ, start_response)
        if created is None or not self.on_object_created:
            return super().__call__(environ, start_response)
        statuses: list[str] = []

        def remember_status(status: str, headers: Any, *args: Any) -> Any:
            statuses.append(status)
            return start_response(status, headers, *args)

        body = list(super().__call__(environ, remember_status))
        if statuses and statuses[0].startswith("2"):
            for listener in self.on_object_created:
                listener(*created)
        return body

    def _missing_as_denied(self, environ: dict[str, Any], start_response: Any) -> Any:
        answered: list[tuple[str, Any]] = []

        def remember(status: str, headers: Any, *args: Any) -> Any:
            answered.append((status, headers))
            return lambda data: None

        body = b"".join(super().__call__(environ, remember))
        status, headers = answered[0]
        if not status.startswith("404"):
            start_response(status, headers)
            return [body]
        denied = b"" if environ.get("REQUEST_METHOD") == "HEAD" else _ACCESS_DENIED
        start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(denied)))])
        return [denied]

    def _get_body(self, environ: dict[str, Any]) -> str | None:
        stream = environ.get("wsgi.input")
        if not _unsigned_form(environ) or not isinstance(stream, io.BytesIO):
            return None
        try:
            return stream.getvalue().decode("utf-8")
        except UnicodeDecodeError:
            return None  # not an AWS query call: moto then routes by path (S3)


def _form_upload_target(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(bucket, key) of an accepted form upload (the body was read into memory by ``refusal``)."""
    from werkzeug.formparser import parse_form_data

    stream = environ["wsgi.input"]
    _, form, _ = parse_form_data({**environ, "wsgi.input": io.BytesIO(stream.getvalue())})
    key = form.get("key")
    return (str(environ.get("PATH_INFO", "")).strip("/"), key) if key else None


_ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'
)


def _put_object_target(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(bucket, key) of a path-style PutObject (not a copy, not a part of a multipart upload)."""
    if environ.get("REQUEST_METHOD") != "PUT" or "HTTP_X_AMZ_COPY_SOURCE" in environ:
        return None
    # A presigned URL's own parameters only: ?tagging, ?acl, ?partNumber... do not create an object.
    query = urllib.parse.parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
    if any(not name.lower().startswith("x-amz-") and name != "x-id" for name in query):
        return None
    bucket, _, key = str(environ.get("PATH_INFO", "")).lstrip("/").partition("/")
    return (bucket, key) if bucket and key else None


class _S3Request(BackendRequest):
    """S3 keeps a PUT body as the object whatever its Content-Type says; moto parsed a form-typed one as a form."""

    @property
    def want_form_data_parsed(self) -> bool:
        return self.method != "PUT" and bool(super().want_form_data_parsed)


def _create_backend_app(service: Any) -> Any:
    app = create_backend_app(service)
    if service == "s3":
        app.request_class = _S3Request
    return app


def _check_moto_server() -> None:
    """Fail loudly if moto no longer reads bodies the way ``_MotoDispatcher`` and ``_S3Request`` assume."""
    if "self._get_body(" not in inspect.getsource(DomainDispatcherApplication.infer_service_region_host):
        raise RuntimeError("moto no longer finds services with _get_body: update _MotoDispatcher in local/stack.py")
    if not isinstance(inspect.getattr_static(BackendRequest, "want_form_data_parsed", None), property):
        raise RuntimeError("werkzeug's Request lost want_form_data_parsed: update _S3Request in local/stack.py")


def _decoded_header(value: str) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(value)))
