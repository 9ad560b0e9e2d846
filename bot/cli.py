"""Command line for teams: list plans, show one, export its documents.

    python -m bot plans
    python -m bot show CODE
    python -m bot export CODE [--keep-personal-details]
    python -m bot migrate
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from bot import replies, storage
from bot.planner import Planner, PlanNotFound
from bot.settings import Settings


def main(argv: Optional[Sequence[str]] = None, planner: Optional[Planner] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("plans", help="list every plan with its code and progress")
    for name, text in (("show", "show a plan's partners, members and answers"), ("export", "write the draft MOU and the summary")):
        commands.add_parser(name, help=text).add_argument("code", help="the plan code, e.g. MAPLE-417")
    commands.choices["export"].add_argument(
        "--keep-personal-details", action="store_true",
        help="keep students' names, ID numbers, birth dates and contact details that answers mention "
             "(removed by default; registered members and signatories are always named)",
    )
    commands.add_parser("migrate", help="bring the database's schema up to date (make run does it)")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        settings = Settings.from_environment()
        engine = storage.make_engine(settings.database_url)
        print(f"Database schema at revision {storage.migrate(engine)} ({engine.url.render_as_string()}).")
        return 0
    planner = planner or Planner.from_settings(Settings.from_environment())

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
        else:
            print(f"Exporting plan {args.code}...", file=sys.stderr)
            print(replies.exported(planner.export(args.code, keep_personal=args.keep_personal_details)))
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
            lines += [f"  • {a.member_name or 'Committee'}: {replies.excerpt(a.text)}" for a in answers]
    return "\n".join(lines)
