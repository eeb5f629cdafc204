"""Dialogs shared by the pages: signatures, prompts, printing, logger import, saving reports,
exchanging bundles with a partner site."""

from __future__ import annotations

from ui.dialogs.logger_import import LoggerImportDialog
from ui.dialogs.partner_exchange import PartnerExchange
from ui.dialogs.printing import choose_printer_and_print
from ui.dialogs.prompts import (
    StatementDialog,
    ask_justified_signature,
    ask_password,
    ask_password_for_list,
    ask_statement,
)
from ui.dialogs.report_saving import ReportSaver
from ui.dialogs.signing import SecondPersonDialog, ask_second_person
from ui.dialogs.verify_receipt import VerifyReceiptDialog

__all__ = [
    "LoggerImportDialog",
    "PartnerExchange",
    "ReportSaver",
    "SecondPersonDialog",
    "StatementDialog",
    "VerifyReceiptDialog",
    "ask_justified_signature",
    "ask_password",
    "ask_password_for_list",
    "ask_second_person",
    "ask_statement",
    "choose_printer_and_print",
]
