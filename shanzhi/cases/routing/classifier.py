"""Short Chinese text → category classifier for case routing (pure: no Django).

Model (chosen by 5-fold cross-validation on the training split of the TipDM 2020
message subjects, see ``bench/bench_classifier.py``):

* features: TF-IDF (sublinear tf) over jieba words (unigrams) **plus** TF-IDF over
  character 1–2-grams. Character n-grams rescue words jieba splits badly (place names,
  slang, typos); words add the longer units. In CV, word bigrams, char 3-grams, jieba
  search mode and digit/place-mask normalisation were all within ±0.3 points or worse.
* classifier: the sum of three linear models over the same vocabulary, the first two each
  divided by the spread of its out-of-fold scores:

  - one-vs-rest ``LinearSVC`` (C=1, class_weight="balanced") on the TF-IDF features. In
    CV it beat LogisticRegression (C=10..30, ≈ -1.2 points macro-F1), SGD and Ridge;
  - NB-SVM (Wang & Manning 2012): per class, a binary ``LinearSVC`` (C=0.05) on binary
    term presence scaled by that class's naive-Bayes log-count ratio;
  - multinomial naive Bayes on the TF-IDF values (uniform prior, α=0.03), class-centred
    log-probabilities with a fixed weight of 0.15.

  Alone each of the first two gets ≈ 0.885 macro-F1 in 5-fold CV on the training split;
  their sum +0.3..0.4 points, the same on four different fold seeds; the naive-Bayes block
  another +0.3..0.45 on both fold seeds tried (weight and α from a flat plateau). All are
  linear, so the sum is one linear model over [tf-idf | presence] and the reason terms stay
  exact. A one-hidden-layer network and stacking were tried too (docs/benchmarks.md).
* confidence: temperature scaling (softmax of the combined scores divided by one
  temperature fitted on out-of-fold scores of the training data). It keeps the ranking,
  so the label is always the highest-probability class, and gives probabilities whose
  size can be compared with a threshold elsewhere.

Keyword rules and the "confident enough to auto-route" threshold live elsewhere.

Security: :meth:`TextClassifier.from_bytes` unpickles. Only load models that the platform
itself trained and stored; never load a model file uploaded by a user.
"""

from __future__ import annotations

import io
import logging
import pickle
import threading
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.svm import LinearSVC

__all__ = ["Prediction", "TextClassifier", "evaluate_predictions", "tokenize"]

FORMAT_VERSION = 2  # 2: + NB-SVM presence block (coef_bin); 1 still loads (no block)
_LOADABLE_FORMATS = (1, 2)
# liblinear's coordinate descent stops at max_iter passes. On real messages it converges in
# far fewer than the default 1,000 (so this changes no result there), but on nearly separable
# training sets, such as the demo's generated cases, the NB-SVM block needed more.
_MAX_ITER = 20_000
_jieba_lock = threading.Lock()
_jieba: Any = None


def _get_jieba() -> Any:
    """Import and initialise jieba once (loading its dictionary takes ~0.5-1 s)."""
    global _jieba  # noqa: PLW0603 (jieba is initialised once per process, lazily)
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # silence "Building prefix dict..."
                jieba.initialize()  # caches the prefix dict in the temp dir
                _jieba = jieba
    return _jieba


def normalize(text: str) -> str:
    """NFKC (full-width → half-width letters/digits/punctuation) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text: str) -> list[str]:
    """jieba words of the normalised text, without whitespace tokens."""
    return [t for t in _get_jieba().lcut(text, HMM=True) if not t.isspace()]


def _identity(x: Any) -> Any:
    return x


def _presence(x: sp.csr_matrix) -> sp.csr_matrix:
    """1 where a term occurs (same sparsity as the tf-idf matrix, explicit zeros aside)."""
    out = x.copy()
    out.data = np.ones_like(out.data)
    return out


@dataclass(frozen=True, slots=True)
class Prediction:
    """One prediction.

    ``alternatives`` are the top 3 classes (the predicted one first) with probabilities,
    sorted by probability, descending. ``reason_terms`` are up to 5 terms of the text that
    pushed the score of ``label`` up the most, with their contribution (tf-idf × weight).
    """

    label: str
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    reason_terms: list[tuple[str, float]] = field(default_factory=list)


def evaluate_predictions(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """macro-F1, accuracy and per-class precision/recall/F1/support (classes of y_true)."""
    labels = sorted(set(y_true))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
    per_class = {
        lab: {
            "precision": float(p[i]),
            "recall": float(r[i]),
            "f1": float(f[i]),
            "support": int(s[i]),
        }
        for i, lab in enumerate(labels)
    }
    return {
        "macro_f1": float(np.mean(f)) if len(f) else 0.0,
        "accuracy": float(accuracy_score(y_true, y_pred)) if len(y_true) else 0.0,
        "per_class": per_class,
    }


def _readable(term: str) -> bool:
    """Whether a feature reads as a reason: not a stray Latin letter or pair of them (a
    character n-gram of Latin text such as "t" or "e ", or a word like "at"), which a reader
    cannot see a reason in. Chinese characters stay: one can carry the meaning."""
    return not (term.isascii() and len(term.strip()) < 3)


class TextClassifier:
    """Train with :meth:`train`; then :meth:`predict` / :meth:`predict_many`."""

    DEFAULT_PARAMS: ClassVar[dict[str, Any]] = {
        "C": 1.0,
        "word_ngram_range": (1, 1),
        "char_ngram_range": (1, 2),
        "min_df": 1,
        "class_weight": "balanced",
        "nb_weight": 1.0,  # weight of the NB-SVM block; 0 = plain TF-IDF LinearSVC
        "nb_C": 0.05,
        "nb_alpha": 1.0,  # Laplace smoothing of the log-count ratios
        "mnb_weight": 0.15,  # weight of the multinomial naive-Bayes block; 0 = none
        "mnb_alpha": 0.03,  # its smoothing
        "calibration_folds": 5,
        "seed": 0,
    }

    def __init__(self) -> None:
        self.params: dict[str, Any] = dict(self.DEFAULT_PARAMS)
        self.word_vec: TfidfVectorizer | None = None
        self.char_vec: TfidfVectorizer | None = None
        self.coef: sp.csr_matrix | np.ndarray | None = None  # (n_classes, n_features), on tf-idf
        self.coef_bin: np.ndarray | None = None  # same shape, on term presence (NB-SVM); None = none
        self.intercept: np.ndarray | None = None
        self.temperature: float = 1.0
        self.classes: np.ndarray = np.array([], dtype=object)
        self._vocab: np.ndarray | None = None  # feature index → display term
        self.trained_at: float = 0.0
        self.n_train: int = 0
        self.train_seconds: float = 0.0

    # -- properties -----------------------------------------------------------------

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.classes]

    # -- training -------------------------------------------------------------------

    def _make_vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        p = self.params
        # Words arrive pre-tokenised (see _features) so jieba runs once per text.
        word = TfidfVectorizer(
            analyzer="word",
            tokenizer=_identity,
            preprocessor=_identity,
            token_pattern=None,
            lowercase=False,
            ngram_range=tuple(p["word_ngram_range"]),
            sublinear_tf=True,
            min_df=p["min_df"],
        )
        char = TfidfVectorizer(
            analyzer="char",
            lowercase=False,
            ngram_range=tuple(p["char_ngram_range"]),
            sublinear_tf=True,
            min_df=p["min_df"],
        )
        return word, char

    def _features(self, texts: Sequence[str], fit: bool = False) -> sp.csr_matrix:
        norm = [normalize(t) for t in texts]
        words = [tokenize(t) for t in norm]
        assert self.word_vec is not None and self.char_vec is not None
        if fit:
            xw = self.word_vec.fit_transform(words)
            xc = self.char_vec.fit_transform(norm)
        else:
            xw = self.word_vec.transform(words)
            xc = self.char_vec.transform(norm)
        return sp.hstack([xw, xc], format="csr")

    def _svm(self) -> LinearSVC:
        p = self.params
        return LinearSVC(C=p["C"], class_weight=p["class_weight"], random_state=p["seed"], max_iter=_MAX_ITER)

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], **params: Any) -> TextClassifier:
        """Fit on ``texts``/``labels``. ``params`` override :attr:`DEFAULT_PARAMS`."""
        unknown = set(params) - set(cls.DEFAULT_PARAMS)
        if unknown:
            raise TypeError(f"unknown parameters: {sorted(unknown)}")
        if len(texts) != len(labels):
            raise ValueError("texts and labels must have the same length")
        y = np.asarray([str(lab) for lab in labels], dtype=object)
        classes, y_idx = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError("need at least two classes to train")

        self = cls()
        self.params.update(params)
        self.word_vec, self.char_vec = self._make_vectorizers()
        started = time.perf_counter()
        x = self._features(texts, fit=True)
        self.classes = classes
        use_nb = float(self.params["nb_weight"]) > 0
        # Repeated texts (re-posts) stay in one fold: a copy on both sides of a fold would
        # make out-of-fold scores look in-sample and the confidence too sure of itself.
        _, groups = np.unique(np.asarray([normalize(t) for t in texts], dtype=object), return_inverse=True)
        distinct = min(len(np.unique(groups[y_idx == k])) for k in range(len(classes)))
        oof = self._out_of_fold_scores(x, y_idx, groups, distinct, use_nb)
        coef, intercept = self._fit_svm(x, y_idx)
        w_mnb = float(self.params["mnb_weight"])
        coef_mnb = self._fit_mnb(x, y_idx) if w_mnb > 0 else 0.0
        s_mnb = oof[2] if oof is not None else 0.0
        if use_nb:
            coef_bin, intercept_bin = self._fit_nbsvm(x, y_idx)
            # Scale each block by the spread of its out-of-fold scores (in-sample margins
            # are inflated, the NB-SVM's more so); in-sample spread if no folds are possible.
            if oof is not None:
                s_svm, s_nb, _ = oof
            else:
                s_svm = self._block_scores(x, coef, intercept)
                s_nb = self._block_scores(_presence(x), coef_bin, intercept_bin)
            k_svm = 1.0 / max(float(s_svm.std()), 1e-9)
            k_nb = float(self.params["nb_weight"]) / max(float(s_nb.std()), 1e-9)
            coef, intercept = coef * k_svm, intercept * k_svm
            self.coef_bin = coef_bin * k_nb
            intercept = intercept + intercept_bin * k_nb
            if oof is not None:
                self.temperature = self._fit_temperature_on(s_svm * k_svm + s_nb * k_nb + w_mnb * s_mnb, y_idx)
        elif oof is not None:
            self.temperature = self._fit_temperature_on(oof[0] + w_mnb * s_mnb, y_idx)
        # The naive-Bayes block has a fixed weight: its class-centred log-likelihoods are on a
        # scale of their own, chosen by cross-validation against the unit-spread blocks above.
        self.coef, self.intercept = coef + w_mnb * coef_mnb, intercept
        names = np.concatenate(
            [
                self.word_vec.get_feature_names_out(),
                self.char_vec.get_feature_names_out(),
            ]
        )
        # Word bigrams are "w1 w2"; show them as the text they come from.
        self._vocab = np.array([n.replace(" ", "") for n in names], dtype=object)
        self.n_train = len(texts)
        self.trained_at = time.time()
        self.train_seconds = time.perf_counter() - started
        return self

    def _fit_svm(self, x: sp.csr_matrix, y_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One-vs-rest LinearSVC on tf-idf: (n_classes, n_features) weights and intercepts."""
        svm = self._svm().fit(x, y_idx)
        coef = np.asarray(svm.coef_, dtype=np.float64)
        intercept = np.asarray(svm.intercept_, dtype=np.float64)
        if coef.shape[0] == 1:
            # Binary LinearSVC gives one row (score of class 1); make it symmetric so the
            # per-class code paths work unchanged.
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        return coef, intercept

    def _fit_nbsvm(self, x: sp.csr_matrix, y_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """NB-SVM: per class, a binary LinearSVC on presence × log-count ratio.

        Folded into plain weights on presence: score_k = presence · (r_k ⊙ w_k) + b_k.
        """
        p = self.params
        xb = _presence(x)
        alpha = float(p["nb_alpha"])
        n_classes = len(self.classes)
        coef = np.zeros((n_classes, x.shape[1]))
        intercept = np.zeros(n_classes)
        total = np.asarray(xb.sum(axis=0)).ravel()
        for k in range(n_classes):
            is_k = y_idx == k
            if is_k.all() or not is_k.any():
                continue  # a class absent from this fold's training part scores 0
            pos = alpha + np.asarray(xb[is_k].sum(axis=0)).ravel()
            neg = alpha + total - (pos - alpha)
            r = np.log(pos / pos.sum()) - np.log(neg / neg.sum())
            svm = LinearSVC(C=p["nb_C"], class_weight=p["class_weight"], random_state=p["seed"], max_iter=_MAX_ITER)
            svm.fit(xb @ sp.diags(r), is_k)
            coef[k] = r * svm.coef_[0]
            intercept[k] = svm.intercept_[0]
        return coef, intercept

    def _fit_mnb(self, x: sp.csr_matrix, y_idx: np.ndarray) -> np.ndarray:
        """Multinomial naive Bayes on the tf-idf values with a uniform class prior, as
        weights: per term, each class's log-probability minus the mean over classes.

        Centring changes no prediction (every class of a text loses the same amount) but makes
        each term's contribution signed, so the reason terms stay exact and readable.
        """
        onehot = sp.csr_matrix(
            (np.ones(len(y_idx)), (y_idx, np.arange(len(y_idx)))), shape=(len(self.classes), len(y_idx))
        )
        counts = np.asarray((onehot @ x).todense()) + float(self.params["mnb_alpha"])
        logp = np.log(counts) - np.log(counts.sum(axis=1, keepdims=True))
        return logp - logp.mean(axis=0, keepdims=True)

    @staticmethod
    def _block_scores(x: sp.csr_matrix, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        return np.asarray(x @ coef.T) + intercept

    def _out_of_fold_scores(
        self, x: sp.csr_matrix, y_idx: np.ndarray, groups: np.ndarray, min_count: int, use_nb: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Out-of-fold scores of the SVM, the NB-SVM and the naive-Bayes blocks (zeros if
        not used).

        Out-of-fold, because in-sample margins are over-confident. With fewer than two
        distinct texts in some class no folds can be made: None (then T = 1).
        """
        folds = min(int(self.params["calibration_folds"]), min_count)
        if folds < 2:
            return None
        n_classes = len(self.classes)
        s_svm = np.zeros((x.shape[0], n_classes))
        s_nb = np.zeros((x.shape[0], n_classes))
        s_mnb = np.zeros((x.shape[0], n_classes))
        skf = StratifiedGroupKFold(folds, shuffle=True, random_state=self.params["seed"])
        for tr, te in skf.split(np.zeros(len(y_idx)), y_idx, groups):
            if len(np.unique(y_idx[tr])) < n_classes:
                return None
            s_svm[te] = self._block_scores(x[te], *self._fit_svm(x[tr], y_idx[tr]))
            if use_nb:
                s_nb[te] = self._block_scores(_presence(x[te]), *self._fit_nbsvm(x[tr], y_idx[tr]))
            if float(self.params["mnb_weight"]) > 0:
                s_mnb[te] = np.asarray(x[te] @ self._fit_mnb(x[tr], y_idx[tr]).T)
        return s_svm, s_nb, s_mnb

    @staticmethod
    def _fit_temperature_on(scores: np.ndarray, y_idx: np.ndarray) -> float:
        """Temperature minimising the log-loss of (out-of-fold) scores.

        The targets are smoothed by ε = 1/(n+1) towards uniform: on a handful of texts that
        are all classified right out-of-fold the plain log-loss drives T to 0 and every
        text, even one with no known term, would get confidence 1. On thousands of texts
        ε changes nothing measurable.
        """
        n, n_classes = scores.shape
        eps = 1.0 / (n + 1)
        target = np.full((n, n_classes), eps / n_classes)
        target[np.arange(n), y_idx] += 1.0 - eps

        def nll(log_t: float) -> float:
            return float(-(target * log_softmax(scores / np.exp(log_t), axis=1)).sum(axis=1).mean())

        res = minimize_scalar(nll, bounds=(-5.0, 5.0), method="bounded")
        return float(np.exp(res.x))

    # -- prediction -----------------------------------------------------------------

    def _check_trained(self) -> None:
        if self.coef is None:
            raise RuntimeError("the classifier is not trained")

    def _scores(self, x: sp.csr_matrix) -> np.ndarray:
        assert self.coef is not None and self.intercept is not None
        scores = np.asarray(x @ self.coef.T) + self.intercept
        coef_bin = getattr(self, "coef_bin", None)
        if coef_bin is not None:
            scores += np.asarray(_presence(x) @ coef_bin.T)
        return scores

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape (n, n_classes), columns in :attr:`labels` order."""
        self._check_trained()
        if not len(texts):
            return np.zeros((0, len(self.classes)))
        return softmax(self._scores(self._features(texts)) / self.temperature, axis=1)

    def predict_many(self, texts: Sequence[str], reasons: bool = True) -> list[Prediction]:
        """Vectorised prediction. ``reasons=False`` skips the reason terms (a bit faster)."""
        self._check_trained()
        texts = list(texts)
        if not texts:
            return []
        assert self.coef is not None and self._vocab is not None
        x = self._features(texts)
        coef_bin = getattr(self, "coef_bin", None)
        proba = softmax(self._scores(x) / self.temperature, axis=1)
        k = min(3, proba.shape[1])
        top = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        out: list[Prediction] = []
        labels = self.labels
        for i in range(len(texts)):
            best = int(top[i, 0])
            alts = [(labels[j], float(proba[i, j])) for j in top[i]]
            terms: list[tuple[str, float]] = []
            if reasons:
                # Slice the CSR arrays directly; x.getrow() costs ~40 µs per call.
                a, b = x.indptr[i], x.indptr[i + 1]
                cols = x.indices[a:b]
                contrib = x.data[a:b] * self.coef[best, cols]
                if coef_bin is not None:
                    contrib = contrib + coef_bin[best, cols]  # presence is 1 on every stored cell
                merged: dict[str, float] = {}
                # A single-character word is both a word and a char feature: sum them.
                for term, c in zip(self._vocab[cols], contrib, strict=True):
                    merged[term] = merged.get(term, 0.0) + float(c)
                terms = sorted(((t, c) for t, c in merged.items() if c > 0 and _readable(t)), key=lambda tc: -tc[1])
                terms = terms[:5]
            out.append(Prediction(labels[best], float(proba[i, best]), alts, terms))
        return out

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def evaluate(self, texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
        """macro-F1, accuracy and per-class metrics of this model on a labelled set."""
        self._check_trained()
        proba = self.predict_proba(list(texts))
        pred = [self.labels[i] for i in proba.argmax(axis=1)] if len(proba) else []
        return evaluate_predictions([str(lab) for lab in labels], pred)

    # -- persistence ----------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Pickle. Load only with :meth:`from_bytes`, and only bytes the platform wrote."""
        import sklearn

        buf = io.BytesIO()
        payload = {
            "format": FORMAT_VERSION,
            "sklearn": sklearn.__version__,
            "model": self,
        }
        pickle.dump(payload, buf, protocol=pickle.HIGHEST_PROTOCOL)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TextClassifier:
        """Unpickle a model written by :meth:`to_bytes`.

        Unpickling runs code: never pass bytes that did not come from the platform's own
        model storage. A different scikit-learn version may load but is not guaranteed to;
        retrain after upgrading scikit-learn.
        """
        payload = pickle.loads(data)  # trusted: platform-written models only
        if not isinstance(payload, dict) or payload.get("format") not in _LOADABLE_FORMATS:
            raise ValueError("not a TextClassifier model (or an unsupported format version)")
        model = payload["model"]
        if not isinstance(model, cls):
            raise TypeError("the bytes do not contain a TextClassifier")
        if payload["format"] == 1:
            # Format 1 had no NB-SVM block: it predicts exactly as when it was stored, until
            # the next retraining stores a format-2 model.
            model.coef_bin = None
        return model
