"""The whole life of a case in Chromium: a resident submits on a phone-sized page → routed →
signed for → handled → verified → called back → closed → the resident rates → the rates change."""

import pytest

from shanzhi.cases.models import Case
from shanzhi.cases.tests.factories import make_case, make_categories, submit_case
from shanzhi.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PW = "pw-Shanzhi-1"


def _act(page, action, note=None):
    form = page.locator(f"form[data-action={action}]")
    if note is not None:
        form.locator("[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def _assert_heading_fits(p, label: str, code: str) -> None:
    """The public case page's heading on a phone: the label above the code, each on one line,
    and the code clear of the action button. (The label used to share the code's line and
    wrap a character per line beside the button; in English the code ran under the button.)"""
    lines = p.evaluate(
        """sels => sels.map(sel => {
            const el = document.querySelector(sel), style = getComputedStyle(el);
            const line = parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize);
            return [el.textContent.trim(), el.getBoundingClientRect().height / line];
        })""",
        [".page-pretitle", "[data-testid=public-code]"],
    )
    assert lines[0][0].casefold() == label.casefold() and lines[1][0] == code
    assert all(ratio < 1.5 for _, ratio in lines), lines
    text = p.locator("[data-testid=public-code]").bounding_box()
    button = p.locator(".page-header .btn").first.bounding_box()
    apart = text["x"] + text["width"] <= button["x"] or text["y"] >= button["y"] + button["height"]
    assert apart or button["y"] >= text["y"] + text["height"], (text, button)
    assert text["x"] + text["width"] <= p.viewport_size["width"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_case_life(org, page, phone_page, live_server):
    cats = make_categories(org)
    url = live_server.url

    # 1. A resident on a phone: text, category, a tap on the map inside grid A1.
    p = phone_page
    p.goto(f"{url}/cases/submit/")
    p.fill("#id_description", "小区门口垃圾堆积多日无人清运，气味很大")
    p.select_option("#id_category", str(cats["garbage"].pk))
    p.wait_for_selector("#pick-map[data-ready='1']")
    box = p.locator("#pick-map").bounding_box()
    x, y = p.evaluate("() => window.shanzhiPickMap.convertToPixel({geoIndex: 0}, [113.355, 22.515])")
    p.mouse.click(box["x"] + x, box["y"] + y)
    assert p.input_value("#id_longitude")
    p.fill("#id_reporter_phone", "13900001234")
    p.screenshot(path="/tmp/cases-phone-submit.png", full_page=True)
    p.click("[data-testid=submit]")
    p.wait_for_selector("[data-testid=submitted]")
    code = p.inner_text("[data-testid=public-code]").strip()
    case = Case.objects.get(code=code)
    _assert_heading_fits(p, "案件", code)
    assert case.grid == org.grids["A1"] and case.department == org.departments["urban"]
    assert case.status == "dispatched"

    # 2. The handling department signs for it, works on it and replies.
    login(page, url, "t-dept", PW)
    page.goto(f"{url}/cases/{case.pk}/")
    _act(page, "sign")
    _act(page, "start")
    _act(page, "reply", note="已安排环卫车清运完毕")
    case.refresh_from_db()
    assert case.status == "replied" and case.signed_on_time
    assert page.inner_text("[data-testid=case-status]").strip() == case.get_status_display()
    page.context.clear_cookies()

    # 3. The community verifies, calls back, closes.
    login(page, url, "t-community", PW)
    page.goto(f"{url}/cases/rates/")
    valid_before = int(Case.objects.filter(callback_valid=True).count())
    page.goto(f"{url}/cases/{case.pk}/")
    _act(page, "verify")
    form = page.locator("form[data-action=callback]")
    form.locator("[name=resolved]").select_option("1")
    form.locator("[name=satisfaction]").select_option("satisfied")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    _act(page, "close")
    case.refresh_from_db()
    assert case.status == "closed" and case.callback_satisfaction == "satisfied"
    page.screenshot(path="/tmp/cases-detail-closed.png", full_page=True)

    # 4. The resident rates with the code.
    p.goto(f"{url}/cases/track/{code}/")
    p.locator("[data-testid=rate-form] input[value='5']").check()
    p.click("[data-testid=rate-submit]")
    p.wait_for_selector("[data-testid=public-rating]")
    case.refresh_from_db()
    assert case.public_rating == 5

    # 5. The three rates now count it.
    page.goto(f"{url}/cases/rates/?by=grid")
    assert Case.objects.filter(callback_valid=True).count() == valid_before + 1
    from shanzhi.cases import selectors
    from shanzhi.cases.views import percent_text

    expected = selectors.overall(Case.objects.all())["response"]
    assert page.inner_text("[data-testid=rate-response]").strip() == percent_text(expected)
    page.screenshot(path="/tmp/cases-rates-after.png", full_page=True)


def test_public_case_heading_fits_a_phone_in_english(org, phone_page, live_server):
    case = submit_case(org)
    phone_page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    phone_page.goto(f"{live_server.url}/cases/track/{case.code}/")
    _assert_heading_fits(phone_page, "Case", case.code)


def test_english_field_labels_start_with_a_capital(org, phone_page, live_server):
    """Labels come from verbose names, lower case by Django's convention ("status", "the
    community handles it itself"); in English they read as sentence starts, as in Django's admin."""
    make_case(org)
    phone_page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    login(phone_page, live_server.url, "t-admin", PW)
    labels = []
    for path in ("/cases/new/", "/cases/desk/"):
        phone_page.goto(f"{live_server.url}{path}")
        labels += [t.strip() for t in phone_page.locator("label.form-label, label.form-check-label").all_inner_texts()]
    words = [t for t in labels if t and t[0].isalpha()]
    assert len(words) > 10 and all(t[0].isupper() for t in words), labels
    assert "Status" in labels and "Outside every grid" in labels  # lower-case verbose names before


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_desk_fits_a_desktop_screen_so_dispatch_is_in_view(org, page, live_server, language):
    """At 1280 px the English desk scrolled sideways: the Dispatch buttons, the page's purpose,
    were cut off at the right edge."""
    from shanzhi.accounts.models import Role
    from shanzhi.testing.factories import make_user

    make_categories(org)
    for i in range(3):
        make_case(
            org,
            department_key=None,
            description=f"楼道里的灯坏了好几天，晚上出入很不方便，请尽快派人来修理（第{i}处）",
            title="楼道灯坏了好几天请尽快修理",
        )
    make_user("t-desk", Role.DEPT, department=org.departments["dispatch"], password=PW)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    login(page, live_server.url, "t-desk", PW)
    page.goto(f"{live_server.url}/cases/desk/")
    box = page.locator(".table-responsive").first
    overflow = box.evaluate("el => el.scrollWidth - el.clientWidth")
    widths = page.locator("[data-testid=desk-table] thead th").evaluate_all("els => els.map(e => e.offsetWidth)")
    assert overflow <= 1, f"the desk table scrolls sideways by {overflow} px ({widths})"
    page.screenshot(path=f"/tmp/cases-desk-{language}.png", full_page=True)
    button = page.locator("[data-testid=desk-dispatch]").first.bounding_box()
    assert button["x"] + button["width"] <= 1280


def test_on_a_phone_the_desk_shows_each_case_with_its_dispatch_button(org, phone_page, live_server):
    """On a 390 px phone the desk's table showed two columns: status, deadline and the Dispatch
    button were about three screens to the right. Now the phone shows the code, the title, the
    wait and the actions; the rest is on the case's page."""
    from shanzhi.accounts.models import Role
    from shanzhi.testing.factories import make_user

    make_categories(org)
    make_case(org, department_key=None, title="楼道灯坏了好几天请尽快修理", description="楼道灯坏了好几天")
    make_user("t-desk", Role.DEPT, department=org.departments["dispatch"], password=PW)
    login(phone_page, live_server.url, "t-desk", PW)
    phone_page.goto(f"{live_server.url}/cases/desk/")
    width = phone_page.viewport_size["width"]
    button = phone_page.locator("[data-testid=desk-dispatch]").first.bounding_box()
    assert button["x"] + button["width"] <= width, button
    assert phone_page.get_by_text("楼道灯坏了好几天请尽快修理").first.is_visible()
    overflow = phone_page.locator(".table-responsive").first.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 1, overflow


@pytest.mark.parametrize("by", ["department", "grid"])
def test_the_rates_table_fits_a_desktop_screen(org, page, live_server, by):
    """The English rates table (twelve columns, their headings on one line each) ran some 340 px
    past its card at 1366 px: the last rates were out of view."""
    for key in ("urban", "health"):
        make_case(org, department_key=key)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    login(page, live_server.url, "t-admin", PW)
    page.goto(f"{live_server.url}/cases/rates/?by={by}")
    overflow = page.locator(".table-responsive").first.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 1, f"the rates table scrolls sideways by {overflow} px"
    assert page.locator("[data-testid=rates-table] th", has_text="On-time completion").is_visible() or (
        page.locator("[data-testid=rates-table] th", has_text="on-time completion").is_visible()
    )


def test_a_long_title_is_cut_in_the_list_and_whole_in_its_tooltip(org, page, live_server):
    """List cells do not wrap, so one 200-character title made the case list scroll sideways
    by some 900 px at 1280 px."""
    title = "小区东门外人行道上堆放大量装修垃圾" * 10
    make_case(org, title=title[:200])
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server.url, "t-admin", PW)
    page.goto(f"{live_server.url}/cases/")
    cell = page.locator(f"[data-testid=object-table] [title='{title[:200]}']").first
    assert cell.bounding_box()["width"] <= 20 * 16 + 1
    assert cell.evaluate("el => el.scrollWidth > el.clientWidth")  # cut, with an ellipsis
    overflow = page.locator(".table-responsive").first.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow < 600, overflow


def test_changing_the_language_keeps_what_was_typed(org, phone_page, live_server):
    """Switching the public form to English mid-way reloaded it empty: the resident's text was
    gone. What was typed now waits for the new page (files cannot)."""
    make_categories(org)
    phone_page.goto(f"{live_server.url}/cases/submit/")
    text = "楼下垃圾堆了三天没人清理，气味很大"
    phone_page.fill("textarea[name=description]", text)
    phone_page.fill("input[name=reporter_phone]", "13900001234")
    with phone_page.expect_navigation():
        phone_page.select_option("#language-form select", "en")
    assert phone_page.locator("html").get_attribute("lang") == "en"
    assert phone_page.input_value("textarea[name=description]") == text
    assert phone_page.input_value("input[name=reporter_phone]") == "13900001234"
    phone_page.reload()  # kept once: a later visit starts empty
    assert phone_page.input_value("textarea[name=description]") == ""
