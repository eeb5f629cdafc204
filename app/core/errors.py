"""Errors a user can act on. Anything else is a bug: logged in full, shown as a crash."""

from __future__ import annotations

import uuid


class CoiError(Exception):
    """A known, expected failure with a message for the person at the screen."""

    title = "Cannot continue"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(CoiError):
    """The settings are invalid (e.g. an unsupported database URL)."""

    title = "Configuration problem"


class DatabaseUnavailable(CoiError):
    """The database server cannot be reached or refused the connection."""

    title = "Database unavailable"


class NotADatabase(CoiError):
    """The SQLite file exists but is not an SQLite database."""

    title = "Not a database"


class SchemaTooNew(CoiError):
    """The database was migrated by a newer version of the application."""

    title = "Database is newer than this application"


class SchemaMissing(CoiError):
    """The database is empty: it has not been set up with ``coi init``."""

    title = "Database not set up"


class AuthenticationFailed(CoiError):
    """Wrong user name or password."""

    title = "Sign-in failed"


class AccountLocked(AuthenticationFailed):
    """Too many failed sign-ins, or an administrator locked the account."""

    title = "Account locked"


class NotPermitted(CoiError):
    """The signed-in user's role or site does not allow this operation."""

    title = "Not permitted"


class SeparationOfDuties(NotPermitted):
    """The same person may not both perform and verify, or manufacture and certify."""

    title = "Separation of duties"


class ValidationFailed(CoiError):
    """An input value is not acceptable."""

    title = "Invalid input"


class NotFound(CoiError):
    """A record named by the user does not exist."""

    title = "Not found"


class StaleRecord(CoiError):
    """Someone else changed the record since it was read: reload and try again."""

    title = "Changed by someone else"


class RecordNotDeletable(CoiError):
    """GMP records are voided or corrected with a reason, never deleted."""

    title = "Records cannot be deleted"


class ScanMismatch(CoiError):
    """A scan did not match what the screen expected; it was recorded and blocks the operation.

    ``scan_id`` names the refused scan on record (its alarm is acknowledged against it), and
    ``deviation_number`` the deviation a wrong container opened (None for an unreadable scan).
    """

    title = "Scan does not match"

    def __init__(
        self,
        message: str,
        *,
        reasons: tuple[str, ...] = (),
        scan_id: uuid.UUID | None = None,
        deviation_number: str | None = None,
        unreadable: bool = False,
    ) -> None:
        super().__init__(message)
        self.reasons = reasons
        self.scan_id = scan_id
        self.deviation_number = deviation_number
        self.unreadable = unreadable
        """True when the text was no code at all (scan again), not a code of the wrong item."""


class RecordsTampered(CoiError):
    """Records an operation relies on differ from their audit trail (changed behind the
    application): the operation is refused until QA has looked."""

    title = "Records do not match the audit trail"


class StageNotAllowed(CoiError):
    """The case or unit is not at a stage (or in a state) where this operation may happen."""

    title = "Not possible at this stage"


class PrinterUnavailable(CoiError):
    """A label printer cannot be reached, did not take the job, or reports a fault."""

    title = "Printer unavailable"


class ViabilityExpired(StageNotAllowed):
    """A unit is past one of its viability limits (expiry, collection → receipt, post-thaw,
    cumulative excursion); the scan that would move it is refused and the refusal recorded.

    ``limits`` names each limit passed; ``deviation_number`` the deviation the refusal opened.
    """

    title = "Past its viability limit"

    def __init__(
        self,
        message: str,
        *,
        limits: tuple[str, ...] = (),
        deviation_number: str | None = None,
    ) -> None:
        super().__init__(message)
        self.limits = limits
        self.deviation_number = deviation_number


class AuditKeyProblem(CoiError):
    """The audit key this database's chain is keyed with is missing, damaged or another one."""

    title = "Audit key problem"


class AuditKeyMissing(AuditKeyProblem):
    """No audit key file at the configured place."""


class AuditKeyMismatch(AuditKeyProblem):
    """The key file holds another key than the one the database's chain is keyed with."""


class ClinicKeyProblem(CoiError):
    """The clinic key that seals patient identity is missing, damaged or another one."""

    title = "Clinic key problem"


class IdentityUnreadable(ClinicKeyProblem):
    """A stored patient identity cannot be opened: it was altered, or sealed under another key."""


class IdentityErased(IdentityUnreadable):
    """The patient's identity was erased: their data key is gone, no ciphertext opens."""
