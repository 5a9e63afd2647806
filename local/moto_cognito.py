"""Cognito's sign-in rules in moto, where moto 5.2.5 lets everything through.

In AWS none of this module runs: Cognito itself enforces these rules. moto 5.2.5 accepts any TOTP code
(one fixed secret for every user, checked only with ``MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP``), answers
``MFA_SETUP`` with tokens whatever happened before, never offers ``MFA_SETUP`` at a password sign-in in a
pool that requires MFA, confirms a sign-up whatever the code, sends no code at all, has no ``RevokeToken``
and applies a new e-mail address at once. moto runs in this process (``stack.py``), so its Cognito backend
is patched here, and every caller sees Cognito's behaviour: the sites through ``/_aws/cognito``, the
seeding code and the tests through boto3.

- Officers (a pool with ``MfaConfiguration=ON``): a first sign-in with the temporary password answers
  ``NEW_PASSWORD_REQUIRED``, then ``MFA_SETUP``; ``AssociateSoftwareToken`` gives each user their own
  random secret, ``VerifySoftwareToken`` checks a code of it (pyotp, RFC 6238, 30 s steps, one step of
  clock drift either side) and only then may ``MFA_SETUP`` be answered; every later sign-in answers
  ``SOFTWARE_TOKEN_MFA`` and wants a current code. A wrong code is ``CodeMismatchException``; after three
  the session ends (``NotAuthorizedException``). A challenge is answered only with the session that asked
  it and for the user it was asked for.
- Sign-up (issue 13): ``SignUp`` e-mails a 6-digit code (it shows in ``/_local/mailbox``), valid 24 hours;
  ``ConfirmSignUp`` refuses any other code (``CodeMismatchException``) and marks the e-mail verified;
  ``ResendConfirmationCode`` sends a new one.
- Forgotten password (issue 13): ``ForgotPassword`` e-mails a 6-digit code (``/_local/mailbox``), valid one
  hour, and answers an unknown user like a known one (``PreventUserExistenceErrors``); ``ConfirmForgotPassword``
  refuses any other code (``CodeMismatchException``), checks the new password against the pool's policy
  (``InvalidPasswordException``), and the code works once.
- Sign-out: ``RevokeToken`` revokes a refresh token and the access tokens issued from it;
  ``GlobalSignOut`` (moto's own) revokes them all. Cognito calls with a revoked access token are refused.
- E-mail changes (``UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate=[email]``): the
  verified address stays until the code sent to the new one is given to ``VerifyUserAttribute``.
- Pre token generation (issue 14: a cell's officer pool): moto ignores a pool's ``LambdaConfig``. Here, before
  tokens leave ``InitiateAuth``, ``AdminInitiateAuth`` or ``RespondToAuthChallenge`` (sign-in, and refresh),
  the pool's trigger is invoked with Cognito's ``V1_0`` event (the client, the user's groups) through moto's
  Lambda, which runs the handler in this process (``lambda_runner``); an error of the function is Cognito's
  ``UserLambdaValidationException`` ("PreTokenGeneration failed with error <its message>."), and the tokens are
  never handed out. A response that changes claims fails loudly: it is not applied here. A refresh token works
  only with the client it was issued to (``NotAuthorizedException``: "Refresh Token has different Client").
  The local e-mail OTP sign-in (``email_otp``, the citizen pool, which has no trigger) does not run it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pyotp
from moto.cognitoidp import models as cognito_models
from moto.cognitoidp import responses as cognito_responses
from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedError,
    UserNotFoundError,
)
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

__all__ = ["Mailer", "install", "totp_code", "uninstall"]

#: (to, subject, text): how a code reaches the person (the local stack: SES, so ``/_local/mailbox``).
Mailer = Callable[[str, str, str], None]

_SIGN_UP_CODE_SECONDS = 24 * 3600  # Cognito's confirmation codes last 24 hours
_ATTRIBUTE_CODE_SECONDS = 24 * 3600
_RESET_CODE_SECONDS = 3600  # Cognito's forgot-password codes last one hour
_SESSION_SECONDS = 180  # Cognito's challenge sessions last three minutes by default
_MAX_WRONG_CODES = 3
_VALID_WINDOW = 1  # one 30-second step of clock drift either side, as authenticator apps need

_Backend = cognito_models.CognitoIdpBackend
_Response = cognito_responses.CognitoIdpResponse
_REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")


@dataclass
class _Challenge:
    name: str
    pool_id: str
    user_id: str
    login_name: str  # the USERNAME given at sign-in (moto writes it into the tokens' email claim)
    expires: float
    wrong_codes: int = 0
    token_verified: bool = False  # MFA_SETUP: VerifySoftwareToken succeeded in this session


@dataclass
class _Code:
    code: str
    expires: float
    value: str = ""  # the pending attribute value (e-mail change)


class _State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.mailer: Mailer | None = None
        self.challenges: dict[str, _Challenge] = {}
        self.pending_secrets: dict[tuple[str, str], str] = {}
        self.secrets: dict[tuple[str, str], str] = {}
        self.sign_up_codes: dict[tuple[str, str], _Code] = {}
        self.attribute_codes: dict[tuple[str, str], _Code] = {}
        self.reset_codes: dict[tuple[str, str], _Code] = {}


_state = _State()
_originals: dict[tuple[type, str], Any] = {}


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The current TOTP code of a secret (what an authenticator app shows)."""
    return pyotp.TOTP(secret).at(time.time() if at is None else at)


# --- helpers --------------------------------------------------------------------------------------------
def _pool_of_client(backend: Any, client_id: str) -> Any:
    for pool in backend.user_pools.values():
        if client_id in pool.clients:
            return pool
    raise cognito_models.ResourceNotFoundError(client_id)


def _user(pool: Any, username: str) -> Any:
    user = pool._get_user(username)
    if not user:
        raise UserNotFoundError("User does not exist.")
    return user


def _user_by_access_token(backend: Any, access_token: str) -> tuple[Any, Any]:
    for pool in backend.user_pools.values():
        if access_token and access_token in pool.access_tokens:
            _, username = pool.access_tokens[access_token]
            return pool, _user(pool, username)
    raise NotAuthorizedError("Invalid Access Token")


def _mfa_required(pool: Any) -> bool:
    return bool(pool.mfa_config == "ON")


def _enrolled(pool: Any, user: Any) -> bool:
    with _state.lock:
        return (pool.id, user.id) in _state.secrets and bool(user.software_token_mfa_enabled)


def _new_session(
    backend: Any, pool: Any, user: Any, login_name: str, name: str, *, token_verified: bool = False
) -> str:
    session = secrets.token_urlsafe(48)
    backend.sessions[session] = (login_name, pool)
    with _state.lock:
        now = time.monotonic()
        for key in [k for k, v in _state.challenges.items() if v.expires < now]:
            del _state.challenges[key]
            backend.sessions.pop(key, None)
        _state.challenges[session] = _Challenge(
            name=name,
            pool_id=pool.id,
            user_id=user.id,
            login_name=login_name,
            expires=now + _SESSION_SECONDS,
            token_verified=token_verified,
        )
    return session


def _end_session(backend: Any, session: str) -> None:
    backend.sessions.pop(session, None)
    with _state.lock:
        _state.challenges.pop(session, None)


def _discard_tokens(pool: Any, result: dict[str, Any]) -> None:
    """Forget tokens moto issued before a challenge that Cognito would have asked first."""
    tokens = result.get("AuthenticationResult") or {}
    pool.access_tokens.pop(tokens.get("AccessToken"), None)
    pool.id_tokens.pop(tokens.get("IdToken"), None)
    if tokens.get("RefreshToken"):
        pool.refresh_tokens.pop(tokens["RefreshToken"], None)


def _challenge(backend: Any, pool: Any, user: Any, login_name: str, name: str) -> dict[str, Any]:
    parameters = {"USER_ID_FOR_SRP": user.username, "USERNAME": login_name}
    if name == "MFA_SETUP":
        parameters["MFAS_CAN_SETUP"] = json.dumps(["SOFTWARE_TOKEN_MFA"])
    session = _new_session(backend, pool, user, login_name, name)
    return {"ChallengeName": name, "ChallengeParameters": parameters, "Session": session}


def _after_sign_in(backend: Any, pool: Any, login_name: str, client_id: str, result: dict[str, Any]) -> dict[str, Any]:
    """What Cognito answers where moto answered ``result`` for this user: tokens only once MFA is done."""
    user = _user(pool, login_name)
    name = result.get("ChallengeName")
    if name:
        # moto's own session (if any) is replaced by one this module tracks.
        if result.get("Session"):
            backend.sessions.pop(result["Session"], None)
        if name == "SOFTWARE_TOKEN_MFA" and not _enrolled(pool, user):
            name = "MFA_SETUP" if _mfa_required(pool) else None
        if name == "MFA_SETUP" and _enrolled(pool, user):
            name = "SOFTWARE_TOKEN_MFA"
        if name is not None:
            return _challenge(backend, pool, user, login_name, name)
        return dict(backend._log_user_in(pool, pool.clients[client_id], login_name))
    if "AuthenticationResult" in result and "RefreshToken" in result["AuthenticationResult"]:
        if _enrolled(pool, user):
            _discard_tokens(pool, result)
            return _challenge(backend, pool, user, login_name, "SOFTWARE_TOKEN_MFA")
        if _mfa_required(pool):
            _discard_tokens(pool, result)
            return _challenge(backend, pool, user, login_name, "MFA_SETUP")
    return result


def _token_trigger(pool: Any) -> str | None:
    """The ARN of the pool's pre token generation function, if it has one (V1_0 events only, here)."""
    config = pool.extended_config.get("LambdaConfig") or {}
    versioned = config.get("PreTokenGenerationConfig") or {}
    if versioned and versioned.get("LambdaVersion", "V1_0") != "V1_0":
        raise NotImplementedError("local Cognito sends V1_0 pre token generation events only")
    arn = versioned.get("LambdaArn") or config.get("PreTokenGeneration")
    return str(arn) if arn else None


def _pre_token_generation(pool: Any, arn: str, client_id: str, user: Any, source: str) -> None:
    """Invoke the trigger as Cognito does, synchronously, through moto's Lambda (the in-process handler)."""
    from moto.awslambda.models import lambda_backends

    attributes = {a["Name"]: a["Value"] for a in user.attributes}
    attributes.setdefault("sub", user.id)
    attributes["cognito:user_status"] = str(getattr(user.status, "value", user.status))
    event = {
        "version": "1",
        "triggerSource": source,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": "local", "clientId": client_id},
        "request": {
            "userAttributes": attributes,
            "groupConfiguration": {
                "groupsToOverride": [group.group_name for group in user.groups],
                "iamRolesToOverride": [group.role_arn for group in user.groups if group.role_arn],
                "preferredRole": None,
            },
            "clientMetadata": {},
        },
        "response": {"claimsOverrideDetails": None},
    }
    _, _, _, region, account, _, name = arn.split(":", 6)
    headers: dict[str, str] = {}
    payload = lambda_backends[account][region].invoke(name, None, json.dumps(event), {}, headers)
    answer = json.loads(payload or b"null")
    if headers.get("x-amz-function-error"):
        message = str(answer.get("errorMessage") if isinstance(answer, dict) else answer)
        raise JsonRESTError("UserLambdaValidationException", f"PreTokenGeneration failed with error {message}.")
    if isinstance(answer, dict) and (answer.get("response") or {}).get("claimsOverrideDetails"):
        raise NotImplementedError("local Cognito does not apply a pre token generation trigger's claim changes")


def _hand_out(pool: Any, result: dict[str, Any], source: str) -> dict[str, Any]:
    """``result`` if it holds no tokens or the pool's trigger allows them; else the trigger's refusal, and the
    tokens moto made are forgotten (Cognito never issued them)."""
    tokens = result.get("AuthenticationResult") or {}
    arn = _token_trigger(pool)
    if not tokens.get("IdToken") or arn is None:
        return result
    claims = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    user = next(u for u in pool.users.values() if u.id == claims["sub"])
    try:
        _pre_token_generation(pool, arn, str(claims["aud"]), user, source)
    except Exception:
        _discard_tokens(pool, result)
        raise
    return result


def _refresh_client_checked(pool: Any, client_id: str, auth_parameters: dict[str, str]) -> None:
    """Cognito takes a refresh token only from the client it was issued to (moto takes it from any)."""
    found = pool.refresh_tokens.get(auth_parameters.get("REFRESH_TOKEN"))
    if found is not None and found[0] != client_id:
        raise NotAuthorizedError("Refresh Token has different Client")


def _send(to: str, subject: str, text: str) -> None:
    mailer = _state.mailer
    if mailer is None:
        raise RuntimeError("local Cognito has no mailer: call local.moto_cognito.install(mailer=...) first")
    mailer(to, subject, text)


def _six_digits() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _masked(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***" if domain else "***"


def _send_sign_up_code(pool: Any, user: Any) -> dict[str, str] | None:
    address = user.attribute_lookup.get("email")
    if not address:
        return None
    code = _six_digits()
    with _state.lock:
        _state.sign_up_codes[(pool.id, user.id)] = _Code(code=code, expires=time.time() + _SIGN_UP_CODE_SECONDS)
    _send(
        address,
        "รหัสยืนยันการสมัครสมาชิก / Your confirmation code",
        f"รหัสยืนยันการสมัครสมาชิกของท่านคือ {code} (ใช้ได้ 24 ชั่วโมง)\nYour confirmation code is {code} (valid for 24 hours).",
    )
    return {"Destination": _masked(address), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def _keeps_original(pool: Any, attribute: str) -> bool:
    settings = pool.extended_config.get("UserAttributeUpdateSettings") or {}
    return attribute in (settings.get("AttributesRequireVerificationBeforeUpdate") or [])


def _send_attribute_code(pool: Any, user: Any, address: str) -> dict[str, str]:
    code = _six_digits()
    with _state.lock:
        _state.attribute_codes[(pool.id, user.id)] = _Code(
            code=code, expires=time.time() + _ATTRIBUTE_CODE_SECONDS, value=address
        )
    _send(
        address,
        "ยืนยันอีเมลใหม่ / Confirm your new e-mail address",
        f"รหัสยืนยันอีเมลใหม่ของท่านคือ {code} อีเมลเดิมยังใช้งานจนกว่าจะยืนยัน (ใช้ได้ 24 ชั่วโมง)\n"
        f"Your code to confirm this e-mail address is {code}. Your current address stays until you confirm "
        "(valid for 24 hours).",
    )
    return {"Destination": _masked(address), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


# --- backend patches --------------------------------------------------------------------------------------
def _initiate_auth(self: Any, client_id: str, auth_flow: str, auth_parameters: dict[str, str]) -> dict[str, Any]:
    pool = _pool_of_client(self, client_id)
    if auth_flow in _REFRESH_FLOWS:
        _refresh_client_checked(pool, client_id, auth_parameters)
    result = dict(_originals[(_Backend, "initiate_auth")](self, client_id, auth_flow, auth_parameters))
    if auth_flow == "USER_PASSWORD_AUTH":
        result = _after_sign_in(self, pool, auth_parameters["USERNAME"], client_id, result)
    # USER_SRP_AUTH: PASSWORD_VERIFIER comes first; its answer goes through _respond_to_auth_challenge.
    source = "TokenGeneration_RefreshTokens" if auth_flow in _REFRESH_FLOWS else "TokenGeneration_Authentication"
    return _hand_out(pool, result, source)


def _admin_initiate_auth(
    self: Any, user_pool_id: str, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
) -> dict[str, Any]:
    pool = self.describe_user_pool(user_pool_id)
    if auth_flow in _REFRESH_FLOWS:
        _refresh_client_checked(pool, client_id, auth_parameters)
    result = dict(
        _originals[(_Backend, "admin_initiate_auth")](self, user_pool_id, client_id, auth_flow, auth_parameters)
    )
    if auth_flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        result = _after_sign_in(self, pool, auth_parameters["USERNAME"], client_id, result)
    source = "TokenGeneration_RefreshTokens" if auth_flow in _REFRESH_FLOWS else "TokenGeneration_Authentication"
    return _hand_out(pool, result, source)


def _respond_to_auth_challenge(
    self: Any, session: str, client_id: str, challenge_name: str, challenge_responses: dict[str, str]
) -> dict[str, Any]:
    result = _answer_challenge(self, session, client_id, challenge_name, challenge_responses)
    source = (
        "TokenGeneration_NewPasswordChallenge"
        if challenge_name == "NEW_PASSWORD_REQUIRED"
        else "TokenGeneration_Authentication"
    )
    return _hand_out(_pool_of_client(self, client_id), result, source)


def _answer_challenge(
    self: Any, session: str, client_id: str, challenge_name: str, challenge_responses: dict[str, str]
) -> dict[str, Any]:
    original = _originals[(_Backend, "respond_to_auth_challenge")]
    if challenge_name == "PASSWORD_VERIFIER":
        return dict(original(self, session, client_id, challenge_name, challenge_responses))
    with _state.lock:
        challenge = _state.challenges.get(session)
    if challenge is None or challenge.expires < time.monotonic() or session not in self.sessions:
        _end_session(self, session)
        raise NotAuthorizedError("Invalid session for the user, session is expired.")
    pool = self.user_pools.get(challenge.pool_id)
    if pool is None or client_id not in pool.clients or challenge.name != challenge_name:
        raise NotAuthorizedError("Invalid session for the user.")
    responses = dict(challenge_responses or {})
    if not responses.get("USERNAME"):
        raise InvalidParameterException("Missing required parameter USERNAME")
    user = pool._get_user(responses["USERNAME"])
    if not user or user.id != challenge.user_id:
        raise NotAuthorizedError("Invalid session for the user.")
    if challenge_name == "SOFTWARE_TOKEN_MFA":
        with _state.lock:
            secret = _state.secrets.get((pool.id, user.id))
        code = str(responses.get("SOFTWARE_TOKEN_MFA_CODE") or "")
        if secret is None or not pyotp.TOTP(secret).verify(code, valid_window=_VALID_WINDOW):
            with _state.lock:
                challenge.wrong_codes += 1
                too_many = challenge.wrong_codes >= _MAX_WRONG_CODES
            if too_many:
                _end_session(self, session)
                raise NotAuthorizedError("Invalid session for the user, too many failed attempts.")
            raise CodeMismatchException("Invalid code or auth state for the user.")
        _end_session(self, session)
        return dict(self._log_user_in(pool, pool.clients[client_id], challenge.login_name))
    if challenge_name == "MFA_SETUP":
        if not challenge.token_verified:
            raise NotAuthorizedError(
                "Invalid session for the user: verify a software token (VerifySoftwareToken) first."
            )
        _end_session(self, session)
        return dict(self._log_user_in(pool, pool.clients[client_id], challenge.login_name))
    if challenge_name == "NEW_PASSWORD_REQUIRED":
        responses["USERNAME"] = challenge.login_name
        result = dict(original(self, session, client_id, challenge_name, responses))
        _end_session(self, session)
        return _after_sign_in(self, pool, challenge.login_name, client_id, result)
    raise InvalidParameterException(f"Challenge {challenge_name} is not offered by this pool.")


def _admin_respond_to_auth_challenge(
    self: Any, session: str, client_id: str, challenge_name: str, challenge_responses: dict[str, str]
) -> dict[str, Any]:
    return _respond_to_auth_challenge(self, session, client_id, challenge_name, challenge_responses)


def _user_for_token_or_session(backend: Any, access_token: str, session: str) -> tuple[Any, Any, _Challenge | None]:
    if session:
        with _state.lock:
            challenge = _state.challenges.get(session)
        if challenge is None or challenge.name != "MFA_SETUP" or challenge.expires < time.monotonic():
            raise NotAuthorizedError("Invalid session for the user, session is expired.")
        pool = backend.user_pools[challenge.pool_id]
        user = next(u for u in pool.users.values() if u.id == challenge.user_id)
        return pool, user, challenge
    pool, user = _user_by_access_token(backend, access_token)
    return pool, user, None


def _associate_software_token(self: Any, access_token: str, session: str) -> dict[str, str]:
    pool, user, challenge = _user_for_token_or_session(self, access_token, session)
    secret = pyotp.random_base32(32)
    with _state.lock:
        _state.pending_secrets[(pool.id, user.id)] = secret
    if challenge is None:
        return {"SecretCode": secret}
    _end_session(self, session)
    assert challenge is not None
    return {"SecretCode": secret, "Session": _new_session(self, pool, user, challenge.login_name, "MFA_SETUP")}


def _verify_software_token(
    self: Any, access_token: str, session: str, user_code: str, friendly_device_name: str
) -> dict[str, str]:
    pool, user, challenge = _user_for_token_or_session(self, access_token, session)
    with _state.lock:
        secret = _state.pending_secrets.get((pool.id, user.id))
    if secret is None:
        raise InvalidParameterException("Associate a software token first (AssociateSoftwareToken).")
    if not pyotp.TOTP(secret).verify(str(user_code or ""), valid_window=_VALID_WINDOW):
        raise CodeMismatchException("Code mismatch and fail enable Software Token MFA")
    with _state.lock:
        _state.secrets[(pool.id, user.id)] = secret
        del _state.pending_secrets[(pool.id, user.id)]
    user.token_verified = True
    if challenge is None:
        return {"Status": "SUCCESS"}
    # Enrolled during sign-in in a pool that requires MFA: TOTP is the user's MFA from now on.
    user.software_token_mfa_enabled = True
    user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"
    _end_session(self, session)
    new_session = _new_session(self, pool, user, challenge.login_name, "MFA_SETUP", token_verified=True)
    return {"Status": "SUCCESS", "Session": new_session}


def _admin_set_user_mfa_preference(
    self: Any, user_pool_id: str, username: str, software: dict[str, bool], sms: dict[str, bool]
) -> None:
    pool = self.describe_user_pool(user_pool_id)
    user = _user(pool, username)
    if software and not software.get("Enabled") and _mfa_required(pool):
        raise InvalidParameterException("MFA is required in this user pool: TOTP cannot be turned off.")
    _originals[(_Backend, "admin_set_user_mfa_preference")](self, user_pool_id, username, software, sms)
    if software and not software.get("Enabled"):
        with _state.lock:
            _state.secrets.pop((pool.id, user.id), None)


def _sign_up(
    self: Any, client_id: str, username: str, password: str, attributes: list[dict[str, str]]
) -> tuple[Any, Any]:
    user, details = _originals[(_Backend, "sign_up")](self, client_id, username, password, attributes)
    pool = _pool_of_client(self, client_id)
    if user.status == cognito_models.UserStatus.UNCONFIRMED:
        details = _send_sign_up_code(pool, user) or details
    return user, details


def _update_user_attributes(self: Any, access_token: str, attributes: list[dict[str, str]]) -> None:
    pool, user = _user_by_access_token(self, access_token)
    changes = [dict(a) for a in attributes or []]
    new_email = next((a["Value"] for a in changes if a["Name"] == "email"), None)
    if new_email is not None and _keeps_original(pool, "email") and new_email != user.attribute_lookup.get("email"):
        self._verify_email_is_not_used(pool.id, new_email)
        changes = [a for a in changes if a["Name"] not in ("email", "email_verified")]
        _send_attribute_code(pool, user, new_email)
    if changes:
        _originals[(_Backend, "update_user_attributes")](self, access_token, changes)


def _forgot_password(self: Any, client_id: str, username: str) -> tuple[str | None, dict[str, Any]]:
    _, details = _originals[(_Backend, "forgot_password")](self, client_id, username)
    pool = _pool_of_client(self, client_id)
    user = pool._get_user(username)
    address = user.attribute_lookup.get("email") if user is not None else None
    if user is None or not address:
        return None, details  # the same answer for an unknown user: no hint who has an account
    code = _six_digits()
    with _state.lock:
        _state.reset_codes[(pool.id, user.id)] = _Code(code=code, expires=time.time() + _RESET_CODE_SECONDS)
    _send(
        address,
        "รหัสสำหรับตั้งรหัสผ่านใหม่ / Your password reset code",
        f"รหัสสำหรับตั้งรหัสผ่านใหม่ของท่านคือ {code} (ใช้ได้ 1 ชั่วโมง) หากท่านไม่ได้ขอ ไม่ต้องทำอะไร\n"
        f"Your code to set a new password is {code} (valid for one hour). If you did not ask for it, do nothing.",
    )
    return None, {
        "CodeDeliveryDetails": {"Destination": _masked(address), "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    }


def _confirm_forgot_password(self: Any, client_id: str, username: str, password: str, confirmation_code: str) -> None:
    pool = _pool_of_client(self, client_id)
    user = pool._get_user(username)
    if user is None:
        raise CodeMismatchException("Invalid verification code provided, please try again.")
    with _state.lock:
        expected = _state.reset_codes.get((pool.id, user.id))
        if expected is not None and expected.expires < time.time():
            raise ExpiredCodeException("Invalid code provided, please request a code again.")
        if expected is None or not secrets.compare_digest(str(confirmation_code or ""), expected.code):
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        self._validate_password(pool.id, password)
        del _state.reset_codes[(pool.id, user.id)]
    user.password = password
    user.confirmation_code = None


# --- response patches (parameters moto's backend never sees, operations moto lacks) ---------------------
def _confirm_sign_up(self: Any) -> ActionResult:
    client_id = self._get_param("ClientId")
    username = self._get_param("Username")
    code = str(self._get_param("ConfirmationCode") or "")
    backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
    pool = _pool_of_client(backend, client_id)
    user = _user(pool, username)
    if user.status != cognito_models.UserStatus.UNCONFIRMED:
        raise NotAuthorizedError(f"User cannot be confirmed. Current status is {user.status.value}")
    with _state.lock:
        expected = _state.sign_up_codes.get((pool.id, user.id))
        if expected is not None and expected.expires < time.time():
            raise ExpiredCodeException("Invalid code provided, please request a code again.")
        if expected is None or not secrets.compare_digest(code, expected.code):
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        del _state.sign_up_codes[(pool.id, user.id)]
    backend.confirm_sign_up(client_id, username)
    user.update_attributes([{"Name": "email_verified", "Value": "true"}])
    return EmptyResult()


def _resend_confirmation_code(self: Any) -> ActionResult:
    client_id = self._get_param("ClientId")
    backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
    pool = _pool_of_client(backend, client_id)
    user = _user(pool, self._get_param("Username"))
    if user.status != cognito_models.UserStatus.UNCONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    details = _send_sign_up_code(pool, user)
    if details is None:
        raise InvalidParameterException("The user has no e-mail address to send a code to.")
    return ActionResult({"CodeDeliveryDetails": details})


def _revoke_token(self: Any) -> ActionResult:
    token = str(self._get_param("Token") or "")
    client_id = str(self._get_param("ClientId") or "")
    backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
    pool = _pool_of_client(backend, client_id)
    found = pool.refresh_tokens.get(token)
    if found is None:
        return EmptyResult()  # Cognito answers an unknown or already revoked token with success
    issued_to, _, origin_jti = found
    if issued_to != client_id:
        raise JsonRESTError("UnauthorizedException", "The token was not issued to this client.")
    pool.refresh_tokens[token] = None
    for access_token in list(pool.access_tokens):
        try:
            claims = jwt.decode(access_token, options={"verify_signature": False})
        except jwt.PyJWTError:
            continue
        if claims.get("origin_jti") == origin_jti:
            pool.access_tokens.pop(access_token, None)
    return EmptyResult()


def _verify_user_attribute(self: Any) -> ActionResult:
    backend = self._get_region_agnostic_backend()._find_backend_by_access_token(self._get_param("AccessToken"))
    pool, user = _user_by_access_token(backend, self._get_param("AccessToken"))
    if self._get_param("AttributeName") != "email":
        raise InvalidParameterException("Only the e-mail address is verified by code in this user pool.")
    code = str(self._get_param("Code") or "")
    with _state.lock:
        pending = _state.attribute_codes.get((pool.id, user.id))
        if pending is not None and pending.expires < time.time():
            raise ExpiredCodeException("Invalid code provided, please request a code again.")
        if pending is None or not secrets.compare_digest(code, pending.code):
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        del _state.attribute_codes[(pool.id, user.id)]
    backend._verify_email_is_not_used(pool.id, pending.value)
    previous = user.attribute_lookup.get("email")
    user.update_attributes([{"Name": "email", "Value": pending.value}, {"Name": "email_verified", "Value": "true"}])
    # moto keeps the sign-in name in its token tables; Cognito's tokens name the user, whatever the e-mail.
    for token, (client, name) in list(pool.access_tokens.items()):
        if name == previous:
            pool.access_tokens[token] = (client, pending.value)
    for token, entry in list(pool.refresh_tokens.items()):
        if entry is not None and entry[1] == previous:
            pool.refresh_tokens[token] = (entry[0], pending.value, entry[2])
    return EmptyResult()


def _get_user_attribute_verification_code(self: Any) -> ActionResult:
    backend = self._get_region_agnostic_backend()._find_backend_by_access_token(self._get_param("AccessToken"))
    pool, user = _user_by_access_token(backend, self._get_param("AccessToken"))
    if self._get_param("AttributeName") != "email":
        raise InvalidParameterException("Only the e-mail address is verified by code in this user pool.")
    with _state.lock:
        pending = _state.attribute_codes.get((pool.id, user.id))
    address = pending.value if pending is not None else user.attribute_lookup.get("email")
    if not address:
        raise InvalidParameterException("The user has no e-mail address.")
    return ActionResult({"CodeDeliveryDetails": _send_attribute_code(pool, user, address)})


_BACKEND_PATCHES: dict[str, Any] = {
    "initiate_auth": _initiate_auth,
    "admin_initiate_auth": _admin_initiate_auth,
    "respond_to_auth_challenge": _respond_to_auth_challenge,
    "admin_respond_to_auth_challenge": _admin_respond_to_auth_challenge,
    "associate_software_token": _associate_software_token,
    "verify_software_token": _verify_software_token,
    "admin_set_user_mfa_preference": _admin_set_user_mfa_preference,
    "sign_up": _sign_up,
    "update_user_attributes": _update_user_attributes,
    "forgot_password": _forgot_password,
    "confirm_forgot_password": _confirm_forgot_password,
}
_RESPONSE_PATCHES: dict[str, Any] = {
    "confirm_sign_up": _confirm_sign_up,
    "resend_confirmation_code": _resend_confirmation_code,
    "revoke_token": _revoke_token,
    "verify_user_attribute": _verify_user_attribute,
    "get_user_attribute_verification_code": _get_user_attribute_verification_code,
}


def install(*, mailer: Mailer) -> None:
    """Patch moto's Cognito (process-wide) until ``uninstall``; codes go out through ``mailer``."""
    _state.mailer = mailer
    if _originals:
        return
    for name, patch in _BACKEND_PATCHES.items():
        _originals[(_Backend, name)] = getattr(_Backend, name)
        setattr(_Backend, name, patch)
    for name, patch in _RESPONSE_PATCHES.items():
        _originals[(_Response, name)] = getattr(_Response, name, None)
        setattr(_Response, name, patch)


def uninstall() -> None:
    """Put moto's own Cognito back."""
    for (owner, name), original in list(_originals.items()):
        if original is None:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
        del _originals[(owner, name)]
    _state.mailer = None
