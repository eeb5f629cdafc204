"""Quality records: electronic signatures and deviations."""

from __future__ import annotations

from app.quality.deviations import (
    DeviationView,
    close_deviation,
    deviation_view,
    deviations_of_case,
    open_deviation,
    raise_deviation,
)
from app.quality.signatures import (
    SignatureView,
    set_digest,
    sign,
    sign_together,
    signature_digest,
    signatures_of,
    signed_values,
    values_digest,
    verify_set_signature,
    verify_signature,
)

__all__ = [
    "DeviationView",
    "SignatureView",
    "close_deviation",
    "deviation_view",
    "deviations_of_case",
    "open_deviation",
    "raise_deviation",
    "set_digest",
    "sign",
    "sign_together",
    "signature_digest",
    "signatures_of",
    "signed_values",
    "values_digest",
    "verify_set_signature",
    "verify_signature",
]
