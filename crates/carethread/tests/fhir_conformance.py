"""CareThread's FHIR R4 API, as a real FHIR client sees it.

Run by `fhir_conformance.rs` against a running CareThread (SQLite and
PostgreSQL) with a Python that has fhir.resources 6.4 (R4 models), fhirpy,
PyJWT and cryptography. It registers a system the way a clinic would, signs
a SMART Backend Services assertion (ES384) for a token, imports an EHR's
onboarding Bundle twice (each person once), then reads, searches
(following `next` links), creates, and is refused outside its scopes; every
resource it receives is validated against the R4 models.

Exits 0 when every check passed; otherwise prints each failure and exits 1.
"""

import argparse
import base64
import json
import sys
import time
import uuid

import fhir.resources
import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from fhir.resources import get_fhir_model_class
from fhirpy import SyncFHIRClient

FAILURES = []
SEEN = []


def check(condition, what):
    if not condition:
        FAILURES.append(what)
    return condition


def keep(resource):
    """Remembers a resource (or a Bundle and its entries) for validation,
    as plain JSON (fhirpy hands out resources and attribute dictionaries)."""
    resource = resource.serialize() if hasattr(resource, "serialize") else json.loads(json.dumps(resource))
    SEEN.append(resource)
    for entry in resource.get("entry", []):
        SEEN.extend([entry["resource"]] if "resource" in entry else [])
        SEEN.extend([entry["response"]["outcome"]] if "outcome" in entry.get("response", {}) else [])
    return resource


def b64(n, length):
    return base64.urlsafe_b64encode(n.to_bytes(length, "big")).rstrip(b"=").decode()


def register_system(base, admin_token, patient):
    """A clinic registers its lab system and puts it on the patient's care team."""
    key = ec.generate_private_key(ec.SECP384R1())
    numbers = key.public_key().public_numbers()
    jwks = {"keys": [{"kty": "EC", "crv": "P-384", "kid": "suite", "x": b64(numbers.x, 48), "y": b64(numbers.y, 48)}]}
    body = {"name": "Conformance suite", "role": "nurse", "jwks": jwks,
            "scopes": "system/Communication.crs system/Patient.rs system/Provenance.rs"}
    admin = {"Authorization": f"Bearer {admin_token}"}
    r = requests.post(f"{base}/api/v1/admin/system-clients", json=body, headers=admin, timeout=30)
    r.raise_for_status()
    client = r.json()
    team = f"{base}/api/v1/admin/patients/{patient}/care-team/{client['account_id']}"
    requests.put(team, headers=admin, timeout=30).raise_for_status()
    return client["client_id"], key


def token(fhir_base, client_id, key, scope):
    config = requests.get(f"{fhir_base}/.well-known/smart-configuration", timeout=30).json()
    endpoint = config["token_endpoint"]
    check("ES384" in config["token_endpoint_auth_signing_alg_values_supported"], "discovery lists ES384")
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": endpoint, "exp": now + 240, "jti": str(uuid.uuid4())}
    assertion = jwt.encode(claims, key, algorithm="ES384", headers={"kid": "suite"})
    form = {"grant_type": "client_credentials", "scope": scope,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion}
    r = requests.post(endpoint, data=form, timeout=30)
    check(r.status_code == 200, f"token: {r.status_code} {r.text}")
    granted = r.json()
    check(granted.get("token_type") == "bearer" and granted.get("expires_in") == 300, f"token answer: {granted}")
    return granted["access_token"], granted["scope"]


def onboarding(fhir_base, admin_token, path):
    """An EHR's onboarding bundle, imported twice: each person once."""
    with open(path, encoding="utf-8") as f:
        bundle = json.load(f)
    headers = {"Authorization": f"Bearer {admin_token}", "Content-Type": "application/fhir+json"}
    answers = []
    for _ in range(2):
        r = requests.post(fhir_base, data=json.dumps(bundle), headers=headers, timeout=60)
        check(r.status_code == 200, f"onboarding: {r.status_code} {r.text[:300]}")
        answers.append(keep(r.json()))
    first = [e["response"]["status"] for e in answers[0]["entry"]]
    again = [e["response"]["status"] for e in answers[1]["entry"]]
    check(all(s.startswith("201") for s in first), f"the first import creates: {first}")
    check(all(s.startswith("200") for s in again), f"the second creates nobody: {again}")
    locations = [e["response"].get("location") for e in answers[1]["entry"]]
    check(locations[:2] == [e["response"].get("location") for e in answers[0]["entry"]][:2], "the same people again")


def suite(base, admin_token, patient, onboarding_bundle):
    fhir_base = f"{base}/fhir/r4"
    onboarding(fhir_base, admin_token, onboarding_bundle)
    capability = keep(requests.get(f"{fhir_base}/metadata", timeout=30).json())
    listed = {r["type"]: r for r in capability["rest"][0]["resource"]}
    check({"Communication", "Patient", "Task", "AuditEvent"} <= set(listed), f"listed: {sorted(listed)}")

    client_id, key = register_system(base, admin_token, patient)
    access, scope = token(fhir_base, client_id, key, "system/Communication.cruds system/Patient.rs")
    check(scope == "system/Communication.crs system/Patient.rs", f"granted what was registered: {scope}")
    client = SyncFHIRClient(fhir_base, authorization=f"Bearer {access}")

    # Read the patient, then write three messages and page through them two at a time.
    person = client.reference("Patient", patient).to_resource()
    keep(person)
    check(person["id"] == patient, "Patient read")
    for n in range(3):
        created = client.resource(
            "Communication",
            status="completed",
            subject={"reference": f"Patient/{patient}"},
            topic={"text": f"Lab results {n}"},
            payload=[{"contentString": f"Your result {n} is within the normal range."}],
        )
        created.save()
        keep(created)
        check(created.get("id") is not None, "a created Communication has an id")
    search = client.resources("Communication").search(subject=f"Patient/{patient}").limit(2)
    first_page = keep(search.fetch_raw())
    check(len(first_page.get("entry", [])) == 2, "a page holds _count entries")
    check(any(link["relation"] == "next" for link in first_page.get("link", [])), "a first page links to the next")
    everything = search.fetch_all()
    ids = [c["id"] for c in everything]
    for c in everything:
        keep(c)
    check(len(ids) == len(set(ids)) and len(ids) >= 4, f"paging yields every message once: {len(ids)}")
    sent = [c["sent"] for c in everything]
    check(sent == sorted(sent, reverse=True), "newest first")

    # Outside its scopes: a 403 OperationOutcome, whatever the policy would allow.
    for path in ["Task", f"Group/{uuid.uuid4()}", "AuditEvent"]:
        r = requests.get(f"{fhir_base}/{path}", headers={"Authorization": f"Bearer {access}"}, timeout=30)
        refused = r.status_code == 403 and r.json().get("resourceType") == "OperationOutcome"
        check(refused, f"{path} outside the token's scopes: {r.status_code} {r.text[:200]}")
        keep(r.json())
    r = requests.get(f"{base}/api/v1/threads", headers={"Authorization": f"Bearer {access}"}, timeout=30)
    check(r.status_code == 403, f"a system token stays on the FHIR API: {r.status_code}")

    # Bulk Data: kick off, poll the status address, read each NDJSON file with the token.
    bulk_headers = {"Authorization": f"Bearer {access}", "Prefer": "respond-async", "Accept": "application/fhir+json"}
    r = requests.get(f"{fhir_base}/Patient/$export?_type=Patient,Communication", headers=bulk_headers, timeout=30)
    check(r.status_code == 202, f"bulk kick-off: {r.status_code} {r.text[:200]}")
    status_url = r.headers.get("Content-Location", "")
    manifest = None
    for _ in range(100):
        polled = requests.get(status_url, headers={"Authorization": f"Bearer {access}"}, timeout=30)
        if polled.status_code == 200:
            manifest = polled.json()
            break
        check(polled.status_code == 202, f"bulk status: {polled.status_code}")
        time.sleep(0.2)
    if check(manifest is not None, "the export completes"):
        types = sorted(o["type"] for o in manifest["output"])
        check(types == ["Communication", "Patient"], f"the files: {types}")
        for output in manifest["output"]:
            f = requests.get(output["url"], headers={"Authorization": f"Bearer {access}"}, timeout=30)
            check(f.headers.get("Content-Type", "").startswith("application/fhir+ndjson"), "NDJSON")
            lines = [json.loads(line) for line in f.text.splitlines() if line.strip()]
            check(len(lines) == output["count"], f"{output['type']}: {len(lines)} lines, {output['count']} counted")
            for line in lines:
                keep(line)

    # Errors are OperationOutcomes with the right status.
    r = requests.get(f"{fhir_base}/Communication?unknown=1", headers={"Authorization": f"Bearer {access}"}, timeout=30)
    check(r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome", f"bad search: {r.status_code}")
    keep(r.json())

    # Every resource received is valid FHIR R4.
    check(fhir.resources.__fhir_version__ == "4.0.1", "fhir.resources has R4 models")
    for resource in SEEN:
        try:
            get_fhir_model_class(resource["resourceType"]).parse_obj(resource)
        except Exception as err:  # noqa: BLE001 - every invalid resource is reported
            FAILURES.append(f"invalid {resource.get('resourceType')}: {err}")
    print(f"{len(SEEN)} resources received and validated")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--admin-token", required=True)
    parser.add_argument("--patient", required=True)
    parser.add_argument("--onboarding", required=True, help="a transaction Bundle of people to import twice")
    args = parser.parse_args()
    try:
        suite(args.base, args.admin_token, args.patient, args.onboarding)
    except Exception as err:  # noqa: BLE001 - a crash is a failure to report
        FAILURES.append(f"the suite stopped: {type(err).__name__}: {err}")
    for failure in FAILURES:
        print(f"FAIL {failure}")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
