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
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
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
