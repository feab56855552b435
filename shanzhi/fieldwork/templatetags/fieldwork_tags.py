from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from shanzhi.fieldwork import workflows

register = template.Library()

EXTRA = {
    "submit": gettext_lazy("Submitted"),
    "register": gettext_lazy("Registered"),
    "start": gettext_lazy("Started"),
    "report": pgettext_lazy("timeline action", "Reported"),
    "alert": gettext_lazy("Alerted"),
    "overdue": gettext_lazy("Not acknowledged in time"),
    "flag": gettext_lazy("Flagged"),
    "risk": gettext_lazy("Risk level changed"),
}


@register.filter
def action_label(action: str) -> str:
    if action in EXTRA:
        return str(EXTRA[action])
    if action.startswith("case:"):
        return _("Case: %(action)s") % {"action": action[5:]}
    return workflows.action_label(action)


@register.filter
def state_label(state: str, obj=None) -> str:
    """The state's label in the workflow of `obj` (several workflows share a state name)."""
    if obj is not None:
        try:
            return str(dict(obj._meta.get_field("status").flatchoices).get(state, state))
        except Exception:  # a record without a status falls back to the tables
            pass
    return workflows.state_label(state)


@register.filter
def mask_phone(value: str) -> str:
    from shanzhi.core.masking import mask_phone as _mask

    return _mask(value)
