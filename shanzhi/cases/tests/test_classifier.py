"""Tests for shanzhi.cases.routing.classifier on tiny synthetic data (no Django, no corpus)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from shanzhi.cases.routing.classifier import Prediction, TextClassifier, tokenize

DATA: dict[str, list[str]] = {
    "环境卫生": [
        "小区门口垃圾堆积很多天没人清理",
        "垃圾桶满了发臭希望尽快清运",
        "路边垃圾乱扔影响环境卫生",
        "楼道里堆满垃圾散发异味",
        "垃圾清运车不按时来收垃圾",
        "菜市场周边垃圾遍地卫生很差",
        "公共厕所脏乱差没有人打扫",
        "绿化带里有大量生活垃圾",
        "垃圾分类点长期无人管理",
        "河边倾倒建筑垃圾污染环境",
    ],
    "噪音扰民": [
        "楼上装修噪音太大影响休息",
        "工地夜间施工噪音扰民严重",
        "广场舞音响声音太大吵得睡不着",
        "酒吧深夜噪音影响居民睡眠",
        "邻居半夜唱歌噪音很大",
        "商铺门口大喇叭循环播放噪音扰民",
        "夜里机器轰鸣噪音不断",
        "工地凌晨还在打桩噪音很吵",
        "烧烤店夜间喧哗噪音扰民",
        "空调外机噪音太大影响休息",
    ],
    "道路交通": [
        "路口红绿灯坏了车辆乱行",
        "道路坑洼不平车辆容易颠簸",
        "公交站台被占用公交车无法停靠",
        "小区门口乱停车堵塞道路",
        "人行道被车辆占用行人只能走马路",
        "十字路口缺少斑马线过马路危险",
        "路灯不亮夜间道路很黑",
        "公交车班次太少等车时间太长",
        "道路井盖缺失车辆通行危险",
        "学校门口上下学时段交通拥堵",
    ],
}

HELD_OUT = [
    ("街道上的垃圾没人清理", "环境卫生"),
    ("隔壁工地晚上施工噪音太大", "噪音扰民"),
    ("这个路口的红绿灯不亮了车辆乱行", "道路交通"),
]


@pytest.fixture(scope="module")
def model() -> TextClassifier:
    texts = [t for texts in DATA.values() for t in texts]
    labels = [lab for lab, texts in DATA.items() for _ in texts]
    return TextClassifier.train(texts, labels)


def test_labels(model: TextClassifier) -> None:
    assert sorted(model.labels) == sorted(DATA)


def test_tokenize_chinese() -> None:
    tokens = tokenize("小区门口垃圾堆积")
    assert "垃圾" in tokens
    assert "".join(tokens) == "小区门口垃圾堆积"


@pytest.mark.parametrize(("text", "label"), HELD_OUT)
def test_predicts_obvious_examples(model: TextClassifier, text: str, label: str) -> None:
    pred = model.predict(text)
    assert isinstance(pred, Prediction)
    assert pred.label == label
    assert 0.0 <= pred.confidence <= 1.0
    # alternatives: top 3, predicted label first, sorted by probability
    assert pred.alternatives[0][0] == pred.label
    assert len(pred.alternatives) == 3
    probs = [p for _, p in pred.alternatives]
    assert probs == sorted(probs, reverse=True)
    assert pred.alternatives[0][1] == pytest.approx(pred.confidence)
    assert sum(probs) == pytest.approx(1.0)
    # reason terms: at most 5, positive, sorted, and taken from the text
    assert 0 < len(pred.reason_terms) <= 5
    weights = [w for _, w in pred.reason_terms]
    assert weights == sorted(weights, reverse=True)
    assert all(w > 0 for w in weights)
    assert all(term in text for term, _ in pred.reason_terms)
    words = set(tokenize(text))
    assert any(term in words and len(term) > 1 for term, _ in pred.reason_terms)


def test_predict_many_matches_predict(model: TextClassifier) -> None:
    texts = [t for t, _ in HELD_OUT] + ["完全无关的句子", ""]
    many = model.predict_many(texts)
    assert [p.label for p in many] == [model.predict(t).label for t in texts]
    for a, b in zip(many, (model.predict(t) for t in texts), strict=True):
        assert a.confidence == pytest.approx(b.confidence)
    assert model.predict_many([]) == []
    assert model.predict("").reason_terms == []  # nothing in the text to point at


def test_round_trip_bytes(model: TextClassifier) -> None:
    data = model.to_bytes()
    loaded = TextClassifier.from_bytes(data)
    assert loaded.labels == model.labels
    texts = [t for t, _ in HELD_OUT]
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts))
    assert loaded.predict(texts[0]) == model.predict(texts[0])


def test_from_bytes_rejects_other_pickles() -> None:
    import pickle

    with pytest.raises(ValueError, match="not a TextClassifier"):
        TextClassifier.from_bytes(pickle.dumps({"hello": 1}))


def test_evaluate_matches_sklearn(model: TextClassifier) -> None:
    texts = [t for t, _ in HELD_OUT] + ["垃圾", "噪音", "道路", "楼上噪音", "交通拥堵"]
    # Deliberately include a wrong gold label so the scores are not all 1.0.
    gold = [lab for _, lab in HELD_OUT] + [
        "环境卫生",
        "噪音扰民",
        "道路交通",
        "环境卫生",
        "道路交通",
    ]
    result = model.evaluate(texts, gold)
    pred = [p.label for p in model.predict_many(texts)]
    assert result["macro_f1"] == pytest.approx(f1_score(gold, pred, average="macro"))
    assert result["accuracy"] == pytest.approx(np.mean(np.array(gold) == np.array(pred)))
    assert result["macro_f1"] < 1.0
    assert set(result["per_class"]) == set(DATA)
    for stats in result["per_class"].values():
        assert set(stats) == {"precision", "recall", "f1", "support"}
    assert sum(s["support"] for s in result["per_class"].values()) == len(texts)


def test_train_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="two classes"):
        TextClassifier.train(["a", "b"], ["x", "x"])
    with pytest.raises(TypeError, match="unknown parameters"):
        TextClassifier.train(["a", "b"], ["x", "y"], bogus=1)


def test_two_classes_and_tiny_classes() -> None:
    # One example per class: no calibration folds possible, must still work.
    clf = TextClassifier.train(["垃圾没人清理", "噪音太大"], ["环境", "噪音"])
    pred = clf.predict("垃圾")
    assert pred.label == "环境"
    assert len(pred.alternatives) == 2
    assert clf.temperature == 1.0


def test_nbsvm_block_is_part_of_the_linear_score(model: TextClassifier) -> None:
    # Default model: tf-idf SVM + NB-SVM presence block, both folded into linear weights.
    assert model.coef_bin is not None
    assert model.coef_bin.shape == model.coef.shape
    plain = TextClassifier.train(
        [t for texts in DATA.values() for t in texts],
        [lab for lab, texts in DATA.items() for _ in texts],
        nb_weight=0,
    )
    assert plain.coef_bin is None
    texts = [t for t, _ in HELD_OUT]
    # The reason-term contributions of the predicted class add up to its score minus the
    # intercept (every term of these texts is in the vocabulary through its characters).
    for text in texts:
        pred = model.predict(text)
        best = model.labels.index(pred.label)
        x = model._features([text])
        score = float(model._scores(x)[0, best] - model.intercept[best])
        a, b = x.indptr[0], x.indptr[1]
        cols = x.indices[a:b]
        total = float(np.sum(x.data[a:b] * model.coef[best, cols] + model.coef_bin[best, cols]))
        assert total == pytest.approx(score)


def test_naive_bayes_block_is_folded_into_the_weights_and_signed() -> None:
    texts = [t for texts in DATA.values() for t in texts]
    labels = [lab for lab, texts in DATA.items() for _ in texts]
    with_nb = TextClassifier.train(texts, labels)
    without = TextClassifier.train(texts, labels, mnb_weight=0)
    mnb = with_nb._fit_mnb(with_nb._features(texts), np.unique(labels, return_inverse=True)[1])
    # The same SVM and NB-SVM blocks underneath: the difference is exactly the weighted block.
    np.testing.assert_allclose(with_nb.coef - without.coef, with_nb.params["mnb_weight"] * mnb, atol=1e-9)
    # Class-centred: each term's weights sum to zero over the classes, and a term seen in one
    # class only ("垃圾", in 环境卫生) counts for that class and against the others.
    np.testing.assert_allclose(mnb.sum(axis=0), 0, atol=1e-9)
    term = list(with_nb._vocab).index("垃圾")
    k = list(with_nb.labels).index("环境卫生")
    assert mnb[k, term] > 0 and all(mnb[j, term] < 0 for j in range(len(with_nb.labels)) if j != k)
    assert "垃圾" in [term for term, _ in with_nb.predict("垃圾没人清理").reason_terms]


def test_format_1_model_still_loads_and_predicts_as_before() -> None:
    import pickle

    import sklearn

    texts = [t for texts in DATA.values() for t in texts]
    labels = [lab for lab, texts in DATA.items() for _ in texts]
    old = TextClassifier.train(texts, labels, nb_weight=0)
    del old.coef_bin  # a format-1 model had no such attribute
    data = pickle.dumps({"format": 1, "sklearn": sklearn.__version__, "model": old})
    loaded = TextClassifier.from_bytes(data)
    assert loaded.coef_bin is None
    probe = [t for t, _ in HELD_OUT]
    np.testing.assert_allclose(loaded.predict_proba(probe), old.predict_proba(probe))
    assert [p.label for p in loaded.predict_many(probe)] == [lab for _, lab in HELD_OUT]


def test_from_bytes_rejects_unknown_format_version(model: TextClassifier) -> None:
    import pickle

    with pytest.raises(ValueError, match="unsupported format version"):
        TextClassifier.from_bytes(pickle.dumps({"format": 99, "model": model}))


def test_repeated_texts_do_not_make_the_confidence_certain() -> None:
    # Every text twice (re-posts): copies must not sit on both sides of a calibration
    # fold, and a handful of texts must not drive the temperature to 0.
    texts = [t for texts in DATA.values() for t in texts[:4]] * 2
    labels = [lab for lab in DATA for _ in range(4)] * 2
    clf = TextClassifier.train(texts, labels)
    assert clf.temperature > 0.05
    assert clf.predict("有个事情想说一下").confidence < 0.99


def test_reason_terms_are_words_a_reader_can_see_not_stray_letters() -> None:
    """An English message's reason read "关键词：t": character n-grams of Latin text (a letter,
    a letter and a space) are features, but no reason a person can read. They still count in
    the score; only the reasons leave them out."""
    data = {
        "环境卫生": [*DATA["环境卫生"], "rubbish at the gate", "the street is dirty", "trash not collected"],
        "道路交通": [*DATA["道路交通"], "traffic light broken", "the road has potholes", "bus stop blocked"],
    }
    texts = [t for ts in data.values() for t in ts]
    model = TextClassifier.train(texts, [lab for lab, ts in data.items() for _ in ts])
    pred = model.predict("Rubbish piled at the gate for days, the street is dirty")
    terms = [t for t, _ in pred.reason_terms]
    assert terms, "there is something to point at"
    for term in terms:
        assert not (term.isascii() and len(term.strip()) < 3), terms
    # Chinese single characters stay: a character can carry the meaning.
    assert model.predict("垃圾没人清理").reason_terms
