"""Reading an uploaded scenario: what kind of file it is, a zip unpacked safely, validation.

The upload is unpacked under fixed names in a private temporary folder removed before
returning; problems name the upload, never a server path.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from forcegen.exceptions import InputError, Problem, ScenarioError
from forcegen.scenario import Scenario, load_scenario
from forcegen.workspace.scenarios import files as files_mod
from forcegen.workspace.scenarios.records import FILE_KEYS

__all__ = ["file_sha256", "parse_upload"]

_MAX_MEMBERS = 200


def _kind(filename: str, content: bytes) -> str:
    if content[:4] == b"PK\x03\x04":
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except zipfile.BadZipFile as exc:
            raise InputError(f"{filename}: not a readable zip or xlsx file ({exc})") from exc
        return "xlsx" if "xl/workbook.xml" in names else "zip"
    if filename.lower().endswith((".xlsx", ".zip")):
        raise InputError(f"{filename}: not a readable {filename.rsplit('.', 1)[-1]} file")
    return "yaml"


def _safe_extract(content: bytes, dest: Path, max_bytes: int) -> None:
    """Unpack a zip refusing absolute paths, ``..``, links, too many or too large members."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        members = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable zip file ({exc})") from exc
    if len(members) > _MAX_MEMBERS:
        raise InputError(f"zip has {len(members)} files; at most {_MAX_MEMBERS} are accepted")
    total = 0
    for m in members:
        p = PurePosixPath(m.filename)
        if p.is_absolute() or ".." in p.parts or (m.external_attr >> 16) & 0o170000 == 0o120000:
            raise InputError(f"zip member {m.filename!r}: unsafe path")
        total += m.file_size
        if total > max_bytes:
            raise InputError(f"zip unpacks to more than {max_bytes} bytes")
    try:
        for m in members:
            target = dest.joinpath(*PurePosixPath(m.filename).parts)
            if m.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(m) as src:
                data = src.read(max_bytes + 1)
            if len(data) > m.file_size:
                raise InputError(f"zip member {m.filename!r} is larger than declared")
            target.write_bytes(data)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(f"zip could not be unpacked ({exc})") from exc


def _scenario_root(folder: Path) -> Path:
    if (folder / "scenario.yaml").is_file() or (folder / "scenario.yml").is_file():
        return folder
    subdirs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
    if len(subdirs) == 1:
        return _scenario_root(subdirs[0])
    raise ScenarioError([Problem("<zip>", "no scenario.yaml at the top of the zip")])


def parse_upload(
    filename: str, content: bytes, max_unpacked: int
) -> tuple[Scenario, dict[str, str]]:
    """Validate an uploaded scenario (zipped folder, ``.xlsx`` or ``.yaml``).

    Returns the scenario and the text of the files it references (network, nodes, costs), which
    the database keeps for export. Raises ``InputError`` (``ScenarioError`` with every problem)
    for anything unreadable or invalid; problems name the upload, never a server path.

    Every name the file gives a table is checked first (``files.check_name``): a plain name
    inside the scenario's own folder. The upload is unpacked under fixed names in a private
    temporary folder removed before returning; a workbook's side sheets are read from memory
    and placed there under their checked names, so the reader never creates folders of its own.
    """
    name = PurePosixPath(filename or "upload").name or "upload"
    kind = _kind(name, content)
    with tempfile.TemporaryDirectory(prefix="forcegen-import-") as tmp:
        root = Path(tmp)
        try:
            return _parse_in(root, name, kind, content, max_unpacked)
        except ScenarioError as exc:
            raise files_mod.sanitize_problems(exc, root, name) from None


def _place_upload(root: Path, name: str, kind: str, content: bytes, max_unpacked: int
                  ) -> tuple[Scenario, Path]:
    """Write the upload under ``root`` and load it; the scenario and its folder."""
    if kind == "xlsx":
        tables = files_mod.workbook_side_tables(content, name)
        for ref, text_ in tables.items():
            target = root / ref
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text_, encoding="utf-8")
        path = root / "scenario.xlsx"
        path.write_bytes(content)
        return _load(path, name), root
    if kind == "zip":
        _safe_extract(content, root / "x", max_unpacked)
        base = _scenario_root(root / "x")
        for candidate in ("scenario.yaml", "scenario.yml"):
            if (base / candidate).is_file():
                files_mod.yaml_table_names(base / candidate, name)
                break
        return _load(base, name), base
    path = root / "scenario.yaml"
    path.write_bytes(content)
    files_mod.yaml_table_names(path, name)
    return _load(path, name), root


def _check_names(scenario: Scenario, name: str) -> None:
    """Every table and side file the scenario names is a plain, allowed file name."""
    problems = []
    for section, table in scenario.layout.items():
        if table not in ("inline", "xlsx"):
            problems.append(files_mod.check_name(name, section, table))
    for key in FILE_KEYS:
        ref = getattr(scenario.data, key)
        if ref is not None:
            problems.append(files_mod.check_name(name, key, ref))
    found = [p for p in problems if p is not None]
    if found:
        raise ScenarioError(found)


def _parse_in(
    root: Path, name: str, kind: str, content: bytes, max_unpacked: int
) -> tuple[Scenario, dict[str, str]]:
    files: dict[str, str] = {}
    scenario, base = _place_upload(root, name, kind, content, max_unpacked)
    _check_names(scenario, name)
    for key in FILE_KEYS:
        ref = getattr(scenario.data, key)
        if ref is None:
            continue
        # Never a sheet the reader attached: side sheets were placed under ``base`` above.
        p = (base / ref).resolve()
        if ref in scenario.attached or not p.is_relative_to(base.resolve()) or not p.is_file():
            raise ScenarioError(
                [Problem(name, f"{key}: file {ref!r} is not in the upload", field=key)]
            )
        try:
            files[ref] = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as exc:
            raise ScenarioError(
                [Problem(name, f"{key}: cannot read {ref!r} as UTF-8 text ({exc})", field=key)]
            ) from exc
    return scenario, files


def _load(path: Path, display: str) -> Scenario:
    try:
        return load_scenario(path)
    except InputError:
        raise
    except Exception as exc:  # a malformed workbook or YAML must be a 4xx, never a crash
        raise ScenarioError([Problem(display, f"cannot read the file: {exc}")]) from exc


def file_sha256(content: bytes) -> str:
    """Hex SHA-256 of an uploaded file (recorded in the audit trail)."""
    return hashlib.sha256(content).hexdigest()
