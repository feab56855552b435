"""Default permissions of each role on cases (scope decides which rows)."""

DEFAULT_PERMISSIONS = {
    "leader": [
        "cases.change_case",
        "cases.change_category",
        "cases.add_category",
        "cases.change_keywordrule",
        "cases.add_keywordrule",
    ],
    "dept": [
        "cases.view_case",
        "cases.add_case",
        "cases.change_case",
        "cases.view_category",
        "cases.view_casesummons",
        "cases.view_callback",
        "cases.view_keywordrule",
    ],
    "community": [
        "cases.view_case",
        "cases.add_case",
        "cases.change_case",
        "cases.view_category",
        "cases.view_casesummons",
        "cases.view_callback",
        "cases.view_keywordrule",
    ],
    "grid": ["cases.view_case", "cases.add_case", "cases.change_case", "cases.view_category", "cases.view_casesummons"],
    "resident": ["cases.view_case", "cases.add_case"],
}
