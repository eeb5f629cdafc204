"""Administration: users, sites, products, temperature profiles and workstation settings."""

from __future__ import annotations

from app.admin.backup import (
    BackupResult,
    RestoreResult,
    backup_database,
    restore_database,
)
from app.admin.capacity import (
    MAX_DAILY_SLOTS,
    CapacityChange,
    CapacityOverview,
    CapacitySite,
    capacity_overview,
    set_slot_capacity,
)
from app.admin.products import ProductView, list_products
from app.admin.profiles import (
    ProfileDraft,
    ProfileView,
    check_profile,
    create_profile,
    list_profiles,
    update_profile,
)
from app.admin.sites import (
    FIN_PATTERN,
    SiteSummary,
    create_site,
    list_sites,
    register_site,
    set_wristband_rules,
)
from app.admin.station_settings import (
    ConnectionCheck,
    StationSettings,
    read_station_settings,
    save_database_url,
    save_scanner_settings,
    try_connection,
)
from app.admin.users import (
    ROLE_NAMES,
    Role,
    SiteKind,
    UserAccount,
    add_account,
    change_access,
    deactivate_account,
    list_accounts,
    reactivate_account,
    reset_password,
    site_problem,
    unlock_account,
)

__all__ = [
    "FIN_PATTERN",
    "MAX_DAILY_SLOTS",
    "ROLE_NAMES",
    "BackupResult",
    "CapacityChange",
    "CapacityOverview",
    "CapacitySite",
    "ConnectionCheck",
    "ProductView",
    "ProfileDraft",
    "ProfileView",
    "RestoreResult",
    "Role",
    "SiteKind",
    "SiteSummary",
    "StationSettings",
    "UserAccount",
    "add_account",
    "backup_database",
    "capacity_overview",
    "change_access",
    "check_profile",
    "create_profile",
    "create_site",
    "deactivate_account",
    "list_accounts",
    "list_products",
    "list_profiles",
    "list_sites",
    "reactivate_account",
    "read_station_settings",
    "register_site",
    "reset_password",
    "restore_database",
    "save_database_url",
    "save_scanner_settings",
    "set_slot_capacity",
    "set_wristband_rules",
    "site_problem",
    "try_connection",
    "unlock_account",
    "update_profile",
]
