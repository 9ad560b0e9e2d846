"""The model's attribute ruler, applied by looking each token up instead of running a Matcher.

en_core_web_sm's `attribute_ruler` turns the tagger's fine tags into coarse parts of speech and
morphology, with exceptions by word and dependency: 181 rules, 173 of them on one token. spaCy
runs them through its Matcher, which took 2.0 of the 12.4 ms it took to read a 93-word answer,
a sixth of the reading, on this machine. Here each token's (tag, lower-case form, dependency,
whitespace) is looked up in a table built from the same rules as tokens are met, and the few
two-token rules are checked where their first token's form allows; the attributes set are the
ruler's own, in its order (a later rule wins), so the result is the same
(tests/test_guidance.py compares the two over every sentence the tests read).

A rule this does not understand (an operator, another attribute) stops the model from loading,
so a new model cannot silently read differently.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc, Token
from spacy.tokens._retokenize import set_token_attrs

NAME = "attribute_rules"

# What a token looks like to the rules; the model's rules read no other attribute.
FEATURES = ("TAG", "LOWER", "DEP", "IS_SPACE")

Check = Callable[[tuple[str, str, str, bool]], bool]
Attrs = dict[Any, Any]  # attribute id -> value, as the ruler normalises them


def features(token: Token) -> tuple[str, str, str, bool]:
    return (token.tag_, token.lower_, token.dep_, token.is_space)


def check(spec: Mapping[str, Any]) -> Check:
    """One token pattern of the ruler as a test on a token's features."""
    tests: list[Callable[[Any], bool]] = []
    places: list[int] = []
    for attribute, wanted in spec.items():
        if attribute not in FEATURES:
            raise ValueError(f"the attribute ruler reads {attribute}, which attribute_rules does not")
        places.append(FEATURES.index(attribute))
        tests.append(value_test(attribute, wanted))
    pairs = list(zip(places, tests))
    return lambda seen: all(test(seen[place]) for place, test in pairs)


def value_test(attribute: str, wanted: Any) -> Callable[[Any], bool]:
    if not isinstance(wanted, dict):
        return lambda value: value == wanted
    if len(wanted) != 1:
        raise ValueError(f"the attribute ruler's test {wanted} on {attribute} is not one attribute_rules reads")
    ((operator, argument),) = wanted.items()
    if operator == "IN":
        among = frozenset(argument)
        return lambda value: value in among
    if operator == "NOT_IN":
        outside = frozenset(argument)
        return lambda value: value not in outside
    if operator == "REGEX":
        pattern = re.compile(argument)
        return lambda value: bool(pattern.search(value))
    raise ValueError(f"the attribute ruler's test {operator} on {attribute} is not one attribute_rules reads")


class AttributeRules:
    """Sets what the model's attribute ruler sets, token by token."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.single: list[tuple[int, Check]] = []
        self.pairs: list[tuple[int, Check, Check, int]] = []
        for rule, entry in enumerate(ruler.patterns):
            index: int = entry.get("index", 0)  # type: ignore[assignment]
            for pattern in entry["patterns"]:  # type: ignore[union-attr]
                if isinstance(pattern, str) or not 1 <= len(pattern) <= 2:
                    raise ValueError(f"attribute_rules reads one- and two-token rules, not {pattern!r}")
                if len(pattern) == 1:
                    self.single.append((rule, check(pattern[0])))
                else:
                    self.pairs.append((rule, check(pattern[0]), check(pattern[1]), index % 2))
        # Normalised as the ruler itself sets them (attribute ids, string hashes).
        self.attrs: Sequence[Attrs] = ruler.attrs
        self._met: dict[tuple[str, str, str, bool], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._merged: dict[tuple[int, ...], Attrs] = {}

    def met(self, seen: tuple[str, str, str, bool]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The one-token rules a token with these features meets, in the ruler's order, and the
        two-token rules it may start (as places in `pairs`)."""
        found = self._met.get(seen)
        if found is None:
            found = self._met[seen] = (
                tuple(rule for rule, test in self.single if test(seen)),
                tuple(place for place, (_, first, _, _) in enumerate(self.pairs) if first(seen)),
            )
        return found

    def merged(self, rules: tuple[int, ...]) -> Attrs:
        """What these rules set, a later rule winning, as in the ruler."""
        found = self._merged.get(rules)
        if found is None:
            found = self._merged[rules] = {}
            for rule in rules:
                found.update(self.attrs[rule])
        return found

    def __call__(self, doc: Doc) -> Doc:
        seen = [features(token) for token in doc]
        met = [self.met(each) for each in seen]
        rules = [single for single, _ in met]
        for i, (_, starts) in enumerate(met):
            for place in starts:
                rule, _, second, index = self.pairs[place]
                if i + 1 < len(seen) and second(seen[i + 1]):
                    rules[i + index] = tuple(sorted((*rules[i + index], rule)))
        for token, found in zip(doc, rules):
            if found:
                set_token_attrs(token, self.merged(found))
        return doc


Shipped = TypeVar("Shipped")


def shipped_pipe(nlp: Language, name: str, kind: type[Shipped]) -> Shipped:
    """The model's own component that a faster one here is built from (and the loader disables)."""
    found = nlp.get_pipe(name)
    if not isinstance(found, kind):
        raise TypeError(f"the model's {name} is a {type(found).__name__}, not the {kind.__name__} read here")
    return found


@Language.factory(NAME)
def make_attribute_rules(nlp: Language, name: str) -> AttributeRules:
    return AttributeRules(shipped_pipe(nlp, "attribute_ruler", AttributeRuler))
