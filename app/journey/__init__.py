"""The vein-to-vein journey as services: one transaction per operation, guarded by stage,
role, site and separation of duties (DESIGN.md §1, §5, §7)."""
