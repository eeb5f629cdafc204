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
from db.models.quality import Deviation, Release, Signature
from db.models.scheduling import SlotCapacity
from db.models.shipping import LoggerFile, LoggerReading, Shipment, ShipmentItem

__all__ = [
    "GENESIS_HASH",
    "AuditEvent",
    "AuditKeyBinding",
    "Base",
    "Case",
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
    "PartnerEvent",
    "PartnerKey",
    "Patient",
    "PatientIdentity",
    "PatientKey",
    "Printer",
    "Product",
    "QcResult",
    "QcSpecification",
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
    "TemperatureProfile",
    "Unit",
    "UnitParent",
    "User",
    "UserRole",
]
