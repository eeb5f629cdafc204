"""Label templates (JSON, one per template; see labels/templates.py for the schema)."""
