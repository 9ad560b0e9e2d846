"""An answer's topics and whether it voices a concern, read with spaCy when it is saved.

Each answer's topics are its noun chunks as people write them, lower-cased, without a leading
determiner or pronoun, with a regular plural head made singular ("the dress codes" and "dress
code" are one topic). An answer voices a concern when it uses words of worry or risk.
bot/plans/themes.py gathers them across answers.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

# Words too general to be a theme in this discussion: every answer is about them.
GENERAL = {
    "sro",
    "sros",
    "school",
    "schools",
    "student",
    "students",
    "officer",
    "officers",
    "we",
    "they",
    "it",
    "this",
    "that",
    "thing",
    "things",
    "way",
    "lot",
    "people",
    "kid",
    "kids",
    "child",
    "children",
    "one",
    "time",
    "part",
    "year",
    "day",
    "something",
    "everyone",
    "anyone",
    "who",
    "what",
    "which",
    "us",
    "you",
    "i",
    "he",
    "she",
    "them",
    "plan",
    "answer",
    "question",
    "yes",
    "no",
}
CONCERN_WORDS = {
    "concern",
    "concerned",
    "worry",
    "worried",
    "fear",
    "afraid",
    "risk",
    "nervous",
    "uncomfortable",
    "distrust",
    "mistrust",
    "harm",
    "anxious",
    "unsafe",
    "problem",
    "issue",
    "danger",
    "scared",
}
# Plurals whose singular means something else ("politic", "premise") or is no noun ("clothe").
KEPT_PLURAL = {
    "athletics",
    "belongings",
    "civics",
    "clothes",
    "economics",
    "ethics",
    "grounds",
    "logistics",
    "politics",
    "premises",
    "relations",
    "species",
}


def head_word(token: Token) -> str:
    """The head of a noun chunk, singular when spaCy's lemma is its regular singular.

    "arrests" -> "arrest", "buses" -> "bus", "policies" -> "policy". Irregular lemmas are
    artefacts as often as not ("data" -> "datum", "media" -> "medium"), so those plurals stay
    as written, as do proper nouns ("US Marshals"). A plural in "ies" is made singular only with
    a "y": for a word it does not know spaCy guesses "tardies" -> "tardie" (so "movies" stays).
    """
    text, lemma = token.lower_, token.lemma_.lower()
    if token.tag_ != "NNS" or text in KEPT_PLURAL:
        return text
    regular = lemma == text[:-3] + "y" if text.endswith("ies") else text in (lemma + "s", lemma + "es")
    return lemma if regular else text


def topics_of(doc: Doc) -> list[str]:
    topics: list[str] = []
    for chunk in doc.noun_chunks:
        root = chunk.root
        head = head_word(root)
        general = head in GENERAL or root.lemma_.lower() in GENERAL
        if not root.is_alpha or general or root.is_stop or root.ent_type_ == "PERSON":
            continue
        if root.i + 1 < len(doc) and doc[root.i + 1].text == "-":
            continue  # the first half of "de-escalation": the whole word is read with its second half
        # From the first content word to the root, with the root singular: "de-escalation
        # training", "the dress codes" -> "dress code".
        start = chunk.start
        while start >= 2 and doc[start - 1].text == "-" and not doc[start - 2].whitespace_:
            start -= 2
        words = [t for t in doc[start : root.i + 1]]
        while words and (words[0].is_stop or words[0].is_punct or words[0].pos_ in {"DET", "PRON", "NUM"}):
            words.pop(0)
        lead = "".join(t.text_with_ws for t in words[:-1]).lower()
        topic = (lead + head).strip()
        # "Our concern is ...", "a big risk": the theme is what worries them, not the worry.
        if topic and topic not in topics and topic not in CONCERN_WORDS:
            topics.append(topic)
    return topics


def voices_concern(doc: Doc) -> bool:
    return any(t.lemma_.lower() in CONCERN_WORDS or t.lower_ in CONCERN_WORDS for t in doc)
