"""Create the stack's resources in moto from the synthesized CloudFormation template.

Tables, buckets, keys, user pools, queues, functions and the state machine are read from the
template that ``cdk deploy`` would deploy; there is no second hand-written list of them. Resources
with no local meaning (CloudFront, WAF, alarms, log groups, IAM policies) are skipped.

A cell (``infra/cell.py``) is several templates: the platform stack first, then each tenant stack,
whose ``Fn::ImportValue`` reads the platform's exports (``Provisioned.exports``), as CloudFormation does.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from .lambda_runner import FunctionSource, register

__all__ = ["Provisioned", "Template", "provision"]

ACCOUNT = "123456789012"


@dataclass
class Template:
    """A synthesized stack template and the folder its assets live in."""

    stack_name: str
    body: dict[str, Any]
    assembly_dir: Path

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.body["Resources"]  # type: ignore[no-any-return]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        """Resources of one CloudFormation type, by logical id."""
        return {k: v for k, v in self.resources.items() if v["Type"] == kind}

    def logical_id(self, construct_path: str) -> str:
        """The logical id of the resource a construct path (``eservice-x/Table/Resource``) names."""
        for logical, resource in self.resources.items():
            if resource.get("Metadata", {}).get("aws:cdk:path") == construct_path:
                return logical
        raise KeyError(construct_path)


@dataclass
class Provisioned:
    """What was created: physical ids and attributes by logical id."""

    region: str
    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    #: Values other stacks export (``Fn::ImportValue``), by export name.
    imports: Mapping[str, str] = field(default_factory=dict)

    def exports(self, template: Template) -> dict[str, str]:
        """The template's exported outputs, resolved: what a stack of the same cell may import.

        Outputs of resources with no local meaning (the distribution, the web firewall) are left out:
        what imports them (a distribution tenant, a firewall association) is not created locally either."""
        exported = {}
        for output in template.body.get("Outputs", {}).values():
            if "Export" not in output:
                continue
            try:
                exported[str(self.resolve(output["Export"]["Name"]))] = str(self.resolve(output["Value"]))
            except KeyError:
                continue
        return exported

    def resolve(self, value: Any) -> Any:
        """Resolve Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::Sub and pseudo parameters."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.resolve(v) for k, v in value.items()}
        ((key, arg),) = value.items()
        if key == "Ref":
            return self._ref(arg)
        if key == "Fn::ImportValue":
            name = str(self.resolve(arg))
            if name not in self.imports:
                raise KeyError(f"no stack exports {name}: provision the cell's platform stack first")
            return self.imports[name]
        if key == "Fn::GetAtt":
            logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.attrs[(logical, attribute)]
        if key == "Fn::Join":
            separator, parts = arg
            return separator.join(str(self.resolve(p)) for p in parts)
        if key == "Fn::Select":
            index, items = arg
            return self.resolve(items)[int(self.resolve(index))]
        if key == "Fn::Split":
            separator, text = arg
            return str(self.resolve(text)).split(separator)
        if key == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            for name in ("AWS::Partition", "AWS::Region", "AWS::AccountId", "AWS::URLSuffix"):
                text = text.replace("${" + name + "}", self._ref(name))
            return text
        return {k: self.resolve(v) for k, v in value.items()}

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": "aws",
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "local",
        }
        if name in pseudo:
            return pseudo[name]
        return self.refs[name]


def _physical_name(stack: str, logical: str, *, max_length: int = 63) -> str:
    return f"{stack}-{logical}".lower()[:max_length]


def _zip_dir(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def provision(
    template: Template,
    *,
    region: str,
    overrides: dict[str, str],
    imports: Mapping[str, str] | None = None,
    own_environment: Mapping[str, str] | None = None,
) -> Provisioned:
    """Create every locally meaningful resource of the template in moto; return their ids.

    ``imports``: the exports of stacks provisioned before (a cell's platform). ``own_environment``: each
    function runs with its own environment plus these variables (``lambda_runner.InvocationEnviron``), not
    with the process's; the local cell needs it, since its tenants' functions share one process.
    """
    out = Provisioned(region=region, imports=dict(imports or {}))
    stack = template.stack_name
    kms = boto3.client("kms", region_name=region)
    dynamodb = boto3.client("dynamodb", region_name=region)
    s3 = boto3.client("s3", region_name=region)
    cognito = boto3.client("cognito-idp", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    sns = boto3.client("sns", region_name=region)
    iam = boto3.client("iam", region_name=region)
    scheduler = boto3.client("scheduler", region_name=region)
    awslambda = boto3.client("lambda", region_name=region)
    sfn = boto3.client("stepfunctions", region_name=region)
    ses = boto3.client("ses", region_name=region)

    functions = template.of_type("AWS::Lambda::Function")
    # Names and ARNs first: functions' environments refer to each other, and a user pool to its triggers.
    for logical, resource in functions.items():
        given = resource["Properties"].get("FunctionName")  # a cell's functions: named (infra/api_group.py)
        name = str(out.resolve(given)) if given else _physical_name(stack, logical, max_length=64)
        out.refs[logical] = name
        out.attrs[(logical, "Arn")] = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"

    for logical, resource in template.of_type("AWS::KMS::Key").items():
        props = resource["Properties"]
        key = kms.create_key(
            Description=str(props.get("Description", logical)),
            KeySpec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
            KeyUsage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
        )["KeyMetadata"]
        out.refs[logical] = key["KeyId"]
        out.attrs[(logical, "Arn")] = key["Arn"]

    for logical, resource in template.of_type("AWS::DynamoDB::Table").items():
        props = resource["Properties"]
        name = _physical_name(stack, logical, max_length=255)
        kwargs: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        description = dynamodb.create_table(**kwargs)["TableDescription"]
        out.refs[logical] = name
        out.attrs[(logical, "Arn")] = description["TableArn"]

    for logical, resource in template.of_type("AWS::S3::Bucket").items():
        props = resource.get("Properties", {})
        # A named bucket (a cell's quarantine, which tenant stacks name without importing it) keeps its name.
        name = str(out.resolve(props["BucketName"])) if "BucketName" in props else _physical_name(stack, logical)
        params: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        if props.get("ObjectLockEnabled"):
            params["ObjectLockEnabledForBucket"] = True
        s3.create_bucket(**params)
        if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if props.get("CorsConfiguration"):
            rules = props["CorsConfiguration"]["CorsRules"]
            s3.put_bucket_cors(
                Bucket=name,
                CORSConfiguration={
                    # The local sites are served from 127.0.0.1, not the agency's domain.
                    "CORSRules": [
                        {
                            "AllowedMethods": r["AllowedMethods"],
                            "AllowedOrigins": ["*"],
                            "AllowedHeaders": r.get("AllowedHeaders", ["*"]),
                        }
                        for r in rules
                    ]
                },
            )
        out.refs[logical] = name
        out.attrs[(logical, "Arn")] = f"arn:aws:s3:::{name}"
        out.attrs[(logical, "DomainName")] = f"{name}.s3.amazonaws.com"
        out.attrs[(logical, "RegionalDomainName")] = f"{name}.s3.{region}.amazonaws.com"

    for logical, resource in template.of_type("AWS::Cognito::UserPool").items():
        props = resource["Properties"]
        pool = cognito.create_user_pool(
            PoolName=_physical_name(stack, logical, max_length=128),
            UsernameAttributes=props.get("UsernameAttributes", ["email"]),
            AutoVerifiedAttributes=props.get("AutoVerifiedAttributes", []),
            Policies=props.get("Policies", {}),
            MfaConfiguration=props.get("MfaConfiguration", "OFF"),
            **(
                {"UserAttributeUpdateSettings": props["UserAttributeUpdateSettings"]}
                if props.get("UserAttributeUpdateSettings")
                else {}
            ),
            # Its triggers (a cell's officer pool: pre token generation), which local/moto_cognito.py runs.
            **({"LambdaConfig": out.resolve(props["LambdaConfig"])} if props.get("LambdaConfig") else {}),
        )["UserPool"]
        if "SOFTWARE_TOKEN_MFA" in props.get("EnabledMfas", []):
            # moto offers MFA_SETUP only with this pool-level setting; local/moto_cognito.py does the rest.
            cognito.set_user_pool_mfa_config(
                UserPoolId=pool["Id"],
                SoftwareTokenMfaConfiguration={"Enabled": True},
                MfaConfiguration=props.get("MfaConfiguration", "OFF"),
            )
        out.refs[logical] = pool["Id"]
        out.attrs[(logical, "Arn")] = pool["Arn"]
        out.attrs[(logical, "ProviderURL")] = f"cognito-idp.{region}.amazonaws.com/{pool['Id']}"
    for logical, resource in template.of_type("AWS::Cognito::UserPoolClient").items():
        props = resource["Properties"]
        client = cognito.create_user_pool_client(
            UserPoolId=out.resolve(props["UserPoolId"]),
            # A cell's officer web client is named for its agency (the pool's token trigger reads it).
            ClientName=str(out.resolve(props["ClientName"])) if "ClientName" in props else logical,
            ExplicitAuthFlows=props.get("ExplicitAuthFlows", ["ALLOW_USER_PASSWORD_AUTH"]),
        )["UserPoolClient"]
        out.refs[logical] = client["ClientId"]
    for logical, resource in template.of_type("AWS::Cognito::UserPoolGroup").items():
        props = resource["Properties"]
        cognito.create_group(
            UserPoolId=out.resolve(props["UserPoolId"]),
            GroupName=props["GroupName"],
            Description=props.get("Description", ""),
        )
        out.refs[logical] = props["GroupName"]

    for logical in template.of_type("AWS::SQS::Queue"):
        url = sqs.create_queue(QueueName=_physical_name(stack, logical, max_length=80))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        out.refs[logical] = url
        out.attrs[(logical, "Arn")] = arn
        out.attrs[(logical, "QueueName")] = url.rsplit("/", 1)[-1]
    secrets = boto3.client("secretsmanager", region_name=region)
    for logical, resource in template.of_type("AWS::SecretsManager::Secret").items():
        arn = secrets.create_secret(
            Name=_physical_name(stack, logical, max_length=256),
            SecretString=_generated_secret(resource["Properties"].get("GenerateSecretString") or {}),
        )["ARN"]
        out.refs[logical] = arn
    for logical in template.of_type("AWS::SNS::Topic"):
        arn = sns.create_topic(Name=_physical_name(stack, logical, max_length=256))["TopicArn"]
        out.refs[logical] = arn
        out.attrs[(logical, "TopicArn")] = arn
    for logical, resource in template.of_type("AWS::Scheduler::ScheduleGroup").items():
        given = resource.get("Properties", {}).get("Name")  # a cell's shared group, named by its tenants too
        name = str(out.resolve(given)) if given else _physical_name(stack, logical, max_length=64)
        arn = scheduler.create_schedule_group(Name=name)["ScheduleGroupArn"]
        out.refs[logical] = name
        out.attrs[(logical, "Arn")] = arn
    for logical in template.of_type("AWS::SES::ConfigurationSet"):
        name = _physical_name(stack, logical, max_length=64)
        ses.create_configuration_set(ConfigurationSet={"Name": name})
        out.refs[logical] = name
    for logical, resource in template.of_type("AWS::SES::EmailIdentity").items():
        identity = resource["Properties"]["EmailIdentity"]
        ses.verify_domain_identity(Domain=identity)
        out.refs[logical] = identity
    for logical, resource in template.of_type("AWS::IAM::Role").items():
        name = _physical_name(stack, logical, max_length=64)
        role = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(resource["Properties"]["AssumeRolePolicyDocument"]),
        )["Role"]
        out.refs[logical] = name
        out.attrs[(logical, "Arn")] = role["Arn"]
    for logical in template.of_type("AWS::Lambda::LayerVersion"):
        out.refs[logical] = f"arn:aws:lambda:{region}:{ACCOUNT}:layer:{logical}:1"

    sources: dict[str, FunctionSource] = {}
    # SnapStart (issue 14): callers use each function's "live" alias of a published version. Locally there is no
    # snapshot and only $LATEST: a version or an alias stands for its function.
    for kind in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
        for logical, resource in template.of_type(kind).items():
            function = resource["Properties"]["FunctionName"]["Ref"]
            out.refs[logical] = out.attrs[(logical, "Arn")] = out.attrs[(function, "Arn")]
            out.attrs[(logical, "Version")] = "$LATEST"
    for logical, resource in functions.items():
        props = resource["Properties"]
        environment = {}
        for k, v in props.get("Environment", {}).get("Variables", {}).items():
            try:
                environment[k] = str(out.resolve(v))
            except KeyError:
                environment[k] = ""  # refers to a resource created later; set in the last pass
        environment.update({k: v for k, v in overrides.items() if k in environment})
        out.environment.update(environment)
        asset_dir = template.assembly_dir / resource["Metadata"]["aws:asset:path"]
        awslambda.create_function(
            FunctionName=out.refs[logical],
            Runtime=props["Runtime"],
            Role=out.resolve(props["Role"]),
            Handler=props["Handler"],
            Code={"ZipFile": _zip_dir(asset_dir)},
            Timeout=int(props.get("Timeout", 3)),
            MemorySize=int(props.get("MemorySize", 128)),
            Environment={"Variables": environment},
        )
        sources[logical] = FunctionSource(
            name=out.refs[logical],
            asset_dir=asset_dir,
            handler=props["Handler"],
            memory_mb=int(props.get("MemorySize", 128)),
            timeout_s=int(props.get("Timeout", 3)),
            async_retries=_async_retries(template, logical),
            dead_letter_url=_dead_letter_url(out, props),
            region=region,
        )
        register(sources[logical])
    # The functions call each other by the alias's ARN written from the function's (infra/stack.py): moto knows
    # the alias, on $LATEST, so an invocation by that ARN finds the function.
    for resource in template.of_type("AWS::Lambda::Alias").values():
        function = resource["Properties"]["FunctionName"]["Ref"]
        awslambda.create_alias(
            FunctionName=out.refs[function], Name=resource["Properties"]["Name"], FunctionVersion="$LATEST"
        )

    for logical, resource in template.of_type("AWS::StepFunctions::StateMachine").items():
        props = resource["Properties"]
        definition = out.resolve(props["DefinitionString"])
        arn = sfn.create_state_machine(
            name=props.get("StateMachineName") or _physical_name(stack, logical, max_length=80),
            definition=definition if isinstance(definition, str) else json.dumps(definition),
            roleArn=out.resolve(props["RoleArn"]),
            type=props.get("StateMachineType", "STANDARD"),
        )["stateMachineArn"]
        out.refs[logical] = arn
        out.attrs[(logical, "Name")] = arn.rsplit(":", 1)[-1]

    # Environment values that refer to the state machine were resolved before it existed.
    for logical, resource in functions.items():
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        environment = {k: str(out.resolve(v)) for k, v in variables.items()}
        environment.update({k: v for k, v in overrides.items() if k in environment})
        out.environment.update(environment)
        awslambda.update_function_configuration(FunctionName=out.refs[logical], Environment={"Variables": environment})
        if own_environment is not None:
            register(dataclasses.replace(sources[logical], environment={**environment, **own_environment}))
    return out


def _generated_secret(generate: dict[str, Any]) -> str:
    """What Secrets Manager stores for ``GenerateSecretString``: a random password, or, with a template, the
    template's JSON with the password under ``GenerateStringKey``."""
    import secrets as random_source
    import string

    length = int(generate.get("PasswordLength", 32))
    alphabet = string.ascii_letters + string.digits
    if not generate.get("ExcludePunctuation"):
        alphabet += string.punctuation
    password = "".join(random_source.choice(alphabet) for _ in range(length))
    if "SecretStringTemplate" not in generate:
        return password
    value = json.loads(generate["SecretStringTemplate"])
    value[generate["GenerateStringKey"]] = password
    return json.dumps(value)


def _async_retries(template: Template, function: str) -> int:
    """MaximumRetryAttempts of the function's EventInvokeConfig, or Lambda's default of 2."""
    for resource in template.of_type("AWS::Lambda::EventInvokeConfig").values():
        props = resource["Properties"]
        if props.get("FunctionName") == {"Ref": function}:
            return int(props.get("MaximumRetryAttempts", 2))
    return 2


def _dead_letter_url(out: Provisioned, props: dict[str, Any]) -> str | None:
    """The URL of the SQS queue the function's DeadLetterConfig names, if any."""
    target = (props.get("DeadLetterConfig") or {}).get("TargetArn")
    if target is None:
        return None
    arn = out.resolve(target)
    queues = (logical for (logical, attr), value in out.attrs.items() if attr == "Arn" and value == arn)
    return next((out.refs[logical] for logical in queues), None)
