"""The OpenAPI schema documents refusals as they really are: `{"error": {code, message, ...}}`, not FastAPI's
`{"detail": [...]}`; a refusal the API actually gives validates against the declared model."""
from __future__ import annotations

from api.schemas import ErrorBody


def test_every_api_operation_declares_the_error_body_and_none_the_framework_one(world):
    schema = world.app.openapi()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    operations = [(path, method, op) for path, item in schema["paths"].items() if path.startswith("/api/")
                  for method, op in item.items()]
    assert len(operations) > 40
    for path, method, op in operations:
        declared = op["responses"].get("4XX", {}).get("content", {}).get("application/json", {}).get("schema", {})
        assert declared.get("$ref", "").endswith("/ErrorBody"), (method, path)
        assert "422" not in op["responses"], (method, path)


def test_real_refusals_fit_the_declared_model(world):
    anonymous, organiser = world.client(), world.client("branch_organiser")
    for answer, status in ((anonymous.get("/api/dossiers"), 401),
                           (organiser.get("/api/dossiers/NOBODY"), 404),
                           (organiser.post("/api/dossiers", json={"organisation_id": "x"}), 422)):
        assert answer.status_code == status, answer.text
        body = ErrorBody.model_validate(answer.json())
        assert body.error.code and body.error.message
