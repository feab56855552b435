"""System texts: kept as message and parameters, shown in the reader's language."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext_noop

from shanzhi.cases.models import Case
from shanzhi.core import texts
from shanzhi.core.models import AuditEvent
from shanzhi.core.texts import MARK, Text


def test_a_text_is_translated_when_shown_not_when_made():
    with translation.override("en"):
        t = Text(gettext_noop("location in grid %(g)s"), g="甲1网格")
    with translation.override("zh-hans"):
        assert str(t) == "位置在网格 甲1网格 内"
    with translation.override("en"):
        assert str(t) == "location in grid 甲1网格"


def test_nested_texts_lists_choices_and_numbers_render_in_the_readers_language():
    reason = Text.join(
        [
            Text(gettext_noop("location in grid %(g)s"), g="甲1网格"),
            Text(gettext_noop("category %(c)s suggested (%(p).0f%%)"), c="城乡建设", p=87.4),
        ]
    )
    t = Text(gettext_noop("Dispatched automatically: %(r)s"), r=reason)
    received = Text(gettext_noop("Received via %(s)s."), s=Text.choice(Case.Source, Case.Source.OPEN311))
    for stored in (t, texts.decode(t.encode()), received, texts.decode(received.encode())):
        assert texts.decode(stored.encode()) == stored  # a stable round trip
    with translation.override("en"):
        assert str(texts.decode(t.encode())) == (
            "Dispatched automatically: location in grid 甲1网格; category 城乡建设 suggested (87%)"
        )
        assert str(texts.decode(received.encode())) == f"Received via {Case.Source.OPEN311.label}."
    with translation.override("zh-hans"):
        assert str(texts.decode(t.encode())) == "自动派单：位置在网格 甲1网格 内；推荐分类 城乡建设（87%）"
        assert str(texts.decode(received.encode())) == f"通过{Case.Source.OPEN311.label}受理。"


def test_templates_escape_a_text_like_any_string():
    t = Text(gettext_noop("keyword rule “%(r)s”: “%(k)s”"), r="<b>", k="&")
    with translation.override("en"):
        html = Template("{{ t }}|{{ t|default:'—' }}|{{ empty|default:'—' }}").render(
            Context({"t": t, "empty": Text("")})
        )
    assert html == "keyword rule “&lt;b&gt;”: “&amp;”|keyword rule “&lt;b&gt;”: “&amp;”|—"
    with translation.override("zh-hans"):
        assert str(Text("")) == "" and str(Text.lines([])) == ""  # not the catalogue's header


def test_a_choice_renamed_since_shows_its_stored_value_and_a_damaged_text_its_characters():
    gone = {"$t": "Received via %(s)s.", "p": {"s": {"$c": "shanzhi.cases.models:Case.Nowhere", "v": "fax"}}}
    with translation.override("en"):
        assert texts.render(gone) == "Received via fax."
    foreign = {"$t": "Received via %(s)s.", "p": {"s": {"$c": "os:system", "v": "fax"}}}
    with translation.override("en"):
        assert texts.render(foreign) == "Received via fax."  # nothing outside shanzhi is imported
        not_choices = {"$t": "Received via %(s)s.", "p": {"s": {"$c": "shanzhi.core.texts:decode", "v": "fax"}}}
        assert texts.render(not_choices) == "Received via fax."  # and nothing is called but choices
    assert texts.decode(MARK + "{not json") == "{not json"
    assert texts.decode("plain words") == "plain words"


def test_render_walks_json_and_leaves_other_values_alone():
    data = {"routing": Text(gettext_noop("sent to the dispatch desk")).to_json(), "rating": 4, "into": ["SZ1"]}
    with translation.override("en"):
        assert texts.render(data) == {"routing": "sent to the dispatch desk", "rating": 4, "into": ["SZ1"]}
    with translation.override("zh-hans"):
        assert texts.render(data)["routing"] == "转派单台人工派单"


@pytest.mark.django_db
def test_the_field_stores_texts_marked_and_a_persons_words_without_the_mark():
    system = AuditEvent.objects.create(action="update", note=Text(gettext_noop("sent to the dispatch desk")))
    forged = AuditEvent.objects.create(action="update", note=MARK + '{"$t":"sent to the dispatch desk"}')
    person = AuditEvent.objects.create(action="update", note="我写的说明")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, note FROM core_auditevent WHERE id IN (%s, %s, %s) ORDER BY id",
            [system.pk, forged.pk, person.pk],
        )
        raw = dict(cur.fetchall())
    assert raw[system.pk] == MARK + '{"$t":"sent to the dispatch desk"}'
    assert raw[forged.pk] == '{"$t":"sent to the dispatch desk"}'  # the mark cannot be typed in
    assert raw[person.pk] == "我写的说明"
    loaded = {e.pk: e.note for e in AuditEvent.objects.filter(pk__in=raw)}
    assert isinstance(loaded[system.pk], Text) and isinstance(loaded[forged.pk], str)
    with translation.override("zh-hans"):
        assert str(loaded[system.pk]) == "转派单台人工派单"
    assert AuditEvent.objects.filter(note__contains="dispatch desk").count() == 2  # look-ups see the stored form


def test_a_text_stored_by_older_code_still_shows():
    """A message whose placeholders changed since the row was written must not break the page."""
    stale = Text("Moved to %(grid)s", g="甲1网格")  # the code now says %(g)s
    assert str(stale) == "Moved to %(grid)s {'g': '甲1网格'}"
    wrong_type = Text(gettext_noop("Overdue: escalated to level %(n)d."), n="two")
    with translation.override("zh-hans"):
        assert "two" in str(wrong_type)


def test_lines_put_each_text_on_its_own_line_in_the_readers_language():
    t = Text.lines(
        [Text(gettext_noop("sent to the dispatch desk")), Text(gettext_noop("no trained routing model yet"))]
    )
    with translation.override("en"):
        assert str(texts.decode(t.encode())) == "sent to the dispatch desk\nno trained routing model yet"
    with translation.override("zh-hans"):
        assert str(t).splitlines()[0] == "转派单台人工派单"


def test_a_form_or_full_clean_cannot_turn_typed_words_into_a_system_text():
    """Model.full_clean runs each field's to_python on what a ModelForm assigned: it decoded a
    typed mark into a Text, which save() then stored as the system's own words."""
    forged = MARK + '{"$t":"Dispatched automatically: %(r)s","p":{"r":"x"}}'
    cleaned = AuditEvent._meta.get_field("note").clean(forged, None)
    assert cleaned == forged[1:] and not isinstance(cleaned, Text)


def test_control_characters_are_left_out_of_input_and_of_xlsx_exports():
    """openpyxl refuses a cell with a control character, so one such description (sent through
    the API or the public form) made every export that included it a 500."""
    import io

    from openpyxl import load_workbook

    from shanzhi.core.excel import build_xlsx

    assert texts.strip_controls("a\x00b\x01c\x0bd\x1fe\ufffff\tg\nh\ri") == "abcdef\tg\nh\ri"
    wb = load_workbook(io.BytesIO(build_xlsx(["text"], [["旧\x01数据\x1e"]])))
    assert wb.active["A2"].value == "旧数据"


@pytest.mark.django_db
def test_intake_stores_what_people_typed_without_control_characters(org):
    from shanzhi.cases import services

    case = services.case_create(
        actor=None,
        source="web",
        description="路灯\x01不亮",
        title="标\x0b题",
        address="东门\x02",
        reporter_name="王\x1e",
    )
    case.refresh_from_db()
    assert (case.description, case.title, case.address, case.reporter_name) == ("路灯不亮", "标题", "东门", "王")
