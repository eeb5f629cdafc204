"""How the journey commands print containers, shipments, steps and QC results as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.journey import QcResultView, ShipmentView, StepView, UnitView


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def unit_json(unit: UnitView) -> dict[str, Any]:
    """A container: its DIN, kind, status and side state."""
    return {
        "din": unit.din,
        "kind": unit.kind.value,
        "status": unit.status.value,
        "side_state": unit.side_state.value,
        "coi": unit.coi,
        "volume_ml": unit.volume_ml,
        "expires_at": _iso(unit.expires_at),
    }


def shipment_json(shipment: ShipmentView) -> dict[str, Any]:
    """A shipment: its SSCC, direction, status, logger and counts."""
    return {
        "sscc": shipment.sscc,
        "sscc_text": shipment.sscc_text,
        "direction": shipment.direction.value,
        "status": shipment.status.value,
        "logger_giai": shipment.logger_giai,
        "courier": shipment.courier_name,
        "shipper_label": (
            "scanned on the box"
            if shipment.label_scanned
            else "printed"
            if shipment.labelled
            else "none"
        ),
        "packed": len(shipment.packed_units),
        "received": len(shipment.received_units),
        "receipt_accepted": shipment.receipt_accepted,
        "handed_over_at": _iso(shipment.handed_over_at),
        "received_at": _iso(shipment.received_at),
    }


def step_json(step: StepView, dins: dict[Any, str | None] | None = None) -> dict[str, Any]:
    """A batch record step; its outputs by DIN when ``dins`` (unit id → DIN) is given."""
    out: dict[str, Any] = {
        "position": step.position,
        "code": step.code,
        "name": step.name,
        "status": step.status.value,
        "parameters": step.parameters,
        "expects": [spec.get("name") for spec in step.parameter_spec],
        "output_kind": step.output_kind,
        "performed_at": _iso(step.performed_at),
        "verified_at": _iso(step.verified_at),
    }
    if dins is not None:
        out["outputs"] = [dins.get(unit_id) for unit_id in step.outputs]
    return out


def qc_json(result: QcResultView) -> dict[str, Any]:
    """A QC result: test, value, outcome against its criterion, review and exception."""
    return {
        "test": result.test_code,
        "name": result.test_name,
        "value": result.value,
        "unit": result.unit,
        "criterion": result.criterion,
        "outcome": result.outcome.value,
        "reviewed": result.reviewed,
        "exception_approved": result.exception_approved,
        "entered_at": result.entered_at.isoformat(),
    }
