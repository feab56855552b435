from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from shanzhi.fieldwork import workflows

register = template.Library()

EXTRA = {
    "submit": _l("Submitted"),
    "register": _l("Registered"),
    "start": _l("Started"),
    "report": _l("Reported"),
    "alert": _l("Alerted"),
    "overdue": _l("Not acknowledged in time"),
    "flag": _l("Flagged"),
    "risk": _l("Risk level changed"),
}


@register.filter
def action_label(action: str) -> str:
    if action in EXTRA:
        return str(EXTRA[action])
    if action.startswith("case:"):
        return _("Case: %(action)s") % {"action": action[5:]}
    return workflows.action_label(action)


@register.filter
def state_label(state: str) -> str:
    return workflows.state_label(state)


@register.filter
def mask_phone(value: str) -> str:
    from shanzhi.core.masking import mask_phone as _mask

    return _mask(value)
