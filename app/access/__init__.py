"""Who may do what: users, passwords, roles and permissions, separation of duties, navigation,
identity views.
"""

from __future__ import annotations

from app.access.case_access import (
    CLINIC_ROLES,
    MANUFACTURER_ROLES,
    may_view_cases,
    visible_case,
    visible_cases,
)
from app.access.duties import batch_participants, ensure_independent_qp, ensure_second_person
from app.access.identity import (
    PatientIdentityView,
    birth_date_text,
    birth_mac,
    hidden_view,
    hospital_number_mac,
    identity_of,
    new_identity,
    open_identity,
    sealed_identity_values,
)
from app.access.lockout import ensure_may_sign_in, refuse_wrong_password
from app.access.navigation import CLINIC, MANUFACTURING, QUALITY, Section, role_names, sections_for
from app.access.passwords import check_policy, hash_password, use_hasher, verify_password
from app.access.permissions import (
    IDENTITY_ROLES,
    ROLE_NAMES,
    check_role_combination,
    may_see_identity,
    parse_role,
    require_role,
    require_site,
)
from app.access.users import (
    authenticate,
    change_own_password,
    check_password,
    count_users,
    create_first_admin,
    create_user,
    list_users,
    set_password,
    sign_out,
    unlock_user,
)

__all__ = [
    "CLINIC",
    "CLINIC_ROLES",
    "IDENTITY_ROLES",
    "MANUFACTURER_ROLES",
    "MANUFACTURING",
    "QUALITY",
    "ROLE_NAMES",
    "PatientIdentityView",
    "Section",
    "authenticate",
    "batch_participants",
    "birth_date_text",
    "birth_mac",
    "change_own_password",
    "check_password",
    "check_policy",
    "check_role_combination",
    "count_users",
    "create_first_admin",
    "create_user",
    "ensure_independent_qp",
    "ensure_may_sign_in",
    "ensure_second_person",
    "hash_password",
    "hidden_view",
    "hospital_number_mac",
    "identity_of",
    "list_users",
    "may_see_identity",
    "may_view_cases",
    "new_identity",
    "open_identity",
    "parse_role",
    "refuse_wrong_password",
    "require_role",
    "require_site",
    "role_names",
    "sealed_identity_values",
    "sections_for",
    "set_password",
    "sign_out",
    "unlock_user",
    "use_hasher",
    "verify_password",
    "visible_case",
    "visible_cases",
]
