"""All models, imported so that ``Base.metadata`` knows every table."""

from db.base import Base
from db.models.audit import GENESIS_HASH, AuditEvent, AuditKeyBinding
from db.models.cases import Case, CustodyEvent, StageRecord, Unit, UnitParent
from db.models.catalogue import Product, QcSpecification, StepTemplate, TemperatureProfile
from db.models.counters import Counter
from db.models.exchange import ExchangeBundle, PartnerEvent, PartnerKey
from db.models.labelling import Label, Scan
from db.models.manufacturing import ManufacturingStep, QcResult, StepUnit
from db.models.organisation import Printer, Site, User, UserRole
from db.models.patients import (
    CoiSequence,
    IdentitySealing,
    Patient,
    PatientIdentity,
    PatientKey,
)
from db.models.post_release import ClinicAlert, OosAcceptance, Recall
from db.models.quality import Deviation, Release, Signature
from db.models.scheduling import SlotCapacity
from db.models.shipping import LoggerFile, LoggerReading, Shipment, ShipmentItem
from db.models.storage import StoragePlacement

__all__ = [
    "GENESIS_HASH",
    "AuditEvent",
    "AuditKeyBinding",
    "Base",
    "Case",
    "ClinicAlert",
    "CoiSequence",
    "Counter",
    "CustodyEvent",
    "Deviation",
    "ExchangeBundle",
    "IdentitySealing",
    "Label",
    "LoggerFile",
    "LoggerReading",
    "ManufacturingStep",
    "OosAcceptance",
    "PartnerEvent",
    "PartnerKey",
    "Patient",
    "PatientIdentity",
    "PatientKey",
    "Printer",
    "Product",
    "QcResult",
    "QcSpecification",
    "Recall",
    "Release",
    "Scan",
    "Shipment",
    "ShipmentItem",
    "Signature",
    "Site",
    "SlotCapacity",
    "StageRecord",
    "StepTemplate",
    "StepUnit",
    "StoragePlacement",
    "TemperatureProfile",
    "Unit",
    "UnitParent",
    "User",
    "UserRole",
]
