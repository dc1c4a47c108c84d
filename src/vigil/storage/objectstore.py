"""The object-store seam: every file Vigil reads or writes goes through here.

This module is a thin layer over `fsspec <https://filesystem-spec.readthedocs.io>`_; it holds no
protocol code of its own. A location is either a plain local path (relative paths are made
absolute) or any fsspec URL: ``s3://bucket/key``, ``gs://``, ``az://``, ``file://``,
``memory://``. Remote backends (``s3fs``, ``gcsfs``, ``adlfs``) are found by fsspec.

Conventions:

- Functions take a URL and return URLs that keep their protocol (``s3://bucket/key``); local files
  are plain absolute paths.
- Credentials, region and endpoint come from each backend's standard configuration (for S3: the
  ``AWS_*`` environment variables, ``~/.aws/config``, instance roles). On top of that,
  ``VIGIL_S3_ENDPOINT_URL`` points S3 at another endpoint (MinIO, moto); it is read by
  :func:`s3_endpoint_url_from_env` only.
- Failures are typed: an object that does not exist raises
  :class:`~vigil.errors.DatasetNotFoundError`; anything else the filesystem underneath raises
  (permissions, connection, throttling) becomes :class:`~vigil.errors.StorageError`. Both carry
  the URL as ``.path``.

Examples
--------
>>> join("s3://bucket/prefix/", "/capture/", "model.jsonl")
's3://bucket/prefix/capture/model.jsonl'
>>> write_bytes("memory://vigil-doctest/objectstore/a.csv", b"x,y\\n1,2\\n")
>>> read_bytes("memory://vigil-doctest/objectstore/a.csv")
b'x,y\\n1,2\\n'
>>> [f.url for f in resolve_inputs("memory://vigil-doctest/objectstore")]
['memory:///vigil-doctest/objectstore/a.csv']
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal, NoReturn

import fsspec
import fsspec.utils
from fsspec.implementations.local import LocalFileSystem

from vigil.errors import DatasetNotFoundError, InvalidParameterError, StorageError, VigilError

__all__ = [
    "S3_ENDPOINT_ENV_VAR",
    "InputFile",
    "decompress",
    "delete",
    "exists",
    "filesystem_for",
    "join",
    "move",
    "open_input",
    "read_bytes",
    "resolve_inputs",
    "s3_endpoint_url_from_env",
    "write_bytes",
]

S3_ENDPOINT_ENV_VAR = "VIGIL_S3_ENDPOINT_URL"
"""Name of the environment variable that overrides the S3 endpoint (MinIO, moto, …)."""

PathSpec = str | os.PathLike[str]
"""A local path or an fsspec URL."""

_S3_PROTOCOLS = frozenset({"s3", "s3a"})
_GLOB_CHARS = re.compile(r"[*?\[]")
# Suffix of a compressed file -> the codec name fsspec registers for it.
_COMPRESSION_SUFFIXES = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".xz": "xz"}


@dataclass(frozen=True, slots=True, order=True)
class InputFile:
    """One file that an input spec resolved to.

    Parameters
    ----------
    url : str
        Where the file is: an fsspec URL that keeps its protocol (``s3://bucket/key``), or a plain
        absolute path for a local file.
    size : int
        Size in bytes as reported by the filesystem (0 when it reports none). For a compressed
        file this is the compressed size.

    Examples
    --------
    >>> InputFile(url="s3://bucket/data/part-0.csv.gz", size=1024)
    InputFile(url='s3://bucket/data/part-0.csv.gz', size=1024)
    """

    url: str
    size: int


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


def s3_endpoint_url_from_env() -> str | None:
    """Return the S3 endpoint override from the environment, if any.

    This is the one place the object store reads the environment itself: it reads
    ``VIGIL_S3_ENDPOINT_URL`` (for example ``http://127.0.0.1:9000`` for MinIO or a moto server)
    at every call, so a change takes effect on the next filesystem lookup. Everything else about
    S3 (credentials, region) comes from botocore's standard configuration.

    Returns
    -------
    str or None
        The endpoint URL, or ``None`` when the variable is unset or empty.
    """
    value = os.environ.get(S3_ENDPOINT_ENV_VAR, "").strip()
    return value or None


def _storage_options_for(
    protocol: str, storage_options: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Merge Vigil's defaults for ``protocol`` with the caller's ``storage_options``.

    For S3 the defaults are the endpoint from :func:`s3_endpoint_url_from_env` and
    ``use_listings_cache=False``: objects arrive from other processes (capture writers, training
    pipelines), so a cached listing would hide them. The caller's options win, and their
    ``client_kwargs`` are merged into (not substituted for) the default ones.
    """
    options: dict[str, Any] = {}
    if protocol in _S3_PROTOCOLS:
        options["use_listings_cache"] = False
        endpoint = s3_endpoint_url_from_env()
        if endpoint is not None:
            options["client_kwargs"] = {"endpoint_url": endpoint}
    for key, value in (storage_options or {}).items():
        if key == "client_kwargs" and isinstance(value, Mapping):
            options["client_kwargs"] = {**options.get("client_kwargs", {}), **value}
        else:
            options[key] = value
    return options


def _protocol_of(url: str) -> str:
    """Return the (outermost) protocol of ``url``; ``"file"`` for a plain path."""
    protocol = fsspec.utils.get_protocol(url)
    return str(protocol[0] if isinstance(protocol, (list, tuple)) else protocol)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


def _remote_error_types() -> tuple[type[BaseException], ...]:
    """Exception types that mean "the storage failed" besides :class:`OSError`.

    s3fs translates most botocore errors into ``OSError`` subclasses but lets some through
    (missing credentials, endpoint connection errors); catch those too, without importing
    botocore when it is not installed.
    """
    types: list[type[BaseException]] = [OSError, TimeoutError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - botocore comes with s3fs
        pass
    else:
        types += [BotoCoreError, ClientError]
    return tuple(types)


_READ_ACTIONS = frozenset({"opening", "reading"})


def _raise_storage_error(exc: BaseException, url: str, action: str) -> NoReturn:
    """Re-raise ``exc`` (raised while doing ``action`` on ``url``) as a Vigil error."""
    if isinstance(exc, VigilError):
        raise exc
    if isinstance(exc, FileNotFoundError):
        raise DatasetNotFoundError(f"no such file or object ({action})", path=url) from exc
    if isinstance(exc, IsADirectoryError) and action in _READ_ACTIONS:
        raise DatasetNotFoundError(f"is a directory, not a file ({action})", path=url) from exc
    detail = str(exc) or type(exc).__name__
    raise StorageError(f"{action} failed: {detail}", path=url) from exc


@contextlib.contextmanager
def _storage_errors(url: str, action: str) -> Iterator[None]:
    """Translate filesystem errors raised inside the block into Vigil errors."""
    try:
        yield
    except VigilError:
        raise
    except _remote_error_types() as exc:
        _raise_storage_error(exc, url, action)


# --------------------------------------------------------------------------------------------
# Filesystems and URLs
# --------------------------------------------------------------------------------------------


def filesystem_for(
    url: PathSpec, storage_options: Mapping[str, Any] | None = None
) -> tuple[fsspec.AbstractFileSystem, str]:
    """Return the fsspec filesystem for ``url`` and the path inside it.

    Parameters
    ----------
    url : str or os.PathLike
        A local path (``~`` is expanded, relative paths are made absolute) or an fsspec URL.
    storage_options : mapping, default=None
        Extra keyword arguments for the filesystem (for S3: ``anon``, ``key``, ``secret``,
        ``client_kwargs``, …). They override Vigil's defaults; see the module docstring.

    Returns
    -------
    fs : fsspec.AbstractFileSystem
        The filesystem. fsspec caches instances, so equal options give the same object.
    path : str
        ``url`` with its protocol stripped, as ``fs`` expects it (``bucket/key`` for S3, an
        absolute POSIX path locally).

    Raises
    ------
    InvalidParameterError
        If ``url`` is empty or names an unknown protocol.
    StorageError
        If the backend for the protocol is not installed (for example ``gcsfs`` for ``gs://``)
        or cannot be created.

    Examples
    --------
    >>> fs, path = filesystem_for("memory://vigil-doctest/x.csv")
    >>> type(fs).__name__, path
    ('MemoryFileSystem', '/vigil-doctest/x.csv')
    """
    text = _as_url(url, "url", "filesystem_for")
    protocol = _protocol_of(text)
    options = _storage_options_for(protocol, storage_options)
    try:
        fs, path = fsspec.core.url_to_fs(text, **options)
    except ValueError as exc:
        raise InvalidParameterError(
            f"url of filesystem_for must use a known fsspec protocol. Got {text!r} instead "
            f"({exc}).",
            path=text,
        ) from exc
    except ImportError as exc:
        raise StorageError(
            f"no filesystem installed for protocol {protocol!r}: {exc}", path=text
        ) from exc
    except _remote_error_types() as exc:
        _raise_storage_error(exc, text, "opening the filesystem")
    return fs, path


def _as_url(url: PathSpec, param: str, fn: str) -> str:
    """Validate ``url`` and return it as a string (a local path gets ``~`` expanded)."""
    if not isinstance(url, (str, os.PathLike)):
        raise InvalidParameterError(
            f"{param} of {fn} must be a path or URL string. Got {url!r} instead.", field=param
        )
    text = os.fspath(url)
    if not isinstance(text, str) or not text.strip():
        raise InvalidParameterError(
            f"{param} of {fn} must be a non-empty path or URL. Got {url!r} instead.", field=param
        )
    if "://" not in text and "::" not in text:
        text = os.path.expanduser(text)
    return text


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    return isinstance(fs, LocalFileSystem)


def _url_for(fs: fsspec.AbstractFileSystem, path: str, scheme: str | None) -> str:
    """Return the URL of ``path`` on ``fs``: a plain path locally, else ``scheme://path``.

    ``scheme`` is the one the caller wrote (so ``az://`` stays ``az://`` rather than becoming
    the backend's first alias); ``None`` falls back to the backend's own. A filesystem whose
    paths are whole URLs already (HTTP: ``http://host/a.csv``) keeps them as they are.
    """
    if _is_local(fs) or "://" in path:
        return path
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    if scheme is not None and scheme in protocols:
        return f"{scheme}://{path}"
    return str(fs.unstrip_protocol(path))


def _scheme_of(url: str) -> str | None:
    """Return the scheme written at the start of ``url`` (``"s3"`` in ``s3://b/k``), if any."""
    if "::" in url or "://" not in url:
        return None
    return url.split("://", 1)[0].lower()


def join(url: str, *parts: str) -> str:
    """Join path segments onto a URL or local path without ever producing ``//`` in the path.

    Each part is stripped of leading and trailing slashes (a part is always relative: ``"/x"``
    does not reset the path as in :func:`os.path.join`), empty parts are dropped, and runs of
    slashes in the path are collapsed. The ``scheme://`` separator and a leading ``/`` of an
    absolute path are kept. Such a double slash from a trailing ``/`` in an S3 prefix makes
    SageMaker look under a key that does not exist.

    Parameters
    ----------
    url : str
        The base: a local path or an fsspec URL.
    *parts : str
        Segments to append; each may itself contain ``/``.

    Returns
    -------
    str
        The joined location, with no trailing slash.

    Raises
    ------
    InvalidParameterError
        If ``url`` is empty or a part is not a string.

    Examples
    --------
    >>> join("s3://bucket/monitoring/", "/reports/", "2024/05/01/")
    's3://bucket/monitoring/reports/2024/05/01'
    >>> join("/var/vigil//data/", "capture", "", "a.jsonl")
    '/var/vigil/data/capture/a.jsonl'
    >>> join("memory:///root", "x")
    'memory:///root/x'
    """
    if not isinstance(url, str) or not url:
        raise InvalidParameterError(
            f"url of join must be a non-empty string. Got {url!r} instead.", field="url"
        )
    for part in parts:
        if not isinstance(part, str):
            raise InvalidParameterError(
                f"parts of join must be strings. Got {part!r} instead.", field="parts"
            )
    prefix, sep, path = url.rpartition("://")
    head = prefix + sep
    absolute = path.startswith("/")
    segments = [s for piece in (path, *parts) for s in piece.split("/") if s]
    body = "/".join(segments)
    return head + ("/" + body if absolute else body)


# --------------------------------------------------------------------------------------------
# Resolving inputs
# --------------------------------------------------------------------------------------------


def _normalise_extensions(extensions: Sequence[str] | None) -> frozenset[str] | None:
    if extensions is None:
        return None
    if isinstance(extensions, str):
        extensions = [extensions]
    normalised = set()
    for ext in extensions:
        if not isinstance(ext, str) or not ext.strip(". "):
            raise InvalidParameterError(
                "extensions of resolve_inputs must be non-empty strings such as '.csv'. "
                f"Got {ext!r} instead.",
                field="extensions",
            )
        normalised.add("." + ext.strip().lstrip(".").lower())
    return frozenset(normalised)


def _matches_extension(name: str, extensions: frozenset[str]) -> bool:
    """Whether a file name has one of ``extensions``; ``a.csv.gz`` counts as ``.csv`` too."""
    lower = name.lower()
    if any(lower.endswith(ext) for ext in extensions):
        return True
    stem, dot, last = lower.rpartition(".")
    if dot and stem and "." + last in _COMPRESSION_SUFFIXES:
        return any(stem.endswith(ext) for ext in extensions)
    return False


def _is_hidden(relative: str) -> bool:
    """Whether any component of ``relative`` starts with ``.`` or ``_`` (``_SUCCESS``, ``.crc``)."""
    return any(part.startswith((".", "_")) for part in relative.split("/") if part)


def _relative_to(path: str, root: str) -> str:
    root = root.rstrip("/")
    if root and path.startswith(root + "/"):
        return path[len(root) + 1 :]
    return path.rsplit("/", 1)[-1]


def _glob_root(path: str) -> str:
    """The literal directory a glob pattern starts from (``b/p`` for ``b/p/**/*.csv``)."""
    match = _GLOB_CHARS.search(path)
    literal = path if match is None else path[: match.start()]
    return literal.rsplit("/", 1)[0] if "/" in literal else ""


def _walk(fs: fsspec.AbstractFileSystem, root: str) -> dict[str, int]:
    """All visible files under directory ``root`` → size."""
    found = fs.find(root, withdirs=False, detail=True)
    return {
        path: int(info.get("size") or 0)
        for path, info in found.items()
        if info.get("type") != "directory" and not _is_hidden(_relative_to(path, root))
    }


def _expand_one(
    spec: str, extensions: frozenset[str] | None, storage_options: Mapping[str, Any] | None
) -> list[InputFile]:
    fs, path = filesystem_for(spec, storage_options)
    scheme = _scheme_of(spec)
    explicit: dict[str, int] = {}  # named directly: always kept
    expanded: dict[str, int] = {}  # from a directory walk or a glob: filtered
    with _storage_errors(spec, "listing"):
        if _GLOB_CHARS.search(path):
            root = _glob_root(path)
            for match, info in fs.glob(path, detail=True).items():
                if _is_hidden(_relative_to(match, root)):
                    continue
                if info.get("type") == "directory":
                    expanded.update(_walk(fs, match))
                else:
                    expanded[match] = int(info.get("size") or 0)
        else:
            info = fs.info(path)
            if info.get("type") == "directory":
                expanded.update(_walk(fs, path))
            else:
                explicit[path] = int(info.get("size") or 0)
    n_listed = len(expanded)
    if extensions is not None:
        expanded = {
            p: size
            for p, size in expanded.items()
            if _matches_extension(p.rsplit("/", 1)[-1], extensions)
        }
    files = {**expanded, **explicit}
    if not files:
        if n_listed:
            wanted = ", ".join(sorted(extensions or ()))
            message = f"matches no file with extension {wanted} ({n_listed} other files skipped)"
        else:
            message = "matches no file (hidden files and names starting with '_' are skipped)"
        raise DatasetNotFoundError(f"input {spec!r} {message}", path=spec)
    return [InputFile(url=_url_for(fs, p, scheme), size=size) for p, size in files.items()]


def resolve_inputs(
    spec: PathSpec | Sequence[PathSpec],
    *,
    extensions: Sequence[str] | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> list[InputFile]:
    """Expand input specs (files, directories, globs, URLs) into a sorted list of files.

    Each spec may be:

    - a file (local path or URL): kept as is, whatever its extension;
    - a directory or object prefix: walked recursively;
    - a glob (``data/*.csv``, ``s3://bucket/prefix/**/*.parquet``; ``**`` spans directories,
      including none); a directory the glob matches is walked.

    While walking or globbing, files and directories whose name starts with ``.`` or ``_`` are
    skipped (Spark's ``_SUCCESS``, ``_temporary/``, ``.part-0.crc``; Vigil's own temporary
    files), and ``extensions`` filters what is left.

    Parameters
    ----------
    spec : str, os.PathLike or sequence of them
        One spec or several. Every spec must match at least one file.
    extensions : sequence of str, default=None
        Keep only expanded files with one of these extensions (``".csv"`` or ``"csv"``, case
        insensitive). A compressed file counts as its inner extension too: with ``[".csv"]``,
        ``part-0.csv.gz`` (also ``.bz2``, ``.zst``, ``.xz``) is kept. ``None`` keeps every file.
    storage_options : mapping, default=None
        Passed to the filesystem; see :func:`filesystem_for`.

    Returns
    -------
    list of InputFile
        Files sorted by URL, without duplicates: the same specs give the same list. URLs keep
        their protocol; local files are absolute paths.

    Raises
    ------
    DatasetNotFoundError
        If a spec matches no file (a missing path, an empty directory, a glob with no match, or
        only files filtered out); the message and ``.path`` name the spec.
    StorageError
        If listing fails underneath (permissions, connection).
    InvalidParameterError
        If ``spec`` is empty or not a string/path, or an extension is empty.

    Examples
    --------
    >>> for name in ("b.csv", "a.csv.gz", "_SUCCESS", "notes.txt"):
    ...     write_bytes(f"memory://vigil-doctest/resolve/{name}", b"")
    >>> [f.url for f in resolve_inputs("memory://vigil-doctest/resolve", extensions=[".csv"])]
    ['memory:///vigil-doctest/resolve/a.csv.gz', 'memory:///vigil-doctest/resolve/b.csv']
    """
    specs: list[PathSpec]
    if isinstance(spec, (str, os.PathLike)):
        specs = [spec]
    elif isinstance(spec, Sequence):
        specs = list(spec)
    else:
        raise InvalidParameterError(
            f"spec of resolve_inputs must be a path, URL or a sequence of them. Got {spec!r} "
            "instead.",
            field="spec",
        )
    if not specs:
        raise InvalidParameterError(
            "spec of resolve_inputs must name at least one path or URL. Got an empty sequence "
            "instead.",
            field="spec",
        )
    wanted = _normalise_extensions(extensions)
    files: set[InputFile] = set()
    for one in specs:
        files.update(_expand_one(_as_url(one, "spec", "resolve_inputs"), wanted, storage_options))
    return sorted(files)


# --------------------------------------------------------------------------------------------
# Reading and writing
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def open_input(
    url: PathSpec,
    mode: Literal["rb"] = "rb",
    *,
    storage_options: Mapping[str, Any] | None = None,
) -> Iterator[IO[bytes]]:
    """Open a file for reading, decompressing it according to its suffix.

    ``.gz``, ``.bz2``, ``.xz`` and ``.zst`` are decompressed on the fly (fsspec's
    ``compression="infer"``); ``.zst`` needs the ``zstandard`` package.

    Parameters
    ----------
    url : str or os.PathLike
        A local path or fsspec URL naming one file.
    mode : {"rb"}, default="rb"
        Only binary reading is supported; wrap the result in :class:`io.TextIOWrapper` for text.
    storage_options : mapping, default=None
        Passed to the filesystem; see :func:`filesystem_for`.

    Yields
    ------
    binary file object
        Closed when the ``with`` block ends.

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist or is a directory.
    StorageError
        If opening fails underneath, or the file is compressed with a codec that is not
        installed. Errors raised while reading inside the ``with`` block are not translated.
    InvalidParameterError
        If ``mode`` is not ``"rb"``.

    Examples
    --------
    >>> import gzip
    >>> write_bytes("memory://vigil-doctest/open/a.csv.gz", gzip.compress(b"x\\n1\\n"))
    >>> with open_input("memory://vigil-doctest/open/a.csv.gz") as f:
    ...     f.read()
    b'x\\n1\\n'
    """
    if mode != "rb":
        raise InvalidParameterError(
            f"mode of open_input must be 'rb'. Got {mode!r} instead.", field="mode"
        )
    text = _as_url(url, "url", "open_input")
    fs, path = filesystem_for(text, storage_options)
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    codec = _COMPRESSION_SUFFIXES.get(suffix)
    if codec is not None and fsspec.utils.infer_compression(path) is None:
        raise StorageError(
            f"cannot decompress {suffix} files: the {codec!r} codec is not installed "
            f"(for zstd: pip install zstandard)",
            path=text,
        )
    with _storage_errors(text, "opening"):
        handle = fs.open(path, mode, compression="infer")
    with handle:
        yield handle


def read_bytes(url: PathSpec, *, storage_options: Mapping[str, Any] | None = None) -> bytes:
    """Return the stored bytes of one file (not decompressed; see :func:`open_input`).

    Parameters
    ----------
    url : str or os.PathLike
        A local path or fsspec URL.
    storage_options : mapping, default=None
        Passed to the filesystem; see :func:`filesystem_for`.

    Returns
    -------
    bytes

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    StorageError
        If reading fails underneath.
    """
    text = _as_url(url, "url", "read_bytes")
    fs, path = filesystem_for(text, storage_options)
    with _storage_errors(text, "reading"):
        return bytes(fs.cat_file(path))


def decompress(url: str, data: bytes) -> bytes:
    """The bytes of a file read whole, decompressed by its suffix as :func:`open_input` does.

    For an engine that reads files itself (Spark's ``binaryFile``) and hands their raw bytes on.

    Raises
    ------
    StorageError
        If the suffix names a codec that is not installed, or the data does not decompress.

    Examples
    --------
    >>> import gzip
    >>> decompress("s3://b/k/x.jsonl.gz", gzip.compress(b"{}\\n"))
    b'{}\\n'
    >>> decompress("/data/x.jsonl", b"{}")
    b'{}'
    """
    name = url.rsplit("/", 1)[-1]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    codec = _COMPRESSION_SUFFIXES.get(suffix)
    if codec is None:
        return data
    if fsspec.utils.infer_compression(name) is None:
        raise StorageError(
            f"cannot decompress {suffix} files: the {codec!r} codec is not installed "
            f"(for zstd: pip install zstandard)",
            path=url,
        )
    import io

    from fsspec.compression import compr

    try:
        with compr[codec](io.BytesIO(data), mode="rb") as handle:
            return bytes(handle.read())
    except (OSError, EOFError, ValueError) as exc:
        raise StorageError(f"cannot decompress as {codec}: {exc}", path=url) from exc


def write_bytes(
    url: PathSpec, data: bytes, *, storage_options: Mapping[str, Any] | None = None
) -> None:
    """Write ``data`` to ``url``, replacing any existing file.

    Locally the parent directories are created and the write is atomic: the data goes to a
    hidden temporary file in the same directory (``.<name>.<random>.tmp``, skipped by
    :func:`resolve_inputs`), is flushed to disk and then moved over the target with
    :func:`os.replace`, so a reader sees either the old or the new content, never part of it.
    On object stores a single PUT is atomic already.

    Parameters
    ----------
    url : str or os.PathLike
        A local path or fsspec URL.
    data : bytes
        The content, written as is (no compression is applied).
    storage_options : mapping, default=None
        Passed to the filesystem; see :func:`filesystem_for`.

    Raises
    ------
    StorageError
        If writing fails (permissions, connection, no such bucket).
    InvalidParameterError
        If ``data`` is not bytes-like.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidParameterError(
            f"data of write_bytes must be bytes. Got {type(data).__name__} instead.",
            field="data",
        )
    text = _as_url(url, "url", "write_bytes")
    fs, path = filesystem_for(text, storage_options)
    with _storage_errors(text, "writing"):
        if _is_local(fs):
            _write_local_atomic(path, bytes(data))
        else:
            fs.pipe_file(path, bytes(data))


def _write_local_atomic(path: str, data: bytes) -> None:
    directory, name = os.path.split(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def exists(url: PathSpec, *, storage_options: Mapping[str, Any] | None = None) -> bool:
    """Whether a file or directory (prefix) exists at ``url``.

    Parameters
    ----------
    url : str or os.PathLike
        A local path or fsspec URL.
    storage_options : mapping, default=None
        Passed to the filesystem; see :func:`filesystem_for`.

    Returns
    -------
    bool

    Raises
    ------
    StorageError
        If the check fails underneath (for example the endpoint cannot be reached).
    """
    text = _as_url(url, "url", "exists")
    fs, path = filesystem_for(text, storage_options)
    with _storage_errors(text, "checking existence"):
        return bool(fs.exists(path))


def move(
    source: PathSpec, destination: PathSpec, *, storage_options: Mapping[str, Any] | None = None
) -> None:
    """Move one file to ``destination`` (same filesystem), replacing what is there.

    Locally an :func:`os.replace` (atomic, parents created); on an object store a server-side
    copy then a delete of the source (each object appears whole: readers see the old or the
    new content).

    Raises
    ------
    DatasetNotFoundError
        If ``source`` does not exist.
    StorageError
        If the move fails underneath.
    """
    src = _as_url(source, "source", "move")
    dst = _as_url(destination, "destination", "move")
    fs, src_path = filesystem_for(src, storage_options)
    _, dst_path = filesystem_for(dst, storage_options)
    with _storage_errors(src, "moving"):
        if _is_local(fs):
            os.makedirs(os.path.dirname(dst_path), exist_ok=True)
            os.replace(src_path, dst_path)
        else:
            fs.copy(src_path, dst_path)
            fs.rm_file(src_path)


def delete(
    url: PathSpec, *, recursive: bool = False, storage_options: Mapping[str, Any] | None = None
) -> None:
    """Delete a file (or, with ``recursive``, a directory/prefix); a missing one is no error.

    Raises
    ------
    StorageError
        If the deletion fails underneath.
    """
    text = _as_url(url, "url", "delete")
    fs, path = filesystem_for(text, storage_options)
    with _storage_errors(text, "deleting"), contextlib.suppress(FileNotFoundError):
        fs.rm(path, recursive=recursive)
