"""The OpenAPI document of the intake function describes every operation completely (issue 10).

Checked without a stack: each operation names its success body and every refusal in the error shape, links
point at operations that exist, and the TSA (served by the clock function) is in the document.
"""

from __future__ import annotations

from typing import Any

import pytest

from infra.routes import intake_routes

ERROR = "#/components/schemas/ErrorBody"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    import importlib.util
    import json
    import sys

    from infra.routes import REPO

    spec = importlib.util.spec_from_file_location("_intake_app_for_document", REPO / "functions/intake/app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return dict(json.loads(module.app.get_openapi_json_schema()))


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, item in document["paths"].items() for method, op in item.items()]


def test_given_each_operation_then_every_refusal_has_the_error_shape_and_the_success_a_body(document) -> None:
    for method, path, op in operations(document):
        where = f"{method.upper()} {path}"
        statuses = {int(code) for code in op["responses"]}
        assert {415, 422, 429, 500} <= statuses, where
        for code, answer in op["responses"].items():
            content = answer["content"]
            if int(code) >= 400:
                assert content["application/json"]["schema"] == {"$ref": ERROR}, (where, code)
                assert content["application/json"]["examples"], (where, code)
            else:
                assert all("schema" in media for media in content.values()), (where, code)
        if op.get("security"):
            assert 401 in statuses, where
        if "{" in path:
            assert 404 in statuses, where


def test_given_the_json_answers_then_they_name_their_fields(document) -> None:
    schemas = document["components"]["schemas"]
    typed = 0
    for method, path, op in operations(document):
        for code, answer in op["responses"].items():
            schema = answer["content"].get("application/json", {}).get("schema", {})
            if int(code) < 400 and "$ref" in schema:
                assert schemas[schema["$ref"].rsplit("/", 1)[-1]]["properties"], f"{method.upper()} {path}"
                typed += 1
    # Only the document itself (an OpenAPI object) and the binary answers (PDFs: announcement, register of
    # correspondence; RFC 3161) are untyped.
    assert typed == len(operations(document)) - 4


def test_given_the_error_shape_then_it_has_a_code_thai_and_english_and_field_details(document) -> None:
    schemas = document["components"]["schemas"]
    detail = schemas["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message"}
    assert set(schemas["Bilingual"]["required"]) == {"th", "en"}
    assert set(schemas["FieldProblem"]["required"]) == {"field", "code", "message"}


def test_given_the_links_then_each_names_an_operation_of_the_document(document) -> None:
    ids = {op["operationId"] for _, _, op in operations(document)}
    links = [
        (f"{method.upper()} {path}", name, target)
        for method, path, op in operations(document)
        for answer in op["responses"].values()
        for name, target in (answer.get("links") or {}).items()
    ]
    assert len(links) >= 20
    for where, name, target in links:
        assert target["operationId"] in ids, (where, name)


def test_given_the_tsa_then_it_is_documented_and_served_by_the_clock_function(document) -> None:
    tsa = document["paths"]["/tsa"]["post"]

    assert "application/timestamp-query" in tsa["requestBody"]["content"]
    assert tsa["requestBody"]["required"] is True
    assert "application/timestamp-reply" in tsa["responses"]["200"]["content"]
    assert tsa["x-eservice-function"] == "clock"
    assert [(r.method, r.function) for r in intake_routes() if r.path == "/tsa"] == [("POST", "clock")]


def test_given_the_post_operations_then_each_reads_a_documented_body_or_none_by_design(document) -> None:
    # Checking or taking out a file, paying by card and asking for a LINE link code take nothing but the path:
    # every other POST documents its body.
    bodiless = {path for method, path, op in operations(document) if method == "post" and "requestBody" not in op}
    assert bodiless == {
        "/drafts/{draft_id}/attachments/{attachment_id}/check",
        "/drafts/{draft_id}/attachments/{attachment_id}/detach",
        "/requests/{request_id}/attachments/{attachment_id}/check",
        "/requests/{request_id}/payments/card",
        "/me/channels/line-code",
        "/officer/open-data/publish",  # publishing now takes nothing but the administrator's sign-in
    }
    assert "application/pdf" in document["paths"]["/verify"]["post"]["requestBody"]["content"]
    webhook = document["paths"]["/payments/webhook/{provider}"]["post"]["requestBody"]["content"]["application/json"]
    assert webhook["schema"]["$ref"] == "#/components/schemas/WebhookMessage"


@pytest.mark.parametrize("path", ["/openapi.json", "/api/openapi.json"])
def test_given_the_api_base_path_in_the_event_then_the_route_is_found_as_without_it(path: str) -> None:
    """A silo's custom domain maps ``/api`` to the stage and API Gateway keeps it in the event's path; the
    cell's execute-api host (stage ``api``) does not. Both reach the same route (intake strips the prefix)."""
    import importlib.util
    import json
    import sys

    from infra.routes import REPO

    spec = importlib.util.spec_from_file_location("_intake_app_for_paths", REPO / "functions/intake/app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    event = {
        "resource": "/openapi.json",
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "requestContext": {"resourcePath": "/openapi.json", "httpMethod": "GET", "stage": "api", "path": path},
        "body": None,
        "isBase64Encoded": False,
    }

    answer = module.app.resolve(event, None)

    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["openapi"].startswith("3.")
