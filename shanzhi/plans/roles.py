"""Default permissions of the plans app per role (admin has everything)."""

DEFAULT_PERMISSIONS = {
    # Leaders import and confirm plans, assign units, issue 督办单, publish, set the rules.
    "leader": ["plans.*"],
    # Units (departments) report on their tasks, keep their milestones, answer 督办单 and
    # enter the actuals of the indicators they are responsible for.
    "dept": [
        "plans.view_plan",
        "plans.view_plannode",
        "plans.view_planevent",
        "plans.view_milestone",
        "plans.add_milestone",
        "plans.change_milestone",
        "plans.view_progressreport",
        "plans.add_progressreport",
        "plans.view_reportattachment",
        "plans.view_supervisionnotice",
        "plans.change_supervisionnotice",
        "plans.view_indicator",
        "plans.view_indicatoractual",
        "plans.add_indicatoractual",
        "plans.change_indicatoractual",
    ],
    # Communities and grid workers follow the plan (read only).
    "community": ["plans.view_plan", "plans.view_plannode", "plans.view_indicator", "plans.view_indicatoractual"],
    "grid": ["plans.view_plan", "plans.view_plannode", "plans.view_indicator"],
    "resident": [],
}
