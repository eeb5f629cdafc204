"""Labels: issue, print, void and reconcile label records; printers and raw TCP printing."""

from __future__ import annotations

from app.labelling.identity_label import (
    IDENTITY_LABEL_ROLES,
    IdentityLabelState,
    confirm_identity_label,
    identity_label_state,
    print_identity_label,
)
from app.labelling.printers import (
    SUPPORTED_DPI,
    PrinterView,
    add_printer,
    list_printers,
    register_printer,
    set_printer_active,
    update_printer,
)
from app.labelling.printing import print_unit_label
from app.labelling.records import (
    LabelReconciliation,
    confirm_label,
    label_reconciliation,
    reconcile,
)
from app.labelling.shipper_label import (
    SHIPPER_LABEL_ROLES,
    apply_shipper_label,
    has_shipper_label,
    print_shipper_label,
    shipper_label_state,
    shippers_of_case,
)
from db.enums import PrinterKind  # the screens name printer kinds; ui never imports db

__all__ = [
    "IDENTITY_LABEL_ROLES",
    "SHIPPER_LABEL_ROLES",
    "SUPPORTED_DPI",
    "IdentityLabelState",
    "LabelReconciliation",
    "PrinterKind",
    "PrinterView",
    "add_printer",
    "apply_shipper_label",
    "confirm_identity_label",
    "confirm_label",
    "has_shipper_label",
    "identity_label_state",
    "label_reconciliation",
    "list_printers",
    "print_identity_label",
    "print_shipper_label",
    "print_unit_label",
    "reconcile",
    "register_printer",
    "set_printer_active",
    "shipper_label_state",
    "shippers_of_case",
    "update_printer",
]
