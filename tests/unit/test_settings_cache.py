"""The settings file is read once per change: a rewrite is always seen, never a stale copy."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from app.core.config import Settings, load_settings, save_settings
from app.core.errors import ConfigurationError


def test_a_rewrite_of_the_same_size_in_the_same_instant_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(Settings(station="ward-a", audit_key_file="/keys/a.key"), path)
    assert load_settings(path).audit_key_file == "/keys/a.key"
    stamp = path.stat().st_mtime_ns
    save_settings(Settings(station="ward-a", audit_key_file="/keys/b.key"), path)  # same size
    os.utime(path, ns=(stamp, stamp))  # and the same modification time
    assert load_settings(path).audit_key_file == "/keys/b.key"


def test_another_process_rewriting_the_file_is_seen_and_a_broken_one_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    save_settings(Settings(station="ward-a"), path)
    assert load_settings(path).station == "ward-a"
    path.write_text('{"station": "ward-bb"}', encoding="utf-8")  # not through save_settings
    assert load_settings(path).station == "ward-bb"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="cannot be read"):
        load_settings(path)
    path.unlink()
    assert load_settings(path) == Settings()


def test_a_caller_changing_its_copy_does_not_change_the_next_read(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(Settings(scanner={"suffix": "enter"}), path)
    first = load_settings(path)
    first.scanner["suffix"] = "tab"
    assert load_settings(path).scanner == {"suffix": "enter"}
    assert replace(first, scanner={}) != load_settings(path)
