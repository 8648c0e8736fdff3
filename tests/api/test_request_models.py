"""The API's request bodies are typed in its OpenAPI schema (api/request_bodies.py): every JSON body names a
model, and the step entry is the step schema's (checklists/data/step_fields.toml), so a field declared
there reaches the API, while a body is still refused by the dossier format's own parser, in its words."""
from __future__ import annotations

from api.request_bodies import step_entry_model
from checklists.step_fields import STEP_FIELDS_FILE, load_step_schema, step_schema

STEPS = "/api/dossiers/{dossier_id}/steps"
SIGNED_BY_THE_SERVER = {"recorded_by", "reviewed_by", "reviewed_on", "review_source", "paper_review",
                        "archive_correction"}
# the request's `reason` becomes warning_reason; the tree gives the approving body (approving_organisation_id)
FILLED_BY_THE_SERVER = {"warning_reason", "approving_body"}
ONLY_IN_REQUESTS = {"step", "approving_organisation_id", "league_recommendation_id"}


def _component(spec: dict, schema: dict) -> tuple[str, dict]:
    name = schema["$ref"].rsplit("/", 1)[-1]
    return name, spec["components"]["schemas"][name]


def _body(spec: dict, path: str, method: str = "post") -> tuple[str, dict]:
    return _component(spec, spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"])


def test_every_json_body_names_a_model(world):
    spec = world.app.openapi()
    bodies = [(method, path, op["requestBody"]["content"]["application/json"]["schema"])
              for path, ops in spec["paths"].items() for method, op in ops.items()
              if "application/json" in op.get("requestBody", {}).get("content", {})]
    assert len(bodies) >= 20
    for method, path, schema in bodies:
        assert "$ref" in schema, (method, path, schema)
        _, component = _component(spec, schema)
        assert component["type"] == "object" and component["properties"], (method, path)
    named = {(m, p): _component(spec, s)[0] for m, p, s in bodies}
    assert named[("post", STEPS)] == "StepRecordIn"
    assert named[("post", "/api/dossiers/{dossier_id}/events")] == "CaseEventIn"
    assert named[("post", "/api/dossiers/{dossier_id}/assessments")].startswith("Assessment")
    assert named[("post", "/api/dossiers/{dossier_id}/publicity")].startswith("Publicity")
    assert named[("post", "/api/dossiers/{dossier_id}/thought-reports")].startswith("ThoughtReport")
    assert named[("post", "/api/dossiers/import")].startswith("Dossier")
    _, create = _body(spec, "/api/dossiers")
    assert _component(spec, create["properties"]["person"])[0].startswith("Person")


def test_the_step_request_lists_exactly_the_step_schema_fields(world):
    spec = world.app.openapi()
    schema = step_schema()
    _, record = _body(spec, STEPS)
    expected = set(schema.fields) - SIGNED_BY_THE_SERVER - FILLED_BY_THE_SERVER | ONLY_IN_REQUESTS
    assert set(record["properties"]) == expected | {"reason"}
    assert set(record["required"]) == {"step", "date"}
    for key in set(schema.fields) & expected:
        assert record["properties"][key]["title"] == schema.fields[key].label, key
    outcome = next(s for s in record["properties"]["outcome"]["anyOf"] if "enum" in s)
    assert set(outcome["enum"]) == {v for values in schema.choice_values("outcome").values() for v in values}
    # a correction's entry is the same step entry, without the record's `reason`
    _, correction = _body(spec, "/api/dossiers/{dossier_id}/steps/{index}/correction")
    entry_name, entry = _component(spec, correction["properties"]["entry"])
    assert entry_name == "StepEntryIn" and set(entry["properties"]) == expected


def test_a_field_added_to_the_step_schema_reaches_the_request(tmp_path):
    data = tmp_path / "step_fields.toml"
    data.write_text(STEP_FIELDS_FILE.read_text(encoding="utf-8")
                    + '\n[fields.witness]\ntype = "text"\nlabel = "见证人"\nmax_length = 50\n', encoding="utf-8")
    model = step_entry_model(load_step_schema(data), name="WitnessedStepEntryIn")
    witness = model.model_json_schema()["properties"]["witness"]
    assert witness["title"] == "见证人" and {"type": "string", "maxLength": 50} in witness["anyOf"]
    assert "witness" not in step_entry_model().model_fields


def test_a_refused_body_keeps_the_formats_words(world):
    """The model describes the body; the dossier format still judges it (its codes, paths, Chinese)."""
    organiser = world.client("organiser")
    made = organiser.post("/api/dossiers", json={"organisation_id": world.orgs["A1"],
                                                 "person": {"name": "王小明", "birth_date": "2001-02-11"}})
    assert made.status_code == 201, made.text
    base = f"/api/dossiers/{made.json()['id']}"
    wrong_day = organiser.post(f"{base}/steps", json={"step": "s01_application", "date": "2020-02-30"})
    assert wrong_day.status_code == 422
    error = wrong_day.json()["error"]
    assert error["code"] == "DATE_INVALID" and "detail" not in wrong_day.json()
    assert error["path"].endswith(".date") and "YYYY-MM-DD" in error["message"]
    # a value the model types differently still meets the engine first, with its words and the entry's path
    typed = organiser.post(f"{base}/steps", json={"step": "s01_application", "date": "2020-08-11", "by": 3})
    assert typed.status_code == 422 and typed.json()["error"]["code"] == "VALUE_INVALID", typed.text
    assert typed.json()["error"]["message"].endswith("应为文字"), typed.text
    # a recorder or a sign-off sent with the entry is not taken: the server writes them
    sent = organiser.post(f"{base}/steps", json={"step": "s01_application", "date": "2020-08-11",
                                                 "recorded_by": "别人", "reviewed_by": "别人"})
    assert sent.status_code == 201, sent.text
    step = organiser.get(base).json()["dossier"]["steps"][0]
    assert step["recorded_by"] == "李书记" and step.get("reviewed_by") is None
    report = organiser.post(f"{base}/thought-reports", json={"date": "2020/10/01"})
    assert report.status_code == 422 and report.json()["error"]["code"] == "DATE_INVALID"
    event = organiser.post(f"{base}/events", json={"kind": "withdraw", "date": "2020-10-02"})
    assert event.status_code == 422 and event.json()["error"]["code"] == "REASON_REQUIRED"
