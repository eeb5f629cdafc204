"""What the collection screen shows of a case, read in one background task."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.casefile import ShipmentDirection, UnitKind, open_shipment, units_of
from app.core import Actor, Database
from app.journey import CaseView, ShipmentView, UnitView, find_case
from app.labelling import LabelReconciliation, label_reconciliation


@dataclass(frozen=True)
class CollectionState:
    """The case, its apheresis bags and where each bag's label stands."""

    case: CaseView
    bags: list[UnitView]
    labels: dict[uuid.UUID, LabelReconciliation]
    shipment: ShipmentView | None = None
    """The shipper still being packed for this case, as the database knows it."""

    @property
    def labelled(self) -> bool:
        """True when every bag carries a label that was scanned back."""
        return bool(self.bags) and all(self.labels[b.id].reconciled for b in self.bags)


def read_collection(database: Database, actor: Actor, case_id: uuid.UUID) -> CollectionState:
    """Read what the collection screen shows of one case (runs on a worker thread)."""
    case = find_case(database, actor, case_id)
    bags = [
        unit for unit in units_of(database, actor, case_id) if unit.kind is UnitKind.APHERESIS_BAG
    ]
    labels = {bag.id: label_reconciliation(database, bag.id) for bag in bags}
    shipment = open_shipment(database, actor, case_id, ShipmentDirection.TO_MANUFACTURER)
    return CollectionState(case, bags, labels, shipment)
