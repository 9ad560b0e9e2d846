"""The meeting page in a real browser (Debian's chromium driven by Playwright), and its
access rules over HTTP."""

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import expect

from tests.conftest import ROOT, unavailable
from tests.test_command_or_answer import ASKABLE, asked_about

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As root and on a closed network, chromium needs these to start quickly and quietly.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        unavailable(f"No chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def open_page(browser, assistant):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page = context.new_page()
    page.goto(assistant.page_url)
    return page


def type_message(page, text: str) -> None:
    """Type into the message box and press Enter, then wait for the bot's reply."""
    replies = page.locator("#log li.bot").count()
    page.fill("#message", text)
    page.press("#message", "Enter")
    # Locator waits, not wait_for_function: the page's Content-Security-Policy forbids eval.
    page.locator("#log li.bot").nth(replies).wait_for(timeout=30_000)


def set_speaker(page, name: str) -> None:
    page.fill("#speaker", name)
    page.dispatch_event("#speaker", "change")


def start_plan_on_page(page) -> dict:
    page.click("#start-plan")
    page.locator("#log li.bot").first.wait_for(timeout=30_000)
    for text in [
        "Lincoln Unified School District",
        "Lincoln Police Department",
        "Maria Ortiz, principal; Officer Dan Lee, SRO",
    ]:
        type_message(page, text)
    page.wait_for_selector("#question-panel:not([hidden])", timeout=30_000)
    return json.loads(page.evaluate("sessionStorage.getItem('planner-plan')"))


def test_a_facilitator_runs_a_session_from_the_page(browser, assistant):
    page = open_page(browser, assistant)
    plan = start_plan_on_page(page)
    questions = assistant.planner.guide.questions
    assert page.inner_text("#question-heading") == questions[0].text
    assert page.inner_text("#plan-code") == f"Plan code {plan['code']}"

    set_speaker(page, "Maria Ortiz")
    type_message(page, "We want a safer campus\nand trust between students and officers.")
    # The preview shows the article this discussion informs, the answer as a note to its clauses.
    page.wait_for_selector("#preview >> text=We want a safer campus", timeout=10_000)
    purpose = assistant.planner.guide.articles[0].title
    assert f"1. {purpose}" in page.inner_text("#preview")
    page.click("button[data-intent='/next_question']")
    expect(page.locator("#question-heading")).to_have_text(questions[1].text)
    set_speaker(page, "Officer Dan Lee")
    type_message(page, "Students with disabilities may feel singled out; we need data.")
    page.wait_for_selector("#answers li >> text=Officer Dan Lee")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "meeting-page-mid-discussion.png"), full_page=True)

    page.click("button[data-intent='/skip']")  # question 2 has an answer: moves on
    page.click("button[data-intent='/skip']")  # question 3 left open
    expect(page.locator("#question-heading")).to_have_text(questions[3].text)
    assert f"2 of {len(questions)} questions answered" in page.inner_text("#progress-summary")
    assert "[To be decided:" in page.inner_text("#preview")  # open items show as placeholders

    # On a decision, the alternatives are buttons; pressing one decides the clause.
    type_message(page, f"change {assistant.planner.guide.clause_numbers()['duty_hours']}")
    duty = assistant.planner.guide.question("duty_hours")
    expect(page.locator("#question-heading")).to_have_text(duty.text)
    second = duty.decision.alternatives[1]
    page.click(f"#alternatives button >> text={second.label}")
    page.wait_for_selector("#log li.bot >> text=chose option 2", timeout=30_000)
    assert assistant.planner.snapshot(plan["code"]).decision(duty.id).choice.alternative == second.id
    # The preview's button takes the guidance's proposals for the article under discussion.
    article = next(i for i, a in enumerate(assistant.planner.guide.articles, 1) if duty.id in a.clauses)
    page.click(f"#preview button >> text=Use the proposed wording for article {article}")
    page.wait_for_selector("#log li.bot >> text=Accepted the proposed wording", timeout=30_000)

    page.click("button[data-intent='/export_documents']")
    link = page.wait_for_selector("#downloads a >> text=Draft MOU", timeout=30_000)
    with page.expect_download() as download_info:
        link.click()
    saved = ARTIFACTS / "downloaded-draft-mou.docx"
    download_info.value.save_as(saved)
    draft = Document(str(saved))
    assert any("We want a safer campus\nand trust between students and officers." in c.text for c in draft.comments)
    assert not [p.text for p in draft.paragraphs if "We want a safer campus" in p.text]
    answers = assistant.planner.snapshot(plan["code"]).answers
    assert [(a.member_name, a.question_id) for a in answers] == [
        ("Maria Ortiz", questions[0].id),
        ("Officer Dan Lee", questions[1].id),
        ("Officer Dan Lee", "duty_hours"),
        ("Officer Dan Lee", "calling_the_sro"),
    ]
    page.context.close()


def test_two_devices_on_one_plan_see_each_others_answers(browser, assistant):
    host = open_page(browser, assistant)
    plan = start_plan_on_page(host)
    guest = open_page(browser, assistant)
    guest.fill("#join-code", plan["code"].lower())
    guest.fill("#join-key", plan["key"])
    guest.click("#join-form button[type=submit]")
    guest.wait_for_selector("#question-panel:not([hidden])", timeout=30_000)
    assert guest.inner_text("#question-heading") == host.inner_text("#question-heading")

    set_speaker(host, "Maria Ortiz")
    type_message(host, "The SRO should greet students at the front door.")
    set_speaker(guest, "Sam Green")
    type_message(guest, "Parents at home want a clear complaint form.")
    for page in (host, guest):  # both appear on both pages without a reload
        page.wait_for_selector("#answers li >> text=The SRO should greet students at the front door.", timeout=10_000)
        page.wait_for_selector("#answers li >> text=Parents at home want a clear complaint form.", timeout=10_000)
    files = assistant.planner.export(plan["code"])
    summary = [p.text for p in Document(str(files.summary)).paragraphs]
    assert (
        "The SRO should greet students at the front door." in summary
        and "Parents at home want a clear complaint form." in summary
    )
    host.context.close()
    guest.context.close()


def test_the_page_works_from_the_keyboard(browser, assistant):
    page = open_page(browser, assistant)
    start_plan_on_page(page)
    page.focus("#speaker")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "message"
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answers li >> text=Typed without a mouse.", timeout=30_000)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.context.close()


# --- access, over plain HTTP ------------------------------------------------------------


def status_and_body(url: str, payload=None, headers=None):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@pytest.fixture
def two_plans(assistant):
    planner = assistant.planner
    first = planner.create_plan("Secret Valley USD", "Valley PD", "")
    second = planner.create_plan("Other Town USD", "Other PD", "")
    planner.record_answer(first.code, "confidential answer text")
    planner.export(first.code)
    return first, second


def plan_headers(code, key=None) -> dict:
    return {"X-Plan-Code": code, **({"X-Plan-Key": key} if key is not None else {})}


def test_state_needs_the_plans_own_key(assistant, two_plans):
    first, second = two_plans
    url = assistant.page_url + "state"
    for headers in (
        plan_headers(first.code),
        plan_headers(first.code, "wrong"),
        plan_headers(first.code, second.access_key),
        {},
    ):
        status, body = status_and_body(url, headers=headers)
        assert status == 403 and "access key" in body
        assert "Secret Valley" not in body and "confidential" not in body
    status, body = status_and_body(url, headers=plan_headers(first.code, first.access_key))
    assert status == 200 and json.loads(body)["plan"]["name"] == first.name


def test_messages_need_the_key_and_cannot_open_another_plan(assistant, two_plans):
    first, second = two_plans
    url = assistant.page_url + "webhook"
    status, body = status_and_body(
        url, {"device": "device-one-1", "message": "review", "code": first.code, "key": "nope"}
    )
    assert status == 403 and "confidential" not in body
    # Bound to the second plan with its key, asking for the first by code is refused.
    status, body = status_and_body(
        url,
        {"device": "device-two-2", "message": f"resume {first.code}", "code": second.code, "key": second.access_key},
    )
    assert status == 200 and "only open the plan" in body and "confidential" not in body
    # With no plan at all, a code alone opens nothing.
    status, body = status_and_body(url, {"device": "device-three", "message": f"resume {first.code}"})
    assert status == 200 and "only open the plan" in body and "confidential" not in body


def test_downloads_need_a_link_signed_for_the_plans_own_file(assistant, two_plans):
    first, second = two_plans
    name = assistant.planner.exports(first.code)[0].file_name
    link = assistant.page_url + "link"
    status, body = status_and_body(link, {"file": name}, plan_headers(first.code, first.access_key))
    assert status == 200
    url = assistant.page_url + json.loads(body)["url"]
    assert first.access_key not in url  # the key never goes into a URL
    ok, _ = status_and_body(url)
    assert ok == 200
    for headers in (
        plan_headers(first.code),
        plan_headers(first.code, "wrong"),
        plan_headers(first.code, second.access_key),
    ):
        status, body = status_and_body(link, {"file": name}, headers)
        assert status == 403 and "confidential" not in body
    # Another plan's key cannot have one of this plan's files signed, nor can a forged link open it.
    status, _ = status_and_body(link, {"file": name}, plan_headers(second.code, second.access_key))
    assert status == 404
    forged = url.replace(url.rsplit("signature=", 1)[1], "0" * 64)
    expired = url.split("?")[0] + "?expires=1&signature=" + url.rsplit("signature=", 1)[1]
    for bad in (forged, expired, url.split("?")[0]):
        status, body = status_and_body(bad)
        assert status == 403 and "confidential" not in body
    for evil in ("../../plans.db", "../plans.db", "/etc/passwd", "..", "plans.db"):
        status, body = status_and_body(link, {"file": evil}, plan_headers(first.code, first.access_key))
        assert status == 404 and "SQLite" not in body and "root:" not in body


def test_nothing_lists_plans_and_the_http_api_needs_a_token(assistant, two_plans):
    for path in ("", "plans", "static/", "static/index.html", "static/..%2Fchannel.py"):
        status, body = status_and_body(assistant.page_url + path)
        assert "Secret Valley" not in body and "Other Town" not in body
    status, _ = status_and_body(f"{assistant.rasa_url}/model/parse", {"text": "hi"})
    assert status in (401, 403)


AXE = Path(__file__).parent / "browser" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def test_the_page_is_clean_under_axe_wcag_21_aa(browser, assistant):
    """axe-core's WCAG 2.1 A and AA rules on the page mid-meeting: a question open, a reply with
    its two buttons in the log. The test context bypasses the page's Content-Security-Policy
    only to inject axe."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)
    page = context.new_page()
    page.goto(assistant.page_url)
    start_plan_on_page(page)
    said, _ = asked_about(assistant, None, ASKABLE)
    type_message(page, said)  # asked about: the log holds two buttons
    page.wait_for_selector("#log li.choices button")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
    assert found == []
    assert result["passes"]  # axe ran its rules
    context.close()
