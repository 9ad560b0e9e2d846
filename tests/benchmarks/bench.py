#!/usr/bin/env python
"""The benchmark of issue 5: Partnership Planner against Rasa's own starter bot, same run, same machine.

    python tests/benchmarks/bench.py [--smoke] [--out results/bench.json]     (make bench)

It starts the real servers on loopback (the Rasa server with the REST channel, the action
server, a fresh SQLite database and exports folder in a temporary folder) and measures:

1. per-turn latency, p50 and p95, with 1, 10 and 25 committees talking at once (one thread and
   one sender each; a committee starts a plan, then answers of 20-400 words, many attributed
   "Name: ...", control phrases and, when the model has them, FAQ questions); errors; and at the
   end every answer a committee sent is looked up in the database: lost answers are reported;
2. growth: in one 300-turn conversation, median of turns 251-300 / median of turns 1-50;
3. compiling both documents for a plan with 1,000 answers, in-process: time and memory;
4. peak resident memory (VmHWM) of the Rasa server and of the action server, and the time from
   starting both processes to the first answered message;
5. measures 1, 2 and 4 again for the starter bot made by `rasa init --no-prompt` in a temporary
   folder (trained there with its default config), with its own example messages, so that
   every figure is also shown as a ratio to the starter bot's;
6. other committees' latency while one committee exports a large plan through the chat;
7. measure 1 with one committee again, with both bots up and their meetings taking turns, so
   that the machine's drift over minutes falls on both alike.

The Markdown table goes to stdout, the same figures (and more detail) to the JSON file, and
progress to stderr. --smoke runs a small version (a few minutes) that proves the script works.
Nothing here asserts a time: the figures are for reading. A 2-core machine shared with other
work gives noisy numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import tracemalloc
import urllib.error
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up notices drown the progress lines

from tests.benchmarks import talk  # noqa: E402
from tests.servers import (  # noqa: E402
    BIN,
    ActionServer,
    free_port,
    http_json,
    server_env,
    spawned_children,
    start_rasa,
    stop,
    wait_until_up,
    write_server_config,
)

MODEL = ROOT / "models" / "planner.tar.gz"
TABLE_HEADER = "| Measure | Partnership Planner | Starter bot (`rasa init`) | Planner ÷ starter |"
REQUEST_TIMEOUT = 300


@dataclass(frozen=True)
class Sizes:
    committees: tuple[int, ...]
    turns_after_setup: int  # per committee in measure 1 (the planner adds 4 setup turns)
    # One committee alone: that many meetings of the same length, one after another, pooled. One
    # meeting of 44 turns left the p50 to a handful of answers: its ratio to the starter bot's
    # moved from 0.56x to 1.13x between runs of the same code. A longer meeting is no cure: the
    # starter bot slows as its conversation grows (measure 2), which is not what this measures.
    single_rounds: int
    growth_turns: int
    growth_window: int
    warmup_turns: int
    compile_answers: int
    compile_repeats: int
    export_committees: int
    exports: int  # chat exports during measure 6
    export_pause_s: float  # quiet time before, between and after the exports

    def rounds_for(self, committees: int) -> int:
        return self.single_rounds if committees == 1 else 1


FULL = Sizes(
    committees=(1, 10, 25),
    turns_after_setup=40,
    single_rounds=5,
    growth_turns=300,
    growth_window=50,
    warmup_turns=12,
    compile_answers=1000,
    compile_repeats=3,
    export_committees=10,
    exports=3,
    export_pause_s=3.0,
)
SMOKE = Sizes(
    committees=(1, 3),
    turns_after_setup=6,
    single_rounds=2,
    growth_turns=40,
    growth_window=10,
    warmup_turns=6,
    compile_answers=200,
    compile_repeats=2,
    export_committees=3,
    exports=2,
    export_pause_s=1.5,
)


# --- progress on stderr ----------------------------------------------------------------------


class Progress:
    """Which phase is running and how many turns are done, every few seconds on stderr."""

    def __init__(self, every: float = 5.0):
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.phase: str | None = None
        self.done = 0
        self.total = 0
        self.every = every
        self.finished = threading.Event()
        threading.Thread(target=self._tick, daemon=True).start()

    def say(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[bench {int(elapsed // 60):02d}:{int(elapsed % 60):02d}] {text}", file=sys.stderr, flush=True)

    def begin(self, phase: str, total: int = 0) -> None:
        with self.lock:
            self.phase, self.done, self.total = phase, 0, total
        self.say(f"{phase}..." if not total else f"{phase}: 0/{total} turns")

    def turn(self) -> None:
        with self.lock:
            self.done += 1

    def end(self, note: str = "") -> None:
        with self.lock:
            phase, done = self.phase, self.done
            self.phase = None
        if phase:
            self.say(f"{phase}: done{f' ({done} turns)' if done else ''}{f', {note}' if note else ''}")

    def _tick(self) -> None:
        while not self.finished.wait(self.every):
            with self.lock:
                phase, done, total = self.phase, self.done, self.total
            if phase and (done or total):
                self.say(f"{phase}: {done}/{total or '?'} turns")


# --- one bot, served on loopback ---------------------------------------------------------


def status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


@dataclass
class Bot:
    """A trained model served the way the tests serve the assistant: Rasa server with the REST
    channel (and the HTTP API behind a token) and an action server, both on 127.0.0.1."""

    name: str
    model: Path
    work: Path
    env: dict
    actions_cwd: Path
    meeting_page: bool
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    port: int = 0
    rasa: subprocess.Popen | None = None
    actions: ActionServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def rasa_log(self) -> Path:
        return self.work / f"{self.name}-rasa.log"

    def start(self) -> dict:
        """Start both processes at once; time until each is up and until the first reply."""
        self.actions = ActionServer(free_port(), self.env, self.work / f"{self.name}-actions.log", cwd=self.actions_cwd)
        endpoints, credentials = write_server_config(
            self.work, self.actions.port, self.env if self.meeting_page else None
        )
        if not self.meeting_page:
            credentials.write_text("rest:\n")
        self.port = free_port()
        started = time.monotonic()
        self.actions.launch()
        self.rasa = start_rasa(
            self.model, endpoints, credentials, self.port, self.env, cwd=self.work, log=self.rasa_log, token=self.token
        )
        up: dict[str, float] = {}
        failures: list[BaseException] = []

        def wait(what: str, check: Callable[[], None]) -> None:
            try:
                check()
                up[what] = time.monotonic() - started
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)

        waits = [
            threading.Thread(target=wait, args=("action_server_up_s", lambda: self.actions.wait(300, 0.1))),
            threading.Thread(
                target=wait,
                args=("rasa_up_s", lambda: wait_until_up(f"{self.url}/", self.rasa, self.rasa_log, 300, 0.1)),
            ),
        ]
        for thread in waits:
            thread.start()
        for thread in waits:
            thread.join()
        if failures:
            self.stop()
            raise RuntimeError(f"the {self.name} servers did not start: {failures[0]}")
        _, replies, error = self.say("startup-probe", "hello")
        if error or not replies:
            self.stop()
            raise RuntimeError(f"the {self.name} bot did not answer its first message: {error or 'no reply'}")
        return {"first_answer_s": time.monotonic() - started, **up}

    def say(self, sender: str, text: str) -> tuple[float, list[str], str | None]:
        """Milliseconds, the reply texts, and an error if the request failed."""
        begun = time.perf_counter()
        try:
            replies = http_json(
                f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": text}, timeout=REQUEST_TIMEOUT
            )
            error = None if isinstance(replies, list) else f"unexpected response {replies!r:.200}"
        except (urllib.error.URLError, OSError, ValueError) as failure:
            replies, error = [], f"{type(failure).__name__}: {failure}"
        elapsed = (time.perf_counter() - begun) * 1000
        texts = [r.get("text") or "" for r in replies or [] if isinstance(r, dict)]
        return elapsed, texts, error

    def parse(self, text: str) -> dict:
        return http_json(f"{self.url}/model/parse?token={self.token}", {"text": text})

    def peak_memory(self) -> dict:
        def mb(pid: int | None) -> float | None:
            kb = status_kb(pid, "VmHWM") if pid else None
            return round(kb / 1024, 1) if kb else None

        return {
            "rasa_peak_rss_mb": mb(self.rasa.pid if self.rasa else None),
            "action_server_peak_rss_mb": mb(
                self.actions.process.pid if self.actions and self.actions.process else None
            ),
            # The export and reading processes it spawned (actions/runtime.py), each.
            "action_helpers_peak_rss_mb": [mb(pid) for pid in self.helper_pids()],
        }

    def helper_pids(self) -> list[int]:
        """The action server's spawned children, in the order they started."""
        return spawned_children(self.actions.process.pid) if self.actions and self.actions.process else []

    def stop(self) -> None:
        stop(self.rasa)
        if self.actions and self.actions.process:
            stop(self.actions.process)


# --- committees ----------------------------------------------------------------------------


@dataclass
class Turn:
    kind: str
    started: float  # time.monotonic()
    ended: float
    ms: float
    error: str | None
    empty: bool


@dataclass
class Committee:
    sender: str
    script: Iterator[talk.Say]
    turns: list[Turn] = field(default_factory=list)
    code: str | None = None
    sent_answers: list[str] = field(default_factory=list)
    replies_without_saved: int = 0
    crashed: str | None = None

    def talk(
        self,
        bot: Bot,
        count: int | None = None,
        stop: threading.Event | None = None,
        progress: Progress | None = None,
        after_setup: Callable[[], None] | None = None,
    ) -> None:
        """Send `count` turns, or turns until `stop` is set; after_setup runs once the plan exists."""
        try:
            setup_left = 4 if bot.name == "planner" else 0
            if not setup_left and after_setup:
                after_setup()
            while (count is None or len(self.turns) < count) and not (stop and stop.is_set() and not setup_left):
                say = next(self.script)
                started = time.monotonic()
                ms, replies, error = bot.say(self.sender, say.text)
                joined = "\n".join(replies)
                self.turns.append(Turn(say.kind, started, time.monotonic(), ms, error, not replies and not error))
                if say.stored is not None:
                    self.sent_answers.append(say.stored)
                    if "Saved" not in joined:
                        self.replies_without_saved += 1
                if say.kind == "setup":
                    setup_left -= 1
                    match = talk.PLAN_CODE.search(joined)
                    if match:
                        self.code = match.group(1)
                    if not setup_left and after_setup:
                        after_setup()
                if progress:
                    progress.turn()
        except Exception as failure:  # noqa: BLE001 - a crashed committee is reported, not fatal
            self.crashed = f"{type(failure).__name__}: {failure}"
            if setup_left and after_setup:
                after_setup()


MakeCommittee = Callable[[int, str], Committee]


def planner_meetings(rng: random.Random, questions: int, faq: list[str]) -> MakeCommittee:
    """Makes planner committees (a number and a tag name each), each with its own random stream
    drawn from `rng`."""

    def make(index: int, tag: str) -> Committee:
        own = random.Random(rng.random())

        def script() -> Iterator[talk.Say]:
            yield from talk.setup_turns(index)
            yield from talk.committee_turns(own, questions, faq)

        return Committee(f"{tag}-{index}-{secrets.token_hex(3)}", script())

    return make


def starter_meetings(rng: random.Random, examples: dict) -> MakeCommittee:
    """Makes starter-bot committees, as `planner_meetings` does planner ones."""

    def make(index: int, tag: str) -> Committee:
        return Committee(
            f"{tag}-{index}-{secrets.token_hex(3)}", talk.starter_turns(random.Random(rng.random()), examples)
        )

    return make


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(turns: list[Turn]) -> dict:
    ok = [t.ms for t in turns if not t.error]
    result = {
        "turns": len(turns),
        "errors": sum(1 for t in turns if t.error),
        "empty_replies": sum(1 for t in turns if t.empty),
        "p50_ms": rounded(percentile(ok, 50)),
        "p95_ms": rounded(percentile(ok, 95)),
        "max_ms": rounded(max(ok) if ok else None),
    }
    return result


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def run_together(bot: Bot, committees: list[Committee], count: int, progress: Progress) -> float:
    """All committees start at the same instant and talk back to back; returns the wall time."""
    barrier = threading.Barrier(len(committees) + 1)

    def run(committee: Committee) -> None:
        try:
            barrier.wait(timeout=120)
        except threading.BrokenBarrierError:
            pass
        committee.talk(bot, count=count, progress=progress)

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in committees]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=120)
    begun = time.monotonic()
    for thread in threads:
        thread.join()
    return time.monotonic() - begun


def latency_phase(
    bot: Bot, make: MakeCommittee, n: int, count: int, progress: Progress, rounds: int = 1
) -> tuple[dict, list[Committee]]:
    """`n` committees at once, `rounds` times in a row (new committees each round), pooled."""
    groups = [[make(r * n + i, f"load{n}") for i in range(n)] for r in range(rounds)]
    times = f", {rounds} times in a row" if rounds > 1 else ""
    progress.begin(f"{bot.name}: latency, {n} committee{'s' if n > 1 else ''} at once{times}", rounds * n * count)
    wall = sum(run_together(bot, group, count, progress) for group in groups)
    committees = [c for group in groups for c in group]
    result = pooled(committees, n, rounds, wall)
    progress.end(f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, {result['errors']} errors")
    return result, committees


def pooled(committees: list[Committee], n: int, rounds: int, wall: float) -> dict:
    """The latency figures of `rounds` rounds of `n` committees at once, their turns pooled."""
    turns = [t for c in committees for t in c.turns]
    result = {
        "committees": n,
        "rounds": rounds,
        **summary(turns),
        "wall_s": round(wall, 1),
        "turns_per_s": round(len(turns) / wall, 1) if wall else None,
        "crashed_committees": [c.crashed for c in committees if c.crashed],
    }
    kinds = sorted({t.kind for t in turns})
    result["p50_ms_by_kind"] = {
        k: rounded(percentile([t.ms for t in turns if t.kind == k and not t.error], 50)) for k in kinds
    }
    return result


def taking_turns(
    bots: dict[str, tuple[Bot, MakeCommittee]], count: int, rounds: int, progress: Progress
) -> dict[str, tuple[dict, list[Committee]]]:
    """One committee at a time, each bot's meetings taking turns with the others', with every bot
    up: the machine's speed drifts by 10-20% over minutes, and taking turns puts the drift on
    each bot alike instead of on whichever was measured in the slower minutes. Who goes first
    alternates from round to round."""
    names = list(bots)
    progress.begin(f"{' and '.join(names)} taking turns: one committee, {rounds} rounds", len(names) * rounds * count)
    committees: dict[str, list[Committee]] = {name: [] for name in names}
    walls = dict.fromkeys(names, 0.0)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            bot, make = bots[name]
            committee = make(r, "paired")
            walls[name] += run_together(bot, [committee], count, progress)
            committees[name].append(committee)
    results = {name: (pooled(committees[name], 1, rounds, walls[name]), committees[name]) for name in names}
    progress.end(", ".join(f"{name} p50 {result['p50_ms']} ms" for name, (result, _) in results.items()))
    return results


def growth_phase(bot: Bot, committee: Committee, sizes: Sizes, progress: Progress) -> dict:
    progress.begin(f"{bot.name}: growth, one {sizes.growth_turns}-turn conversation", sizes.growth_turns)
    committee.talk(bot, count=sizes.growth_turns, progress=progress)
    ms = [t.ms for t in committee.turns]
    w = sizes.growth_window
    first, last = (
        statistics.median(ms[:w]) if len(ms) >= w else None,
        statistics.median(ms[-w:]) if len(ms) >= 2 * w else None,
    )
    result = {
        "turns": len(ms),
        "window": w,
        "first_window": f"turns 1-{w}",
        "last_window": f"turns {len(ms) - w + 1}-{len(ms)}",
        "first_median_ms": rounded(first),
        "last_median_ms": rounded(last),
        "ratio": round(last / first, 2) if first and last else None,
        "errors": sum(1 for t in committee.turns if t.error),
        "crashed": committee.crashed,
        # Every 25 turns, for a look at the curve.
        "median_ms_per_25_turns": [rounded(statistics.median(ms[i : i + 25])) for i in range(0, len(ms), 25)],
    }
    progress.end(f"ratio {result['ratio']} ({result['first_median_ms']} -> {result['last_median_ms']} ms)")
    return result


def warm_up(bot: Bot, committee: Committee, turns: int, progress: Progress) -> None:
    """A few unmeasured turns first, so no measure pays for a cold start."""
    progress.begin(f"{bot.name}: warm-up", turns)
    committee.talk(bot, count=turns, progress=progress)
    progress.end()


# --- the planner ---------------------------------------------------------------------------


def build_plan(planner, answers: int, rng: random.Random) -> tuple[str, float]:
    """A plan with `answers` answers spread over every question, through the Planner API, as a
    committee would leave it: on the last question."""
    begun = time.monotonic()
    state = planner.create_plan("Benchmark Unified School District", "Benchmark Police Department", talk.MEMBERS)
    questions = len(planner.guide.questions)
    position = 0
    for i in range(answers):
        target = i * questions // answers
        while position < target:
            planner.next_question(state.code)
            position += 1
        planner.record_answer(state.code, f"{rng.choice(talk.SPEAKERS)}: {talk.answer_text(rng)}")
    return state.code, time.monotonic() - begun


def reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def compile_phase(planner, code: str, sizes: Sizes, progress: Progress) -> dict:
    """Measure 3, in this process while no server runs: Planner.export (both documents written)."""
    progress.begin(f"planner: compiling both documents for {sizes.compile_answers} answers")
    result: dict = {"answers": sizes.compile_answers}
    begun = time.perf_counter()
    planner.export(code)
    result["cold_export_s"] = round(time.perf_counter() - begun, 3)
    runs = []
    for _ in range(sizes.compile_repeats):
        begun = time.perf_counter()
        files = planner.export(code)
        runs.append(time.perf_counter() - begun)
    result["export_s"] = round(statistics.median(runs), 3)
    result["export_runs_s"] = [round(r, 3) for r in runs]
    result["document_kb"] = {
        "draft_mou": round(files.draft_mou.stat().st_size / 1024, 1),
        "summary": round(files.summary.stat().st_size / 1024, 1),
    }
    # Where the time goes: reading the plan, building each document, saving each.
    try:
        from bot.documents.mou import build_draft_mou
        from bot.documents.summary import build_summary

        now = datetime.now(timezone.utc)
        parts = {}
        begun = time.perf_counter()
        snapshot = planner.snapshot(code)
        parts["snapshot_s"] = time.perf_counter() - begun
        for name, build in (("draft_mou", build_draft_mou), ("summary", build_summary)):
            begun = time.perf_counter()
            document = build(planner.guide, snapshot, now)
            parts[f"build_{name}_s"] = time.perf_counter() - begun
            begun = time.perf_counter()
            document.save(io.BytesIO())
            parts[f"save_{name}_s"] = time.perf_counter() - begun
        result["breakdown_s"] = {k: round(v, 3) for k, v in parts.items()}
    except Exception as failure:  # noqa: BLE001 - the builders' API may change; the total still stands
        result["breakdown_s"] = {"unavailable": f"{type(failure).__name__}: {failure}"}
    # Memory: the resident-set peak above the level before (VmHWM reset through clear_refs),
    # and Python's own allocations (tracemalloc, a separate run: it slows the export down).
    before = status_kb(os.getpid(), "VmRSS")
    if reset_peak_rss() and before:
        planner.export(code)
        peak = status_kb(os.getpid(), "VmHWM")
        result["rss_peak_delta_mb"] = round(max(0, peak - before) / 1024, 1) if peak else None
    else:
        result["rss_peak_delta_mb"] = None
    tracemalloc.start()
    planner.export(code)
    result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    progress.end(f"{result['export_s']} s per export, {result['tracemalloc_peak_mb']} MB allocated at peak")
    return result


def export_phase(
    bot: Bot, code: str, make: MakeCommittee, sizes: Sizes, progress: Progress
) -> tuple[dict, list[Committee]]:
    """Measure 6: committees talk while another committee exports the big plan through the chat."""
    n = sizes.export_committees
    committees = [make(i, "export-load") for i in range(n)]
    ready = threading.Semaphore(0)
    stop_talking = threading.Event()
    progress.begin(
        f"planner: {n} committees talking while a {sizes.compile_answers}-answer plan exports "
        f"({sizes.exports} times) through the chat"
    )
    threads = [
        threading.Thread(
            target=c.talk,
            kwargs=dict(bot=bot, stop=stop_talking, progress=progress, after_setup=ready.release),
            daemon=True,
        )
        for c in committees
    ]
    exporter = f"exporter-{secrets.token_hex(3)}"
    _, replies, error = bot.say(exporter, f"resume {code}")
    resumed = not error and code in "\n".join(replies)
    for thread in threads:
        thread.start()
    for _ in committees:
        ready.acquire(timeout=300)
    windows, exports = [], []
    time.sleep(sizes.export_pause_s)
    for _ in range(sizes.exports):
        started = time.monotonic()
        ms, replies, error = bot.say(exporter, "export the documents")
        windows.append((started, time.monotonic()))
        exports.append({"s": round(ms / 1000, 2), "error": error, "exported": "Draft MOU" in "\n".join(replies)})
        time.sleep(sizes.export_pause_s)
    stop_talking.set()
    for thread in threads:
        thread.join()
    talking = [t for c in committees for t in c.turns if t.kind != "setup"]
    overlaps = [any(t.started < end and t.ended > start for start, end in windows) for t in talking]
    during = [t for t, overlap in zip(talking, overlaps) if overlap]
    between = [t for t, overlap in zip(talking, overlaps) if not overlap]
    result = {
        "committees": n,
        "plan_answers": sizes.compile_answers,
        "resumed": resumed,
        "exports": exports,
        "during_export": summary(during),
        "between_exports": summary(between),
        "crashed_committees": [c.crashed for c in committees if c.crashed],
    }
    d, b = result["during_export"], result["between_exports"]
    progress.end(
        f"during exports p50 {d['p50_ms']} / p95 {d['p95_ms']} ms, between p50 {b['p50_ms']} / "
        f"p95 {b['p95_ms']} ms, exports took {[e['s'] for e in exports]} s"
    )
    return result, committees


def faq_questions(bot: Bot) -> list[str]:
    """The FAQ questions this model answers as an FAQ (a retrieval intent named faq...); none if
    it has no such intent yet, since a question it does not know would be stored as an answer."""
    candidates = list(talk.FAQ_CANDIDATES)
    faq_file = ROOT / "data" / "faq.yml"
    try:
        import yaml

        for item in (yaml.safe_load(faq_file.read_text()) or {}).get("nlu", []) if faq_file.exists() else []:
            examples = [line.strip()[2:].strip() for line in str(item.get("examples", "")).splitlines() if line.strip()]
            if str(item.get("intent", "")).startswith("faq") and examples:
                candidates.append(examples[0])
    except Exception:  # noqa: BLE001 - the fixed candidates are enough
        pass
    found = []
    for text in dict.fromkeys(candidates):
        intent = (bot.parse(text).get("intent") or {}).get("name") or ""
        if intent.split("/")[0].startswith("faq"):
            found.append(text)
    return found


def lost_answers(planner, committees: list[Committee]) -> dict:
    """Every answer each committee sent must be in its plan exactly once."""
    from collections import Counter

    def norm(text: str) -> str:
        return " ".join(text.split())

    sent = lost = duplicated = unexpected = 0
    examples = []
    for committee in committees:
        expected = Counter(norm(t) for t in committee.sent_answers)
        sent += sum(expected.values())
        if not committee.code:
            lost += sum(expected.values())
            continue
        stored = Counter(norm(a.text) for a in planner.snapshot(committee.code).answers)
        for text, times in expected.items():
            lost += max(0, times - stored[text])
            duplicated += max(0, stored[text] - times)
            if stored[text] < times and len(examples) < 5:
                examples.append({"sender": committee.sender, "text": text[:120]})
        for text, times in stored.items():
            if text not in expected:
                unexpected += times
                if len(examples) < 10:
                    examples.append({"sender": committee.sender, "unexpected": text[:120]})
    return {
        "sent": sent,
        "lost": lost,
        "duplicated": duplicated,
        "unexpected_stored": unexpected,
        "committees_without_plan": sum(1 for c in committees if not c.code),
        "replies_without_saved": sum(c.replies_without_saved for c in committees),
        "examples": examples,
    }


def planner_store(work: Path) -> tuple[str, Path]:
    """The run's plans database and exports folder."""
    return f"sqlite:///{work / 'plans.db'}", work / "exports"


def run_planner(
    sizes: Sizes, work: Path, model: Path, progress: Progress, rng: random.Random
) -> tuple[dict, dict, dict]:
    from bot.plans.planner import Planner
    from bot.settings import Settings

    database_url, exports_dir = planner_store(work)
    planner = Planner.from_settings(Settings(database_url=database_url, exports_dir=exports_dir))
    questions = len(planner.guide.questions)

    progress.begin(f"planner: building a plan with {sizes.compile_answers} answers through the Planner")
    code, built_s = build_plan(planner, sizes.compile_answers, rng)
    progress.end(f"{code} in {built_s:.1f} s")
    compiled = compile_phase(planner, code, sizes, progress)
    compiled["plan_built_s"] = round(built_s, 1)

    bot = Bot("planner", model, work, server_env(database_url, exports_dir), ROOT, meeting_page=True)
    progress.begin("planner: starting the Rasa server and the action server")
    result: dict = {"startup": bot.start()}
    progress.end(f"first answer after {result['startup']['first_answer_s']:.1f} s")
    all_committees: list[Committee] = []
    try:
        faq = faq_questions(bot)
        result["faq_questions"] = faq
        progress.say(
            f"planner: {len(faq)} FAQ questions the model knows"
            if faq
            else "planner: the model has no FAQ intent yet; committees ask none"
        )
        make = planner_meetings(rng, questions, faq)
        warm = make(0, "warmup")
        warm_up(bot, warm, 4 + sizes.warmup_turns, progress)
        growth = make(0, "growth")
        result["growth"] = growth_phase(bot, growth, sizes, progress)
        all_committees += [warm, growth]
        result["latency"] = {}
        for n in sizes.committees:
            measured, committees = latency_phase(
                bot, make, n, 4 + sizes.turns_after_setup, progress, sizes.rounds_for(n)
            )
            result["latency"][str(n)] = measured
            all_committees += committees
        contention, committees = export_phase(bot, code, make, sizes, progress)
        all_committees += committees
        result["memory"] = bot.peak_memory()
    finally:
        bot.stop()
    progress.begin("planner: looking up every answer the committees sent")
    result["answers"] = lost_answers(planner, all_committees)
    progress.end(f"{result['answers']['lost']} lost of {result['answers']['sent']}")
    result["errors"] = sum(1 for c in all_committees for t in c.turns if t.error)
    result["crashed_committees"] = sum(1 for c in all_committees if c.crashed)
    return result, compiled, contention


# --- the starter bot -----------------------------------------------------------------------


def starter_cache() -> Path:
    """`rasa init` makes the same bot for the same Rasa: its trained copy is kept per release."""
    from importlib.metadata import version

    return ROOT / "models" / f"starter-rasa-{version('rasa')}"


def make_starter(folder: Path, work: Path, env: dict, progress: Progress) -> float:
    """`rasa init --no-prompt` in `folder`: the starter bot, trained; returns the seconds it took."""
    folder.mkdir()
    progress.begin("starter bot: rasa init --no-prompt (creates and trains it, default config)")
    begun = time.monotonic()
    with (work / "starter-init.log").open("wb") as log:
        made = subprocess.run(
            [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(folder)],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=1800,
        )
    if made.returncode != 0 or not list(folder.glob("models/*.tar.gz")):
        raise RuntimeError(f"rasa init failed; its log:\n{(work / 'starter-init.log').read_text()[-4000:]}")
    trained_s = time.monotonic() - begun
    progress.end(f"{trained_s:.0f} s")
    return trained_s


def starter_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return env


def run_starter(sizes: Sizes, work: Path, progress: Progress, rng: random.Random) -> dict:
    folder = work / "starter"
    env = starter_env()
    cache = starter_cache()
    if list(cache.glob("models/*.tar.gz")):
        progress.begin(f"starter bot: the one `rasa init` made and trained before ({cache.relative_to(ROOT)})")
        shutil.copytree(cache, folder)
        trained_s = json.loads((cache / "made.json").read_text())["init_and_training_s"]
        progress.end(f"it took {trained_s:.0f} s then")
    else:
        trained_s = make_starter(folder, work, env, progress)
        partial = cache.with_name(f"{cache.name}.part-{os.getpid()}")
        shutil.copytree(folder, partial)
        (partial / "made.json").write_text(json.dumps({"init_and_training_s": trained_s}))
        shutil.rmtree(cache, ignore_errors=True)
        partial.rename(cache)
    models = sorted(folder.glob("models/*.tar.gz"))
    examples = talk.starter_examples(folder / "data" / "nlu.yml")

    bot = Bot("starter", models[-1], work, env, folder, meeting_page=False)
    progress.begin("starter bot: starting the Rasa server and the action server")
    result: dict = {"init_and_training_s": round(trained_s, 1), "startup": bot.start()}
    progress.end(f"first answer after {result['startup']['first_answer_s']:.1f} s")
    committees: list[Committee] = []
    try:
        make = starter_meetings(rng, examples)
        warm = make(0, "warmup")
        warm_up(bot, warm, sizes.warmup_turns + 4, progress)
        growth = make(0, "growth")
        result["growth"] = growth_phase(bot, growth, sizes, progress)
        committees += [warm, growth]
        result["latency"] = {}
        for n in sizes.committees:
            # As many turns per committee as the planner's committees send, setup included.
            measured, group = latency_phase(bot, make, n, 4 + sizes.turns_after_setup, progress, sizes.rounds_for(n))
            result["latency"][str(n)] = measured
            committees += group
        result["memory"] = bot.peak_memory()
    finally:
        bot.stop()
    result["errors"] = sum(1 for c in committees for t in c.turns if t.error)
    result["crashed_committees"] = sum(1 for c in committees if c.crashed)
    return result


# --- both bots up, one committee each, taking turns ------------------------------------------


def paired_single(sizes: Sizes, work: Path, model: Path, progress: Progress, rng: random.Random) -> dict:
    """The one-committee figure again, with both bots up and their meetings taking turns
    (`taking_turns`): run after `run_planner` and `run_starter`, it reuses the planner's database
    and the starter bot they left in `work`."""
    from bot.plans.planner import Planner
    from bot.settings import Settings

    database_url, exports_dir = planner_store(work)
    planner = Planner.from_settings(Settings(database_url=database_url, exports_dir=exports_dir))
    questions = len(planner.guide.questions)
    folder = work / "starter"
    examples = talk.starter_examples(folder / "data" / "nlu.yml")
    starter_model = sorted(folder.glob("models/*.tar.gz"))[-1]
    bots = [
        Bot("planner-paired", model, work, server_env(database_url, exports_dir), ROOT, meeting_page=True),
        Bot("starter-paired", starter_model, work, starter_env(), folder, meeting_page=False),
    ]
    started: list[Bot] = []
    try:
        # One after the other: each Rasa server reads the configuration written for it as it starts.
        for bot in bots:
            progress.begin(f"{bot.name}: starting the Rasa server and the action server")
            bot.start()
            started.append(bot)
            progress.end()
        faq = faq_questions(bots[0])
        planner_meeting, starter_meeting = planner_meetings(rng, questions, faq), starter_meetings(rng, examples)
        warm = planner_meeting(0, "paired-warmup")
        warm_up(bots[0], warm, 4 + sizes.warmup_turns, progress)
        warm_up(bots[1], starter_meeting(0, "paired-warmup"), 4 + sizes.warmup_turns, progress)
        results = taking_turns(
            {"planner": (bots[0], planner_meeting), "starter": (bots[1], starter_meeting)},
            4 + sizes.turns_after_setup,
            sizes.single_rounds,
            progress,
        )
    finally:
        for bot in started:
            bot.stop()
    return {
        "planner": results["planner"][0],
        "starter": results["starter"][0],
        "answers": lost_answers(planner, [warm, *results["planner"][1]]),
    }


def merged_answers(first: dict, second: dict) -> dict:
    """Two phases' `lost_answers`, as one."""
    return {key: first[key] + second[key] for key in first}


# --- the report ----------------------------------------------------------------------------


def ratio(planner: float | None, starter: float | None) -> float | None:
    return round(planner / starter, 2) if planner is not None and starter else None


def ratios(planner: dict, starter: dict, paired: dict, sizes: Sizes) -> dict:
    found = {}
    for n in sizes.committees:
        for q in ("p50_ms", "p95_ms"):
            found[f"latency_{n}_{q}"] = ratio(planner["latency"][str(n)][q], starter["latency"][str(n)][q])
    for q in ("p50_ms", "p95_ms"):
        found[f"latency_1_taking_turns_{q}"] = ratio(paired["planner"][q], paired["starter"][q])
    found["growth_ratio"] = ratio(planner["growth"]["ratio"], starter["growth"]["ratio"])
    for key in ("rasa_peak_rss_mb", "action_server_peak_rss_mb"):
        found[key] = ratio(planner["memory"][key], starter["memory"][key])
    found["first_answer_s"] = ratio(planner["startup"]["first_answer_s"], starter["startup"]["first_answer_s"])
    return found


def fmt(value, digits: int = 0, unit: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def table(report: dict) -> str:
    p, s, r = report["bots"]["planner"], report["bots"]["starter"], report["ratios"]
    sizes = report["sizes"]
    rows = []

    def row(label: str, planner: str, starter: str = "—", versus: float | None = None) -> None:
        rows.append(f"| {label} | {planner} | {starter} | {fmt(versus, 2, '×') if versus is not None else '—'} |")

    for n in sizes["committees"]:
        pl, st = p["latency"][str(n)], s["latency"][str(n)]
        who = f"{n} committee{'s' if n > 1 else ''} at once"
        row(f"Per-turn p50, {who} (ms)", fmt(pl["p50_ms"]), fmt(st["p50_ms"]), r[f"latency_{n}_p50_ms"])
        row(f"Per-turn p95, {who} (ms)", fmt(pl["p95_ms"]), fmt(st["p95_ms"]), r[f"latency_{n}_p95_ms"])
        row(f"Errors / turns, {who}", f"{pl['errors']} / {pl['turns']}", f"{st['errors']} / {st['turns']}")
    pl, st = report["paired_single"]["planner"], report["paired_single"]["starter"]
    who = "1 committee, both bots up, taking turns"
    row(f"Per-turn p50, {who} (ms)", fmt(pl["p50_ms"]), fmt(st["p50_ms"]), r["latency_1_taking_turns_p50_ms"])
    row(f"Per-turn p95, {who} (ms)", fmt(pl["p95_ms"]), fmt(st["p95_ms"]), r["latency_1_taking_turns_p95_ms"])
    row(f"Errors / turns, {who}", f"{pl['errors']} / {pl['turns']}", f"{st['errors']} / {st['turns']}")
    pg, sg = p["growth"], s["growth"]
    row(
        f"Growth: median of {pg['last_window']} ÷ median of {pg['first_window']}",
        f"{fmt(pg['ratio'], 2)} ({fmt(pg['first_median_ms'])} → {fmt(pg['last_median_ms'])} ms)",
        f"{fmt(sg['ratio'], 2)} ({fmt(sg['first_median_ms'])} → {fmt(sg['last_median_ms'])} ms)",
        r["growth_ratio"],
    )
    row(
        "Rasa server peak resident memory (MB)",
        fmt(p["memory"]["rasa_peak_rss_mb"]),
        fmt(s["memory"]["rasa_peak_rss_mb"]),
        r["rasa_peak_rss_mb"],
    )
    row(
        "Action server peak resident memory (MB)",
        fmt(p["memory"]["action_server_peak_rss_mb"]),
        fmt(s["memory"]["action_server_peak_rss_mb"]) + " (no custom actions)",
        r["action_server_peak_rss_mb"],
    )
    helpers = p["memory"].get("action_helpers_peak_rss_mb") or []
    row(
        "Action server's export and reading processes, peak resident memory each (MB)",
        " / ".join(fmt(mb) for mb in helpers) or "—",
        "—",
    )
    row(
        "Start to first answered message (s)",
        fmt(p["startup"]["first_answer_s"], 1),
        fmt(s["startup"]["first_answer_s"], 1),
        r["first_answer_s"],
    )
    c = report["compile"]
    runs, first = len(c["export_runs_s"]), c["cold_export_s"]
    row(
        f"Both documents for {c['answers']:,} answers (s, median of {runs}; first {first:.2f})",
        fmt(c["export_s"], 2),
    )
    row(
        "Memory to compile them (MB: Python allocations peak / resident peak rise)",
        f"{fmt(c['tracemalloc_peak_mb'])} / {fmt(c['rss_peak_delta_mb'])}",
    )
    e = report["export_contention"]
    d, b = e["during_export"], e["between_exports"]
    row(
        f"{e['committees']} committees' p50 / p95 while a {e['plan_answers']:,}-answer plan exports in chat (ms)",
        f"{fmt(d['p50_ms'])} / {fmt(d['p95_ms'])} ({d['turns']} turns; between exports {fmt(b['p50_ms'])} / "
        f"{fmt(b['p95_ms'])})",
    )
    row("Export through the chat, reply time (s)", ", ".join(fmt(x["s"], 1) for x in e["exports"]))
    a = p["answers"]
    row(
        "Lost answers (of answers sent)",
        f"{a['lost']} of {a['sent']} (duplicated {a['duplicated']}, stored but not sent {a['unexpected_stored']})",
    )
    export_errors = sum(1 for x in e["exports"] if x["error"] or not x["exported"])
    paired = report["paired_single"]
    row(
        "Errors, all phases (turns that failed; exports that failed)",
        f"{p['errors'] + paired['planner']['errors']}; {export_errors}",
        str(s["errors"] + paired["starter"]["errors"]),
    )
    return "\n".join([TABLE_HEADER, "|---|---|---|---|", *rows])


def copy_model(target: Path) -> Path:
    """A complete copy of the trained model, even if `make train` is rewriting it right now."""
    for attempt in range(30):
        try:
            shutil.copy2(MODEL, target)
            with tarfile.open(target) as archive:
                archive.getmembers()
            return target
        except (OSError, tarfile.TarError, EOFError):
            time.sleep(2)
    raise RuntimeError(f"could not copy a complete {MODEL}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a small run that proves the script works")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench.json", help="the JSON report")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, databases)")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    if not MODEL.exists():
        print(f"No trained model at {MODEL}: run `make train`.", file=sys.stderr)
        return 2
    progress = Progress()
    rng = random.Random(args.seed)
    begun = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="planner-bench-"))
    progress.say(f"{'smoke' if args.smoke else 'full'} run in {work}")
    try:
        # Someone may retrain models/planner.tar.gz meanwhile: the run uses its own copy.
        model = copy_model(work / "planner.tar.gz")
        model_info = {
            "path": str(MODEL),
            "sha256": hashlib.sha256(model.read_bytes()).hexdigest()[:16],
            "trained_at": datetime.fromtimestamp(model.stat().st_mtime).isoformat(timespec="seconds"),
        }
        planner, compiled, contention = run_planner(sizes, work, model, progress, rng)
        starter = run_starter(sizes, work, progress, rng)
        paired = paired_single(sizes, work, model, progress, rng)
        # Every answer any phase sent counts in the one figure of answers lost.
        planner["answers"] = merged_answers(planner["answers"], paired.pop("answers"))
    finally:
        logs = args.out.resolve().parent / "bench-logs"
        logs.mkdir(parents=True, exist_ok=True)
        for log in work.glob("*.log"):
            shutil.copy(log, logs / log.name)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = {
        "mode": "smoke" if args.smoke else "full",
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - begun, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "model": model_info,  # the copy this run used
        "sizes": {**sizes.__dict__, "committees": list(sizes.committees)},
        "bots": {"planner": planner, "starter": starter},
        "paired_single": paired,
        "compile": compiled,
        "export_contention": contention,
    }
    report["ratios"] = ratios(planner, starter, paired, sizes)
    report["lost_answers"] = planner["answers"]["lost"]
    report["table"] = table(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(report["table"])
    progress.finished.set()
    progress.say(f"done in {report['duration_s'] / 60:.1f} min; JSON in {args.out}, server logs in {logs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
