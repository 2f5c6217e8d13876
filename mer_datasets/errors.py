"""Typed exceptions for every expected failure.

Why a hierarchy: the CLI maps any :class:`MERDatasetsError` to exit code 1 with its message and no
traceback, and researchers can catch exactly the failure they can handle (e.g. a gated dataset
that needs a manual download) without catching programming errors.
"""

from __future__ import annotations

from pathlib import Path


class MERDatasetsError(Exception):
    """Base class of every failure that is the data's, the network's or the user's, not a bug."""


class CatalogError(MERDatasetsError):
    """``catalog.yaml`` (or a user catalog) cannot be read or does not match its schema."""


class UnsafePathError(CatalogError, ValueError):
    """A catalog string that becomes a path (version, file name, member path) could leave its
    folder (absolute, ``.``/``..`` segment, NUL, separator or control character)."""


class UnknownDatasetError(MERDatasetsError, KeyError):
    """A dataset id that is not in the catalog."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class UnknownVersionError(MERDatasetsError, KeyError):
    """A version that the catalog does not list for a dataset."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DownloadError(MERDatasetsError):
    """A transfer failed after all retries; the message names the URL and the file."""


class InsufficientSpaceError(MERDatasetsError):
    """Extracting an archive would not fit on the disk; nothing of it was written.

    Not a :class:`DownloadError`: the archive itself is fine and is kept (never quarantined)."""

    def __init__(self, message: str, *, archive: str = "", needed: int = 0, free: int = 0):
        super().__init__(message)
        self.archive = archive
        self.needed = needed
        self.free = free


class ChecksumMismatchError(MERDatasetsError):
    """A file's sha256 differs from an official or authors' pin (or from its first verified use)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        expected: str | None = None,
        actual: str | None = None,
        checksum_source: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = str(path) if path is not None else None
        self.expected = expected
        self.actual = actual
        self.checksum_source = checksum_source


class ManualDownloadRequired(MERDatasetsError):
    """The dataset cannot be fetched automatically (gated by a EULA, or no public URL is known).

    The message names the dataset, where to obtain it, the exact files expected, and the
    ``mer-datasets ingest`` command that registers them once obtained.
    """


class OfflineError(MERDatasetsError):
    """Offline mode is on and a needed file is not verified locally."""


class IngestError(MERDatasetsError):
    """A required file is missing or ambiguous under the directory given to ``ingest``."""


class DirectoryMemberError(MERDatasetsError):
    """A directory member (a folder of one file per item) does not hold the files the catalog
    describes: wrong number of files, or names absent from / extra to its checksum manifest."""

    def __init__(
        self,
        message: str,
        *,
        dataset_id: str,
        directory: str,
        expected: int | None = None,
        found: int | None = None,
    ) -> None:
        super().__init__(message)
        self.dataset_id = dataset_id
        self.directory = directory
        self.expected = expected
        self.found = found


class UnsafeArchiveError(MERDatasetsError):
    """An archive member would escape the target directory or the archive looks like a bomb."""

    def __init__(self, message: str, *, member: str | None = None) -> None:
        super().__init__(message)
        self.member = member


class CorruptArchiveError(MERDatasetsError):
    """An archive cannot be read (not a zip/tar, truncated, bad CRC, an HTML page saved as
    ``.zip``); the message names the dataset and the file. The archive is set aside."""

    def __init__(self, message: str, *, archive: str | None = None) -> None:
        super().__init__(message)
        self.archive = archive


class ParseError(MERDatasetsError):
    """A raw file does not match the format its loader expects."""

    def __init__(
        self,
        message: str,
        *,
        dataset: str | None = None,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        where = ", ".join(
            part
            for part in (
                f"dataset {dataset!r}" if dataset else "",
                f"file {file!r}" if file else "",
                f"line {line}" if line is not None else "",
                f"field {field!r}" if field else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.dataset = dataset
        self.file = file
        self.line = line
        self.field = field


class UserFileError(ParseError):
    """A researcher's own annotation file cannot be read as asked (encoding, shape, columns, values).

    The message names the file and, where one exists, the line (text formats), the row (Parquet,
    Excel, a JSON array) and the column, so the user can open the file at the right place.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        row: int | None = None,
        column: str | None = None,
        byte_offset: int | None = None,
    ) -> None:
        where = ", ".join(
            part
            for part in (
                f"file {file!r}" if file else "",
                f"line {line}" if line is not None else "",
                f"row {row}" if row is not None else "",
                f"byte {byte_offset}" if byte_offset is not None else "",
                f"column {column!r}" if column else "",
            )
            if part
        )
        MERDatasetsError.__init__(self, f"{where}: {message}" if where else message)
        self.dataset = None
        self.file = file
        self.line = line
        self.row = row
        self.field = column
        self.column = column
        self.byte_offset = byte_offset


class TableValidationError(MERDatasetsError):
    """A loaded table breaks its schema; names dataset, table, row and field."""

    def __init__(
        self,
        message: str,
        *,
        dataset: str | None = None,
        table: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.dataset = dataset
        self.table = table
        self.row = row
        self.field = field


class LabelMappingError(MERDatasetsError, ValueError):
    """A value or category cannot be placed in the unified label space (e.g. no numeric range)."""


class VocabularyError(MERDatasetsError):
    """A vocabulary file is missing, unreadable or breaks ``schemas/vocabulary.schema.json``."""


class AgreementError(MERDatasetsError, ValueError):
    """Agreement statistics cannot be computed as asked (bad column, level, policy or filter)."""


class TooManyGroupsError(AgreementError):
    """Group tests were asked for more groups than pairwise testing can sensibly cover."""


class PersonalizationError(MERDatasetsError, ValueError):
    """A bad argument or an input table that cannot support a personalization request (says which
    and why)."""


class OptionalDependencyError(MERDatasetsError, ImportError):
    """An optional extra (``crowd``, ``learn``, ``audio``, ...) is needed and not installed."""


class OutputExistsError(MERDatasetsError):
    """An output file or folder already exists and ``--force`` was not given."""


class FleissDesignError(AgreementError):
    """Fleiss' kappa is undefined for this design (unequal raters per item, fewer than 2 raters)."""


class WhereError(AgreementError):
    """The ``--where`` expression is not valid; the message names the token and its position."""


class AssetError(MERDatasetsError):
    """An optional asset (audio, a feature set) cannot be found, selected or read as asked."""


class UnknownTrackError(AssetError, KeyError):
    """A track id that the asset group of a dataset does not map to any file."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class AudioDecodeError(AssetError):
    """An audio file that is truncated, not audio, or not decodable: names dataset, track, file."""

    def __init__(self, message: str, *, dataset_id: str, track_id: str, path: Path) -> None:
        super().__init__(message)
        self.dataset_id = dataset_id
        self.track_id = track_id
        self.path = path


class FeatureFileError(AssetError):
    """A published feature file that does not have the declared shape (names dataset and file)."""


class ChecksumWarning(UserWarning):
    """A file differs from a third-party pin: loud, named, but the run continues."""


class CorruptFileWarning(UserWarning):
    """A verified file changed on disk; it was moved to quarantine (and re-fetched if possible)."""
