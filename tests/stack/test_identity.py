"""Q2.1, Q2.2, R-3.4: a citizen signs in with a Digital ID provider (ThaID style OpenID Connect).

A real, minimal OpenID Connect provider runs here on 127.0.0.1 (discovery, JWKS with an RSA key
made for the test, an authorization endpoint that approves the test citizen at once, a token
endpoint that checks the agency's client secret, userinfo). The browser is played by hand: every
redirect is followed explicitly, from the site's "Sign in with ThaID" to the tokens the site keeps,
through the local stand-in for Cognito's hosted UI (``local/hosted_ui.py``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import boto3
import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from eservice.identity import identity_level
from eservice.tenant import load_tenant, tenants_dir
from local import moto_cognito
from local.front import ADMIN_TOKEN_HEADER
from local.hosted_ui import CLIENT_SECRETS_ENV, HOSTED_UI_PATH, ISSUERS_ENV
from local.stack import REGION, LocalStack

pytestmark = pytest.mark.stack

CLIENT_ID = "klongnoy-eservice"  # the agency's client at the provider (tenants/klongnoy.yaml)


class DigitalIdProvider:
    """A minimal OpenID Connect provider that approves ``citizen`` without asking."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.impostor_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.client_secret = secrets.token_urlsafe(24)
        self.citizen: dict[str, str] = {}
        #: "signature": sign ID tokens with a key the JWKS does not hold; "audience": for another client.
        self.tamper: str | None = None
        self._codes: dict[str, dict[str, Any]] = {}
        self._access_tokens: dict[str, dict[str, str]] = {}
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="oidc-provider")
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        routes = {
            "/.well-known/openid-configuration": self._discovery,
            "/jwks": self._jwks,
            "/authorize": self._authorize,
            "/token": self._token,
            "/userinfo": self._userinfo,
        }
        handler = routes.get(request.path)
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    def _discovery(self, request: Request) -> Response:
        return _json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }
        )

    def _jwks(self, request: Request) -> Response:
        key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return _json({"keys": [{**key, "kid": "idp-1", "use": "sig", "alg": "RS256"}]})

    def _authorize(self, request: Request) -> Response:
        args = request.args
        if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
            return Response("unknown client", status=400)
        if "openid" not in args.get("scope", "").split() or not args.get("redirect_uri"):
            return Response("bad request", status=400)
        code = secrets.token_urlsafe(16)
        self._codes[code] = {
            "redirect_uri": args["redirect_uri"],
            "nonce": args.get("nonce"),
            "citizen": dict(self.citizen),
        }
        query = urlencode({"code": code, "state": args.get("state", "")})
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}?{query}"})

    def _token(self, request: Request) -> Response:
        if request.authorization is not None:
            client_id = unquote(request.authorization.username or "")
            secret = unquote(request.authorization.password or "")
        else:
            client_id, secret = request.form.get("client_id", ""), request.form.get("client_secret", "")
        if client_id != CLIENT_ID or secret != self.client_secret:
            return _json({"error": "invalid_client"}, status=401)
        grant = self._codes.pop(request.form.get("code", ""), None)
        if grant is None or request.form.get("grant_type") != "authorization_code":
            return _json({"error": "invalid_grant"}, status=400)
        if request.form.get("redirect_uri") != grant["redirect_uri"]:
            return _json({"error": "invalid_grant"}, status=400)
        citizen = grant["citizen"]
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": "someone-else" if self.tamper == "audience" else CLIENT_ID,
            "sub": citizen["sub"],
            "email": citizen["email"],
            "nonce": grant["nonce"],
            "iat": now,
            "exp": now + 300,
        }
        key = self.impostor_key if self.tamper == "signature" else self.key
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        access_token = secrets.token_urlsafe(16)
        self._access_tokens[access_token] = citizen
        return _json(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": jwt.encode(claims, pem, algorithm="RS256", headers={"kid": "idp-1"}),
            }
        )

    def _userinfo(self, request: Request) -> Response:
        citizen = self._access_tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if citizen is None:
            return Response(status=401)
        # The name comes only from userinfo, as many providers do it.
        return _json({"sub": citizen["sub"], "name": citizen["name"]})


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture(scope="module")
def provider() -> Iterator[DigitalIdProvider]:
    running = DigitalIdProvider()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def thaid_is_the_test_provider(provider: DigitalIdProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tenant's ThaID issuer, replaced by the test's provider; a new citizen for each test."""
    monkeypatch.setenv(ISSUERS_ENV, json.dumps({"thaid": provider.issuer}))
    monkeypatch.setenv(CLIENT_SECRETS_ENV, json.dumps({"thaid": provider.client_secret}))
    provider.tamper = None
    provider.citizen = new_citizen()


def new_citizen() -> dict[str, str]:
    return {
        "sub": uuid.uuid4().hex,
        "email": f"thaid-{uuid.uuid4().hex[:10]}@example.com",
        "name": "สมศรี มีสุข",
    }


# --- the browser --------------------------------------------------------------------------------------
class Browser:
    """What the citizen site does, with every redirect followed by hand."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.session = requests.Session()
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(16)
        self.redirect_uri = f"{stack.url}/"

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def authorize(self, **overrides: str) -> requests.Response:
        params = {
            "response_type": "code",
            "client_id": client_id(self.stack),
            "redirect_uri": self.redirect_uri,
            "identity_provider": "thaid",
            "scope": "openid email profile",
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            "state": self.state,
            **overrides,
        }
        return self.get(f"{self.stack.url}{HOSTED_UI_PATH}/oauth2/authorize?{urlencode(params)}")

    def get(self, url: str) -> requests.Response:
        return self.session.get(url, allow_redirects=False, timeout=30)

    def sign_in(self) -> dict[str, str]:
        """From the ThaID button to the site's return URL; returns the query the site receives."""
        to_provider = self.authorize()
        assert to_provider.status_code == 302, to_provider.text
        asked = urlsplit(to_provider.headers["Location"])
        asked_for = {k: v[0] for k, v in parse_qs(asked.query).items()}
        assert asked.path == "/authorize"
        assert asked_for["client_id"] == CLIENT_ID
        assert asked_for["redirect_uri"] == f"{self.stack.url}{HOSTED_UI_PATH}/oauth2/idpresponse"
        assert asked_for["nonce"] and asked_for["state"] != self.state  # Cognito's own, not the site's
        back_from_provider = self.get(to_provider.headers["Location"])
        assert back_from_provider.status_code == 302, back_from_provider.text
        idp_response = back_from_provider.headers["Location"]
        assert idp_response.startswith(f"{self.stack.url}{HOSTED_UI_PATH}/oauth2/idpresponse?")
        self.last_idp_response = idp_response
        to_site = self.get(idp_response)
        assert to_site.status_code == 302, to_site.text
        location = to_site.headers["Location"]
        assert location.startswith(self.redirect_uri + "?")
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    def exchange(self, code: str, verifier: str | None = None) -> requests.Response:
        return self.session.post(
            f"{self.stack.url}{HOSTED_UI_PATH}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "client_id": client_id(self.stack),
                "code": code,
                "code_verifier": verifier or self.verifier,
                "redirect_uri": self.redirect_uri,
            },
            timeout=30,
        )

    def tokens(self) -> dict[str, Any]:
        returned = self.sign_in()
        assert returned.get("state") == self.state and "code" in returned, returned
        answer = self.exchange(returned["code"])
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def client_id(stack: LocalStack) -> str:
    return str(stack._site_config()["citizen"]["clientId"])


def claims_of(token: str) -> dict[str, Any]:
    """Read our own token (the front verifies it for real when the API is called)."""
    return dict(jwt.decode(token, options={"verify_signature": False}))


def api_get(stack: LocalStack, path: str, id_token: str) -> requests.Response:
    return requests.get(f"{stack.url}/api{path}", headers={"Authorization": f"Bearer {id_token}"}, timeout=60)


# --- signing in ---------------------------------------------------------------------------------------
def test_given_a_thaid_citizen_when_signing_in_then_the_site_gets_cognito_tokens_that_the_api_accepts(
    stack: LocalStack, provider: DigitalIdProvider
) -> None:
    browser = Browser(stack)

    tokens = browser.tokens()

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] > 0
    assert {"id_token", "access_token", "refresh_token"} <= tokens.keys()
    pool_id = stack._site_config()["citizen"]["userPoolId"]
    claims = claims_of(tokens["id_token"])
    assert claims["iss"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    assert claims["aud"] == client_id(stack)
    assert claims["email"] == provider.citizen["email"]
    # the token shows the citizen came through ThaID, which the agency rates IAL2.3.
    assert identity_level(claims, load_tenant(tenants_dir() / "klongnoy.yaml")) == "IAL2.3"
    assert api_get(stack, "/me/profile", tokens["id_token"]).status_code == 200
    assert api_get(stack, "/drafts", tokens["id_token"]).status_code == 200
    # The name came from the provider's userinfo, through the attribute mapping.
    user = boto3.client("cognito-idp", region_name=REGION).admin_get_user(
        UserPoolId=pool_id, Username=provider.citizen["email"]
    )
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["name"] == "สมศรี มีสุข"


def test_given_a_citizen_who_signed_in_with_thaid_when_signing_in_again_then_it_is_the_same_citizen(
    stack: LocalStack, provider: DigitalIdProvider
) -> None:
    first = claims_of(Browser(stack).tokens()["id_token"])
    again = claims_of(Browser(stack).tokens()["id_token"])
    provider.citizen = new_citizen()
    someone_else = claims_of(Browser(stack).tokens()["id_token"])

    assert again["sub"] == first["sub"]
    assert someone_else["sub"] != first["sub"]


def test_given_signed_in_with_thaid_when_refreshing_then_new_tokens_for_the_same_citizen(stack: LocalStack) -> None:
    browser = Browser(stack)
    tokens = browser.tokens()

    refreshed = requests.post(
        f"{stack.url}{HOSTED_UI_PATH}/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": client_id(stack), "refresh_token": tokens["refresh_token"]},
        timeout=30,
    )

    assert refreshed.status_code == 200, refreshed.text
    assert claims_of(refreshed.json()["id_token"])["sub"] == claims_of(tokens["id_token"])["sub"]
    assert api_get(stack, "/drafts", refreshed.json()["id_token"]).status_code == 200
    forged = requests.post(
        f"{stack.url}{HOSTED_UI_PATH}/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": client_id(stack), "refresh_token": str(uuid.uuid4())},
        timeout=30,
    )
    assert (forged.status_code, forged.json()) == (400, {"error": "invalid_grant"})


# --- what is refused ------------------------------------------------------------------------------------
def test_given_the_wrong_pkce_verifier_when_exchanging_the_code_then_invalid_grant(stack: LocalStack) -> None:
    browser = Browser(stack)
    returned = browser.sign_in()

    answer = browser.exchange(returned["code"], verifier=secrets.token_urlsafe(48))

    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant"}


def test_given_a_code_already_exchanged_when_exchanged_again_then_invalid_grant(stack: LocalStack) -> None:
    browser = Browser(stack)
    returned = browser.sign_in()
    assert browser.exchange(returned["code"]).status_code == 200

    again = browser.exchange(returned["code"])

    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}


@pytest.mark.parametrize(
    ("tamper", "reason"), [("signature", "InvalidSignatureError"), ("audience", "InvalidAudienceError")]
)
def test_given_a_forged_provider_id_token_when_signing_in_then_no_code_is_issued(
    stack: LocalStack, provider: DigitalIdProvider, caplog: pytest.LogCaptureFixture, tamper: str, reason: str
) -> None:
    provider.tamper = tamper
    browser = Browser(stack)

    with caplog.at_level(logging.WARNING, logger="local.hosted_ui"):
        returned = browser.sign_in()

    assert "code" not in returned
    assert returned["error"] == "invalid_request"
    assert returned["state"] == browser.state
    assert [getattr(r, "reason", None) for r in caplog.records] == [f"id_token: {reason}"]
    pool_id = stack._site_config()["citizen"]["userPoolId"]
    found = boto3.client("cognito-idp", region_name=REGION).list_users(
        UserPoolId=pool_id, Filter=f'email = "{provider.citizen["email"]}"'
    )
    assert found["Users"] == []


def test_given_a_citizen_whose_email_changed_at_thaid_when_signing_in_then_same_citizen_with_the_new_email(
    stack: LocalStack, provider: DigitalIdProvider
) -> None:
    first = claims_of(Browser(stack).tokens()["id_token"])
    provider.citizen = {**provider.citizen, "email": f"moved-{uuid.uuid4().hex[:10]}@example.com"}

    again = claims_of(Browser(stack).tokens()["id_token"])

    assert again["sub"] == first["sub"]
    assert again["email"] == provider.citizen["email"]


def test_given_an_email_that_has_an_e_service_account_when_signing_in_with_thaid_then_refused_not_merged(
    stack: LocalStack, provider: DigitalIdProvider
) -> None:
    account = next(login for login in stack.logins if login.pool == "citizen")
    provider.citizen = {**provider.citizen, "email": account.email}

    returned = Browser(stack).sign_in()

    assert "code" not in returned
    assert returned["error"] == "invalid_request"
    assert stack.sign_in(account)  # the existing account is untouched


def test_given_the_provider_response_already_used_when_replayed_then_refused(stack: LocalStack) -> None:
    browser = Browser(stack)
    browser.sign_in()

    replayed = browser.get(browser.last_idp_response)

    assert replayed.status_code == 400
    assert "Location" not in replayed.headers


def test_given_an_unknown_identity_provider_when_authorizing_then_400(stack: LocalStack) -> None:
    answer = Browser(stack).authorize(identity_provider="facebook")

    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_given_a_foreign_redirect_uri_when_authorizing_then_400_and_no_redirect(stack: LocalStack) -> None:
    answer = Browser(stack).authorize(redirect_uri="https://attacker.example/")

    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_given_no_pkce_when_authorizing_then_the_site_gets_invalid_request(stack: LocalStack) -> None:
    browser = Browser(stack)

    answer = browser.authorize(code_challenge="", code_challenge_method="")

    assert answer.status_code == 302
    returned = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert returned["error"] == ["invalid_request"] and returned["state"] == [browser.state]
    assert "code" not in returned


# --- e-mail OTP sign-in (the citizen pool allows it in AWS) ----------------------------------------------
def _cognito_call(stack: LocalStack, action: str, payload: dict) -> requests.Response:
    return requests.post(
        f"{stack.url}/_aws/cognito",
        data=json.dumps(payload),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
        },
        timeout=30,
    )


def test_given_email_otp_sign_in_then_the_code_arrives_by_mail_and_opens_the_citizen_api(stack: LocalStack) -> None:
    """Q2.2: sign-in with a one-time code sent by e-mail (Cognito USER_AUTH / EMAIL_OTP)."""
    citizen = next(login for login in stack.logins if login.pool == "citizen")
    before = requests.get(f"{stack.url}/_local/mailbox", timeout=30).json()["messages"]

    started = _cognito_call(
        stack,
        "InitiateAuth",
        {
            "ClientId": client_id(stack),
            "AuthFlow": "USER_AUTH",
            "AuthParameters": {"USERNAME": citizen.email, "PREFERRED_CHALLENGE": "EMAIL_OTP"},
        },
    )
    assert started.status_code == 200 and started.json()["ChallengeName"] == "EMAIL_OTP"
    # The mailbox lists e-mail before SMS, so compare contents rather than positions.
    mail = [m for m in requests.get(f"{stack.url}/_local/mailbox", timeout=30).json()["messages"] if m not in before]
    code = next(m for m in mail if citizen.email in m["to"])["body"].split("คือ ")[1][:8]
    wrong = _cognito_call(
        stack,
        "RespondToAuthChallenge",
        {
            "ClientId": client_id(stack),
            "ChallengeName": "EMAIL_OTP",
            "Session": started.json()["Session"],
            "ChallengeResponses": {
                "USERNAME": citizen.email,
                "EMAIL_OTP_CODE": "00000000" if code != "00000000" else "1",
            },
        },
    )
    right = _cognito_call(
        stack,
        "RespondToAuthChallenge",
        {
            "ClientId": client_id(stack),
            "ChallengeName": "EMAIL_OTP",
            "Session": started.json()["Session"],
            "ChallengeResponses": {"USERNAME": citizen.email, "EMAIL_OTP_CODE": code},
        },
    )
    replay = _cognito_call(
        stack,
        "RespondToAuthChallenge",
        {
            "ClientId": client_id(stack),
            "ChallengeName": "EMAIL_OTP",
            "Session": started.json()["Session"],
            "ChallengeResponses": {"USERNAME": citizen.email, "EMAIL_OTP_CODE": code},
        },
    )

    assert wrong.status_code == 400 and wrong.json()["__type"] == "CodeMismatchException"
    token = right.json()["AuthenticationResult"]["IdToken"]
    profile = requests.get(f"{stack.url}/api/me/profile", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert profile.status_code == 200 and profile.json()["email"] == citizen.email
    assert replay.status_code == 400


def test_given_an_unknown_address_when_asking_for_a_code_then_nothing_is_sent_and_nobody_learns_it(
    stack: LocalStack,
) -> None:
    before = requests.get(f"{stack.url}/_local/mailbox", timeout=30).json()["messages"]

    started = _cognito_call(
        stack,
        "InitiateAuth",
        {
            "ClientId": client_id(stack),
            "AuthFlow": "USER_AUTH",
            "AuthParameters": {"USERNAME": "nobody@example.com", "PREFERRED_CHALLENGE": "EMAIL_OTP"},
        },
    )

    assert started.status_code == 200 and started.json()["ChallengeName"] == "EMAIL_OTP"
    after = [m for m in requests.get(f"{stack.url}/_local/mailbox", timeout=30).json()["messages"] if m not in before]
    assert not [m for m in after if "nobody@example.com" in m["to"]]


# --- officers: Cognito's challenges, TOTP for real (issue 10) ------------------------------------------------
def _mail_to(stack: LocalStack, address: str, before: list[dict]) -> list[dict]:
    messages = requests.get(f"{stack.url}/_local/mailbox", timeout=30).json()["messages"]
    return [m for m in messages if m not in before and address in m["to"]]


def _mailbox(stack: LocalStack) -> list[dict]:
    return list(requests.get(f"{stack.url}/_local/mailbox", timeout=30).json()["messages"])


def _officer_client(stack: LocalStack) -> str:
    return str(stack._site_config()["officer"]["clientId"])


def _new_officer(stack: LocalStack, group: str = "reviewer") -> tuple[str, str]:
    """What the administrator does: an officer with a temporary password, in one group."""
    address = f"officer-{uuid.uuid4().hex[:8]}@klongnoy.go.th"
    temporary = f"Temp#{secrets.token_urlsafe(9)}1a"
    pool = stack._site_config()["officer"]["userPoolId"]
    created = stack.cognito_admin(
        "AdminCreateUser",
        {
            "UserPoolId": pool,
            "Username": address,
            "TemporaryPassword": temporary,
            "UserAttributes": [{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}],
            "MessageAction": "SUPPRESS",
        },
    )
    assert created.status_code == 200, created.text
    grouped = stack.cognito_admin("AdminAddUserToGroup", {"UserPoolId": pool, "Username": address, "GroupName": group})
    assert grouped.status_code == 200, grouped.text
    return address, temporary


def _password_sign_in(stack: LocalStack, client: str, address: str, password: str) -> requests.Response:
    return _cognito_call(
        stack,
        "InitiateAuth",
        {
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": address, "PASSWORD": password},
        },
    )


def _wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_given_a_new_officer_then_first_sign_in_sets_a_password_enrols_totp_and_every_sign_in_wants_a_code(
    stack: LocalStack,
) -> None:
    client = _officer_client(stack)
    address, temporary = _new_officer(stack)

    first = _password_sign_in(stack, client, address, temporary)
    assert first.json()["ChallengeName"] == "NEW_PASSWORD_REQUIRED", first.text
    new_password = _cognito_call(
        stack,
        "RespondToAuthChallenge",
        {
            "ClientId": client,
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "Session": first.json()["Session"],
            "ChallengeResponses": {"USERNAME": address, "NEW_PASSWORD": "Officer#2569new"},
        },
    )
    assert new_password.json()["ChallengeName"] == "MFA_SETUP", new_password.text
    assert json.loads(new_password.json()["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
    skipped = _cognito_call(  # moto alone signs in here, with no authenticator enrolled
        stack,
        "RespondToAuthChallenge",
        {
            "ClientId": client,
            "ChallengeName": "MFA_SETUP",
            "Session": new_password.json()["Session"],
            "ChallengeResponses": {"USERNAME": address},
        },
    )
    associated = _cognito_call(stack, "AssociateSoftwareToken", {"Session": new_password.json()["Session"]})
    secret = associated.json()["SecretCode"]
    code = moto_cognito.totp_code(secret)
    wrong_setup = _cognito_call(
        stack,
        "VerifySoftwareToken",
        {"Session": associated.json()["Session"], "UserCode": _wrong(code), "FriendlyDeviceName": "phone"},
    )
    verified = _cognito_call(
        stack,
        "VerifySoftwareToken",
        {"Session": associated.json()["Session"], "UserCode": code, "FriendlyDeviceName": "phone"},
    )
    enrolled = _cognito_call(
        stack,
        "RespondToAuthChallenge",
        {
            "ClientId": client,
            "ChallengeName": "MFA_SETUP",
            "Session": verified.json()["Session"],
            "ChallengeResponses": {"USERNAME": address},
        },
    )

    assert skipped.status_code == 400 and skipped.json()["__type"] == "NotAuthorizedException"
    assert len(secret) == 32 and secret != moto_cognito.totp_code(secret)
    assert wrong_setup.status_code == 400 and wrong_setup.json()["__type"] == "CodeMismatchException"
    assert verified.json()["Status"] == "SUCCESS"
    token = enrolled.json()["AuthenticationResult"]["IdToken"]
    me = requests.get(f"{stack.url}/api/officer/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200 and me.json()["groups"] == ["reviewer"]

    again = _password_sign_in(stack, client, address, "Officer#2569new")
    assert again.json()["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in again.json()

    def answer(value: str) -> requests.Response:
        return _cognito_call(
            stack,
            "RespondToAuthChallenge",
            {
                "ClientId": client,
                "ChallengeName": "SOFTWARE_TOKEN_MFA",
                "Session": again.json()["Session"],
                "ChallengeResponses": {"USERNAME": address, "SOFTWARE_TOKEN_MFA_CODE": value},
            },
        )

    wrong = answer(_wrong(moto_cognito.totp_code(secret)))
    right = answer(moto_cognito.totp_code(secret))
    assert wrong.status_code == 400 and wrong.json()["__type"] == "CodeMismatchException"
    assert right.status_code == 200 and right.json()["AuthenticationResult"]["IdToken"]


def test_given_an_officer_session_when_three_wrong_codes_then_the_session_ends(stack: LocalStack) -> None:
    reviewer = next(x for x in stack.logins if x.pool == "officer" and "reviewer" in x.groups)
    assert reviewer.totp_secret is not None
    client = _officer_client(stack)
    started = _password_sign_in(stack, client, reviewer.email, reviewer.password)
    wrong_code = _wrong(moto_cognito.totp_code(reviewer.totp_secret))

    answers = [
        _cognito_call(
            stack,
            "RespondToAuthChallenge",
            {
                "ClientId": client,
                "ChallengeName": "SOFTWARE_TOKEN_MFA",
                "Session": started.json()["Session"],
                "ChallengeResponses": {"USERNAME": reviewer.email, "SOFTWARE_TOKEN_MFA_CODE": code},
            },
        )
        for code in (wrong_code, wrong_code, wrong_code, moto_cognito.totp_code(reviewer.totp_secret))
    ]

    assert [a.json()["__type"] for a in answers] == [
        "CodeMismatchException",
        "CodeMismatchException",
        "NotAuthorizedException",
        "NotAuthorizedException",  # even the right code: the session is over
    ]


def test_given_another_officers_session_when_answering_for_someone_else_then_refused(stack: LocalStack) -> None:
    reviewer = next(x for x in stack.logins if x.pool == "officer" and "reviewer" in x.groups)
    head = next(x for x in stack.logins if x.pool == "officer" and "head" in x.groups)
    assert head.totp_secret is not None
    started = _password_sign_in(stack, _officer_client(stack), reviewer.email, reviewer.password)

    answered = _cognito_call(
        stack,
        "RespondToAuthChallenge",
        {
            "ClientId": _officer_client(stack),
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": started.json()["Session"],
            "ChallengeResponses": {
                "USERNAME": head.email,
                "SOFTWARE_TOKEN_MFA_CODE": moto_cognito.totp_code(head.totp_secret),
            },
        },
    )

    assert answered.status_code == 400 and answered.json()["__type"] == "NotAuthorizedException"


# --- the local stack's own endpoints (issue 10) ----------------------------------------------------------------
def test_given_no_admin_token_when_calling_an_admin_operation_then_refused_and_nothing_changes(
    stack: LocalStack,
) -> None:
    pool = stack._site_config()["officer"]["userPoolId"]
    intruder = f"intruder-{uuid.uuid4().hex[:8]}@example.com"
    payload = {
        "UserPoolId": pool,
        "Username": intruder,
        "TemporaryPassword": "Intruder#2569x",
        "MessageAction": "SUPPRESS",
    }

    without = _cognito_call(stack, "AdminCreateUser", payload)
    forged = requests.post(
        f"{stack.url}/_aws/cognito",
        data=json.dumps(payload),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminCreateUser",
            ADMIN_TOKEN_HEADER: "guessed",
        },
        timeout=30,
    )
    listing = _cognito_call(stack, "ListUsers", {"UserPoolId": pool})
    looked_up = stack.cognito_admin("AdminGetUser", {"UserPoolId": pool, "Username": intruder})

    for refused in (without, forged, listing):
        assert refused.status_code == 403, refused.text
        assert refused.json()["__type"] == "AccessDeniedException"
        assert ADMIN_TOKEN_HEADER in refused.json()["message"]
    assert looked_up.status_code == 400 and looked_up.json()["__type"] == "UserNotFoundException"


# --- sign-up codes (issue 13, item 7) --------------------------------------------------------------------------
def test_given_a_sign_up_then_the_code_arrives_in_the_mailbox_and_only_that_code_confirms(stack: LocalStack) -> None:
    address = f"signup-{uuid.uuid4().hex[:8]}@example.com"
    before = _mailbox(stack)

    signed_up = _cognito_call(
        stack,
        "SignUp",
        {
            "ClientId": client_id(stack),
            "Username": address,
            "Password": "Citizen#2569local",
            "UserAttributes": [{"Name": "email", "Value": address}],
        },
    )
    mail = _mail_to(stack, address, before)
    code = re.search(r"\b(\d{6})\b", mail[0]["body"]).group(1)  # type: ignore[union-attr]
    wrong = _cognito_call(
        stack, "ConfirmSignUp", {"ClientId": client_id(stack), "Username": address, "ConfirmationCode": _wrong(code)}
    )
    still_unconfirmed = _password_sign_in(stack, client_id(stack), address, "Citizen#2569local")
    right = _cognito_call(
        stack, "ConfirmSignUp", {"ClientId": client_id(stack), "Username": address, "ConfirmationCode": code}
    )
    signed_in = _password_sign_in(stack, client_id(stack), address, "Citizen#2569local")

    assert signed_up.status_code == 200 and signed_up.json()["UserConfirmed"] is False
    assert len(mail) == 1 and "Citizen#2569local" not in mail[0]["body"]
    assert wrong.status_code == 400 and wrong.json()["__type"] == "CodeMismatchException"
    assert still_unconfirmed.json()["__type"] == "UserNotConfirmedException"
    assert right.status_code == 200, right.text
    assert signed_in.json()["AuthenticationResult"]["IdToken"]


# --- sign-out ends the session (issue 10) ----------------------------------------------------------------------
def test_given_a_signed_in_citizen_when_signing_out_then_cognito_refuses_the_old_tokens(stack: LocalStack) -> None:
    citizen = next(login for login in stack.logins if login.pool == "citizen")
    tokens = _password_sign_in(stack, client_id(stack), citizen.email, citizen.password).json()["AuthenticationResult"]
    before = _cognito_call(stack, "GetUser", {"AccessToken": tokens["AccessToken"]})

    signed_out = _cognito_call(stack, "GlobalSignOut", {"AccessToken": tokens["AccessToken"]})
    after = _cognito_call(stack, "GetUser", {"AccessToken": tokens["AccessToken"]})
    refreshed = _cognito_call(
        stack,
        "InitiateAuth",
        {
            "ClientId": client_id(stack),
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]},
        },
    )

    assert before.status_code == 200
    assert signed_out.status_code == 200
    assert after.status_code == 400 and after.json()["__type"] == "NotAuthorizedException"
    assert refreshed.status_code == 400 and refreshed.json()["__type"] == "NotAuthorizedException"


def test_given_a_revoked_refresh_token_then_it_and_its_access_token_are_refused(stack: LocalStack) -> None:
    citizen = next(login for login in stack.logins if login.pool == "citizen")
    kept = _password_sign_in(stack, client_id(stack), citizen.email, citizen.password).json()["AuthenticationResult"]
    tokens = _password_sign_in(stack, client_id(stack), citizen.email, citizen.password).json()["AuthenticationResult"]

    revoked = _cognito_call(stack, "RevokeToken", {"ClientId": client_id(stack), "Token": tokens["RefreshToken"]})
    after = _cognito_call(stack, "GetUser", {"AccessToken": tokens["AccessToken"]})
    other_sign_in = _cognito_call(stack, "GetUser", {"AccessToken": kept["AccessToken"]})

    assert revoked.status_code == 200, revoked.text
    assert after.status_code == 400 and after.json()["__type"] == "NotAuthorizedException"
    assert other_sign_in.status_code == 200  # RevokeToken ends one sign-in, GlobalSignOut all of them


# --- a new e-mail address waits for its code (issue 10) --------------------------------------------------------
def test_given_a_new_email_when_not_yet_confirmed_then_the_verified_one_is_kept_and_gets_the_official_mail(
    stack: LocalStack, new_citizen: Callable[[], Any]
) -> None:
    from tests.stack.conftest import prepared_draft, submit, wait_for, wait_for_mail

    citizen = new_citizen()
    assert citizen.login is not None
    old = citizen.login.email
    new = f"changed-{uuid.uuid4().hex[:8]}@example.com"
    tokens = _password_sign_in(stack, client_id(stack), old, citizen.login.password).json()["AuthenticationResult"]
    before = _mailbox(stack)

    updated = _cognito_call(
        stack,
        "UpdateUserAttributes",
        {"AccessToken": tokens["AccessToken"], "UserAttributes": [{"Name": "email", "Value": new}]},
    )
    user = _cognito_call(stack, "GetUser", {"AccessToken": tokens["AccessToken"]}).json()
    citizen.reauthenticate()
    request = submit(citizen, prepared_draft(citizen))
    wait_for(citizen, request["id"], lambda r: "acknowledgment" in r["documents"], timeout=120)
    acknowledgment = wait_for_mail(
        stack, old, lambda m: f"acknowledgment-{request['id']}.pdf" in m["attachments"], timeout=60
    )
    to_new = _mail_to(stack, new, before)

    assert updated.status_code == 200, updated.text
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == old
    assert acknowledgment["to"] == [old]
    assert len(to_new) == 1 and "ยืนยันอีเมลใหม่" in to_new[0]["subject"]  # only the code goes to the new address

    code = re.search(r"\b(\d{6})\b", to_new[0]["body"]).group(1)  # type: ignore[union-attr]
    wrong = _cognito_call(
        stack,
        "VerifyUserAttribute",
        {"AccessToken": tokens["AccessToken"], "AttributeName": "email", "Code": _wrong(code)},
    )
    right = _cognito_call(
        stack, "VerifyUserAttribute", {"AccessToken": tokens["AccessToken"], "AttributeName": "email", "Code": code}
    )
    confirmed = _cognito_call(stack, "GetUser", {"AccessToken": tokens["AccessToken"]}).json()

    assert wrong.status_code == 400 and wrong.json()["__type"] == "CodeMismatchException"
    assert right.status_code == 200, right.text
    assert {a["Name"]: a["Value"] for a in confirmed["UserAttributes"]}["email"] == new


# --- forgotten passwords (issue 13, item 7) ----------------------------------------------------------------------
def test_given_a_forgotten_password_then_only_the_mailed_code_sets_a_new_one_that_meets_the_policy(
    stack: LocalStack,
) -> None:
    address = f"forgot-{uuid.uuid4().hex[:8]}@example.com"
    _cognito_call(
        stack,
        "SignUp",
        {
            "ClientId": client_id(stack),
            "Username": address,
            "Password": "Citizen#2569local",
            "UserAttributes": [{"Name": "email", "Value": address}],
        },
    )
    stack.cognito_admin(
        "AdminConfirmSignUp", {"UserPoolId": stack._site_config()["citizen"]["userPoolId"], "Username": address}
    )
    before = _mailbox(stack)

    asked = _cognito_call(stack, "ForgotPassword", {"ClientId": client_id(stack), "Username": address})
    unknown = _cognito_call(
        stack,
        "ForgotPassword",
        {"ClientId": client_id(stack), "Username": f"nobody-{uuid.uuid4().hex[:6]}@example.com"},
    )
    mail = _mail_to(stack, address, before)
    code = re.search(r"\b(\d{6})\b", mail[0]["body"]).group(1)  # type: ignore[union-attr]

    def confirm(with_code: str, password: str) -> requests.Response:
        return _cognito_call(
            stack,
            "ConfirmForgotPassword",
            {"ClientId": client_id(stack), "Username": address, "ConfirmationCode": with_code, "Password": password},
        )

    wrong = confirm(_wrong(code), "Renewed#2569local")
    weak = confirm(code, "short")
    right = confirm(code, "Renewed#2569local")
    again = confirm(code, "Another#2569local")
    old = _password_sign_in(stack, client_id(stack), address, "Citizen#2569local")
    new = _password_sign_in(stack, client_id(stack), address, "Renewed#2569local")

    assert asked.status_code == 200 and asked.json()["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert "x-moto-forgot-password-confirmation-code" not in {k.lower() for k in asked.headers}
    assert unknown.status_code == 200  # no hint who has an account
    assert len(mail) == 1
    assert wrong.status_code == 400 and wrong.json()["__type"] == "CodeMismatchException"
    assert weak.status_code == 400 and weak.json()["__type"] == "InvalidPasswordException"
    assert right.status_code == 200, right.text
    assert again.status_code == 400 and again.json()["__type"] == "CodeMismatchException"  # a code works once
    assert old.json()["__type"] == "NotAuthorizedException"
    assert new.json()["AuthenticationResult"]["IdToken"]


# --- re-authentication for withdrawal (issue 13, item 4) ------------------------------------------------------
def test_given_a_fresh_sign_in_is_asked_then_the_provider_is_told_to_ask_again_and_the_token_is_fresh(
    stack: LocalStack,
) -> None:
    browser = Browser(stack)
    ordinary = browser.authorize()
    again = browser.authorize(prompt="login")
    asked = {k: v[0] for k, v in parse_qs(urlsplit(again.headers["Location"]).query).items()}
    asked_before = {k: v[0] for k, v in parse_qs(urlsplit(ordinary.headers["Location"]).query).items()}
    back = browser.get(again.headers["Location"])
    to_site = browser.get(back.headers["Location"])
    returned = {k: v[0] for k, v in parse_qs(urlsplit(to_site.headers["Location"]).query).items()}
    tokens = browser.exchange(returned["code"]).json()

    assert "prompt" not in asked_before and "max_age" not in asked_before
    assert asked["prompt"] == "login" and asked["max_age"] == "0"
    assert abs(time.time() - float(claims_of(tokens["id_token"])["auth_time"])) < 120
