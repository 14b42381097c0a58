"""The store: one suite over the local folder, S3 on moto in-process and S3 on a moto server.

The fixtures here (`aws`, `moto_server`, `store`, `make_s3`) are meant to be imported by
other tests that need a store: `from tests.test_store import aws, moto_server, store`.
"""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import threading

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError, ResponseStreamingError
from moto import mock_aws
from moto.s3.responses import S3Response
from moto.server import ThreadedMotoServer

from college.errors import CollegeError
from college.signing import digest
from college.store import LocalStore, NotInStore, S3Store, StoreConflict, create_bucket, s3_client, store_from

BACKENDS = ["local", "s3-mock", "s3-server"]
_buckets = itertools.count()


@pytest.fixture(scope="module")
def moto_server():
    """A moto S3 server on a free loopback port, stopped after the module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(monkeypatch):
    """Fake credentials for moto, and moto's conditional put made atomic as S3's is.

    moto checks If-None-Match and then writes, two steps another request can fall
    between; S3 does both at once. Serialising moto's handler gives the tests S3's
    behaviour, so that a race the store wins on S3 is not lost to moto.
    """
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "COLLEGE_STORE", "COLLEGE_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    lock = threading.Lock()
    original = S3Response.put_object

    def put_object(self):
        with lock:
            return original(self)

    monkeypatch.setattr(S3Response, "put_object", put_object)


def make_s3(endpoint: str | None, *, object_lock: bool = True, prefix: str = "college", **options) -> S3Store:
    """A store on a fresh bucket. `options` go to S3Store; our own retries do not sleep."""
    client = s3_client(endpoint, max_attempts=3)
    bucket = f"college-test-{next(_buckets)}"
    create_bucket(client, bucket, object_lock=object_lock)
    return S3Store(bucket, prefix, client, sleep=options.pop("sleep", lambda seconds: None), **options)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path, aws):
    if request.param == "local":
        yield LocalStore(tmp_path / "store")
    elif request.param == "s3-mock":
        with mock_aws():
            yield make_s3(None)
    else:
        yield make_s3(request.getfixturevalue("moto_server"))


@pytest.fixture(params=BACKENDS[1:])
def s3_endpoint(request, aws):
    """None for moto in-process (inside mock_aws), or the moto server's URL."""
    if request.param == "s3-mock":
        with mock_aws():
            yield None
    else:
        yield request.getfixturevalue("moto_server")


# --- the behaviour every backend shares -------------------------------------------------


def test_what_is_put_is_got_back_byte_for_byte(store):
    data = bytes(range(256)) * 5
    assert store.put("returns/unite/a.sealed", data) is True
    assert store.get("returns/unite/a.sealed") == data
    assert store.exists("returns/unite/a.sealed")
    assert not store.exists("returns/unite/b.sealed")
    with pytest.raises(NotInStore):
        store.get("returns/unite/b.sealed")


def test_an_object_is_never_replaced(store):
    assert store.put("ledger/00000000.json", b"original")
    assert store.put("ledger/00000000.json", b"original") is False  # the same bytes: nothing to do
    with pytest.raises(StoreConflict, match="never replaced"):
        store.put("ledger/00000000.json", b"edited")
    assert store.get("ledger/00000000.json") == b"original"
    assert store.list("ledger/") == ["ledger/00000000.json"]


def test_content_addressed_keys_name_the_bytes(store):
    key = store.put_content("received", b"sealed return")
    assert key == f"received/{digest(b'sealed return')}"
    assert store.put_content("received", b"sealed return") == key  # the same bytes twice are one object
    assert store.list("received/") == [key]
    assert store.get(key) == b"sealed return"


def test_list_is_sorted_and_keeps_to_its_prefix(store):
    for key in ["b/2", "a/10", "a/9", "ab/1", "b/1"]:
        store.put(key, key.encode())
    assert store.list() == ["a/10", "a/9", "ab/1", "b/1", "b/2"]
    assert store.list("a/") == ["a/10", "a/9"]
    assert store.list("a") == ["a/10", "a/9", "ab/1"]
    assert store.list("a/1") == ["a/10"]
    assert store.list("c/") == []


def test_keys_are_plain_relative_paths(store):
    for key in ["", "/abs", "a//b", "../up", "a/../b", ".hidden", "a/.tmp-x", "a b", "a/", "é"]:
        with pytest.raises(CollegeError, match="not a store key"):
            store.put(key, b"x")
        with pytest.raises(CollegeError, match="not a store key"):
            store.get(key)
    assert store.list() == []


def test_racing_writers_one_wins_and_the_rest_are_told(store):
    writers = 8
    barrier = threading.Barrier(writers)
    outcomes: list = [None] * writers

    def write(i: int, data: bytes) -> None:
        barrier.wait()
        try:
            outcomes[i] = store.put("contested", data)
        except StoreConflict:
            outcomes[i] = "conflict"

    threads = [threading.Thread(target=write, args=(i, f"writer {i}".encode())) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(True) == 1 and outcomes.count("conflict") == writers - 1
    assert store.get("contested") == f"writer {outcomes.index(True)}".encode()


def test_racing_writers_of_the_same_bytes_write_once(store):
    writers = 8
    barrier = threading.Barrier(writers)
    outcomes: list = []

    def write() -> None:
        barrier.wait()
        outcomes.append(store.put_content("received", b"the same return"))

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(outcomes)) == 1 and store.list("received/") == outcomes[:1]


# --- the local folder ---------------------------------------------------------------------


def test_local_objects_are_read_only_and_no_temporary_file_remains(tmp_path):
    store = LocalStore(tmp_path)
    store.put("a/b", b"x")
    store.put("a/b", b"x")
    with pytest.raises(StoreConflict):
        store.put("a/b", b"y")
    assert (tmp_path / "a" / "b").stat().st_mode & 0o222 == 0
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]


def test_a_key_cannot_sit_under_another_key(tmp_path):
    store = LocalStore(tmp_path)
    store.put("a", b"x")
    with pytest.raises(CollegeError, match="under another key"):
        store.put("a/b", b"y")
    store.put("c/d", b"y")
    with pytest.raises(StoreConflict):
        store.put("c", b"z")


# Each process imports only the store, and waits for the others before writing.
WRITER = """
import os, sys, time
from college.store import LocalStore, StoreConflict
root, go, name = sys.argv[1:4]
store = LocalStore(root)
while not os.path.exists(go):
    time.sleep(0.01)
try:
    print(store.put("contested", name.encode()))
except StoreConflict:
    print("conflict")
"""


def test_racing_processes_never_overwrite_each_other(tmp_path):
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / "store"), str(go), f"process {i}"], stdout=subprocess.PIPE, text=True
        )
        for i in range(4)
    ]
    go.touch()
    outcomes = [process.communicate(timeout=120)[0].strip() for process in processes]
    assert outcomes.count("True") == 1 and outcomes.count("conflict") == 3
    assert LocalStore(tmp_path / "store").get("contested") == f"process {outcomes.index('True')}".encode()


# --- S3: bucket settings --------------------------------------------------------------------


def test_s3_objects_carry_a_legal_hold_where_the_bucket_has_object_lock(s3_endpoint):
    store = make_s3(s3_endpoint)
    store.put("a", b"x")
    hold = store.client.get_object_legal_hold(Bucket=store.bucket, Key="college/a")
    assert hold["LegalHold"]["Status"] == "ON"


def test_s3_store_turns_versioning_on_and_works_without_object_lock(s3_endpoint):
    client = s3_client(s3_endpoint)
    bucket = f"plain-{next(_buckets)}"
    client.create_bucket(Bucket=bucket)
    store = S3Store(bucket, "", client)
    assert store.put("a", b"x") and store.get("a") == b"x"
    assert client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert "ObjectLockLegalHoldStatus" not in client.head_object(Bucket=bucket, Key="a")


def test_two_prefixes_in_one_bucket_are_two_stores(s3_endpoint):
    first = make_s3(s3_endpoint, prefix="one")
    second = S3Store(first.bucket, "two", first.client)
    first.put("k", b"1")
    second.put("k", b"2")
    assert (first.get("k"), second.get("k")) == (b"1", b"2")
    assert first.list() == ["k"] and second.list() == ["k"]
    assert first.uri == f"s3://{first.bucket}/one"


def test_a_long_listing_is_read_page_by_page(s3_endpoint):
    store = make_s3(s3_endpoint, page_size=2)
    keys = [f"k/{i}" for i in range(7)]
    for key in reversed(keys):
        store.put(key, b"")
    store.put("l/0", b"")
    assert store.list("k/") == keys


# --- S3: faults are retried and nothing is lost ---------------------------------------------


class RawBody(io.BytesIO):
    def stream(self, **_):
        yield self.getvalue()


def _error_reply(status: int, code: str):
    """What botocore makes of an S3 error: the HTTP response and its parsed form."""
    body = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
    parsed = {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return AWSResponse("https://s3.invalid/", status, {}, RawBody(body)), parsed


def _first(n: int, reply):
    """An event hook that answers with `reply()` for its first n calls, then lets calls through."""
    calls = []

    def hook(**kwargs):
        calls.append(kwargs)
        if len(calls) <= n:
            return reply(**kwargs)
        return None

    hook.calls = calls
    return hook


def _versions(store: S3Store, key: str) -> int:
    listing = store.client.list_object_versions(Bucket=store.bucket, Prefix=f"college/{key}")
    return len(listing.get("Versions", []))


def test_throttled_and_failed_puts_are_retried_by_the_store(s3_endpoint):
    slept = []
    store = make_s3(s3_endpoint, sleep=slept.append)
    hook = _first(3, lambda **_: _error_reply(503, "SlowDown"))
    store.client.meta.events.register_first("before-call.s3.PutObject", hook)
    assert store.put("a", b"payload") is True
    assert len(hook.calls) == 4 and slept == [0.2, 0.4, 0.8]

    failed = _first(1, lambda **_: _error_reply(500, "InternalError"))
    store.client.meta.events.register_first("before-call.s3.PutObject", failed)
    assert store.put("b", b"payload") is True
    assert store.get("a") == store.get("b") == b"payload" and _versions(store, "a") == 1


def test_throttling_at_the_http_layer_is_retried_by_botocore(s3_endpoint):
    store = make_s3(s3_endpoint)
    hook = _first(1, lambda **_: _error_reply(503, "SlowDown")[0])
    store.client.meta.events.register_first("before-send.s3.PutObject", hook)
    assert store.put("a", b"payload") is True
    assert len(hook.calls) == 2 and store.get("a") == b"payload" and _versions(store, "a") == 1


def test_a_timeout_before_s3_is_retried(s3_endpoint):
    store = make_s3(s3_endpoint)

    def timeout(request, **_):
        raise ReadTimeoutError(endpoint_url=request.url)

    hook = _first(1, timeout)
    store.client.meta.events.register_first("before-send.s3.PutObject", hook)
    assert store.put("a", b"payload") is True
    assert len(hook.calls) == 2 and store.get("a") == b"payload"


def test_a_put_whose_answer_is_lost_is_retried_and_not_doubled(s3_endpoint):
    """The write lands but the reply times out: the retry finds its own bytes there."""
    store = make_s3(s3_endpoint)

    def lost_reply(http_response, **_):
        if http_response.status_code == 200:
            raise ReadTimeoutError(endpoint_url="https://s3.invalid/")

    hook = _first(1, lost_reply)
    store.client.meta.events.register("after-call.s3.PutObject", hook)
    assert store.put("a", b"payload") is True  # written by this call, though its first answer was lost
    assert store.get("a") == b"payload" and _versions(store, "a") == 1
    assert store.put("a", b"payload") is False


def test_throttling_that_does_not_stop_is_a_clear_error_and_writes_nothing(s3_endpoint):
    store = make_s3(s3_endpoint, attempts=3)
    hook = _first(10**6, lambda **_: _error_reply(503, "SlowDown"))
    store.client.meta.events.register_first("before-call.s3.PutObject", hook)
    with pytest.raises(CollegeError, match="SlowDown after 3 attempts"):
        store.put("a", b"payload")
    assert len(hook.calls) == 3 and not store.exists("a")
    store.client.meta.events.unregister("before-call.s3.PutObject", hook)
    assert store.put("a", b"payload") is True


def test_an_unconditional_overwrite_keeps_the_original_as_a_version(s3_endpoint):
    """What the store refuses, a client with bucket rights can still do; versioning keeps the original."""
    store = make_s3(s3_endpoint)
    store.put("a", b"original")
    with pytest.raises(StoreConflict):
        store.put("a", b"edited")
    store.client.put_object(Bucket=store.bucket, Key="college/a", Body=b"edited")
    versions = store.client.list_object_versions(Bucket=store.bucket, Prefix="college/a")["Versions"]
    bodies = [store.client.get_object(Bucket=store.bucket, Key="college/a", VersionId=v["VersionId"])["Body"].read() for v in versions]
    assert sorted(bodies) == [b"edited", b"original"]


# --- choosing a store ---------------------------------------------------------------------------


def test_store_from_reads_paths_file_uris_and_s3_uris(tmp_path, aws, moto_server, monkeypatch):
    assert isinstance(store_from(tmp_path), LocalStore)
    assert store_from(tmp_path.as_uri()).uri == tmp_path.resolve().as_uri()
    assert store_from(str(tmp_path)).root == tmp_path.resolve()
    monkeypatch.setenv("COLLEGE_S3_ENDPOINT_URL", moto_server)
    bucket = f"from-uri-{next(_buckets)}"
    create_bucket(s3_client(moto_server), bucket)
    store = store_from(f"s3://{bucket}/contest/2026")
    assert isinstance(store, S3Store) and (store.bucket, store.prefix) == (bucket, "contest/2026")
    assert store.put("a", b"x") and store.uri == f"s3://{bucket}/contest/2026"
    monkeypatch.setenv("COLLEGE_STORE", f"s3://{bucket}/contest/2026")
    assert store_from().get("a") == b"x"


def test_store_from_refuses_what_it_cannot_use(monkeypatch):
    monkeypatch.delenv("COLLEGE_STORE", raising=False)
    with pytest.raises(CollegeError, match="COLLEGE_STORE"):
        store_from()
    with pytest.raises(CollegeError, match="unknown store scheme"):
        store_from("gs://bucket/x")
    with pytest.raises(CollegeError, match="file:///path"):
        store_from("file://host/path")


def test_a_read_cut_off_midway_is_read_again(s3_endpoint):
    store = make_s3(s3_endpoint)
    store.put("a", b"payload")

    class CutOff:
        def read(self):
            raise ResponseStreamingError(error="connection reset")

    def cut_off(parsed, **_):
        parsed["Body"] = CutOff()

    hook = _first(1, cut_off)
    store.client.meta.events.register("after-call.s3.GetObject", hook)
    assert store.get("a") == b"payload" and len(hook.calls) == 2


def test_s3_refusals_are_one_clear_line(s3_endpoint):
    store = S3Store("no-such-bucket", "", s3_client(s3_endpoint))
    with pytest.raises(CollegeError, match="S3 refused .*NoSuchBucket"):
        store.put("a", b"x")
    with pytest.raises(CollegeError, match="S3 refused list_objects_v2: NoSuchBucket"):
        store.list()


def test_missing_credentials_are_named_not_a_traceback(moto_server, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with pytest.raises(CollegeError, match="no AWS credentials"):
        S3Store("bucket", "", s3_client(moto_server)).list()
