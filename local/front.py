"""The local HTTP front: what API Gateway, CloudFront and the AWS console do in the cloud.

- ``/api/...``: routes read from the synthesized template (API Gateway resources and methods),
  each request turned into an API Gateway REST proxy event; Cognito authorizers verify the ID
  token against the user pool's JWKS and pass its claims, as API Gateway does, and a method's own
  throttle from the stage's method settings (``POST /tsa``) answers 429 beyond its rate.
- ``/`` and ``/officer/``: the two static sites; ``/config.json``: their settings. As CloudFront
  does: the security headers of ``infra/web_headers.py`` on every response (the CSP forbids inline
  script and style), gzip for text files, ``Cache-Control`` by file, ETags and 304s; a missing file
  is a 404, never the page's HTML.
- ``/_aws/cognito``: the Cognito endpoint for the sites' sign-in (moto behind it).
- ``/_local/mailbox``, ``/_local/clock``: the sent messages, and the virtual clock that fires due
  deadline schedules (moto never fires EventBridge Scheduler schedules); ``/_local/faults``: fault
  injection (``faults.py``).

``LocalServer`` serves the front (and moto) on 127.0.0.1 and stops in bounded time.
"""

from __future__ import annotations

import base64
import gzip
import hmac
import json
import mimetypes
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jwt
import requests
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import ClosingIterator

from infra import web_headers

__all__ = ["ADMIN_TOKEN_HEADER", "ApiRoute", "Front", "LocalServer", "routes_from_template"]

#: The header that carries the local stack's admin token on admin Cognito calls to ``/_aws/cognito``.
ADMIN_TOKEN_HEADER = "X-Local-Admin-Token"
# What Cognito answers without AWS credentials (public client or access-token calls); every other
# operation needs IAM credentials in AWS, and the local admin token here.
_COGNITO_PUBLIC_OPERATIONS = frozenset(
    {
        "AssociateSoftwareToken", "ChangePassword", "ConfirmDevice", "ConfirmForgotPassword", "ConfirmSignUp",
        "DeleteUser", "DeleteUserAttributes", "ForgetDevice", "ForgotPassword", "GetDevice", "GetUser",
        "GetUserAttributeVerificationCode", "GlobalSignOut", "InitiateAuth", "ListDevices", "ResendConfirmationCode",
        "RespondToAuthChallenge", "RevokeToken", "SetUserMFAPreference", "SignUp", "UpdateDeviceStatus",
        "UpdateUserAttributes", "VerifySoftwareToken", "VerifyUserAttribute",
    }
)  # fmt: skip

_BINARY = ("application/pdf", "application/octet-stream", "application/timestamp-query", "image/")


@dataclass(frozen=True)
class ApiRoute:
    """One API Gateway method: path template, function, and the user pool that must sign the caller in."""

    method: str
    resource_path: str
    function: str
    user_pool_id: str | None
    pattern: re.Pattern[str]
    throttle: _TokenBucket | None = None


def routes_from_template(template: Any, provisioned: Any, *, stage: str | None = None) -> list[ApiRoute]:
    """Every method of every API Gateway resource in the template, with its integration's function.

    ``stage``: the template is a cell's shared API (``infra/api_group.py``) and the routes are that stage's:
    under ``/api``, each calling the function the stage's variables name."""
    resources = template.of_type("AWS::ApiGateway::Resource")
    apis = template.of_type("AWS::ApiGateway::RestApi")
    authorizers = template.of_type("AWS::ApiGateway::Authorizer")
    throttles = _method_throttles(template, stage)
    variables: dict[str, str] = {}
    if stage is not None:
        stages = template.of_type("AWS::ApiGateway::Stage").values()
        (stage_props,) = [s["Properties"] for s in stages if s["Properties"]["StageName"] == stage]
        variables = dict(stage_props.get("Variables", {}))

    def full_path(resource_ref: Any) -> str:
        if isinstance(resource_ref, dict) and "Fn::GetAtt" in resource_ref:
            return ""  # the API's root resource
        logical = resource_ref["Ref"]
        props = resources[logical]["Properties"]
        return full_path(props["ParentId"]) + "/" + props["PathPart"]

    routes = []
    for method in template.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props["HttpMethod"] == "OPTIONS" or props["RestApiId"]["Ref"] not in apis:
            continue
        path = full_path(props["ResourceId"]) or "/"
        variable = re.search(r"\$\{stageVariables\.(\w+)\}", json.dumps(props["Integration"]["Uri"]))
        if variable is not None:  # a shared API: the stage names the function's alias (<name>:live)
            path = path.removeprefix("/api") or "/"
            function = variables[variable.group(1)].split(":")[0]
        else:
            # The function itself or its "live" alias (SnapStart, issue 14), which the provisioner resolves alike.
            uri = str(provisioned.resolve(props["Integration"]["Uri"]))
            function_logical = next(
                logical
                for logical in template.of_type("AWS::Lambda::Function")
                if f"/functions/{provisioned.attrs[(logical, 'Arn')]}/invocations" in uri
            )
            function = provisioned.refs[function_logical]
        pool = None
        if props.get("AuthorizationType") == "COGNITO_USER_POOLS":
            authorizer = authorizers[props["AuthorizerId"]["Ref"]]["Properties"]
            pool_arn = provisioned.resolve(authorizer["ProviderARNs"][0])
            pool = pool_arn.rsplit("/", 1)[-1]
        regex = "^" + re.sub(r"\\\{([^}/]+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$"
        routes.append(
            ApiRoute(
                method=props["HttpMethod"],
                resource_path=path,
                function=function,
                user_pool_id=pool,
                pattern=re.compile(regex),
                throttle=throttles.get((props["HttpMethod"], path)),
            )
        )
    # Literal paths before templated ones, as API Gateway matches them.
    return sorted(routes, key=lambda r: (r.resource_path.count("{"), -len(r.resource_path)))


def _method_throttles(template: Any, stage: str | None = None) -> dict[tuple[str, str], _TokenBucket]:
    """The stage's throttles set on one method (``/~1tsa`` POST), not its stage-wide default.

    The default (every method, ``/*``) is left to AWS: the local tests call from one address as
    fast as they can, where real traffic comes from many clients.
    """
    buckets = {}
    for resource in template.of_type("AWS::ApiGateway::Stage").values():
        if stage is not None and resource["Properties"]["StageName"] != stage:
            continue
        for setting in resource["Properties"].get("MethodSettings", []):
            # "/~1tsa": a leading "/", then the resource path with each "/" escaped as "~1".
            path = str(setting.get("ResourcePath", "/*")).removeprefix("/").replace("~1", "/")
            if stage is not None:  # a shared API's routes sit under /api
                path = path.removeprefix("/api")
            if path == "*" or "ThrottlingRateLimit" not in setting:
                continue
            buckets[(setting["HttpMethod"], path)] = _TokenBucket(
                rate=float(setting["ThrottlingRateLimit"]), burst=int(setting["ThrottlingBurstLimit"])
            )
    return buckets


class _TokenBucket:
    """API Gateway's throttle: ``burst`` requests at once, refilled at ``rate`` per second."""

    def __init__(self, *, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


@dataclass(frozen=True)
class GatewayResponse:
    """An answer API Gateway gives itself (no function runs): its status (None: keep the one chosen) and body."""

    status: int | None
    body: str


def gateway_responses_from_template(template: Any) -> dict[str, GatewayResponse]:
    """The API's gateway responses (``UNAUTHORIZED``, ``DEFAULT_4XX`` ...) by response type, as CDK declared them."""
    answers = {}
    for resource in template.of_type("AWS::ApiGateway::GatewayResponse").values():
        props = resource["Properties"]
        status = props.get("StatusCode")
        answers[props["ResponseType"]] = GatewayResponse(
            status=int(status) if status else None, body=props["ResponseTemplates"]["application/json"]
        )
    return answers


class Front:
    """A WSGI application serving the whole local service on one port."""

    def __init__(
        self,
        *,
        routes: list[ApiRoute],
        moto_url: str,
        region: str,
        invoke: Callable[[str, dict[str, Any]], dict[str, Any]],
        sites: dict[str, Path],
        site_config: dict[str, Any],
        local_routes: dict[str, Callable[[Request], Response]],
        csp: str,
        foreign: tuple[str, ...] = (),
        cognito_extensions: list[Callable[[str, dict[str, Any]], Response | None]] | None = None,
        cognito_admin_token: str | None = None,
        gateway_responses: dict[str, GatewayResponse] | None = None,
    ) -> None:
        """``csp``: the sites' content security policy (``web_headers.content_security_policy``).

        ``foreign``: path prefixes standing in for other origins (Cognito's hosted pages, the payment
        provider): they get their own headers, not the sites' ones, as they would on AWS.
        """
        self._routes = routes
        self._gateway_responses = gateway_responses or {}
        self._moto_url = moto_url
        self._region = region
        self._invoke = invoke
        self._sites = sites
        self._site_config = site_config
        self._local_routes = local_routes
        self._security_headers = web_headers.security_headers(csp)
        self._foreign = foreign
        # Cognito features moto lacks, answered locally (e.g. e-mail OTP sign-in); None passes to moto.
        self._cognito_extensions = cognito_extensions or []
        self._cognito_admin_token = cognito_admin_token
        self._jwks: dict[str, Any] = {}
        self._jwks_lock = threading.Lock()
        self._groups = _GroupCache(moto_url=moto_url, region=region)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except Exception as exc:  # the front never crashes the server; the client gets a 502 like a gateway
            body = {"error": {"code": "gateway.error", "message": {"th": "ระบบขัดข้อง", "en": str(exc)}}}
            response = Response(json.dumps(body), status=502, content_type="application/json")
        if not any(request.path == p or request.path.startswith(p + "/") for p in self._foreign):
            response.headers.update(self._security_headers)
        return response(environ, start_response)

    # ------------------------------------------------------------------------------------------
    def _dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/api/") or path == "/api":
            return self._api(request, path.removeprefix("/api") or "/")
        if path == "/_aws/cognito":
            return self._cognito(request)
        for prefix, handler in self._local_routes.items():
            if path == prefix or path.startswith(prefix + "/"):
                return handler(request)
        if path == "/config.json":
            config = Response(json.dumps(self._site_config), content_type="application/json")
            return _as_cloudfront_serves(request, config, path)
        return self._static(request, path)

    def _api(self, request: Request, path: str) -> Response:
        if request.method == "OPTIONS":
            return _cors(Response(status=204))
        candidates = [r for r in self._routes if r.pattern.match(path)]
        if not candidates:
            return _cors(self._gateway_error("MISSING_AUTHENTICATION_TOKEN", 404, "Missing Authentication Token"))
        route = next((r for r in candidates if r.method == request.method), None)
        if route is None:
            return _cors(self._gateway_error("MISSING_AUTHENTICATION_TOKEN", 405, "Method Not Allowed"))
        if route.throttle is not None and not route.throttle.take():
            return _cors(self._gateway_error("THROTTLED", 429, "Too Many Requests"))
        claims: dict[str, str] | None = None
        if route.user_pool_id is not None:
            claims = self._verify(request.headers.get("Authorization", ""), route.user_pool_id)
            if claims is None:
                return _cors(self._gateway_error("UNAUTHORIZED", 401, "Unauthorized"))
        match = route.pattern.match(path)
        assert match is not None
        event = self._proxy_event(request, route, path, match.groupdict(), claims)
        result = self._invoke(route.function, event)
        if "statusCode" not in result:
            # The function raised: API Gateway answers 502 without the detail.
            return _cors(self._gateway_error("DEFAULT_5XX", 502, "Internal server error"))
        return _cors(self._response(result))

    def _gateway_error(self, response_type: str, status: int, message: str) -> Response:
        """API Gateway's own answer: the template's body and status when the stack declares one."""
        declared = self._gateway_responses.get(response_type) or self._gateway_responses.get(
            "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        )
        if declared is None:
            return _gateway_error(status, message)
        return Response(declared.body, status=declared.status or status, content_type="application/json")

    def _proxy_event(
        self,
        request: Request,
        route: ApiRoute,
        path: str,
        path_parameters: dict[str, str],
        claims: dict[str, str] | None,
    ) -> dict[str, Any]:
        body_bytes = request.get_data()
        content_type = request.headers.get("Content-Type", "")
        binary = any(content_type.startswith(b) for b in _BINARY)
        query = parse_qsl(request.query_string.decode(), keep_blank_values=True)
        multi_query: dict[str, list[str]] = {}
        for key, value in query:
            multi_query.setdefault(key, []).append(value)
        headers = {k: v for k, v in request.headers.items()}
        return {
            "resource": route.resource_path,
            # As a silo's custom domain sends it: the base path mapped to the stage ("/api") stays in the path.
            "path": f"/api{path}",
            "httpMethod": request.method,
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.resource_path,
                "httpMethod": request.method,
                "path": f"/api{path}",
                "stage": "api",
                "requestId": str(uuid.uuid4()),
                "requestTimeEpoch": int(time.time() * 1000),
                "accountId": "123456789012",
                "apiId": "local",
                "protocol": "HTTP/1.1",
                "identity": {
                    "sourceIp": request.remote_addr or "127.0.0.1",
                    "userAgent": request.headers.get("User-Agent", ""),
                },
                "authorizer": {"claims": claims} if claims is not None else None,
            },
            "body": (base64.b64encode(body_bytes).decode() if binary else body_bytes.decode("utf-8", "replace"))
            if body_bytes
            else None,
            "isBase64Encoded": bool(body_bytes) and binary,
        }

    @staticmethod
    def _response(result: dict[str, Any]) -> Response:
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        response = Response(data, status=int(result["statusCode"]))
        for key, value in (result.get("headers") or {}).items():
            response.headers[key] = value
        for key, values in (result.get("multiValueHeaders") or {}).items():
            response.headers.remove(key)  # replaces werkzeug's default, as API Gateway sends only these
            for value in values:
                response.headers.add(key, value)
        return response

    def _verify(self, authorization: str, pool_id: str) -> dict[str, str] | None:
        """What API Gateway's Cognito authorizer does: verify the ID token, pass its claims."""
        token = authorization.removeprefix("Bearer ").strip()
        if not token:
            return None
        with self._jwks_lock:
            if pool_id not in self._jwks:
                keys = requests.get(f"{self._moto_url}/{pool_id}/.well-known/jwks.json", timeout=10).json()
                self._jwks[pool_id] = jwt.PyJWKSet.from_dict(keys)
        try:
            header = jwt.get_unverified_header(token)
            key = next(k for k in self._jwks[pool_id].keys if k.key_id == header.get("kid"))
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=f"https://cognito-idp.{self._region}.amazonaws.com/{pool_id}",
                options={"verify_aud": False},
            )
        except (jwt.PyJWTError, StopIteration):
            return None
        if claims.get("token_use") != "id":
            return None
        groups = self._groups.of(pool_id, str(claims.get("email") or claims.get("cognito:username") or claims["sub"]))
        if groups:
            claims["cognito:groups"] = ",".join(groups)
        return {k: str(v) for k, v in claims.items()}

    def _cognito(self, request: Request) -> Response:
        target = request.headers.get("X-Amz-Target", "")
        operation = target.removeprefix("AWSCognitoIdentityProviderService.")
        if operation not in _COGNITO_PUBLIC_OPERATIONS and not (
            self._cognito_admin_token
            and hmac.compare_digest(request.headers.get(ADMIN_TOKEN_HEADER, ""), self._cognito_admin_token)
        ):
            message = (
                f"{operation or 'This call'} is an admin operation: AWS wants IAM credentials for it, and the "
                f"local stack its admin token in the {ADMIN_TOKEN_HEADER} header (LocalStack.admin_token, "
                "printed at start)."
            )
            return Response(
                json.dumps({"__type": "AccessDeniedException", "message": message}),
                status=403,
                content_type="application/x-amz-json-1.1",
            )
        body = request.get_json(force=True, silent=True) or {}
        for extension in self._cognito_extensions:
            answer = extension(target, body)
            if answer is not None:
                return answer
        upstream = requests.post(
            self._moto_url + "/",
            data=request.get_data(),
            headers={
                "Content-Type": request.headers.get("Content-Type", "application/x-amz-json-1.1"),
                "X-Amz-Target": request.headers.get("X-Amz-Target", ""),
                "Authorization": f"AWS4-HMAC-SHA256 Credential=local/20260101/{self._region}/cognito-idp/aws4_request",
            },
            timeout=30,
        )
        return Response(upstream.content, status=upstream.status_code, content_type="application/x-amz-json-1.1")

    def _static(self, request: Request, path: str) -> Response:
        for prefix, folder in sorted(self._sites.items(), key=lambda item: -len(item[0])):
            if path == prefix.rstrip("/") and prefix != "/":
                return Response(status=301, headers={"Location": prefix})
            if path.startswith(prefix):
                relative = path[len(prefix) :] or "index.html"
                target = (folder / relative).resolve()
                if folder.resolve() not in target.parents and target != folder.resolve():
                    return Response("not found", status=404)
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_file():
                    if Path(relative).suffix:
                        # S3 behind CloudFront has no such object either: never the page's HTML instead.
                        return Response("not found", status=404, content_type="text/plain; charset=utf-8")
                    target = folder / "index.html"  # single-page apps route on the client
                content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                if content_type.startswith("text/") or content_type == "application/javascript":
                    content_type += "; charset=utf-8"
                served = Response(target.read_bytes(), content_type=content_type)
                return _as_cloudfront_serves(request, served, target.name)
        return Response("not found", status=404)


class _GroupCache:
    """Cognito puts the user's groups in the ID token; moto does not, so the front looks them up."""

    def __init__(self, *, moto_url: str, region: str) -> None:
        import boto3

        self._client = boto3.client("cognito-idp", region_name=region, endpoint_url=moto_url)

    def of(self, pool_id: str, username: str) -> list[str]:
        try:
            groups = self._client.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)["Groups"]
        except Exception:
            return []
        return [g["GroupName"] for g in groups]


_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
# CloudFront compresses objects between 1,000 bytes and 10 MB.
_COMPRESS_RANGE = (1_000, 10_000_000)


def _as_cloudfront_serves(request: Request, response: Response, name: str) -> Response:
    """A site file as the distribution serves it: its cache policy, gzip when asked, ETag and 304."""
    response.headers["Cache-Control"] = web_headers.cache_control(name)
    response.vary.add("Accept-Encoding")
    data = response.get_data()
    if (
        (response.mimetype or "").startswith(_COMPRESSIBLE)
        and _COMPRESS_RANGE[0] <= len(data) <= _COMPRESS_RANGE[1]
        and "gzip" in request.accept_encodings
    ):
        response.set_data(gzip.compress(data, mtime=0))  # mtime 0: the same bytes, the same ETag
        response.headers["Content-Encoding"] = "gzip"
    response.add_etag()
    return response.make_conditional(request)


def _gateway_error(status: int, message: str) -> Response:
    return Response(json.dumps({"message": message}), status=status, content_type="application/json")


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "Authorization,Content-Type,Idempotency-Key"
    response.headers["Access-Control-Allow-Methods"] = "GET,POST,PUT,DELETE,OPTIONS"
    return response


class LocalServer:
    """A threaded WSGI server on 127.0.0.1 whose ``stop`` returns within a bounded time.

    socketserver's ``shutdown()`` only ends the accept loop (and blocks forever if that loop is not
    running); the request threads keep serving their keep-alive connections, and a request may never
    finish (a client that never sends its body, a handler waiting on a parked saga). ``stop(grace)``
    refuses new requests, closes idle connections, gives running requests ``grace`` seconds, then
    closes every connection and leaves the threads still running behind (they are daemons).
    """

    def __init__(
        self,
        app: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]],
        *,
        port: int = 0,
        request_handler: type[WSGIRequestHandler] | None = None,
        name: str,
    ) -> None:
        self._app = app
        self._changed = threading.Condition()
        self._connections: set[socket.socket] = set()
        self._busy: set[socket.socket] = set()
        self._stopping = False
        self._server = _TrackingServer("127.0.0.1", port, self._serve, request_handler, owner=self)
        self.port: int = self._server.server_port
        # Serving from the start, so that ``stop`` never waits on an accept loop that never ran.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name=name
        )
        self._thread.start()

    def stop(self, grace: float) -> int:
        """Stop within about ``grace`` seconds; returns how many running requests were abandoned."""
        with self._changed:
            if self._stopping:
                return 0
            self._stopping = True
            idle = self._connections - self._busy
        self._server.shutdown()
        self._server.server_close()  # the port is free at once (a restart binds it again)
        for connection in idle:
            _hang_up(connection)
        deadline = time.monotonic() + grace
        with self._changed:
            while self._busy and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            abandoned = len(self._busy)
            remaining = set(self._connections)
        for connection in remaining:
            _hang_up(connection)
        return abandoned

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        connection: socket.socket = environ["werkzeug.socket"]
        with self._changed:
            refused = self._stopping
            if not refused:
                self._busy.add(connection)
        if refused:
            body = json.dumps({"message": "the local stack is stopping"})
            response = Response(body, status=503, content_type="application/json", headers={"Connection": "close"})
            return response(environ, start_response)
        try:
            result = self._app(environ, start_response)
        except BaseException:
            self._finished(connection)
            raise
        # Busy until the response is written: werkzeug closes the iterable after the last byte.
        return ClosingIterator(result, [lambda: self._finished(connection)])

    def _finished(self, connection: socket.socket) -> None:
        with self._changed:
            self._busy.discard(connection)
            self._changed.notify_all()

    def _opened(self, connection: socket.socket) -> None:
        with self._changed:
            self._connections.add(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._changed:
            self._connections.discard(connection)
            self._busy.discard(connection)
            self._changed.notify_all()


class _TrackingServer(ThreadedWSGIServer):
    """werkzeug's threaded server, telling its owner which connections are open."""

    block_on_close = False  # never join request threads: one may never return

    def __init__(
        self,
        host: str,
        port: int,
        app: Any,
        handler: type[WSGIRequestHandler] | None,
        *,
        owner: LocalServer,
    ) -> None:
        self._owner = owner
        super().__init__(host, port, app, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self._owner._opened(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self._owner._closed(request)
        super().shutdown_request(request)


def _hang_up(connection: socket.socket) -> None:
    """End a connection under its request thread: a read there returns at once with nothing."""
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by its thread
