"""The public rating form's stars as a screen reader meets them, its error without a choice, and
the three-rates page and its Excel export showing the same figures."""

import io
import re
from decimal import ROUND_HALF_UP, Decimal

import lxml.html
import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shanzhi.cases import services
from shanzhi.cases.models import Case
from shanzhi.cases.tests.factories import drive_to, make_case

pytestmark = pytest.mark.django_db


def _accessible_text(el) -> str:
    """The text a screen reader reads for an element: its text without aria-hidden parts."""
    el = lxml.html.fromstring(lxml.html.tostring(el))
    for hidden in el.xpath(".//*[@aria-hidden='true']"):
        hidden.drop_tree()
    return " ".join(el.text_content().split())


def _rating_page(client, case, language="zh-hans"):
    client.cookies["django_language"] = language
    return client.get(f"/cases/track/{case.code}/")


@pytest.mark.parametrize(
    ("language", "legend", "names"),
    [
        ("en", "Your rating", [f"{n} of 5 stars" for n in range(1, 6)]),
        ("zh-hans", "您的评价", [f"{n} 星（共 5 星）" for n in range(1, 6)]),
    ],
)
def test_each_star_is_a_radio_with_a_label_that_says_its_meaning(org, client, language, legend, names):
    case = drive_to(make_case(org), "replied", org)
    r = _rating_page(client, case, language)
    form = lxml.html.fromstring(r.content).xpath("//form[@data-testid='rate-form']")[0]
    # A group with a name: the fieldset's legend.
    fieldset = form.xpath(".//fieldset[.//input[@name='rating']]")[0]
    assert _accessible_text(fieldset.xpath("./legend")[0]).rstrip("*") == legend
    stars = fieldset.xpath(".//input[@name='rating']")
    assert [s.get("type") for s in stars] == ["radio"] * 5
    assert [s.get("value") for s in stars] == ["1", "2", "3", "4", "5"]  # the arrow keys go up the scale
    labels = []
    for star in stars:
        label = star.xpath("ancestor::label[1]") or form.xpath(f".//label[@for='{star.get('id')}']")
        assert label, f"star {star.get('value')} has no label"
        labels.append(_accessible_text(label[0]))
    assert labels == names


@pytest.mark.parametrize(
    ("language", "message"), [("en", "Choose a rating: from 1 to 5 stars."), ("zh-hans", "请选择评价：1 至 5 星。")]
)
def test_rating_without_a_choice_shows_the_error_by_the_stars(org, client, language, message):
    case = drive_to(make_case(org), "replied", org)
    client.cookies["django_language"] = language
    r = client.post(f"/cases/track/{case.code}/rate/", {"comment": "还行"})
    assert r.status_code == 400
    page = lxml.html.fromstring(r.content)
    error = page.xpath("//*[@data-testid='rating-error']")[0]
    assert error.text_content().strip() == message
    for star in page.xpath("//input[@name='rating']"):
        assert star.get("aria-invalid") == "true" and star.get("aria-describedby") == error.get("id")
    assert page.xpath("//textarea[@name='comment']")[0].text_content() == "还行"  # what was typed is kept
    case.refresh_from_db()
    assert case.public_rating is None


def _called_back(org, satisfaction, resolved=True, contacted=True, department_key="urban"):
    case = drive_to(make_case(org, department_key=department_key), "verified", org)
    return services.case_callback(
        case=case, actor=org.users["admin"], contacted=contacted, resolved=resolved, satisfaction=satisfaction
    )


def _excel_shows(value: float, number_format: str) -> str:
    """What Excel shows for a number in a "0.0%" cell: the percentage rounded half up."""
    assert number_format == "0.0%"
    return f"{Decimal(repr(value)).scaleb(2).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def test_rates_page_and_export_show_the_same_percentages_and_counts(org, client_for):
    # urban: 3 valid call-backs, 2 contacted (66.7 %), 1 resolved (33.3 %), 1 satisfied + 1 basic.
    _called_back(org, "satisfied")
    _called_back(org, "basic", resolved=False)
    _called_back(org, "", resolved=False, contacted=False)
    # health: 1 valid call-back, everything done (100.0 %).
    _called_back(org, "satisfied", department_key="health")
    c = client_for("leader")
    c.cookies["django_language"] = "en"

    page = lxml.html.fromstring(c.get("/cases/rates/?by=department").content)
    # The overall cards: a percentage with one decimal and the counts under it.
    assert page.xpath("string(//*[@data-testid='rate-response'])").strip() == "75.0%"
    assert page.xpath("string(//*[@data-testid='rate-response-counts'])").strip() == "3/4"
    assert page.xpath("string(//*[@data-testid='rate-resolution'])").strip() == "50.0%"
    assert page.xpath("string(//*[@data-testid='rate-satisfaction-counts'])").strip() == "2.9/4"
    shown = {}
    for tr in page.xpath("//table[@data-testid='rates-table']/tbody/tr"):
        label = tr.xpath("string(./td[2])").strip()
        shown[label] = {
            td.get("data-rate"): (
                td.xpath("string(./text()|./strong)").strip(),
                td.xpath("string(./div)").strip(),
            )
            for td in tr.xpath("./td[@data-rate]")
        }
    urban, health = org.departments["urban"].name, org.departments["health"].name
    assert shown[urban]["response"] == ("66.7%", "2/3")
    assert shown[urban]["resolution"] == ("33.3%", "1/3")
    assert shown[health]["response"] == ("100.0%", "1/1")

    r = c.get("/cases/rates/?by=department&export=xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    rows = list(sheet.iter_rows())
    headers = [cell.value for cell in rows[0]]
    col = {h: i for i, h in enumerate(headers)}
    pairs = {
        "response": ("response rate", "contacted", "valid call-backs"),
        "resolution": ("resolution rate", "resolved", "valid call-backs"),
        "composite": ("composite", None, None),
        "on_time_sign": ("on-time sign-for", "signed for on time", "signed for"),
        "return_rate": ("return rate", "cases returned", "dispatched"),
        "rework_rate": ("rework rate", "cases reworked", "replied"),
        "on_time_completion": ("on-time completion", "replied by the deadline", "replied (suspended cases excluded)"),
    }
    exported = {}
    for row in rows[1:]:
        label = row[0].value
        exported[label] = {}
        for key, (rate, num, den) in pairs.items():
            cell = row[col[rate]]
            if cell.value in (None, ""):
                exported[label][key] = ("—", "")
                continue
            assert isinstance(cell.value, (int, float)), (rate, cell.value)  # Excel can compute with it
            counts = f"{row[col[num]].value}/{row[col[den]].value}" if num else ""
            exported[label][key] = (_excel_shows(cell.value, cell.number_format), counts)
        # The satisfaction rate: the counts it is made of are in the export, weighted on the page.
        sat = row[col["satisfaction rate"]]
        assert sat.number_format == "0.0%"
        exported[label]["satisfaction"] = _excel_shows(sat.value, sat.number_format)
        shown[label]["satisfaction"] = shown[label]["satisfaction"][0]
    assert set(exported) == set(shown) and urban in exported
    for label, figures in exported.items():
        assert figures == {k: shown[label][k] for k in figures}, label
    assert exported[urban]["response"] == ("66.7%", "2/3")
    urban_row = next(r for r in rows[1:] if r[0].value == urban)
    assert urban_row[col["satisfied"]].value == 1 and urban_row[col["basically satisfied"]].value == 1
    assert Case.objects.filter(callback_valid=True).count() == 4


def test_the_export_is_named_by_its_dimension_and_year(org, client_for):
    c = client_for("leader")
    c.cookies["django_language"] = "en"
    year = timezone.localdate().year
    by_grid = c.get(f"/cases/rates/?by=grid&year={year}&export=xlsx")["Content-Disposition"]
    assert re.search(rf"three-rates-grid-{year}-\d{{8}}-\d{{4}}\.xlsx", by_grid), by_grid
    by_month = c.get("/cases/rates/?by=month&export=xlsx")["Content-Disposition"]
    assert re.search(r"three-rates-month-\d{8}-\d{4}\.xlsx", by_month), by_month  # every year: none named
