"""Pure rules of the foundation: canonical JSON, chain hashes, navigation, Qt-free core."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.access.navigation import sections_for
from app.core.actor import Actor
from app.core.audit_chain import chain_hash
from app.core.canonical import canonical_json
from db.enums import Role, SignatureMeaning


def test_canonical_json_is_sorted_compact_and_utc() -> None:
    when = datetime(2026, 11, 26, 23, 0, tzinfo=timezone(timedelta(hours=1)))
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    text = canonical_json({"b": when, "a": ident, "c": SignatureMeaning.VERIFIED, "d": [1.5]})
    assert text == (
        '{"a":"12345678-1234-5678-1234-567812345678",'
        '"b":"2026-11-26T22:00:00.000000Z","c":"verified","d":[1.5]}'
    )


def test_canonical_json_refuses_naive_times_and_nan() -> None:
    with pytest.raises(ValueError, match="naive"):
        canonical_json({"at": datetime(2026, 1, 1)})  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="not JSON compliant"):
        canonical_json({"x": float("nan")})


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=6))
def test_canonical_json_does_not_depend_on_key_order(values: dict[str, object]) -> None:
    reordered = dict(reversed(list(values.items())))
    assert canonical_json(values) == canonical_json(reordered)


def test_chain_hash_is_sha256_of_content_then_previous_hash() -> None:
    content, previous = '{"seq":1}', "0" * 64
    expected = hashlib.sha256(b'{"seq":1}' + b"0" * 64).hexdigest()
    assert chain_hash(content, previous) == expected
    assert chain_hash(content, "1" + "0" * 63) != expected


def _actor(*roles: Role) -> Actor:
    return Actor(None, "u", "U", frozenset(roles), None, None, "s")


def test_navigation_follows_the_roles() -> None:
    keys = lambda actor: [s.key for s in sections_for(actor)]  # noqa: E731 - local shorthand
    assert "bedside" in keys(_actor(Role.INFUSION_NURSE))
    assert "batch" not in keys(_actor(Role.INFUSION_NURSE))
    assert "audit" not in keys(_actor(Role.MFG_OPERATOR))
    assert keys(_actor(Role.QP)) == ["home", "cases", "scan", "release", "deviations", "audit"]
    assert keys(_actor(Role.ADMIN)) == ["home", "audit", "admin"]
    assert "products" in keys(_actor(Role.QA))  # QA approves product drafts; admin cannot
    assert keys(_actor()) == []


def test_core_packages_never_load_qt() -> None:
    code = (
        "import sys, app.cli.main, app.access.users, app.quality.signatures, "
        "app.coldchain.analysis, db.models, "
        "labels.scan; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6'}); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_utc_now_is_aware() -> None:
    from db.types import utc_now  # noqa: PLC0415 - the one import under test

    assert utc_now().tzinfo is UTC
