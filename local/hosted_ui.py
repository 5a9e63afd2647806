"""The local stand-in for Cognito's own federation: the citizen pool's hosted-UI endpoints.

In AWS the citizen pool's domain (``infra/identity.py``) serves these endpoints and Cognito itself
signs citizens in with the agency's Digital ID provider (ThaID / D.DOPA style OpenID Connect):
none of this module runs there. moto has none of these endpoints, so the local stack serves them
under ``/_aws/cognito-domain`` and plays Cognito's part in the authorization-code grant with PKCE:

- ``GET /oauth2/authorize?response_type=code&client_id=&redirect_uri=&identity_provider=
  &code_challenge=&code_challenge_method=S256&state=`` sends the browser to the provider's
  authorization endpoint (from its discovery document) with our own state and nonce, and
  ``redirect_uri=<local base>/_aws/cognito-domain/oauth2/idpresponse``;
- ``GET /oauth2/idpresponse?code=&state=`` exchanges the provider's code at its token endpoint
  (``client_secret_basic`` or ``client_secret_post``), verifies the provider's ID token (signature
  by its JWKS, ``iss``, ``aud``, ``exp``, ``iat``, ``nonce``), reads its userinfo, creates or updates
  the citizen in moto's citizen pool as Cognito does for a federated user (the mapped attributes,
  ``identities``, the group ``<pool id>_<provider id>``) and sends the browser back to the site's
  ``redirect_uri`` with a one-time code and the site's ``state``;
- ``POST /oauth2/token`` (``authorization_code`` with ``code_verifier``, or ``refresh_token``)
  answers with tokens that moto issues for that citizen, so the front's authorizer accepts them
  as it accepts every other citizen's;
- ``GET /logout?client_id=&logout_uri=`` sends the browser back to the site.

Settings, read at each request so that a test can set them:

- ``LOCAL_OIDC_ISSUERS``: JSON ``{"<provider id>": "<issuer URL>"}`` replaces a tenant provider's
  issuer (ThaID cannot be reached offline);
- ``LOCAL_OIDC_CLIENT_SECRETS``: JSON ``{"<provider id>": "<client secret>"}``, the secret the
  provider issued to the agency; in AWS it is in Secrets Manager (``client_secret_name``).

Where this differs from Cognito, because moto's citizen pool takes only e-mail addresses as user
names: a federated citizen is named by the e-mail address the provider gives, not
``<provider id>_<subject>``, and is found again by its ``identities`` attribute (the ``sub`` the
site and the API see is stable either way); and where Cognito would create a second, separate
user for an e-mail address that already has an e-Service account, this refuses the sign-in rather
than merge the two accounts. Cognito's own sign-in page is not emulated: ``identity_provider`` is
required.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import boto3
import jwt
import requests
from werkzeug.wrappers import Request, Response

from eservice.tenant import OidcProvider, Tenant

if TYPE_CHECKING:
    from .stack import LocalStack

__all__ = ["HOSTED_UI_PATH", "FederationError", "HostedUi"]

HOSTED_UI_PATH = "/_aws/cognito-domain"
ISSUERS_ENV = "LOCAL_OIDC_ISSUERS"
CLIENT_SECRETS_ENV = "LOCAL_OIDC_CLIENT_SECRETS"

logger = logging.getLogger(__name__)

_AUTHORIZATION_SECONDS = 600  # how long a citizen may take at the provider
_CODE_SECONDS = 300  # Cognito's authorization codes last five minutes
_DISCOVERY_SECONDS = 300
_ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256 digest, unpadded
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # RFC 7636 §4.1
_EMAIL = re.compile(r"^[^@\s\"]+@[^@\s\"]+\.[^@\s\"]+$")
_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")


class FederationError(Exception):
    """A federated sign-in cannot go on.

    ``error`` and ``description`` are what the site receives (OAuth's error redirect); ``detail``
    is for the log and never holds personal data.
    """

    def __init__(self, error: str, description: str, *, detail: str) -> None:
        super().__init__(detail)
        self.error = error
        self.description = description
        self.detail = detail


@dataclass(frozen=True)
class _Authorization:
    """A sign-in in progress at the provider, keyed by our own state."""

    provider_id: str
    redirect_uri: str
    client_state: str | None
    code_challenge: str
    nonce: str
    expires: float


@dataclass(frozen=True)
class _Grant:
    """Our one-time authorization code, for the site to exchange."""

    username: str
    redirect_uri: str
    code_challenge: str
    expires: float


@dataclass(frozen=True)
class _ProviderMetadata:
    """What a provider's discovery document says, and a client for its signing keys."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str | None
    algorithms: tuple[str, ...]
    auth_methods: tuple[str, ...]
    keys: jwt.PyJWKClient
    fetched: float


class HostedUi:
    """The citizen pool's hosted-UI federation endpoints, for the local front's ``local_routes``."""

    def __init__(
        self,
        *,
        tenant: Tenant,
        user_pool_id: str,
        client_id: str,
        base_url: str,
        region: str,
        endpoint_url: str | None = None,
    ) -> None:
        self._tenant = tenant
        self._pool_id = user_pool_id
        self._client_id = client_id
        self._base_url = base_url.rstrip("/")
        self._cognito: Any = boto3.client("cognito-idp", region_name=region, endpoint_url=endpoint_url)
        self._lock = threading.Lock()
        self._users_lock = threading.Lock()
        self._authorizations: dict[str, _Authorization] = {}
        self._grants: dict[str, _Grant] = {}
        self._metadata: dict[str, _ProviderMetadata] = {}

    @classmethod
    def for_stack(cls, stack: LocalStack) -> HostedUi:
        """The endpoints for a started local stack's citizen pool and web client."""
        from eservice.tenant import load_tenant, tenants_dir

        from .stack import REGION

        citizen = stack._site_config()["citizen"]
        return cls(
            tenant=load_tenant(tenants_dir() / f"{stack.tenant}.yaml"),
            user_pool_id=citizen["userPoolId"],
            client_id=citizen["clientId"],
            base_url=stack.url,
            region=REGION,
            endpoint_url=stack.moto_url,
        )

    @property
    def callback_urls(self) -> tuple[str, ...]:
        """The local twin of the web client's callback URL in AWS (``https://<domain>/``)."""
        return (f"{self._base_url}/",)

    @property
    def idp_redirect_uri(self) -> str:
        """Where providers send the browser back; in AWS ``https://<pool domain>/oauth2/idpresponse``."""
        return f"{self._base_url}{HOSTED_UI_PATH}/oauth2/idpresponse"

    def __call__(self, request: Request) -> Response:
        endpoints = {
            ("GET", "/oauth2/authorize"): self._authorize,
            ("GET", "/oauth2/idpresponse"): self._idp_response,
            ("POST", "/oauth2/token"): self._token,
            ("GET", "/logout"): self._logout,
        }
        endpoint = endpoints.get((request.method, request.path.removeprefix(HOSTED_UI_PATH)))
        if endpoint is None:
            return _page(404, "not_found", th="ไม่พบหน้านี้", en="Not found.")
        return endpoint(request)

    # --- /oauth2/authorize -----------------------------------------------------------------------------
    def _authorize(self, request: Request) -> Response:
        args = request.args
        # Until client and redirect URI are known good, errors stay here: never redirect elsewhere.
        if args.get("client_id") != self._client_id:
            return _page(400, "invalid_client", th="ไม่รู้จักแอปพลิเคชันนี้", en="Unknown client.")
        redirect_uri = args.get("redirect_uri", "")
        if redirect_uri not in self.callback_urls:
            return _page(400, "redirect_mismatch", th="ที่อยู่สำหรับกลับไม่ถูกต้อง", en="Unknown redirect URI.")
        provider = self._provider(args.get("identity_provider", ""))
        if provider is None:
            return _page(
                400,
                "invalid_request",
                th="ไม่รู้จักผู้ให้บริการยืนยันตัวตนนี้",
                en="Unknown identity provider.",
            )
        state = args.get("state")
        if args.get("response_type") != "code":
            return _redirect(redirect_uri, error="unsupported_response_type", state=state)
        challenge = args.get("code_challenge", "")
        if args.get("code_challenge_method") != "S256" or not _CHALLENGE.fullmatch(challenge):
            return _redirect(
                redirect_uri, error="invalid_request", error_description="PKCE (S256) is required", state=state
            )
        try:
            self._client_secret(provider)
            metadata = self._discover(provider)
        except FederationError as error:
            logger.warning("federated sign-in not started", extra={"provider": provider.id, "reason": error.detail})
            return _redirect(redirect_uri, error=error.error, error_description=error.description, state=state)
        ours, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            self._forget_expired()
            self._authorizations[ours] = _Authorization(
                provider_id=provider.id,
                redirect_uri=redirect_uri,
                client_state=state,
                code_challenge=challenge,
                nonce=nonce,
                expires=time.time() + _AUTHORIZATION_SECONDS,
            )
        return _redirect(
            metadata.authorization_endpoint,
            response_type="code",
            client_id=provider.client_id,
            redirect_uri=self.idp_redirect_uri,
            scope=" ".join(provider.scopes),
            state=ours,
            nonce=nonce,
            # A fresh sign-in asked by the site (withdrawal): the provider must not reuse its session.
            prompt="login" if args.get("prompt") == "login" else None,
            max_age="0" if args.get("prompt") == "login" else None,
        )

    # --- /oauth2/idpresponse ---------------------------------------------------------------------------
    def _idp_response(self, request: Request) -> Response:
        with self._lock:
            authorization = self._authorizations.pop(request.args.get("state", ""), None)
        if authorization is None or authorization.expires < time.time():
            return _page(
                400,
                "invalid_state",
                th="การเข้าสู่ระบบหมดอายุหรือใช้ไปแล้ว กรุณาเริ่มใหม่",
                en="This sign-in has expired or was already used. Please start again.",
            )
        back = authorization.redirect_uri
        if "error" in request.args:
            said = request.args.get("error", "")
            error = said if _ERROR_CODE.fullmatch(said) else "server_error"
            return _redirect(back, error=error, state=authorization.client_state)
        provider = self._provider(authorization.provider_id)
        assert provider is not None
        try:
            claims = self._sign_in_at_provider(provider, request.args.get("code", ""), authorization.nonce)
            username = self._federated_user(provider, claims)
        except FederationError as error:
            logger.warning("federated sign-in refused", extra={"provider": provider.id, "reason": error.detail})
            return _redirect(
                back, error=error.error, error_description=error.description, state=authorization.client_state
            )
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._grants[code] = _Grant(
                username=username,
                redirect_uri=back,
                code_challenge=authorization.code_challenge,
                expires=time.time() + _CODE_SECONDS,
            )
        return _redirect(back, code=code, state=authorization.client_state)

    def _sign_in_at_provider(self, provider: OidcProvider, code: str, nonce: str) -> dict[str, Any]:
        """The provider's verified ID token claims (with its userinfo) for the code it gave."""
        if not code:
            raise FederationError("invalid_request", "No code from the identity provider", detail="no code")
        metadata = self._discover(provider)
        secret = self._client_secret(provider)
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.idp_redirect_uri}
        auth: tuple[str, str] | None = None
        if "client_secret_basic" in metadata.auth_methods:
            # RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
            auth = (quote(provider.client_id, safe=""), quote(secret, safe=""))
        else:
            form |= {"client_id": provider.client_id, "client_secret": secret}
        try:
            answer = requests.post(
                metadata.token_endpoint, data=form, auth=auth, headers={"Accept": "application/json"}, timeout=10
            )
        except requests.RequestException:
            raise FederationError(
                "temporarily_unavailable", "The identity provider cannot be reached", detail="token endpoint down"
            ) from None
        if answer.status_code != 200:
            raise FederationError(
                "invalid_request",
                "The identity provider refused the code",
                detail=f"token endpoint HTTP {answer.status_code}",
            )
        try:
            tokens = answer.json()
        except ValueError:
            tokens = None
        if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
            raise FederationError("invalid_request", "Bad id_token", detail="no id_token in the token response")
        claims = self._verified_id_token(tokens["id_token"], provider, metadata, nonce)
        access_token = tokens.get("access_token")
        if metadata.userinfo_endpoint and isinstance(access_token, str):
            claims = {**self._userinfo(metadata.userinfo_endpoint, access_token, claims["sub"]), **claims}
        return claims

    @staticmethod
    def _verified_id_token(
        token: str, provider: OidcProvider, metadata: _ProviderMetadata, nonce: str
    ) -> dict[str, Any]:
        """OIDC Core §3.1.3.7: signature by the provider's key, issuer, audience, expiry, nonce."""
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
            if algorithm not in metadata.algorithms:
                raise FederationError("invalid_request", "Bad id_token", detail=f"id_token algorithm {algorithm}")
            key = metadata.keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=provider.client_id,
                issuer=metadata.issuer,
                leeway=60,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.PyJWTError as error:
            raise FederationError(
                "invalid_request", "Bad id_token", detail=f"id_token: {type(error).__name__}"
            ) from None
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
            raise FederationError("invalid_request", "Bad id_token", detail="id_token azp is not our client")
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise FederationError("invalid_request", "Bad id_token", detail="id_token nonce mismatch")
        return claims

    @staticmethod
    def _userinfo(endpoint: str, access_token: str, subject: str) -> dict[str, Any]:
        try:
            answer = requests.get(endpoint, headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
            info = answer.json() if answer.status_code == 200 else None
        except (requests.RequestException, ValueError):
            info = None
        if not isinstance(info, dict):
            raise FederationError(
                "temporarily_unavailable", "The identity provider's userinfo failed", detail="userinfo failed"
            )
        # OIDC Core §5.3.2: a userinfo answer for another subject must not be used.
        if info.get("sub") != subject:
            raise FederationError("invalid_request", "Bad userinfo", detail="userinfo sub mismatch")
        return info

    # --- the citizen in the user pool -------------------------------------------------------------------
    def _federated_user(self, provider: OidcProvider, claims: dict[str, Any]) -> str:
        """Create or update the citizen for this provider subject; returns the username to sign in."""
        attributes = _mapped_attributes(provider, claims)
        email = attributes.get("email", "")
        if not _EMAIL.fullmatch(email):
            # What Cognito answers when a required attribute is missing from the provider's claims.
            raise FederationError("invalid_request", "attributes required: [email]", detail="no usable email claim")
        subject = str(claims["sub"])
        with self._users_lock:
            linked, current = self._linked_user(provider.id, subject)
            holder = self._user_with_email(email)
            if holder is not None and holder != linked:
                raise FederationError(
                    "invalid_request",
                    "An e-Service account already uses this e-mail address",
                    detail="e-mail address belongs to another user",
                )
            if linked is None:
                identity = {
                    "userId": subject,
                    "providerName": provider.id,
                    "providerType": "OIDC",
                    "issuer": None,
                    "primary": "true",
                    "dateCreated": str(int(time.time() * 1000)),
                }
                attributes["identities"] = json.dumps([identity])
                self._cognito.admin_create_user(
                    UserPoolId=self._pool_id,
                    Username=email,
                    UserAttributes=[{"Name": name, "Value": value} for name, value in attributes.items()],
                    MessageAction="SUPPRESS",
                )
            else:
                # Cognito applies the attribute mapping again at every sign-in (moto refuses an
                # unchanged e-mail address as taken, so only what changed is written).
                changed = [{"Name": k, "Value": v} for k, v in attributes.items() if current.get(k) != v]
                if changed:
                    self._cognito.admin_update_user_attributes(
                        UserPoolId=self._pool_id, Username=linked, UserAttributes=changed
                    )
            group = f"{self._pool_id}_{provider.id}"
            try:
                self._cognito.create_group(UserPoolId=self._pool_id, GroupName=group)
            except self._cognito.exceptions.GroupExistsException:
                pass
            self._cognito.admin_add_user_to_group(UserPoolId=self._pool_id, Username=email, GroupName=group)
        return email

    def _linked_user(self, provider_id: str, subject: str) -> tuple[str | None, dict[str, str]]:
        """The pool's username and attributes of the user linked to this provider subject, if any."""
        for user in self._users():
            attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            try:
                identities = json.loads(attributes.get("identities") or "[]")
            except ValueError:
                continue
            for identity in identities if isinstance(identities, list) else []:
                if identity.get("providerName") == provider_id and identity.get("userId") == subject:
                    return str(user["Username"]), attributes
        return None, {}

    def _user_with_email(self, email: str) -> str | None:
        users = self._cognito.list_users(UserPoolId=self._pool_id, Filter=f'email = "{email}"')["Users"]
        return str(users[0]["Username"]) if users else None

    def _users(self) -> list[dict[str, Any]]:
        users: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self._cognito.list_users(UserPoolId=self._pool_id, **({"PaginationToken": token} if token else {}))
            users.extend(page["Users"])
            token = page.get("PaginationToken")
            if not token:
                return users

    # --- /oauth2/token --------------------------------------------------------------------------------
    def _token(self, request: Request) -> Response:
        form = request.form
        client_id = form.get("client_id") or (request.authorization.username if request.authorization else None)
        if client_id != self._client_id:
            return _oauth_error("invalid_client")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            with self._lock:
                grant = self._grants.pop(form.get("code", ""), None)  # one use, whatever follows
            if grant is None or grant.expires < time.time() or grant.redirect_uri != form.get("redirect_uri"):
                return _oauth_error("invalid_grant")
            verifier = form.get("code_verifier", "")
            if not _VERIFIER.fullmatch(verifier) or not hmac.compare_digest(_s256(verifier), grant.code_challenge):
                return _oauth_error("invalid_grant")
            return _json(self._issue(grant.username))
        if grant_type == "refresh_token":
            try:
                result = self._cognito.initiate_auth(
                    ClientId=self._client_id,
                    AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": form.get("refresh_token", "")},
                )
            except (
                self._cognito.exceptions.NotAuthorizedException,
                self._cognito.exceptions.ResourceNotFoundException,
            ):
                return _oauth_error("invalid_grant")
            tokens = result["AuthenticationResult"]
            return _json(
                {
                    "id_token": tokens["IdToken"],
                    "access_token": tokens["AccessToken"],
                    "token_type": "Bearer",
                    "expires_in": tokens["ExpiresIn"],
                }
            )
        return _oauth_error("unsupported_grant_type")

    def _issue(self, username: str) -> dict[str, Any]:
        """Tokens moto signs for the citizen, by way of a fresh password no one ever learns."""
        password = secrets.token_urlsafe(24) + "aA1!"  # meets any pool password policy
        with self._users_lock:
            self._cognito.admin_set_user_password(
                UserPoolId=self._pool_id, Username=username, Password=password, Permanent=True
            )
            # The web client's own flow (ALLOW_USER_PASSWORD_AUTH in the template).
            result = self._cognito.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        tokens = result["AuthenticationResult"]
        return {
            "id_token": tokens["IdToken"],
            "access_token": tokens["AccessToken"],
            "refresh_token": tokens["RefreshToken"],
            "token_type": "Bearer",
            "expires_in": tokens["ExpiresIn"],
        }

    # --- /logout --------------------------------------------------------------------------------------
    def _logout(self, request: Request) -> Response:
        logout_uri = request.args.get("logout_uri", "")
        if request.args.get("client_id") != self._client_id or logout_uri not in self.callback_urls:
            return _page(400, "invalid_request", th="ที่อยู่สำหรับกลับไม่ถูกต้อง", en="Unknown logout URI.")
        return Response(status=302, headers={"Location": logout_uri})

    # --- providers ------------------------------------------------------------------------------------
    def _provider(self, provider_id: str) -> OidcProvider | None:
        return next((p for p in self._tenant.identity_providers if p.id == provider_id), None)

    @staticmethod
    def _issuer(provider: OidcProvider) -> str:
        return str(_env_json(ISSUERS_ENV).get(provider.id) or provider.issuer)

    @staticmethod
    def _client_secret(provider: OidcProvider) -> str:
        secret = _env_json(CLIENT_SECRETS_ENV).get(provider.id)
        if not secret:
            raise FederationError(
                "server_error",
                "The identity provider is not configured",
                detail=f"no client secret for {provider.id} in {CLIENT_SECRETS_ENV}",
            )
        return str(secret)

    def _discover(self, provider: OidcProvider) -> _ProviderMetadata:
        """The provider's OpenID configuration (cached for a few minutes)."""
        issuer = self._issuer(provider)
        with self._lock:
            cached = self._metadata.get(issuer)
        if cached is not None and cached.fetched + _DISCOVERY_SECONDS > time.time():
            return cached
        unreachable = FederationError(
            "temporarily_unavailable", "The identity provider cannot be reached", detail="discovery failed"
        )
        try:
            answer = requests.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=10)
            document = answer.json() if answer.status_code == 200 else None
        except (requests.RequestException, ValueError):
            raise unreachable from None
        if not isinstance(document, dict) or not all(
            isinstance(document.get(k), str) for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        ):
            raise unreachable
        # OpenID Connect Discovery §4.3: the document must be the issuer's own.
        if document["issuer"].rstrip("/") != issuer.rstrip("/"):
            raise FederationError(
                "server_error", "The identity provider is misconfigured", detail="discovery issuer mismatch"
            )
        algorithms = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        metadata = _ProviderMetadata(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            userinfo_endpoint=document.get("userinfo_endpoint"),
            algorithms=tuple(a for a in algorithms if a in _ASYMMETRIC),
            auth_methods=tuple(document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]),
            keys=jwt.PyJWKClient(document["jwks_uri"], timeout=10),
            fetched=time.time(),
        )
        with self._lock:
            self._metadata[issuer] = metadata
        return metadata

    def _forget_expired(self) -> None:
        now = time.time()
        for store in (self._authorizations, self._grants):
            for key in [k for k, v in store.items() if v.expires < now]:
                del store[key]


def _mapped_attributes(provider: OidcProvider, claims: dict[str, Any]) -> dict[str, str]:
    """The pool attributes the provider's claims fill, as Cognito's attribute mapping does."""
    attributes = {}
    for attribute, claim in provider.attribute_mapping.items():
        value = claims.get(claim)
        if value is None:
            continue
        if isinstance(value, bool):
            attributes[attribute] = "true" if value else "false"
        elif isinstance(value, dict | list):
            attributes[attribute] = json.dumps(value, ensure_ascii=False)
        else:
            attributes[attribute] = str(value)
    return attributes


def _env_json(name: str) -> dict[str, Any]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object of provider id to value")
    return value


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _redirect(uri: str, **params: str | None) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if "?" in uri else "?"
    return Response(status=302, headers={"Location": f"{uri}{separator}{query}", "Cache-Control": "no-store"})


def _json(body: dict[str, Any]) -> Response:
    return Response(
        json.dumps(body),
        content_type="application/json",
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _oauth_error(error: str) -> Response:
    return Response(
        json.dumps({"error": error}),
        status=400,
        content_type="application/json",
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _page(status: int, code: str, *, th: str, en: str) -> Response:
    body = (
        '<!doctype html><html lang="th"><head><meta charset="utf-8"><title>เข้าสู่ระบบ / Sign in</title></head>'
        f'<body><h1>{html.escape(th)}</h1><p lang="en">{html.escape(en)}</p><p><code>{html.escape(code)}</code></p>'
        "</body></html>"
    )
    return Response(body, status=status, content_type="text/html; charset=utf-8")
