"""Each role's permissions on the bucket are data (deployments/policies/, issue 17 item 2), and
each role's own credentials can do what its policy allows and nothing else.

moto's S3 server, a real process, enforces IAM once told to (`/moto-api/reset-auth`): the
bucket, the users and their keys are made first as the account's administrator, exactly as
docs/roles/deploying.md says, then every request is checked against the user's policy. Each
role then tries every kind of write and read on every folder of the store, and the store's
own code (college.store, the ledger) runs with the role's keys.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from botocore.exceptions import ClientError

from college.errors import CollegeError
from college.folders import (
    CHECKPOINTS,
    CONTESTS,
    CONTRIBUTIONS,
    DECISIONS,
    DECLARATIONS,
    INBOX,
    LEDGER,
    PASSKEYS,
    RECEIPTS,
    RECEIVED,
    SEALED,
)
from college.ledger import Ledger
from college.preconditions import STORE_MARK
from college.store import S3Store, StoreConflict
from tests.topology import BUCKET, POLICIES, ROLES, Account, Topology, policy, s3_as

PIPELINE = "college-pipeline"
# The store's folders, as the code names them.
FOLDERS = (INBOX, RECEIVED, LEDGER, CHECKPOINTS, RECEIPTS, SEALED, DECLARATIONS, CONTESTS, CONTRIBUTIONS, DECISIONS, PASSKEYS)
# What each role may put, written out here (issue 17 and the folders' writers), not read from the
# documents under test; every role reads everything (what it reads is sealed or procedure).
MAY_PUT = {
    "service": {"inbox"},
    "workers": {"received", "ledger", "checkpoints", "receipts", "sealed", "declarations", "contests"},
    "committee": {"contributions", "decisions", "passkeys", "ledger", "checkpoints"},
}


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    """Two buckets as the guide makes them (one for the matrix of calls, one for the pipeline),
    a user per role with its policy on both, IAM enforced, and an object in each folder."""
    place = Topology(tmp_path_factory.mktemp("iam"))
    try:
        account = Account(place.start_s3())
        for name in (BUCKET, PIPELINE):
            account.make_bucket(name)
        admin = account.client("admin")
        for folder in FOLDERS:
            S3Store(BUCKET, client=admin).put(f"{folder}/existing", b"kept")
        yield account.endpoint, account.keys, admin
    finally:
        place.stop()


def allowed(call) -> bool:
    """Whether S3 let the call through; any refusal other than AccessDenied fails the test."""
    try:
        call()
    except ClientError as error:
        assert error.response["Error"]["Code"] in ("AccessDenied", "403"), error.response["Error"]
        return False
    except CollegeError as error:  # the store's own message names what S3 said
        assert "AccessDenied" in str(error), error
        return False
    return True


@pytest.mark.parametrize("role", ROLES)
def test_each_role_puts_and_reads_only_where_its_policy_says(bucket, role):
    endpoint, keys, _ = bucket
    client = s3_as(endpoint, *keys[role])
    store = S3Store(BUCKET, client=client)
    for folder in FOLDERS:
        put = allowed(lambda: store.put(f"{folder}/new-from-{role}", b"new"))
        assert put == (folder in MAY_PUT[role]), (role, "put", folder)
        assert allowed(lambda: client.get_object(Bucket=BUCKET, Key=f"{folder}/existing")), (role, "get", folder)
    assert not allowed(lambda: store.put(STORE_MARK, b"a mark")), "only the administrator sets the store up"
    assert allowed(lambda: client.list_objects_v2(Bucket=BUCKET, Prefix=f"{RECEIPTS}/"))


@pytest.mark.parametrize("role", ROLES)
def test_nobody_deletes_overwrites_or_unlocks(bucket, role):
    endpoint, keys, admin = bucket
    client = s3_as(endpoint, *keys[role])
    folder = sorted(MAY_PUT[role])[0]
    versions = admin.list_object_versions(Bucket=BUCKET, Prefix=f"{folder}/existing")["Versions"]
    for call in (
        lambda: client.delete_object(Bucket=BUCKET, Key=f"{folder}/existing"),
        lambda: client.delete_object(Bucket=BUCKET, Key=f"{folder}/existing", VersionId=versions[0]["VersionId"]),
        lambda: client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"}),
        lambda: client.put_object_lock_configuration(Bucket=BUCKET, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}),
        lambda: client.delete_bucket(Bucket=BUCKET),
        lambda: client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": []})),
    ):
        assert not allowed(call)
    # a multiple delete answers 200 and names each refusal
    answer = client.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": f"{folder}/existing"}]})
    assert not answer.get("Deleted") and [e["Code"] for e in answer["Errors"]] == ["AccessDenied"]
    assert admin.list_object_versions(Bucket=BUCKET, Prefix=f"{folder}/existing")["Versions"] == versions
    # and the store never overwrites: its conditional put refuses different bytes under a kept key
    with pytest.raises(StoreConflict):
        S3Store(BUCKET, client=client).put(f"{folder}/existing", b"other bytes")
    assert admin.get_object(Bucket=BUCKET, Key=f"{folder}/existing")["Body"].read() == b"kept"


def test_the_bucket_is_versioned_with_object_lock(bucket):
    _, _, admin = bucket
    assert admin.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    lock = admin.get_object_lock_configuration(Bucket=BUCKET)["ObjectLockConfiguration"]
    wanted = json.loads((POLICIES / "object-lock.json").read_text())
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert lock["Rule"]["DefaultRetention"]["Mode"] == wanted["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    assert lock["Rule"]["DefaultRetention"]["Days"] == wanted["Rule"]["DefaultRetention"]["Days"]


def test_the_pipeline_runs_on_each_roles_keys(bucket):
    """The service's door (a put into the inbox) and a worker's ingest steps (keep the bytes,
    append to the ledger, issue a receipt) each work with their role's keys alone."""
    endpoint, keys, _ = bucket
    service = S3Store(PIPELINE, client=s3_as(endpoint, *keys["service"]))
    workers = S3Store(PIPELINE, client=s3_as(endpoint, *keys["workers"]))
    assert service.put(f"{INBOX}/upload.sealed", b"sealed bytes")
    assert workers.get(f"{INBOX}/upload.sealed") == b"sealed bytes"
    assert workers.put(f"{RECEIVED}/upload", b"sealed bytes")
    entry = Ledger(workers, signer=Ed25519PrivateKey.generate()).append(  # with its signed checkpoint
        "received", reasons=["by the workers' keys"], once_key="received:upload"
    )
    assert workers.list(CHECKPOINTS)
    assert Ledger(service).find("received:upload") == entry  # the service reads the ledger for status
    with pytest.raises(CollegeError):
        Ledger(service).append("received", reasons=["the service may not write the ledger"])


def test_the_documents_name_only_the_stores_folders():
    """Every folder a role's document names is one the store uses, so a renamed folder fails here."""
    named = set()
    for name in ROLES:
        for statement in json.loads(policy(name))["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            named |= {r.split("/")[1] for r in resources if r.count("/") == 2}
    assert named == set(FOLDERS)
