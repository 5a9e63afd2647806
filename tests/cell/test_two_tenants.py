"""Two agencies of one cell, over HTTP as people use them (issue 14 "done when", R-3.4, Q9.1).

A citizen signs up once in the cell's national citizen pool and applies to both agencies with the same
ID token; each agency numbers its receipts in its own series and keeps its requests to itself: its
officers, and the citizen on the other agency's site, never see the other's. A tenant's functions run
with their own environment and roles that name only their own resources.
"""

from __future__ import annotations

import fnmatch
import json
import uuid
from typing import Any

import boto3
import pytest
import requests
from moto.iam.access_control import IAMPolicy, PermissionResult

from local import lambda_runner
from local.moto_cognito import totp_code
from local.stack import REGION, LocalStack, Login
from tests.stack.conftest import FIRE_ANSWERS, FOOD_ANSWERS, Client, prepared_draft, submit, wait_for

pytestmark = pytest.mark.stack

A, B = "klongnoy", "khunthale"
#: A fire in Khun Thale, reported to Khun Thale SAO.
KHUNTHALE_FIRE = {**FIRE_ANSWERS, "incident_address": "27 หมู่ 2 ตำบลขุนทะเล อำเภอเมืองสุราษฎร์ธานี"}


def _citizen_signed_in_once(cell: LocalStack) -> tuple[Login, str]:
    """A new account in the cell's national pool, signed up through one agency's site, and its one ID token."""
    site = cell.members[A]._site_config()["citizen"]
    login = Login(pool="citizen", email=f"citizen-{uuid.uuid4().hex[:10]}@example.com", password="Citizen#2569local")
    cognito = boto3.client("cognito-idp", region_name=REGION)
    cognito.sign_up(
        ClientId=site["clientId"],
        Username=login.email,
        Password=login.password,
        UserAttributes=[{"Name": "email", "Value": login.email}],
    )
    cognito.admin_confirm_sign_up(UserPoolId=site["userPoolId"], Username=login.email)
    return login, cell.members[A].sign_in(login)


def _with_token(stack: LocalStack, token: str) -> Client:
    client = Client(stack, None)
    client.session.headers["Authorization"] = f"Bearer {token}"
    return client


def _officer(stack: LocalStack, group: str) -> Client:
    return Client(stack, next(x for x in stack.logins if x.pool == "officer" and group in x.groups))


def _claimed_receipts(stack: LocalStack) -> set[int]:
    """The receipt numbers the agency's own series has given out (its table's number claims)."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(stack.resource("Table/Resource"))
    items = table.scan()["Items"]
    return {int(str(i["number"])) for i in items if str(i["PK"]).startswith("NUMBER#receipt#")}


def _row(officer: Client, request_id: str) -> dict[str, Any] | None:
    """The request's row in the officer's work list, following every page."""
    cursor = None
    while True:
        page = officer.get("/officer/requests", params={"cursor": cursor} if cursor else {})
        assert page.status_code == 200, page.text
        body = page.json()
        row = next((r for r in body["requests"] if r["id"] == request_id), None)
        if row is not None or body["next_cursor"] is None:
            return row
        cursor = body["next_cursor"]


def test_given_two_agencies_of_a_cell_then_each_site_offers_its_own_catalogue_with_the_same_citizen_pool(cell):
    a, b = cell.members[A], cell.members[B]

    services_a = {s["id"] for s in requests.get(f"{a.url}/api/services", timeout=30).json()["services"]}
    services_b = {s["id"] for s in requests.get(f"{b.url}/api/services", timeout=30).json()["services"]}
    config_a = requests.get(f"{a.url}/config.json", timeout=30).json()
    config_b = requests.get(f"{b.url}/config.json", timeout=30).json()

    assert a.url != b.url
    assert "food-shop" in services_a and "food-shop" not in services_b
    assert services_b == {"fire-certificate", "residence-certificate"}
    assert (config_a["tenant"], config_b["tenant"]) == (A, B)
    assert config_a["citizen"]["userPoolId"] == config_b["citizen"]["userPoolId"]  # the national pool
    assert config_a["citizen"]["clientId"] != config_b["citizen"]["clientId"]  # each agency's own web client
    # Issue 14: the cell's one officer pool (an account holds 1,000 pools), with each agency's own web client.
    assert config_a["officer"]["userPoolId"] == config_b["officer"]["userPoolId"]
    assert config_a["officer"]["clientId"] != config_b["officer"]["clientId"]


def test_given_a_citizen_signed_in_once_when_applying_to_both_agencies_then_neither_sees_the_others_request(cell):
    a, b = cell.members[A], cell.members[B]
    _login, token = _citizen_signed_in_once(cell)
    citizen_a, citizen_b = _with_token(a, token), _with_token(b, token)
    before_a, before_b = _claimed_receipts(a), _claimed_receipts(b)

    request_a = submit(citizen_a, prepared_draft(citizen_a, "food-shop", FOOD_ANSWERS))["id"]
    request_b = submit(citizen_b, prepared_draft(citizen_b, "fire-certificate", KHUNTHALE_FIRE))["id"]
    stamped_a = wait_for(citizen_a, request_a, lambda r: bool(r.get("receipt_number")), timeout=90)
    stamped_b = wait_for(citizen_b, request_b, lambda r: bool(r.get("receipt_number")), timeout=90)

    # Each agency's receipts come from its own series: the next number of that agency, whatever the other gave.
    number_a = int(stamped_a["receipt_number"].split("/")[0])
    number_b = int(stamped_b["receipt_number"].split("/")[0])
    assert number_a == max(before_a, default=0) + 1 and number_a in _claimed_receipts(a)
    assert number_b == max(before_b, default=0) + 1 and number_b in _claimed_receipts(b)
    # Unchecked uploads went to the cell's one quarantine bucket (one GuardDuty plan for every agency), each
    # under its agency's prefix; what passed the scan was copied to the agency's own uploads bucket (the record).
    s3 = boto3.client("s3", region_name=REGION)
    quarantined = [o["Key"] for o in s3.list_objects_v2(Bucket=_quarantine_bucket(cell)).get("Contents", [])]
    assert any(k.startswith(f"{A}/quarantine/") for k in quarantined), quarantined
    assert all(k.split("/")[0] in (A, B) and k.split("/")[1] == "quarantine" for k in quarantined), quarantined
    own_uploads = s3.list_objects_v2(Bucket=a.resource("Uploads/Resource")).get("Contents", [])
    assert own_uploads and all(o["Key"].startswith("clean/") for o in own_uploads)
    # The citizen's "my requests" on each agency's site shows that agency's request only.
    assert [r["id"] for r in citizen_a.get("/requests").json()["requests"]] == [request_a]
    assert [r["id"] for r in citizen_b.get("/requests").json()["requests"]] == [request_b]
    assert citizen_a.get(f"/requests/{request_b}").status_code == 404
    assert citizen_b.get(f"/requests/{request_a}").status_code == 404
    # Each agency's officers see their own request, and not the other agency's.
    reviewer_a, reviewer_b = _officer(a, "reviewer"), _officer(b, "reviewer")
    assert _row(reviewer_a, request_a) is not None and _row(reviewer_a, request_b) is None
    assert _row(reviewer_b, request_b) is not None and _row(reviewer_b, request_a) is None
    assert reviewer_a.get(f"/officer/requests/{request_a}").status_code == 200
    assert reviewer_a.get(f"/officer/requests/{request_b}").status_code in (403, 404)
    assert reviewer_b.get(f"/officer/requests/{request_b}").status_code == 200
    assert reviewer_b.get(f"/officer/requests/{request_a}").status_code in (403, 404)
    # An officer of one agency is nobody to the other agency's API: signed in to the cell's officer pool, but in
    # none of that agency's groups (the tenant claim), so refused with a stable code before anything is read.
    token_a = reviewer_a.session.headers["Authorization"]
    foreign = requests.get(f"{b.url}/api/officer/requests", headers={"Authorization": token_a}, timeout=30)
    assert foreign.status_code == 403
    assert foreign.json()["error"]["code"] == "auth.other_agency"
    # Each acknowledgment is sealed by its own agency (its own seal key and certificate), as its site verifies.
    assert _sealed_by(citizen_a, request_a) == "เทศบาลตำบลคลองน้อย"
    assert _sealed_by(citizen_b, request_b) == "องค์การบริหารส่วนตำบลขุนทะเล"


def test_given_an_officer_of_one_agency_when_calling_the_other_agencys_officer_api_then_403_and_nothing_leaks(cell):
    """Issue 14: one officer pool for the cell. An officer signed in on agency A's site (A's web client, TOTP)
    holds a valid token of the cell's pool (B's site would not give them one: the pool's token trigger refuses,
    see below); agency B's API refuses A's token on every officer route with 403 ``auth.other_agency`` (Thai
    first), and B's administrator cannot read or change A's officers' groups."""
    a, b = cell.members[A], cell.members[B]
    head_a, admin_a, admin_b = _officer(a, "head"), _officer(a, "admin"), _officer(b, "admin")
    reviewer_a = next(x for x in a.logins if x.pool == "officer" and "reviewer" in x.groups)
    reviewer_b = next(x for x in b.logins if x.pool == "officer" and "reviewer" in x.groups)
    on_b = _with_token(b, head_a.session.headers["Authorization"].removeprefix("Bearer "))

    for path in ("/officer/me", "/officer/requests", "/officer/digest", f"/officer/officers/{reviewer_b.email}/units"):
        refused = on_b.get(path)
        assert refused.status_code == 403, (path, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "auth.other_agency", path
        assert error["message"]["th"] and error["message"]["en"], path
        assert reviewer_b.email not in refused.text, path
    refused = on_b.put(f"/officer/officers/{reviewer_b.email}/units", json={"units": []})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "auth.other_agency")
    # On their own agency's API the same sign-in works, and reads only that agency's groups, plain.
    me = _officer(a, "head").get("/officer/me")
    assert me.status_code == 200 and me.json()["groups"] == ["head"]
    assert _officer(a, "reviewer").get("/officer/me").json()["groups"] == sorted(
        ["reviewer", *(f"unit-{u}" for u in ("public_health", "disaster", "registration"))]
    )
    # Each agency's administrator reaches its own officers' units, and the other agency's officers are not found.
    assert admin_a.get(f"/officer/officers/{reviewer_a.email}/units").status_code == 200
    for path in (f"/officer/officers/{reviewer_a.email}/units", f"/officer/officers/{admin_a.login.email}/units"):
        hidden = admin_b.get(path)
        assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "officer.not_found"), path
    changed = admin_b.put(f"/officer/officers/{reviewer_a.email}/units", json={"units": []})
    assert changed.status_code == 404
    assert admin_a.get(f"/officer/officers/{reviewer_a.email}/units").json()["units"] == [
        "disaster",
        "public_health",
        "registration",
    ]


def _as_the_officer_site(stack: LocalStack, action: str, body: dict[str, Any]) -> requests.Response:
    """A call of the officer SPA to Cognito, through the agency's site, as the page sends it (``cognito()``)."""
    return requests.post(
        f"{stack.url}/_aws/cognito",
        data=json.dumps(body),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
        },
        timeout=60,
    )


def _officer_sign_in(stack: LocalStack, login: Login) -> requests.Response:
    """The officer SPA's sign-in on ``stack``'s site with its own web client: password, then the TOTP code."""
    client_id = stack._site_config()["officer"]["clientId"]
    first = _as_the_officer_site(
        stack,
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": login.email, "PASSWORD": login.password},
        },
    )
    assert first.status_code == 200 and first.json()["ChallengeName"] == "SOFTWARE_TOKEN_MFA", first.text
    assert login.totp_secret is not None
    return _as_the_officer_site(
        stack,
        "RespondToAuthChallenge",
        {
            "ClientId": client_id,
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": first.json()["Session"],
            "ChallengeResponses": {"USERNAME": login.email, "SOFTWARE_TOKEN_MFA_CODE": totp_code(login.totp_secret)},
        },
    )


def _refused_by_the_trigger(answer: requests.Response, code: str) -> str:
    """Cognito's answer when the pool's pre token generation trigger refuses: no tokens, the trigger's text."""
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["__type"] == "UserLambdaValidationException", body
    assert "AuthenticationResult" not in body
    assert body["message"].startswith(f"PreTokenGeneration failed with error {code}: "), body
    return str(body["message"])


def test_given_an_officer_of_one_agency_when_signing_in_on_the_other_agencys_site_then_cognito_issues_no_tokens(cell):
    """Issue 14: Cognito signs any user of the cell's officer pool in through any agency's web client. The pool's
    pre token generation trigger (``functions/officer_tokens``, run as Cognito runs it) refuses the tokens when the
    user is in none of the groups of the client's agency: A's officer, right password and TOTP code, gets no
    tokens on B's site, and the officer SPA shows ``auth.other_agency``; on A's own site the same sign-in works,
    and so does a refresh, through A's client only. A refused sign-in leaves nothing usable behind."""
    a, b = cell.members[A], cell.members[B]
    reviewer_a = next(x for x in a.logins if x.pool == "officer" and "reviewer" in x.groups)
    cognito = boto3.client("cognito-idp", region_name=REGION)

    message = _refused_by_the_trigger(_officer_sign_in(b, reviewer_a), "auth.other_agency")
    assert reviewer_a.email not in message and "klongnoy:" not in message  # names nobody, no group

    own = _officer_sign_in(a, reviewer_a)
    assert own.status_code == 200, own.text
    tokens = own.json()["AuthenticationResult"]
    assert _with_token(a, tokens["IdToken"]).get("/officer/me").json()["groups"] == sorted(
        ["reviewer", *(f"unit-{u}" for u in ("public_health", "disaster", "registration"))]
    )
    # The trigger runs at each refresh too; a refresh token works only with the client it was issued to.
    refreshed = _as_the_officer_site(
        a,
        "InitiateAuth",
        {
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": a._site_config()["officer"]["clientId"],
            "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]},
        },
    )
    assert refreshed.status_code == 200 and refreshed.json()["AuthenticationResult"]["IdToken"], refreshed.text
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.initiate_auth(
            ClientId=b._site_config()["officer"]["clientId"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )


def _new_officer_account(stack: LocalStack, name: str) -> tuple[str, str]:
    """An officer account the administrator creates in the cell's pool, in no group yet: address, temporary password."""
    address, temporary = f"{name}-{uuid.uuid4().hex[:8]}@{stack.tenant}.go.th", f"Temp#{uuid.uuid4().hex[:10]}1a"
    boto3.client("cognito-idp", region_name=REGION).admin_create_user(
        UserPoolId=stack._site_config()["officer"]["userPoolId"],
        Username=address,
        TemporaryPassword=temporary,
        UserAttributes=[{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    return address, temporary


def test_given_an_officer_moved_out_of_every_group_then_the_next_refresh_gives_no_tokens(cell):
    """The trigger reads the groups at each refresh: an officer the administrator takes out of all of the agency's
    groups gets no new tokens with the refresh token of an earlier sign-in."""
    a = cell.members[A]
    pool = a._site_config()["officer"]["userPoolId"]
    client_id = a._site_config()["officer"]["clientId"]
    cognito = boto3.client("cognito-idp", region_name=REGION)
    address, temporary = _new_officer_account(a, "leaving")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=address, GroupName=f"{A}:records")
    secret = a.first_sign_in(address, temporary, "Officer#2569leaving")
    signed_in = _officer_sign_in(
        a, Login(pool="officer", email=address, password="Officer#2569leaving", totp_secret=secret)
    )
    refresh_token = signed_in.json()["AuthenticationResult"]["RefreshToken"]

    cognito.admin_remove_user_from_group(UserPoolId=pool, Username=address, GroupName=f"{A}:records")
    refreshed = _as_the_officer_site(
        a,
        "InitiateAuth",
        {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": client_id, "AuthParameters": {"REFRESH_TOKEN": refresh_token}},
    )

    _refused_by_the_trigger(refreshed, "auth.other_agency")


def test_given_a_new_officer_account_in_no_group_then_no_agencys_site_gives_it_tokens(cell):
    """An account the administrator created but has not yet put in a group is nobody's officer: its first sign-in
    (new password, TOTP enrolment) ends with no tokens, on any agency's site."""
    a = cell.members[A]
    cognito = boto3.client("cognito-idp", region_name=REGION)
    address, temporary = _new_officer_account(a, "new")

    with pytest.raises(cognito.exceptions.UserLambdaValidationException) as refused:
        a.first_sign_in(address, temporary, "Officer#2569newcomer")

    assert "auth.other_agency" in str(refused.value)


def test_given_the_token_trigger_failing_then_cognito_refuses_the_sign_in(cell):
    """Fail closed: when the trigger cannot tell the client's agency (here DescribeUserPoolClient fails in a new
    container), Cognito issues no tokens, even to the agency's own officer on its own site."""
    a = cell.members[A]
    head_a = next(x for x in a.logins if x.pool == "officer" and "head" in x.groups)
    lambda_runner.drop_containers()  # a cold start: the client's name is not known yet
    a.inject_fault(service="cognito-idp", operation="DescribeUserPoolClient", function="officertokens")
    try:
        refused = _officer_sign_in(a, head_a)
        (fault,) = a.fault_report()
    finally:
        a.clear_faults()

    assert fault["failed"] == 1  # the trigger's one call to Cognito failed
    assert refused.status_code == 400 and refused.json()["__type"] == "UserLambdaValidationException", refused.text
    assert refused.json()["message"].startswith("PreTokenGeneration failed with error ")
    assert "AuthenticationResult" not in refused.json()
    assert _officer_sign_in(a, head_a).status_code == 200  # the fault gone, the same sign-in works


def _sealed_by(citizen: Client, request_id: str) -> str:
    """The organization named by the seal of the request's acknowledgment, as the agency's /verify reports it."""
    wait_for(citizen, request_id, lambda r: "acknowledgment" in r["documents"], timeout=90)
    link = citizen.get(f"/requests/{request_id}/documents/acknowledgment").json()
    pdf = requests.get(link["url"], timeout=30).content
    verified = requests.post(
        citizen.url("/verify"), data=pdf, headers={"Content-Type": "application/pdf"}, timeout=120
    ).json()
    assert verified["report"]["summary"] == "valid", verified
    return str(verified["report"]["signatures"][0]["signer_organization"])


def test_given_a_citizen_of_the_cell_when_asking_an_agency_for_a_service_it_does_not_offer_then_it_says_so(cell):
    _login, token = _citizen_signed_in_once(cell)

    refused = _with_token(cell.members[B], token).post("/drafts", json={"service_id": "food-shop"})

    assert refused.json()["error"]["code"] == "service.not_found"


def test_given_a_file_not_yet_uploaded_to_the_shared_quarantine_then_s3_says_403_and_the_intake_reads_it_as_missing(
    cell,
):
    """An agency may not list the shared quarantine bucket, so S3 answers a missing key with 403, not 404; the
    local stack answers as S3 does, and the intake's adapter takes that as "nothing uploaded yet"."""
    from botocore.exceptions import ClientError

    from eservice.aws import Uploads

    quarantine = _quarantine_bucket(cell)
    s3 = boto3.client("s3", region_name=REGION)
    with pytest.raises(ClientError) as refused:
        s3.head_object(Bucket=quarantine, Key=f"{A}/quarantine/D-none/F1")
    uploads = Uploads(
        bucket=cell.members[A].resource("Uploads/Resource"), s3=s3, quarantine_bucket=quarantine, tenant_id=A
    )

    assert refused.value.response["Error"]["Code"] in ("403", "AccessDenied")
    assert uploads.size("quarantine/D-none/F1") is None
    assert uploads.read("quarantine/D-none/F1", max_bytes=10) is None
    assert uploads.scan_status("quarantine/D-none/F1") is None


# --- isolation of the tenants' functions ---------------------------------------------------------------------------
def _own_resources(stack: LocalStack) -> dict[str, str]:
    """The physical names of the tenant stack's own data resources, by construct path."""
    assert stack.template is not None and stack.provisioned is not None
    kinds = ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Cognito::UserPool", "AWS::SQS::Queue")
    return {
        stack.template.resources[logical]["Metadata"]["aws:cdk:path"]: stack.provisioned.refs[logical]
        for kind in kinds
        for logical in stack.template.of_type(kind)
    }


def _arns(stack: LocalStack) -> dict[str, str]:
    """ARNs of the tenant's table, buckets (their objects) and seal key, as its roles' policies name them."""
    assert stack.template is not None and stack.provisioned is not None
    found = {}
    for kind in ("AWS::DynamoDB::Table", "AWS::KMS::Key"):
        for logical in stack.template.of_type(kind):
            found[logical] = stack.provisioned.attrs[(logical, "Arn")]
    for logical in stack.template.of_type("AWS::S3::Bucket"):
        found[logical] = stack.provisioned.attrs[(logical, "Arn")] + "/some-key"
    return found


_ACTIONS = {
    "AWS::DynamoDB::Table": ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"),
    "AWS::S3::Bucket": ("s3:GetObject", "s3:PutObject"),
    "AWS::KMS::Key": ("kms:Sign", "kms:Decrypt"),
}


def _applies(statement: dict[str, Any], source: str) -> bool:
    """Whether a statement holds for a request from the function ``source`` (its ARN), as IAM decides on
    ``lambda:SourceFunctionArn``, which every request from a function's code carries: the agency's functions
    share one role, each statement held to one function (ArnLike) or to no function's code (Null)."""
    for operator, keys in statement.get("Condition", {}).items():
        expected = keys.get("lambda:SourceFunctionArn")
        if expected is None:
            continue
        if operator == "ArnLike":
            patterns = [expected] if isinstance(expected, str) else expected
            if not any(fnmatch.fnmatchcase(source, pattern) for pattern in patterns):
                return False
        else:
            assert (operator, expected) == ("Null", "true"), statement
            return False
    return True


def _role_policies(stack: LocalStack, function: str) -> list[IAMPolicy]:
    """The policies of a function's role (inline and the agency's managed one), resolved to the ARNs provisioned
    for this run, each with the statements that hold for a request from that function's code. (moto's evaluator
    knows StringEquals alone, and takes any condition that fails for an explicit deny.)"""
    assert stack.template is not None and stack.provisioned is not None
    source = _function_arn(stack, function)
    role = stack.template.resources[stack.template.logical_id(f"eservice-{stack.tenant}/{function}/Resource")]
    role_logical = role["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = []
    attached = [*stack.template.of_type("AWS::IAM::Policy").values()]
    attached += stack.template.of_type("AWS::IAM::ManagedPolicy").values()  # the agency's shared grants
    for resource in attached:
        if {"Ref": role_logical} in resource["Properties"].get("Roles", []):
            document = stack.provisioned.resolve(resource["Properties"]["PolicyDocument"])
            document["Statement"] = [st for st in document["Statement"] if _applies(st, source)]
            policies.append(IAMPolicy(json.dumps(document)))
    assert policies, f"{function} has no inline policy"
    return policies


def _quarantine_bucket(cell: LocalStack) -> str:
    """The cell's shared quarantine bucket (one GuardDuty plan scans every agency's unchecked uploads)."""
    platform, created = cell.platform, cell.platform_provisioned
    assert platform is not None and created is not None
    return created.refs[platform.logical_id(f"{platform.stack_name}/Quarantine/Resource")]


def _allowed(policies: list[IAMPolicy], action: str, resource: str) -> bool:
    results = [p.is_action_permitted(action, resource) for p in policies]
    return PermissionResult.DENIED not in results and PermissionResult.PERMITTED in results


def _function_arn(stack: LocalStack, function: str) -> str:
    assert stack.template is not None and stack.provisioned is not None
    logical = stack.template.logical_id(f"eservice-{stack.tenant}/{function}/Resource")
    return str(stack.provisioned.attrs[(logical, "Arn")])


@pytest.mark.parametrize("function", ["IntakeFunction", "SignFunction", "ClockFunction", "NotifyFunction"])
def test_given_a_function_of_one_agency_then_its_environment_and_role_name_only_that_agencys_data(cell, function):
    """moto does not enforce IAM at run time; here each role's real policies (as synthesized, resolved to this
    run's ARNs) are evaluated with moto's IAM policy evaluator against both agencies' tables, buckets and keys."""
    for own, other in ((cell.members[A], cell.members[B]), (cell.members[B], cell.members[A])):
        assert own.template is not None and other.template is not None
        name = own.function_name(function.removesuffix("Function").lower())
        environment = boto3.client("lambda", region_name=REGION).get_function_configuration(FunctionName=name)
        values = set(environment["Environment"]["Variables"].values())
        policies = _role_policies(own, function)

        assert values.isdisjoint(_own_resources(other).values()), f"{name} names {other.tenant}'s resources"
        assert own.resource("Table/Resource") in values
        table = own.template.logical_id(f"eservice-{own.tenant}/Table/Resource")
        assert _allowed(policies, "dynamodb:GetItem", _arns(own)[table])
        for kind, actions in _ACTIONS.items():
            for logical in other.template.of_type(kind):
                for action in actions:
                    assert not _allowed(policies, action, _arns(other)[logical]), (name, action, logical)
        # The shared quarantine bucket: the agency's own prefix at most, never the other agency's.
        quarantine = f"arn:aws:s3:::{_quarantine_bucket(cell)}"
        for action in ("s3:GetObject", "s3:GetObjectTagging", "s3:PutObject", "s3:ListBucket"):
            other_prefix = f"{quarantine}/{other.tenant}/quarantine/D1/F1"
            assert not _allowed(policies, action, other_prefix), (name, action)
            assert not _allowed(policies, action, quarantine), (name, action)
        if function == "IntakeFunction":  # it presigns the citizen's upload form and checks the file
            for action in ("s3:PutObject", "s3:GetObject", "s3:GetObjectTagging"):
                assert _allowed(policies, action, f"{quarantine}/{own.tenant}/quarantine/D1/F1"), (name, action)
        # The agency's functions share one role (issue 14), each held to its own grants: only sign seals with
        # the agency's key, and no function's code may use what the role grants EventBridge Scheduler.
        seal_key = _arns(own)[own.template.logical_id(f"eservice-{own.tenant}/SealKey/Resource")]
        assert _allowed(policies, "kms:Sign", seal_key) == (function == "SignFunction"), name
        # Only intake may invoke the clock, and by its live alias only (every caller names it).
        clock = _function_arn(own, "ClockFunction")
        assert _allowed(policies, "lambda:InvokeFunction", f"{clock}:live") == (function == "IntakeFunction"), name
        assert not _allowed(policies, "lambda:InvokeFunction", clock), name
