"""Errors raised by cold-chain import and assessment, each with a message a user can act on."""

from __future__ import annotations


class LoggerFileError(ValueError):
    """A logger file cannot be read; nothing from it is used."""

    def __init__(self, problem: str, *, file_name: str = "", line: int | None = None) -> None:
        self.problem = problem
        self.file_name = file_name
        self.line = line
        where = file_name or "logger file"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {problem}")


class AssessmentError(ValueError):
    """A trace cannot be assessed as asked (no readings, an empty or reversed window)."""
