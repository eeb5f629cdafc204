"""The PySide6 desktop application. Calls ``app`` services only; never holds a session."""
