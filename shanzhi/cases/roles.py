"""Default permissions of each role on cases (scope decides which rows)."""

_STAFF_READ = [
    "cases.view_case",
    "cases.view_rates",
    "cases.add_case",
    "cases.change_case",
    "cases.view_category",
    "cases.view_casesummons",
    "cases.view_callback",
    "cases.view_keywordrule",
    "cases.view_caseattachment",
]

DEFAULT_PERMISSIONS = {
    "leader": [
        "cases.change_case",
        "cases.add_category",
        "cases.change_category",
        "cases.add_keywordrule",
        "cases.change_keywordrule",
    ],
    "dept": list(_STAFF_READ),
    "community": list(_STAFF_READ),
    "grid": [p for p in _STAFF_READ if p not in ("cases.view_callback", "cases.view_keywordrule")],
    "resident": ["cases.view_case", "cases.add_case"],
}
