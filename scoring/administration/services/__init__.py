"""Administration writes (Sở Nội vụ): indicator sets and their tree, mappings, units, cycles, users.

Each service is one transaction, takes the acting administrator, validates everything before writing
and leaves one audit record per change. A set that a cycle uses is frozen: a change needs a clone.

A package by topic; everything is importable from `scoring.administration.services` as before.
"""

from __future__ import annotations

from scoring.administration.services.common import (
    INDICATOR_FIELDS,
    MSG_FROZEN,
    SET_FIELDS,
    nfc,
    set_is_frozen,
    to_points,
)
from scoring.administration.services.cycles import (
    DEADLINE_FIELDS,
    assessment_close_unsubmitted,
    assessment_extend_deadline,
    cycle_move_phase,
    cycle_open,
    cycle_update_deadlines,
)
from scoring.administration.services.imports import (
    USER_COLUMNS,
    RowProblem,
    UserRowPlan,
    units_import,
    user_import_run,
    user_import_start,
    user_imports_abandon,
    users_import,
    users_import_plan,
)
from scoring.administration.services.mappings import (
    indicator_mapping_delete,
    indicator_mapping_save,
)
from scoring.administration.services.sets import (
    APPLIED_NONE,
    applied_set_version,
    indicator_set_activate,
    indicator_set_clone,
    indicator_set_create,
    indicator_set_delete,
    indicator_set_update,
    next_version,
)
from scoring.administration.services.tree import (
    clean_indicator,
    indicator_create,
    indicator_delete,
    indicator_move,
    indicator_reparent,
    indicator_update,
)
from scoring.administration.services.tree_excel import (
    TreeImport,
    indicator_set_tree_import,
)
from scoring.administration.services.units import (
    ranking_group_create,
    ranking_group_rename,
    unit_create,
    unit_kind_create,
    unit_kind_rename,
    unit_merge,
    unit_set_active,
    unit_update,
    unit_version,
)
from scoring.administration.services.users import (
    UNIT_ROLES,
    role_assign,
    role_remove,
    user_create,
    user_set_active,
    user_set_password,
    user_update,
)

__all__ = [
    "APPLIED_NONE",
    "DEADLINE_FIELDS",
    "INDICATOR_FIELDS",
    "MSG_FROZEN",
    "SET_FIELDS",
    "UNIT_ROLES",
    "USER_COLUMNS",
    "RowProblem",
    "TreeImport",
    "UserRowPlan",
    "applied_set_version",
    "assessment_close_unsubmitted",
    "assessment_extend_deadline",
    "clean_indicator",
    "cycle_move_phase",
    "cycle_open",
    "cycle_update_deadlines",
    "indicator_create",
    "indicator_delete",
    "indicator_mapping_delete",
    "indicator_mapping_save",
    "indicator_move",
    "indicator_reparent",
    "indicator_set_activate",
    "indicator_set_clone",
    "indicator_set_create",
    "indicator_set_delete",
    "indicator_set_tree_import",
    "indicator_set_update",
    "indicator_update",
    "next_version",
    "nfc",
    "ranking_group_create",
    "ranking_group_rename",
    "role_assign",
    "role_remove",
    "set_is_frozen",
    "to_points",
    "unit_create",
    "unit_kind_create",
    "unit_kind_rename",
    "unit_merge",
    "unit_set_active",
    "unit_update",
    "unit_version",
    "units_import",
    "user_create",
    "user_import_run",
    "user_import_start",
    "user_imports_abandon",
    "user_set_active",
    "user_set_password",
    "user_update",
    "users_import",
    "users_import_plan",
]
