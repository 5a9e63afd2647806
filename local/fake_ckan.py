"""A small CKAN action API (data.go.th kind) for the local stack and the tests: it keeps what it was sent.

It answers ``POST /api/action/<name>`` (and ``/api/3/action/<name>``) for ``package_show``,
``package_create``, ``package_update``, ``resource_create`` and ``resource_update`` as CKAN 2.9+
does: the API key in ``Authorization`` is checked (403 "Authorization Error"), a dataset lacks none
of the metadata the Thai government data catalogue requires (409 "Validation Error", as the DGA's
ckanext-dga scheming does), an unknown dataset is 404 "Not Found Error". Uploaded files (multipart,
``upload``) are kept and served at the resource's ``url``. ``calls()`` lists every call in order,
with the files' names, sizes and SHA-256, for the tests to check.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from .front import LocalServer

__all__ = ["REQUIRED_METADATA", "FakeCkan"]

#: What data.go.th asks of every dataset (its catalogue's mandatory fields).
REQUIRED_METADATA = (
    "name",
    "title",
    "owner_org",
    "maintainer",
    "maintainer_email",
    "notes",
    "tags",
    "objective",
    "update_frequency_unit",
    "update_frequency_interval",
    "geo_coverage",
    "data_source",
    "data_format",
    "license_id",
    "data_category",
)


class FakeCkan:
    """The fake portal (its own server on 127.0.0.1)."""

    def __init__(self, *, api_key: str, organizations: tuple[str, ...] = ()) -> None:
        self.api_key = api_key
        self.organizations = set(organizations)
        self._lock = threading.Lock()
        self._calls: list[dict[str, Any]] = []
        self._datasets: dict[str, dict[str, Any]] = {}  # by name
        self._files: dict[str, bytes] = {}  # resource id -> bytes
        self._server: LocalServer | None = None
        self.url = ""

    def start(self) -> FakeCkan:
        self._server = LocalServer(self._app, name="fake-ckan")
        self.url = f"http://127.0.0.1:{self._server.port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(0)
            self._server = None

    def calls(self) -> list[dict[str, Any]]:
        """Every action call, oldest first: ``{"action", "authorized", "data", "files"}``."""
        with self._lock:
            return json.loads(json.dumps(self._calls))

    def dataset(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._datasets.get(name)
            return json.loads(json.dumps(found)) if found else None

    def file(self, resource_id: str) -> bytes | None:
        with self._lock:
            return self._files.get(resource_id)

    # --- the action API -------------------------------------------------------------------------------
    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        path = request.path
        if path.startswith("/download/"):
            data = self.file(path.split("/")[2])
            response = (
                Response(data, content_type="application/octet-stream")
                if data is not None
                else _error(404, "Not Found Error", "Not found")
            )
            return response(environ, start_response)
        for prefix in ("/api/3/action/", "/api/action/"):
            if path.startswith(prefix):
                response = self._action(path.removeprefix(prefix), request)
                return response(environ, start_response)
        return _error(404, "Not Found Error", "Not found")(environ, start_response)

    def _action(self, name: str, request: Request) -> Response:
        files: dict[str, dict[str, Any]] = {}
        uploads: dict[str, bytes] = {}
        if request.mimetype == "multipart/form-data":
            data: dict[str, Any] = {k: v for k, v in request.form.items()}
            for key, storage in request.files.items():
                body = storage.read()
                uploads[key] = body
                files[key] = {
                    "filename": storage.filename,
                    "size": len(body),
                    "sha256": hashlib.sha256(body).hexdigest(),
                }
        elif request.method == "GET":
            data = dict(request.args.items())
        else:
            data = request.get_json(force=True, silent=True) or {}
        authorized = request.headers.get("Authorization") == self.api_key
        with self._lock:
            self._calls.append({"action": name, "authorized": authorized, "data": data, "files": files})
        reads = name in ("package_show", "status_show")
        if not authorized and not reads:
            return _error(403, "Authorization Error", f"User not authorized to call {name}")
        with self._lock:
            handler = getattr(self, f"_do_{name}", None)
            if handler is None:
                return _error(400, "Bad Request", f"Action name not known: {name}")
            return handler(data, uploads)  # type: ignore[no-any-return]

    def _do_status_show(self, data: dict[str, Any], uploads: dict[str, bytes]) -> Response:
        return _ok({"ckan_version": "2.10.4", "site_title": "Fake data.go.th", "extensions": ["dga"]})

    def _do_package_show(self, data: dict[str, Any], uploads: dict[str, bytes]) -> Response:
        found = self._find(str(data.get("id") or ""))
        if found is None:
            return _error(404, "Not Found Error", "Not found")
        return _ok(found)

    def _do_package_create(self, data: dict[str, Any], uploads: dict[str, bytes]) -> Response:
        problems = self._invalid(data)
        if data.get("name") in self._datasets:
            problems["name"] = ["That URL is already in use."]
        if problems:
            return _validation(problems)
        dataset = {**data, "id": str(uuid.uuid4()), "resources": [], "metadata_created": _now(), "state": "active"}
        self._datasets[data["name"]] = dataset
        return _ok(dataset)

    def _do_package_update(self, data: dict[str, Any], uploads: dict[str, bytes]) -> Response:
        found = self._find(str(data.get("id") or data.get("name") or ""))
        if found is None:
            return _error(404, "Not Found Error", "Not found")
        problems = self._invalid(data)
        if problems:
            return _validation(problems)
        resources = data.get("resources", found["resources"])
        updated = {**data, "id": found["id"], "resources": resources, "metadata_modified": _now(), "state": "active"}
        self._datasets[found["name"]] = updated
        return _ok(updated)

    def _do_resource_create(self, data: dict[str, Any], uploads: dict[str, bytes]) -> Response:
        dataset = self._find(str(data.get("package_id") or ""))
        if dataset is None:
            return _validation({"package_id": ["Not found: Dataset"]})
        resource = self._resource({**data, "id": str(uuid.uuid4())}, uploads)
        dataset["resources"].append(resource)
        return _ok(resource)

    def _do_resource_update(self, data: dict[str, Any], uploads: dict[str, bytes]) -> Response:
        for dataset in self._datasets.values():
            for index, resource in enumerate(dataset["resources"]):
                if resource["id"] == data.get("id"):
                    updated = self._resource({**resource, **data}, uploads)
                    dataset["resources"][index] = updated
                    return _ok(updated)
        return _error(404, "Not Found Error", "Resource was not found.")

    # --- internals ------------------------------------------------------------------------------------
    def _find(self, key: str) -> dict[str, Any] | None:
        if key in self._datasets:
            return self._datasets[key]
        return next((d for d in self._datasets.values() if d["id"] == key), None)

    def _invalid(self, data: dict[str, Any]) -> dict[str, list[str]]:
        problems = {name: ["Missing value"] for name in REQUIRED_METADATA if not data.get(name)}
        if self.organizations and data.get("owner_org") and data["owner_org"] not in self.organizations:
            problems["owner_org"] = ["Organization does not exist"]
        return problems

    def _resource(self, resource: dict[str, Any], uploads: dict[str, bytes]) -> dict[str, Any]:
        if "upload" in uploads:
            body = uploads["upload"]
            self._files[resource["id"]] = body
            resource["url_type"] = "upload"
            resource["url"] = f"{self.url}/download/{resource['id']}/{resource.get('name') or 'file'}"
            resource["size"] = len(body)
            resource["hash"] = hashlib.sha256(body).hexdigest()
        resource["last_modified"] = _now()
        return resource


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat()


def _ok(result: Any) -> Response:
    return Response(
        json.dumps({"help": "fake", "success": True, "result": result}, ensure_ascii=False),
        content_type="application/json",
    )


def _error(status: int, kind: str, message: str) -> Response:
    body = {"help": "fake", "success": False, "error": {"__type": kind, "message": message}}
    return Response(json.dumps(body), status=status, content_type="application/json")


def _validation(problems: dict[str, list[str]]) -> Response:
    body = {"help": "fake", "success": False, "error": {"__type": "Validation Error", **problems}}
    return Response(json.dumps(body), status=409, content_type="application/json")
