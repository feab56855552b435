from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def money(value):
    """An amount in 万元 with two decimals (SQLite sums of decimals come back with long tails)."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    except (InvalidOperation, ValueError):
        return value
