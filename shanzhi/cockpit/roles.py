"""Default permissions of the cockpit app. Leaders get every view permission from accounts
(the cockpit, the archive); what a role sees inside comes from its scope."""

DEFAULT_PERMISSIONS = {
    "leader": ["cockpit.add_report"],
    "dept": ["cockpit.view_casestat", "cockpit.view_report", "cockpit.add_report"],
    "community": ["cockpit.view_casestat", "cockpit.view_report", "cockpit.add_report"],
    "grid": ["cockpit.view_casestat"],
    "resident": [],
}
