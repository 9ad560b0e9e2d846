"""The model's rule lemmatizer, with each word's lemma remembered by what decides it.

spaCy's lemmatizer makes a Token for every word of an answer and asks its rules (or its cache)
for the lemma one word at a time. Its rules read only a word's text, part of speech and
morphology, and its own cache is keyed by those three; so here the three are read for the whole
answer at once, each new combination is lemmatised by the model's own lemmatizer (the same
call, the same tables), and the lemmas are written back at once. A word that already has a
lemma (the attribute rules give some) keeps it, as the lemmatizer leaves it. tests/test_guidance.py
compares every token's lemma with the model as shipped.
"""

from typing import Any, cast

import numpy as np
from spacy.attrs import LEMMA, MORPH, ORTH, POS
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc
from thinc.types import Ints2d

from bot.reading.attribute_rules import shipped_pipe

NAME = "lemmas"


class Lemmas:
    def __init__(self, lemmatizer: Lemmatizer) -> None:
        if lemmatizer.mode != "rule" or lemmatizer.overwrite:
            raise ValueError("lemmas reads a rule lemmatizer that keeps the lemmas already set")
        self.lemmatizer = lemmatizer
        self._known: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        rows: np.ndarray[Any, Any] = doc.to_array([ORTH, POS, MORPH, LEMMA])
        lemmas = rows[:, 3].copy()
        for i, (orth, pos, morph, lemma) in enumerate(rows.tolist()):
            if lemma:
                continue
            key = (orth, pos, morph)
            found = self._known.get(key)
            if found is None:
                found = self._known[key] = doc.vocab.strings.add(self.lemmatizer.lemmatize(doc[i])[0])
            lemmas[i] = found
        doc.from_array([LEMMA], cast(Ints2d, lemmas.reshape(-1, 1)))
        return doc


@Language.factory(NAME)
def make_lemmas(nlp: Language, name: str) -> Lemmas:
    return Lemmas(shipped_pipe(nlp, "lemmatizer", Lemmatizer))
