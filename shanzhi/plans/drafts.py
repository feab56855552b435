"""The editable tree of a plan draft: plain JSON lists, edited by small pure functions.

A draft node is `{"id", "kind", "label", "title", "text", "lead_unit", "co_units",
"deadline", "leader", "weight", "children"}`; its level is its depth. Every edit keeps every
character of the text in some node: a merge joins the texts, a split cuts one in two.
"""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any

from django.utils.translation import gettext as _

KINDS = ("program", "task", "measure", "topic", "paragraph", "preamble", "appendix", "item", "clutter")
_SENTENCE = re.compile(r"^(.{1,80}?)[。；;！？!?，,]")


class DraftEditError(ValueError):
    """An edit that cannot be applied (shown to the user as is)."""


def tree_from_parsed(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    def convert(node: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": node["id"],
            "kind": node["kind"],
            "label": node.get("label", ""),
            "title": node.get("title") or _first_words(node.get("text", "")),
            "text": node.get("text", ""),
            "lead_unit": None,
            "co_units": [],
            "deadline": None,
            "leader": None,
            "weight": "1",
            "children": [convert(c) for c in node.get("children", [])],
        }

    return [convert(n) for n in parsed.get("nodes", [])]


def indicators_from_parsed(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for i, ind in enumerate(parsed.get("indicators", [])):
        item = dict(ind)
        item["index"] = i
        # Targets become indicators; past results (去年完成…) are kept visible but not included.
        item["include"] = not ind.get("is_actual", False)
        item["measure_unit"] = "" if ind.get("unit") in ("%", "个百分点") else ind.get("unit", "")
        out.append(item)
    return out


def _first_words(text: str) -> str:
    text = text.strip()
    m = _SENTENCE.match(text)
    return (m.group(1) if m else text[:60]).strip()


def walk(tree: list[dict[str, Any]], depth: int = 1):
    for node in tree:
        yield node, depth
        yield from walk(node["children"], depth + 1)


def all_text(tree: list[dict[str, Any]]) -> str:
    return "".join(node["text"] for node, _d in walk(tree))


def find(tree: list[dict[str, Any]], node_id: int) -> tuple[list[dict[str, Any]], int, dict[str, Any] | None]:
    """(the list holding the node, its index there, its parent or None)."""

    def search(nodes, parent):
        for i, node in enumerate(nodes):
            if node["id"] == node_id:
                return nodes, i, parent
            found = search(node["children"], node)
            if found:
                return found
        return None

    found = search(tree, None)
    if not found:
        raise DraftEditError(_("No node %(id)s in this draft.") % {"id": node_id})
    return found


def _next_id(tree) -> int:
    return max((n["id"] for n, _d in walk(tree)), default=0) + 1


def rename(tree, node_id: int, title: str) -> list:
    tree = copy.deepcopy(tree)
    title = (title or "").strip()
    if not title:
        raise DraftEditError(_("A title cannot be empty."))
    if len(title) > 500:
        raise DraftEditError(_("A title has at most 500 characters."))
    siblings, i, _parent = find(tree, node_id)
    siblings[i]["title"] = title
    return tree


def set_kind(tree, node_id: int, kind: str) -> list:
    if kind not in KINDS:
        raise DraftEditError(_("Unknown kind %(k)s.") % {"k": kind})
    tree = copy.deepcopy(tree)
    siblings, i, _parent = find(tree, node_id)
    siblings[i]["kind"] = kind
    return tree


def indent(tree, node_id: int) -> list:
    """One level deeper: the node becomes the last child of its previous sibling."""
    tree = copy.deepcopy(tree)
    siblings, i, _parent = find(tree, node_id)
    if i == 0:
        raise DraftEditError(_("The first node of a level cannot move deeper: there is no node above it to hold it."))
    node = siblings.pop(i)
    siblings[i - 1]["children"].append(node)
    return tree


def outdent(tree, node_id: int) -> list:
    """One level up: the node and its following siblings move under it, after the parent,
    so that the reading order (and so the text) stays the same."""
    tree = copy.deepcopy(tree)
    siblings, i, parent = find(tree, node_id)
    if parent is None:
        raise DraftEditError(_("A top-level node cannot move further up."))
    node = siblings[i]
    following = siblings[i + 1 :]
    del siblings[i:]
    node["children"].extend(following)
    grand_list, j, _gp = find(tree, parent["id"])
    grand_list.insert(j + 1, node)
    return tree


def merge_with_previous(tree, node_id: int) -> tuple[list, int]:
    """Join the node into its previous sibling (text appended, children adopted).
    Returns the tree and the id of the node that absorbed it."""
    tree = copy.deepcopy(tree)
    siblings, i, _parent = find(tree, node_id)
    if i == 0:
        raise DraftEditError(_("The first node of a level has no previous node to merge into."))
    prev = siblings[i - 1]
    node = siblings.pop(i)
    if prev["children"]:
        # Keep reading order: the node's text follows the previous node's last descendant.
        last = prev["children"][-1]
        while last["children"]:
            last = last["children"][-1]
        last["text"] += "\n" + node["text"]
        target = last
    else:
        prev["text"] += "\n" + node["text"]
        target = prev
    prev["children"].extend(node["children"])
    return tree, target["id"]


def split(tree, node_id: int, at: int) -> tuple[list, int]:
    """Cut the node's text at character `at`: the second part becomes a new next sibling
    (with the node's children, which follow it in the text)."""
    tree = copy.deepcopy(tree)
    siblings, i, _parent = find(tree, node_id)
    node = siblings[i]
    text = node["text"]
    if not 0 < at < len(text):
        raise DraftEditError(_("Choose a split point inside the text (1 to %(n)s).") % {"n": len(text) - 1})
    first, second = text[:at], text[at:]
    if not first.strip() or not second.strip():
        raise DraftEditError(_("Both parts of a split must contain text."))
    new = {
        "id": _next_id(tree),
        "kind": node["kind"],
        "label": "",
        "title": _first_words(second),
        "text": second,
        "lead_unit": node["lead_unit"],
        "co_units": list(node["co_units"]),
        "deadline": node["deadline"],
        "leader": node["leader"],
        "weight": node.get("weight", "1"),
        "children": node["children"],
    }
    node["text"] = first
    node["children"] = []
    siblings.insert(i + 1, new)
    return tree, new["id"]


def split_at_phrase(tree, node_id: int, phrase: str) -> tuple[list, int]:
    phrase = (phrase or "").strip()
    if not phrase:
        raise DraftEditError(_("Give the first words of the part that becomes a new node."))
    siblings, i, _parent = find(tree, node_id)
    pos = siblings[i]["text"].find(phrase)
    if pos < 0:
        raise DraftEditError(_("These words do not occur in the node's text."))
    return split(tree, node_id, pos)


def assign(
    tree,
    node_id: int,
    *,
    lead_unit: int | None,
    co_units: list[int],
    deadline: str | None,
    leader: int | None = None,
    weight: str | None = None,
    apply_to_children: bool = False,
) -> list:
    tree = copy.deepcopy(tree)
    if deadline:
        try:
            datetime.date.fromisoformat(deadline)
        except ValueError:
            raise DraftEditError(_("The deadline %(d)s is not a date (YYYY-MM-DD).") % {"d": deadline}) from None
    if lead_unit is not None and lead_unit in co_units:
        co_units = [u for u in co_units if u != lead_unit]
    siblings, i, _parent = find(tree, node_id)
    targets = [siblings[i]]
    if apply_to_children:
        targets += [n for n, _d in walk(siblings[i]["children"])]
    for node in targets:
        node["lead_unit"] = lead_unit
        node["co_units"] = list(co_units)
        node["deadline"] = deadline or None
        node["leader"] = leader
        if weight is not None:
            node["weight"] = weight
    return tree
