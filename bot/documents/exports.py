"""Writing both documents of a plan into the exports folder under safe, unique names."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from docx.document import Document

from bot.documents.agreement import draft_agreement
from bot.documents.mou import build_draft_mou
from bot.documents.redaction import redact, redact_strings
from bot.documents.summary import build_summary
from bot.guide import SIGNATORY_QUESTIONS, Guide
from bot.plans.members import is_member
from bot.plans.views import PersonalItem, PlanSnapshot

MAX_STEM = 60


@dataclass(frozen=True)
class ExportedFiles:
    draft_mou: Path
    summary: Path


def safe_stem(name: str) -> str:
    """A plan name as a file name: ASCII letters, digits and hyphens, nothing that could
    climb out of the exports folder ('../', '/', NUL) or trouble a file system."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()
    return stem[:MAX_STEM].strip("-") or "plan"


def save_exclusively(document: Document, folder: Path, stem: str, suffix: str = ".docx") -> Path:
    """Write the document whole to a temporary file, then give it the first free name by a
    hard link (or an exclusive reservation where there are none), which fails rather than
    replace a file: two exports at the same instant never
    take the same name, and nobody downloading a file ever sees half of it."""
    folder = folder.resolve()
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    os.close(handle)
    try:
        document.save(temporary)
        counter = 1
        while True:
            candidate = folder / (f"{stem}{suffix}" if counter == 1 else f"{stem}-{counter}{suffix}")
            if candidate.resolve().parent != folder:  # safe_stem makes this impossible; keep it so
                raise ValueError(f"refusing to write outside {folder}")
            try:
                _claim(temporary, candidate)
                return candidate
            except FileExistsError:
                counter += 1
    finally:
        Path(temporary).unlink(missing_ok=True)


def _claim(temporary: str, candidate: Path) -> None:
    """Give the written file the name `candidate` unless that name is taken (FileExistsError)."""
    try:
        os.link(temporary, candidate)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, exFAT, some network shares)
        # Reserve the name exclusively, then put the whole file over the reservation.
        os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        os.replace(temporary, candidate)


def write_documents(
    guide: Guide,
    plan: PlanSnapshot,
    exports_dir: Path,
    now: datetime | None = None,
    keep_personal: bool = False,
) -> ExportedFiles:
    now = now or datetime.now(timezone.utc)
    plan = plan if keep_personal else without_personal_details(guide, plan)
    exports_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{safe_stem(plan.name)}-{safe_stem(plan.code)}"
    stamp = now.strftime("%Y%m%d-%H%M%S")
    articles = draft_agreement(guide, plan)  # both documents show it: drafted once
    paths = []
    for kind, build in (("draft-mou", build_draft_mou), ("summary", build_summary)):
        paths.append(save_exclusively(build(guide, plan, now, articles), exports_dir, f"{stem}-{kind}-{stamp}"))
    return ExportedFiles(draft_mou=paths[0], summary=paths[1])


def without_personal_details(guide: Guide, plan: PlanSnapshot) -> PlanSnapshot:
    """The plan as the documents show it by default: personal details found in answers
    replaced by placeholders, except the names of registered members and signatories.
    The database keeps the original wording."""
    members = [m.name for m in plan.members]
    signatories = " ".join(
        a.text for use in sorted(SIGNATORY_QUESTIONS) for a in plan.answers_to(guide.special(use).id)
    ).casefold()

    def private(item: PersonalItem) -> bool:
        return item.kind != "name" or not (is_member(item.text, members) or item.text.casefold() in signatories)

    # A choice carries values forward from earlier answers to its question ("option 1" again keeps
    # the supervisor named before), so its words go without what any answer there ever named.
    named_on: dict[str, list[PersonalItem]] = {}
    for answer in plan.answers:
        found = [*answer.personal_items, *(i for r in answer.revisions for i in r.personal_items or ())]
        named_on.setdefault(answer.question_id, []).extend(i for i in found if private(i))
    answers = []
    for answer in plan.answers:
        items = [item for item in answer.personal_items if private(item)]
        # Every wording goes without what was found in it, and without what the current one
        # names: changing an answer to remove a name must not bring it back as an earlier wording.
        in_wordings = [[*items, *(i for i in r.personal_items or () if private(i))] for r in answer.revisions]
        if not items and not any(in_wordings) and answer.choice is None:
            answers.append(answer)  # nothing to take out: most answers, as they are
            continue
        revisions = tuple(
            replace(r, text=redact_strings(r.text, found)) for r, found in zip(answer.revisions, in_wordings)
        )
        # The themes quote the answers' noun phrases: none that holds a removed detail.
        topics = tuple(t for t in answer.topics if not any(i.text.casefold() in t.casefold() for i in items))
        choice = answer.choice
        if choice is not None:
            named = named_on[answer.question_id]
            choice = replace(
                choice,
                wording=redact_strings(choice.wording, named) if choice.wording else choice.wording,
                values=tuple((name, redact_strings(value, named)) for name, value in choice.values),
            )
        answers.append(
            replace(answer, text=redact(answer.text, items), revisions=revisions, topics=topics, choice=choice)
        )
    return replace(plan, answers=tuple(answers))
