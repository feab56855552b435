"""The public pages in Chromium: the submit form's name and phone fields on a phone and a
desktop, in both languages; rating a handled case with the keyboard only."""

import pytest

from shanzhi.cases.tests.factories import drive_to, make_case, make_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(width, language):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def _fields(page):
    return page.evaluate(
        """() => ['reporter_name', 'reporter_phone'].map(name => {
            const input = document.getElementById('id_' + name), label = document.querySelector(`label[for=id_${name}]`);
            const style = getComputedStyle(label), line = parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize);
            const box = input.getBoundingClientRect();
            return {x: box.x, y: box.y, width: box.width, height: box.height, labelLines: label.getBoundingClientRect().height / line};
        })"""
    )


@pytest.mark.parametrize("width", [375, 1366])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_name_and_phone_inputs_line_up(org, new_page, live_server, width, language):
    """In English the two labels differ in length: on a phone the phone's label wrapped beside the
    name's, and an error under one field pushed its input up, out of line with the other."""
    make_categories(org)
    page = new_page(width, language)
    page.goto(f"{live_server.url}/cases/submit/")
    for when in ("empty", "with an error under the phone"):
        if when != "empty":
            page.fill("#id_description", "路灯坏了")
            page.fill("#id_reporter_phone", "not a phone")
            page.click("[data-testid=submit]")
            page.wait_for_load_state()
            assert (
                page.locator("#id_reporter_phone ~ .invalid-feedback, #id_reporter_phone ~ * .invalid-feedback").count()
                == 1
            )
        name, phone = _fields(page)
        assert name["labelLines"] < 1.5 and phone["labelLines"] < 1.5, (when, name, phone)
        side_by_side = abs(name["y"] - phone["y"]) < 1 and abs(name["height"] - phone["height"]) < 1
        stacked = abs(name["x"] - phone["x"]) < 1 and abs(name["width"] - phone["width"]) < 1
        assert side_by_side or stacked, (when, name, phone)
        assert name["x"] + name["width"] <= width and phone["x"] + phone["width"] <= width
        if width >= 1366:
            assert side_by_side, (when, name, phone)  # room for both on a line
    page.screenshot(path=f"/tmp/cases-public-submit-{language}-{width}.png", full_page=True)


def test_a_resident_rates_with_the_keyboard_only(org, new_page, live_server):
    case = drive_to(make_case(org), "replied", org)
    page = new_page(390, "en")
    page.goto(f"{live_server.url}/cases/track/{case.code}/")
    group = page.get_by_role("group", name="Your rating")
    assert group.count() == 1

    # Sending without a choice: the error is by the stars, the page is the case's (not a 500).
    page.locator("[data-testid=rate-submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    error = page.locator("[data-testid=rating-error]")
    assert error.inner_text().strip() == "Choose a rating: from 1 to 5 stars."
    assert page.get_by_role("radio", name="1 of 5 stars").get_attribute("aria-describedby") == error.get_attribute("id")

    # Tab from the element before the group lands on a star; Space chooses it, the arrows move.
    page.get_by_role("heading", name="Rate the result").evaluate("el => { el.tabIndex = -1; el.focus(); }")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.name, document.activeElement.type]")
    assert focused == ["rating", "radio"]
    page.keyboard.press("Space")
    assert page.get_by_role("radio", name="1 of 5 stars").is_checked()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    three = page.get_by_role("radio", name="3 of 5 stars")
    assert three.is_checked() and three.evaluate("el => el === document.activeElement")
    # A visible focus ring around the focused star.
    ring = three.evaluate(
        "el => { const s = getComputedStyle(el.nextElementSibling); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] == "solid" and ring[1] >= 2, ring
    # The chosen star and those before it are filled, the others not.
    colours = page.locator(".sz-star-glyph").evaluate_all("els => els.map(e => getComputedStyle(e).color)")
    assert len(set(colours[:3])) == 1 and len(set(colours[3:])) == 1 and colours[0] != colours[3], colours
    page.screenshot(path="/tmp/cases-public-rating-keyboard.png", full_page=True)

    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "comment"
    page.keyboard.type("处理及时")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=public-rating]")
    case.refresh_from_db()
    assert case.public_rating == 3 and case.rated_at is not None
