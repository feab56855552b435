"""Draft tree edits keep every character and refuse impossible edits."""

import pytest

from shanzhi.plans import drafts
from shanzhi.plans.parsing import parse_plan
from shanzhi.plans.tests.factories import SAMPLE


@pytest.fixture
def tree():
    return drafts.tree_from_parsed(parse_plan(SAMPLE).to_dict())


def ids(tree):
    return [(n["id"], d) for n, d in drafts.walk(tree)]


def test_tree_keeps_all_text(tree):
    assert "".join(drafts.all_text(tree).split()) == "".join(SAMPLE.split())


def test_rename_and_kind(tree):
    t = drafts.rename(tree, 3, "抓重点项目")
    t = drafts.set_kind(t, 3, "measure")
    _s, i, _p = drafts.find(t, 3)
    node = _s[i]
    assert node["title"] == "抓重点项目" and node["kind"] == "measure"
    with pytest.raises(drafts.DraftEditError):
        drafts.rename(tree, 3, "  ")
    with pytest.raises(drafts.DraftEditError):
        drafts.set_kind(tree, 3, "bogus")


def test_merge_and_split_keep_text(tree):
    before = "".join(drafts.all_text(tree).split())
    merged, into = drafts.merge_with_previous(tree, 6)  # 促消费 into 抓项目 (whose last measure takes the text)
    assert into == 5
    assert "".join(drafts.all_text(merged).split()) == before
    assert 6 not in [i for i, _d in ids(merged)]
    split, new_id = drafts.split_at_phrase(merged, 5, "（二）促消费")
    assert "".join(drafts.all_text(split).split()) == before
    _s, i, _p = drafts.find(split, new_id)
    assert _s[i]["text"].startswith("（二）促消费")


def test_indent_outdent_keep_order(tree):
    order = [i for i, _d in ids(tree)]
    deeper = drafts.indent(tree, 6)  # 促消费 under 抓项目
    assert dict(ids(deeper))[6] == 3
    assert [i for i, _d in ids(deeper)] == order
    back = drafts.outdent(deeper, 6)
    assert dict(ids(back))[6] == 2
    assert [i for i, _d in ids(back)] == order
    with pytest.raises(drafts.DraftEditError):
        drafts.indent(tree, 1)  # first node of its level
    with pytest.raises(drafts.DraftEditError):
        drafts.outdent(tree, 2)  # already at the top


def test_split_refuses_points_outside_the_text(tree):
    with pytest.raises(drafts.DraftEditError):
        drafts.split(tree, 3, 0)
    with pytest.raises(drafts.DraftEditError):
        drafts.split_at_phrase(tree, 3, "不存在的词")


def test_assign_to_children(tree):
    t = drafts.assign(tree, 3, lead_unit=7, co_units=[7, 8], deadline="2024-06-30", apply_to_children=True)
    for nid in (3, 4, 5):
        s, i, _p = drafts.find(t, nid)
        assert s[i]["lead_unit"] == 7 and s[i]["co_units"] == [8] and s[i]["deadline"] == "2024-06-30"
    with pytest.raises(drafts.DraftEditError):
        drafts.assign(tree, 3, lead_unit=7, co_units=[], deadline="2024-13-01")
