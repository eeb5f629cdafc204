"""Settings: the database URL and station name, from the command line, environment or file."""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from platformdirs import user_config_path

from app.core.actor import default_station
from app.core.errors import ConfigurationError
from app.core.saved_secrets import save_url_password, split_password, with_saved_password
from db.settings_url import APP_NAME, data_directory, default_database_url

log = logging.getLogger(__name__)

DATABASE_ENV = "COI_DATABASE_URL"
SETTINGS_ENV = "COI_SETTINGS"
STATION_ENV = "COI_STATION"
AUDIT_KEY_ENV = "COI_AUDIT_KEY"
CLINIC_KEY_ENV = "COI_CLINIC_KEY"


# The environment variables the per-user config directory is derived from (platformdirs).
_CONFIG_ROOT_VARIABLES = ("XDG_CONFIG_HOME", "HOME", "APPDATA", "LOCALAPPDATA", "USERPROFILE")


@functools.lru_cache(maxsize=8)
def _config_root(_environment: tuple[str | None, ...]) -> Path:
    return user_config_path(APP_NAME, appauthor=False)


def config_directory() -> Path:
    """The per-user config directory (where the settings file and the audit key live)."""
    return _config_root(tuple(os.environ.get(name) for name in _CONFIG_ROOT_VARIABLES))


def settings_path() -> Path:
    """The settings file (``COI_SETTINGS`` overrides the per-user config location)."""
    override = os.environ.get(SETTINGS_ENV)
    if override:
        return Path(override)
    return config_directory() / "settings.json"


@dataclass(frozen=True)
class Settings:
    """What the settings file may hold."""

    database_url: str | None = None
    station: str | None = None
    idle_lock_minutes: int = 10
    scanner: dict[str, Any] = field(default_factory=dict)
    audit_key_file: str | None = None
    """The audit key file (default: ``audit.key`` in the per-user config directory)."""
    clinic_key_file: str | None = None
    """The clinic key file (default: ``clinic.key`` in the per-user config directory)."""


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file means defaults, a broken one a clear error."""
    path = path or settings_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return Settings()
    except OSError:
        stat = None  # read below, which says what is wrong
    stamp = (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino) if stat else None
    if stamp is not None and stamp in _LOADED:  # unchanged since read: every commit asks
        loaded = _LOADED[stamp]
        return replace(loaded, scanner=copy.deepcopy(loaded.scanner))
    settings = _read_settings(path)
    if stamp is not None:
        _LOADED.clear()
        _LOADED[stamp] = settings
    return replace(settings, scanner=copy.deepcopy(settings.scanner))


_LOADED: dict[tuple[str, int, int, int], Settings] = {}
"""The settings last read, by file, modification time, size and inode."""


def _read_settings(path: Path) -> Settings:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigurationError(
            f"The settings file {path} cannot be read ({exc}). Fix or remove it."
        ) from exc
    if not isinstance(raw, dict):
        raise ConfigurationError(f"The settings file {path} must hold a JSON object.")
    known = {
        "database_url",
        "station",
        "idle_lock_minutes",
        "scanner",
        "audit_key_file",
        "clinic_key_file",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigurationError(
            f"The settings file {path} has unknown keys {unknown}; known keys: {sorted(known)}."
        )
    return Settings(**raw)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings file."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "database_url": settings.database_url,
        "station": settings.station,
        "idle_lock_minutes": settings.idle_lock_minutes,
        "scanner": settings.scanner,
        "audit_key_file": settings.audit_key_file,
        "clinic_key_file": settings.clinic_key_file,
    }
    _LOADED.clear()  # a rewrite within the file clock's tick may keep size and time
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def resolve_database_url(cli_url: str | None = None, settings: Settings | None = None) -> str:
    """``--db`` first, then ``COI_DATABASE_URL``, then the settings file, then the default.

    The settings file's URL gets its password from the keyring; a password an earlier version
    wrote into the settings file is moved to the keyring when there is one.
    """
    if cli_url:
        return cli_url
    if os.environ.get(DATABASE_ENV):
        return os.environ[DATABASE_ENV]
    from_file = settings is None
    settings = settings if settings is not None else load_settings()
    if not settings.database_url:
        return default_database_url()
    if from_file:
        _move_password_to_keyring(settings)
    return with_saved_password(settings.database_url)


def _move_password_to_keyring(settings: Settings) -> None:
    """Move a password saved in the settings file by an earlier version to the keyring."""
    assert settings.database_url is not None
    if split_password(settings.database_url)[1] is None:
        return
    saved = save_url_password(settings.database_url)
    if saved.in_keyring:
        save_settings(replace(settings, database_url=saved.url))
        log.info("moved the database password from %s to the keyring", settings_path())
    else:
        log.warning(
            "the settings file %s holds a database password: %s", settings_path(), saved.note
        )


def resolve_station(settings: Settings | None = None) -> str:
    """The station name for the audit trail: ``COI_STATION``, settings, or the host name."""
    if os.environ.get(STATION_ENV):
        return os.environ[STATION_ENV]
    settings = settings if settings is not None else load_settings()
    return settings.station or default_station()


def audit_key_path(settings: Settings | None = None) -> Path:
    """The audit key file: ``COI_AUDIT_KEY``, the settings file, or the config directory."""
    return _key_path(AUDIT_KEY_ENV, "audit_key_file", "audit.key", settings)


def clinic_key_path(settings: Settings | None = None) -> Path:
    """The clinic key file: ``COI_CLINIC_KEY``, the settings file, or the config directory."""
    return _key_path(CLINIC_KEY_ENV, "clinic_key_file", "clinic.key", settings)


def _key_path(variable: str, field_name: str, default_name: str, settings: Settings | None) -> Path:
    if os.environ.get(variable):
        return Path(os.environ[variable])
    settings = settings if settings is not None else load_settings()
    saved = getattr(settings, field_name)
    return Path(saved) if saved else config_directory() / default_name


def log_directory() -> Path:
    """Where the application writes its log file."""
    path = data_directory() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path
