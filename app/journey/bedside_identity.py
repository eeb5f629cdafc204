"""What the bedside expects of the wristband: the enrolled patient's hospital identifier.

The wristband and the bag are two independent sources (DESIGN.md §5): the wristband must carry
the hospital number recorded at enrolment (ISBT 128 data structure 025, a GS1 GSRN enrolled as
the hospital number, or the clinic's MRN bar code), read under the clinic site's wristband
rules; the bag's scan may not serve as the wristband (`app.scanning.WristbandRules`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.access import PatientIdentityView
from app.scanning import Expectation, WristbandRules
from db.models import Case, Site


def wristband_expectation(
    session: Session, case: Case, identity: PatientIdentityView | None, *, bag_scan: str
) -> Expectation:
    """The expectation of this case's patient's wristband at the bedside check."""
    clinic = session.get(Site, case.clinic_site_id)
    rules = WristbandRules(
        mrn_pattern=clinic.wristband_mrn_pattern if clinic else None,
        coi_required=bool(clinic and clinic.wristband_carries_coi),
    )
    return Expectation(
        purpose="bedside wristband",
        description="this patient's wristband",
        coi=case.coi,
        wants="patient",
        patient_identifiers=frozenset({identity.hospital_number} if identity else ()),
        wristband=rules,
        distinct_from=bag_scan,
    )
