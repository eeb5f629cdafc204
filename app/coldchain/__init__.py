"""The cold chain: pure analysis of logger traces, stored logger files, dispositions and reports."""

from __future__ import annotations

from app.coldchain.analysis.assessment import Assessment, assess
from app.coldchain.analysis.errors import AssessmentError, LoggerFileError
from app.coldchain.analysis.profiles import (
    SEED_PROFILES,
    TemperatureProfile,
    profile_words,
    seed_profile,
)
from app.coldchain.analysis.registry import IMPORTERS, analyze_file
from app.coldchain.analysis.trace import Trace
from app.coldchain.assessed import AssessedTrace, assessed_logger_file, assessed_trace
from app.coldchain.disposition_words import (
    DISPOSITIONED_PREFIX,
    disposition_action_words,
    disposition_words,
    stored_disposition_words,
)
from app.coldchain.records import (
    correct_logger_file,
    disposition_logger_file,
    import_logger_file,
    shipment_id_of,
)
from app.coldchain.report import excursion_report_pdf, trace_plot_png
from app.coldchain.storage import (
    LoggerFileView,
    logger_file_view,
    logger_files_of_shipment,
    profile_from_record,
    readings_of,
    stored_profile,
)

__all__ = [
    "DISPOSITIONED_PREFIX",
    "IMPORTERS",
    "SEED_PROFILES",
    "AssessedTrace",
    "Assessment",
    "AssessmentError",
    "LoggerFileError",
    "LoggerFileView",
    "TemperatureProfile",
    "Trace",
    "analyze_file",
    "assess",
    "assessed_logger_file",
    "assessed_trace",
    "correct_logger_file",
    "disposition_action_words",
    "disposition_logger_file",
    "disposition_words",
    "excursion_report_pdf",
    "import_logger_file",
    "logger_file_view",
    "logger_files_of_shipment",
    "profile_from_record",
    "profile_words",
    "readings_of",
    "seed_profile",
    "shipment_id_of",
    "stored_disposition_words",
    "stored_profile",
    "trace_plot_png",
]
