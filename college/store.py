"""The store: everything received, kept byte for byte, write-once.

A key is a relative path of plain segments ("returns/2026-leader/<sha256>",
"ledger/00000012.json"). Nothing is ever replaced: `put` on a key that exists is a
no-op when the bytes are identical and a `StoreConflict` when they differ. That one
rule is what lets several workers share a store: whoever writes a key first wins, and
the others learn it from the store itself, never from a lock of their own.

Two backends, one behaviour (tests/test_store.py runs one suite over both):
- `LocalStore`: a folder. Each object is written to a temporary file, made read-only
  and hard-linked to its name; `link` fails when the name exists, so even two
  processes racing for one key cannot overwrite each other.
- `S3Store`: a bucket (and prefix) through boto3, with `If-None-Match: *` conditional
  puts, versioning on, a legal hold on each object where the bucket has Object Lock,
  and retries on throttling and timeouts (botocore's standard mode, then our own).

Credentials for S3 come only from boto3's standard chain (environment, AWS config
files, instance roles), never from the repository.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from college.errors import CollegeError
from college.signing import digest

# Segments of letters, digits, '.', '_', '=', '+', '-', not starting with '.', so that no
# key climbs out of the store ("..").
_SEGMENT = re.compile(r"^[A-Za-z0-9_=+-][A-Za-z0-9._=+-]{0,199}$")
# The inbox holds names the store did not choose: an uploader (or an S3 client) may name an
# object anything, with spaces, newlines or a leading dot, and every one must be received
# (issue 15 item 3). Under inbox/ a segment is any text but "/", NUL, "." and "..".
INBOX_PREFIX = "inbox/"
_INBOX_SEGMENT = re.compile(r"^(?!\.{1,2}$)[^/\x00]{1,255}$")
# Where a local store writes an object before linking it to its name: outside every key.
_TEMPORARY = ".tmp"


class StoreConflict(CollegeError):
    """A key already holds different bytes: the store never replaces an object."""


class NotInStore(CollegeError):
    """No object under that key."""


class StoreRefused(CollegeError):
    """The store would not do what was asked (S3 said no: these credentials may not, or it failed)."""


def check_key(key: str) -> str:
    parts = key.split("/")
    if key.startswith(INBOX_PREFIX) and len(parts) > 1 and all(_INBOX_SEGMENT.match(part) for part in parts[1:]):
        return key
    if not key or not all(_SEGMENT.match(part) for part in parts):
        raise CollegeError(f"not a store key: {key!r} (plain path segments, none starting with '.')", field="key")
    return key


def check_prefix(prefix: str) -> str:
    """A listing prefix: a key, a key with a trailing '/', or '' for everything."""
    if prefix:
        check_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


class Store(ABC):
    """Write-once object store. Every method takes and returns plain data."""

    @property
    @abstractmethod
    def uri(self) -> str:
        """Where the store is, as `store_from` accepts it (file:///... or s3://bucket/prefix)."""

    @abstractmethod
    def put(self, key: str, data: bytes) -> bool:
        """Write `data` under `key` once. True when this call wrote it; False when the key
        already held exactly these bytes (nothing done). Different bytes: `StoreConflict`."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes under `key`; `NotInStore` when there are none."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def stored_at(self, key: str) -> datetime:
        """When the store received the object (UTC), by the store's own clock, not the sender's:
        it decides whether a return arrived before the deadline. S3 states it in whole
        seconds (cut down, not rounded), so an object stored up to a second after a
        deadline that is not a whole second can read as before it."""

    @abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """Every key that starts with `prefix` (a plain string prefix, as S3 lists), sorted."""

    def put_content(self, prefix: str, data: bytes) -> str:
        """Content-addressed put: the key is f"{prefix}/{sha256 hex}", so the same bytes
        twice are one object. Returns the key."""
        key = f"{check_key(prefix)}/{digest(data)}"
        self.put(key, data)
        return key

    def _conflict(self, key: str) -> StoreConflict:
        return StoreConflict("already holds different bytes: objects are never replaced", file=self.uri, field=key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.uri!r})"


# --- a local folder -------------------------------------------------------------------


class LocalStore(Store):
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).expanduser().resolve()

    @property
    def uri(self) -> str:
        return self.root.as_uri()

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise CollegeError("a key cannot sit under another key", file=self.uri, field=key) from None
        # Written aside first, under a folder no key can name, so that a put in progress is never
        # listed, even in the inbox, where names may start with a dot.
        folder = self.root / _TEMPORARY
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o444)
            try:
                os.link(temporary, path)  # atomic, and fails if the name exists: never an overwrite
            except FileExistsError:
                if path.is_dir() or path.read_bytes() != data:
                    raise self._conflict(key) from None
                return False
            _fsync_folder(path.parent)
            return True
        finally:
            os.unlink(temporary)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NotInStore("not in the store", file=self.uri, field=key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def stored_at(self, key: str) -> datetime:
        try:
            return datetime.fromtimestamp(self._path(key).stat().st_mtime, UTC)
        except (FileNotFoundError, NotADirectoryError):
            raise NotInStore("not in the store", file=self.uri, field=key) from None

    def list(self, prefix: str = "") -> list[str]:
        check_prefix(prefix)
        # walk only the folder the prefix points into
        folder = self.root.joinpath(*prefix.split("/")[:-1]) if "/" in prefix else self.root
        keys = []
        for base, dirs, files in os.walk(folder):
            relative = Path(base).relative_to(self.root).as_posix()
            if relative == "." or not f"{relative}/".startswith(INBOX_PREFIX):
                dirs[:] = [d for d in dirs if not d.startswith(".")]  # puts in progress, and scraps
            for name in files:
                key = name if relative == "." else f"{relative}/{name}"
                if not key.startswith(INBOX_PREFIX) and name.startswith("."):
                    continue  # not an object the store wrote (an editor's or a copier's scrap)
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- S3 -------------------------------------------------------------------------------

# Error codes that mean "try again": throttling, timeouts, a server hiccup, and S3's 409
# when another conditional write to the same key is in flight.
RETRY_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequests",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "InternalError",
        "ConditionalRequestConflict",
        "OperationAborted",
    }
)


# Answers the store's methods act on themselves: a write-once condition that failed, a missing object.
ANSWERS = frozenset({"PreconditionFailed", "NoSuchKey", "404", "NotFound", "ObjectLockConfigurationNotFoundError"})


def s3_client(endpoint_url: str | None = None, *, max_attempts: int = 5, connect_timeout: float = 5, read_timeout: float = 30):
    """A boto3 S3 client with botocore's standard retry mode. Credentials: boto3's standard chain."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)


def create_bucket(client, bucket: str, *, object_lock: bool = True) -> None:
    """Make a bucket fit for the store: versioning on, and Object Lock when asked
    (which S3 only allows when the bucket is created)."""
    client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=object_lock)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


class S3Store(Store):
    """A bucket, under an optional prefix.

    `attempts` and `sleep` govern our own retry, which wraps botocore's: it catches what
    botocore gives up on or does not retry (a throttled or timed-out call that reaches
    us), with exponential backoff from `backoff` seconds. Listings are read
    `page_size` keys a request.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        client=None,
        *,
        attempts: int = 5,
        backoff: float = 0.2,
        page_size: int = 1000,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not bucket:
            raise CollegeError("an S3 store needs a bucket", field="bucket")
        prefix = prefix.strip("/")
        if prefix:
            check_key(prefix)
        self.bucket = bucket
        self.prefix = prefix
        self.client = client if client is not None else s3_client(os.environ.get("COLLEGE_S3_ENDPOINT_URL") or None)
        self.attempts = attempts
        self.backoff = backoff
        self.page_size = page_size
        self.sleep = sleep
        self._object_lock: bool | None = None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, operation: str, tries: list | None = None, **params):
        """One S3 call, retried on throttling and timeouts; each attempt is noted in `tries`.
        Answers the store acts on (a failed condition, a missing key) come back as botocore's
        ClientError; any other failure is a CollegeError naming what S3 said."""
        from botocore.exceptions import ClientError, ConnectionError, HTTPClientError, NoCredentialsError

        tries = [] if tries is None else tries
        for attempt in range(self.attempts):
            tries.append(attempt)
            last = attempt == self.attempts - 1
            try:
                return getattr(self.client, operation)(**params)
            except ClientError as error:
                code = _code(error)
                if code in ANSWERS:
                    raise
                if code not in RETRY_CODES:
                    raise StoreRefused(f"S3 refused {operation}: {code}", file=self.uri, field=params.get("Key")) from None
                if last:
                    raise StoreRefused(
                        f"S3 answered {code} after {self.attempts} attempts", file=self.uri, field=params.get("Key")
                    ) from None
            except (ConnectionError, HTTPClientError):  # timeouts and dropped connections
                if last:
                    raise StoreRefused(
                        f"S3 did not answer after {self.attempts} attempts", file=self.uri, field=params.get("Key")
                    ) from None
            except NoCredentialsError:
                raise CollegeError(
                    "no AWS credentials: give them through the environment or the AWS config files", file=self.uri
                ) from None
            self.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _prepare(self) -> None:
        """Once, before the first write: versioning must be on (a stray unconditional
        overwrite then keeps the original as an older version), and note Object Lock."""
        if self._object_lock is not None:
            return
        from botocore.exceptions import ClientError

        status = self._call("get_bucket_versioning", Bucket=self.bucket).get("Status")
        if status != "Enabled":
            try:
                self._call("put_bucket_versioning", Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
            except CollegeError:
                raise CollegeError("versioning is off and cannot be turned on; ask for it on the bucket", file=self.uri) from None
        try:
            config = self._call("get_object_lock_configuration", Bucket=self.bucket)
            self._object_lock = config.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"
        except (ClientError, CollegeError):
            self._object_lock = False  # no Object Lock on this bucket, or not ours to see

    def put(self, key: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        self._prepare()
        params = {"Bucket": self.bucket, "Key": self._key(key), "Body": data, "IfNoneMatch": "*"}
        if self._object_lock:
            # a legal hold has no end date: the object version cannot be deleted until it is lifted
            params["ObjectLockLegalHoldStatus"] = "ON"
            params["ContentMD5"] = base64.b64encode(hashlib.md5(data).digest()).decode("ascii")
        tries: list = []
        try:
            self._call("put_object", tries, **params)
            return True
        except ClientError as error:
            if _code(error) != "PreconditionFailed":
                raise
            retried = len(tries) > 1 or error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) > 0
        if self.get(key) != data:
            raise self._conflict(key)
        # Our own bytes found by a retried put: an earlier attempt landed but its answer was lost.
        return retried

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

        for attempt in range(self.attempts):
            try:
                response = self._call("get_object", Bucket=self.bucket, Key=self._key(key))
            except ClientError as error:
                if _code(error) in ("NoSuchKey", "404"):
                    raise NotInStore("not in the store", file=self.uri, field=key) from None
                raise
            try:
                return response["Body"].read()
            except (ConnectionError, HTTPClientError):  # cut off while reading the body
                self.sleep(self.backoff * 2**attempt)
        raise CollegeError(f"S3 did not deliver the object after {self.attempts} attempts", file=self.uri, field=key)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._call("head_object", Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _code(error) in ("NoSuchKey", "404", "NotFound"):
                return False
            raise
        return True

    def stored_at(self, key: str) -> datetime:
        from botocore.exceptions import ClientError

        try:
            response = self._call("head_object", Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _code(error) in ("NoSuchKey", "404", "NotFound"):
                raise NotInStore("not in the store", file=self.uri, field=key) from None
            raise
        return response["LastModified"].astimezone(UTC)

    def list(self, prefix: str = "") -> list[str]:
        check_prefix(prefix)
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys = []
        token = None
        while True:
            params = {"Bucket": self.bucket, "Prefix": full, "MaxKeys": self.page_size}
            if token:
                params["ContinuationToken"] = token
            page = self._call("list_objects_v2", **params)
            keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
            if not page.get("IsTruncated"):
                return sorted(keys)
            token = page["NextContinuationToken"]


def _code(error) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


# --- choosing a store -----------------------------------------------------------------


def store_from(uri: str | os.PathLike | None = None, *, client=None, default: str | None = None) -> Store:
    """The store a URI names: "s3://bucket/prefix" -> S3Store; "file:///path" or a plain
    path -> LocalStore. Without a URI, the environment's COLLEGE_STORE, else `default`
    (the contest file's `store`). For S3 the
    endpoint comes from COLLEGE_S3_ENDPOINT_URL when set (a MinIO, a moto server), and
    `client` replaces the boto3 client altogether."""
    if uri is None:
        uri = os.environ.get("COLLEGE_STORE") or default
        if not uri:
            raise CollegeError("no store given: pass --store, set COLLEGE_STORE or name it in the contest file", field="store")
    text = os.fspath(uri)
    parsed = urlparse(text)
    if parsed.scheme == "s3":
        return S3Store(parsed.netloc, parsed.path.strip("/"), client)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise CollegeError("a file URI names a local path (file:///path)", field="store")
        return LocalStore(unquote(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:  # one letter is a Windows drive
        raise CollegeError(f"unknown store scheme {parsed.scheme!r}: use a path, file:///path or s3://bucket/prefix", field="store")
    return LocalStore(text)
