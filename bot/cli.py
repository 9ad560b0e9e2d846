"""Command line for teams: list plans, show one, export its documents, delete them.

    python -m bot plans
    python -m bot show CODE
    python -m bot export CODE [--keep-personal-details]
    python -m bot key CODE
    python -m bot delete CODE [--dry-run] [--yes]
    python -m bot purge --older-than DAYS [--dry-run] [--yes]
    python -m bot migrate

`delete` removes a plan completely: its answers with every earlier wording, members, partners,
skipped questions, exported documents and its conversations in Rasa's conversation store.
`purge` does the same for every plan with no activity for more than DAYS days. Both print what
they will delete and ask first; `--yes` skips the question (for scripts), `--dry-run` only prints.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bot import replies
from bot.plans import codes
from bot.plans.planner import Planner, PlanNotFound
from bot.plans.text import capitalised, plural
from bot.settings import Settings, Topology
from bot.storage import database, retention
from bot.storage.retention import PlanToDelete


def main(argv: Sequence[str] | None = None, planner: Planner | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("plans", help="list every plan with its code and progress")
    for name, text in (
        ("show", "show a plan's partners, members and answers"),
        ("export", "write the draft MOU and the summary"),
        ("key", "give a plan a new access key for the meeting page (the old one stops working)"),
    ):
        commands.add_parser(name, help=text).add_argument("code", help="the plan code, e.g. MAPLE-417")
    commands.choices["export"].add_argument(
        "--keep-personal-details",
        action="store_true",
        help="keep students' names, ID numbers, birth dates and contact details that answers mention "
        "(removed by default; registered members and signatories are always named)",
    )
    commands.add_parser("migrate", help="bring the database's schema up to date (make run does it)")
    add_deletion_commands(commands)
    args = parser.parse_args(argv)
    if args.command == "migrate":
        settings = Settings.from_environment()
        engine = database.make_engine(settings.database_url)
        print(f"Database schema at revision {database.migrate(engine)} ({engine.url.render_as_string()}).")
        return 0
    planner = planner or Planner.from_settings(Settings.from_environment(), serving=False)
    if args.command in ("delete", "purge"):
        return delete_or_purge(planner, args)

    if args.command == "plans":
        listing = planner.list_plans()
        if not listing:
            print("No plans yet. Start one in the chat with “start a new plan”.")
        for plan in listing:
            state = "finished" if plan.finished else "in progress"
            print(f"{plan.code:<12} {plan.answered:>3}/{plan.total} answered  {state:<11}  {plan.name}")
        return 0
    try:
        if args.command == "show":
            print(show(planner, args.code))
        elif args.command == "key":
            key = planner.replace_key(args.code)
            print(replies.access_key(codes.normalize_code(args.code), key))
        else:
            print(f"Exporting plan {args.code}...", file=sys.stderr)
            files = planner.export(args.code, keep_personal=args.keep_personal_details)
            print(replies.exported(files))
            print(f"Written to {files.draft_mou} and {files.summary}.")  # the operator's own machine
    except PlanNotFound as missing:
        print(replies.plan_not_found(missing.code) + " `python -m bot plans` lists them.", file=sys.stderr)
        return 2
    return 0


def show(planner: Planner, code: str) -> str:
    plan = planner.snapshot(code)
    lines = [
        f"{plan.name} (plan {plan.code})",
        f"School partner: {plan.school}",
        f"Agency: {plan.agency}",
        "Members: " + (", ".join(f"{m.name} ({m.role})" for m in plan.members) or "none named"),
        "",
        replies.progress_report(planner.progress(code)),
    ]
    for question in planner.guide.questions:
        answers = plan.answers_to(question.id)
        if answers:
            lines.append(f"\n{question.short}:")
            lines += [f"  • {capitalised(a.speaker)}: {replies.excerpt(a.text)}" for a in answers]
    return "\n".join(lines)


# --- deleting plans ----------------------------------------------------------------------

NOT_CONFIRMED, NO_SUCH_PLAN = 1, 2


def add_deletion_commands(commands: Any) -> None:
    delete = commands.add_parser(
        "delete", help="delete a plan completely: answers, members, documents and conversations"
    )
    delete.add_argument("code", help="the plan code, e.g. MAPLE-417")
    purge = commands.add_parser(
        "purge", help="delete, as completely as `delete`, every plan with no activity for more than DAYS days"
    )
    purge.add_argument(
        "--older-than", type=whole_days, required=True, metavar="DAYS", help="days since the plan's last activity"
    )
    for command in (delete, purge):
        command.add_argument("--yes", action="store_true", help="do not ask for confirmation (for scripts)")
        command.add_argument("--dry-run", action="store_true", help="print what would be deleted; delete nothing")


def whole_days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, at least 1, not {text!r}")
    return int(text)


def delete_or_purge(planner: Planner, args: argparse.Namespace) -> int:
    # The conversation store is Rasa's database, named by the same variable the servers get.
    url = Topology.from_environment().conversations_url
    store = retention.conversation_store(url)
    if store is None:
        print(
            f"Warning: there is no conversation store at {database.safe_url(url)}, so no conversation "
            "will be deleted. If the servers keep conversations elsewhere, set CONVERSATIONS_URL as they have it.",
            file=sys.stderr,
        )
    try:
        return (delete_command if args.command == "delete" else purge_command)(planner, store, args)
    finally:
        if store is not None:
            store.dispose()


def delete_command(planner: Planner, store: Engine | None, args: argparse.Namespace) -> int:
    found = retention.describe(planner.sessions, planner.exports_dir, store, args.code)
    if found is None:
        print(replies.plan_not_found(args.code) + " `python -m bot plans` lists them.", file=sys.stderr)
        return NO_SUCH_PLAN
    print("This deletes, for good:\n" + what_goes(found, planner.exports_dir))
    if args.dry_run:
        print("Dry run: nothing was deleted.")
        return 0
    if not confirmed(args, "Type the plan code to confirm: ", lambda typed: codes.normalize_code(typed) == found.code):
        return NOT_CONFIRMED
    deleted = retention.delete_plan(planner.sessions, planner.exports_dir, store, found.code)
    if deleted is None:  # deleted by someone else since it was described
        print(replies.plan_not_found(found.code), file=sys.stderr)
        return NO_SUCH_PLAN
    print(f"Deleted plan {deleted.code} ({deleted.name}).")
    return 0


def purge_command(planner: Planner, store: Engine | None, args: argparse.Namespace) -> int:
    older_than = timedelta(days=args.older_than)
    described = [
        retention.describe(planner.sessions, planner.exports_dir, store, code)
        for code in retention.inactive_plans(planner.sessions, older_than)
    ]
    listed = [plan for plan in described if plan is not None]
    if not listed:
        print(f"No plan has been inactive for more than {plural(args.older_than, 'day')}; nothing to delete.")
        return 0
    idle = plural(args.older_than, "day")
    print(f"This deletes, for good, {plural(len(listed), 'plan')} inactive for more than {idle}:")
    for plan in listed:
        print(what_goes(plan, planner.exports_dir))
    if args.dry_run:
        print("Dry run: nothing was deleted.")
        return 0
    expected = f"purge {plural(len(listed), 'plan')}"
    if not confirmed(
        args, f"Type '{expected}' to confirm: ", lambda typed: " ".join(typed.split()).casefold() == expected
    ):
        return NOT_CONFIRMED
    # Inactivity is checked again under each plan's lock: a plan that a committee has come back
    # to since it was listed is kept.
    inactive_before = retention.cutoff(older_than)
    for plan in listed:
        deleted = retention.delete_plan(planner.sessions, planner.exports_dir, store, plan.code, inactive_before)
        print(
            f"Deleted plan {plan.code} ({plan.name})."
            if deleted
            else f"Kept plan {plan.code} ({plan.name}): active again since it was listed, or already deleted."
        )
    return 0


def confirmed(args: argparse.Namespace, prompt: str, matches: Callable[[str], bool]) -> bool:
    if args.yes:
        return True
    typed = typed_at_terminal(prompt)
    if typed is not None and matches(typed):
        return True
    print("Nothing was deleted.", file=sys.stderr)
    return False


def typed_at_terminal(prompt: str) -> str | None:
    """What the person at the terminal typed, or None. Without a terminal nobody can be asked:
    the command refuses rather than take a piped line as consent or wait for input."""
    if not sys.stdin.isatty():
        print(
            "Not deleting: confirmation needs a terminal. Add --yes to delete from a script, "
            "or --dry-run to see what would be deleted.",
            file=sys.stderr,
        )
        return None
    try:
        return input(prompt)
    except EOFError:
        return None


def what_goes(plan: PlanToDelete, exports_dir: Path) -> str:
    counts = ", ".join(
        (
            plural(plan.answers, "answer"),
            plural(plan.revisions, "revision"),
            plural(plan.members, "member"),
            plural(plan.skipped_questions, "skipped question"),
        )
    )
    return (
        f"  {plan.code}  {plan.name}  (last activity {plan.last_activity:%Y-%m-%d})\n"
        f"    {counts}\n"
        f"    {plural(len(plan.export_files), 'exported file')} in {exports_dir}; "
        f"{plural(len(plan.conversations), 'conversation')} in the conversation store"
    )
