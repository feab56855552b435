"""Default permissions of each role on Open311 records (scope decides which rows). API keys
are managed by administrators in the admin; leaders read them through their "*.view_*"."""

DEFAULT_PERMISSIONS = {
    "leader": ["open311.view_*"],
    "dept": ["open311.view_servicerequest"],
    "community": ["open311.view_servicerequest"],
    "grid": ["open311.view_servicerequest"],
    "resident": [],
}
