"""Cold-chain analysis: logger-file import, temperature profiles and excursion assessment.

Pure analysis and parsing: no Qt, no database. Storage and the CLI call these functions.
"""

from app.coldchain.analysis.assessment import Assessment, Excursion, Gap, Verdict, assess
from app.coldchain.analysis.errors import AssessmentError, LoggerFileError
from app.coldchain.analysis.profiles import SEED_PROFILES, TemperatureProfile, seed_profile
from app.coldchain.analysis.registry import (
    IMPORTERS,
    Importer,
    analyze_file,
    import_trace,
    read_logger_file,
    sniff_format,
)
from app.coldchain.analysis.trace import Trace, make_trace

__all__ = [
    "IMPORTERS",
    "SEED_PROFILES",
    "Assessment",
    "AssessmentError",
    "Excursion",
    "Gap",
    "Importer",
    "LoggerFileError",
    "TemperatureProfile",
    "Trace",
    "Verdict",
    "analyze_file",
    "assess",
    "import_trace",
    "make_trace",
    "read_logger_file",
    "seed_profile",
    "sniff_format",
]
