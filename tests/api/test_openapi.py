"""GET /openapi.json serves docs/openapi.json, which a real validator accepts as OpenAPI 3.1
(@apidevtools/swagger-parser, pinned by tests/openapi/package-lock.json, installed by `npm ci`).
That it documents exactly the router's routes is tests/unit/app/openapi_test.cpp."""
import json
import os
import subprocess

import pytest
import requests

from conftest import REPO, npm_installed

CHECK_DIR = os.path.join(REPO, "tests", "openapi")
DOC = os.path.join(REPO, "docs", "openapi.json")


@pytest.fixture(scope="module")
def validator():
    node = npm_installed(CHECK_DIR)

    def validate(path):
        r = subprocess.run([node, "validate.mjs", str(path)], cwd=CHECK_DIR, capture_output=True,
                           text=True, timeout=120)
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        assert lines, (r.returncode, r.stdout, r.stderr)
        return r.returncode, json.loads(lines[-1])
    return validate


def test_served_document_is_the_repository_file(server):
    r = requests.get(server.url("/openapi.json"), timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    with open(DOC, "rb") as f:
        assert r.content == f.read()
    assert r.json()["openapi"] == "3.1.0"


def test_served_document_is_valid_openapi_3_1(server, validator, tmp_path):
    served = tmp_path / "served.json"
    served.write_bytes(requests.get(server.url("/openapi.json"), timeout=10).content)
    rc, out = validator(served)
    assert rc == 0 and out["valid"], out
    assert out["operations"] > 100, out  # every dialect


def test_validator_rejects_a_broken_document(validator, tmp_path):
    with open(DOC) as f:
        doc = json.load(f)
    # A response that points at nothing.
    doc["paths"]["/health"]["get"]["responses"]["200"] = {"$ref": "#/components/responses/Nope"}
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc))
    rc, out = validator(broken)
    assert rc == 1 and not out["valid"] and "Nope" in out["error"], out
