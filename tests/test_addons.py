"""Our changes to how the Rasa server works (addons/patches.py) take effect where Rasa calls them
and give Rasa's own answers: the event-type table resolves every name as Rasa's walk does, and
the action-response check gives Rasa's verdict on valid and invalid responses."""

import asyncio
import gc
import inspect
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import pytest
import rasa.shared.utils.common
import yaml
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.actions.forms import FormAction
from rasa.core.agent import Agent
from rasa.core.channels import UserMessage
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.utils import read_endpoints_from_path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.training.fingerprinting import calculate_fingerprint_key
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.common import all_subclasses

import addons  # noqa: F401 - importing the package applies both changes, as in the Rasa server
from addons import patches
from addons.action_responses import check_the_schema_once
from addons.answer_guard import MAYBE, QUESTION, longer_than_a_command, question_shape, reads_as_a_rule
from addons.command_or_answer import CommandOrAnswer
from addons.faq_selector import FaqSelector
from addons.first_words import FirstWordsTokenizer
from addons.graph_runner import InOrderGraphRunner
from addons.read_ahead import ReadAhead
from addons.rule_keys import _parsed
from addons.sentence_embedding import SentenceEmbeddingFeaturizer, SentenceEncoder, sentence_encoder
from bot import replies
from tests.conftest import MODEL
from tests.servers import ROOT


def walk(type_name: str):
    """Rasa's own look-up: the first subclass of Event with that name."""
    return next((cls for cls in all_subclasses(Event) if cls.type_name == type_name), None)


def test_every_event_name_resolves_to_rasas_class():
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        assert Event.resolve_by_type(name) is walk(name)


def test_unknown_event_names_keep_rasas_answers():
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")


VALID = {
    "slots, a loop and a bot message": {
        "events": [
            {"event": "slot", "name": "answer", "value": None, "timestamp": None},
            {"event": "slot", "name": "question_prompt", "value": "Why an SRO?"},
            {"event": "active_loop", "name": "question_form"},
            {"event": "followup", "name": "action_listen"},
            {"event": "session_started"},
        ],
        "responses": [{"text": "Saved."}],
    },
    "no events": {"events": [], "responses": []},
}
INVALID = {
    "an unknown event name": {"events": [{"event": "no_such_event"}]},
    "an event with no name": {"events": [{"name": "answer", "value": 1}]},
    "a slot event without its slot's name": {"events": [{"event": "slot", "value": 1}]},
    "a timestamp that is text": {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": "noon"}]},
    "an event that is not an object": {"events": ["slot"]},
    "a name that is not text": {"events": [{"event": ["slot"], "name": "a"}]},
    "events that are not a list": {"events": {"event": "slot"}},
    "responses that are not a list": {"events": [], "responses": "Saved."},
    "a bot message that is not an object": {"events": [], "responses": ["Saved."]},
}


def accepted(check, response) -> bool:
    try:
        check(response)
        return True
    except jsonschema.ValidationError:
        return False


@pytest.mark.parametrize("description", sorted(VALID) + sorted(INVALID))
def test_action_responses_get_rasas_verdict(description):
    response = {**VALID, **INVALID}[description]
    rasas = accepted(lambda r: jsonschema.validate(r, RemoteAction.action_response_format_spec()), response)
    assert rasas == (description in VALID)
    check_the_schema_once()
    assert accepted(RemoteAction("action_x", None)._validate_action_result, response) == rasas


def test_a_refused_response_says_what_to_do():
    with pytest.raises(jsonschema.ValidationError, match="make sure your response from the Action endpoint is valid"):
        RemoteAction("action_x", None)._validate_action_result(INVALID["a slot event without its slot's name"])


# --- through Rasa's own callers --------------------------------------------------------------


class ActionServerStandIn(BaseHTTPRequestHandler):
    """Answers every call with `reply`, as an action server would, and keeps the headers."""

    protocol_version = "HTTP/1.1"  # keeps a connection open for the next call, as Sanic does
    reply: dict = {}
    seen: list = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ActionServerStandIn.seen.append(
            {**self.headers, "client port": self.client_address[1], "path": self.path, "body": json.loads(body)}
        )
        body = json.dumps(self.reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def action_endpoint(monkeypatch):
    """The project's own endpoints.yml, read by Rasa, pointed at a stand-in on loopback."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ActionServerStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("ACTION_SERVER_URL", f"http://127.0.0.1:{server.server_port}/webhook")
    monkeypatch.setenv("ACTION_SERVER_SECRET", "the-secret")
    for name, value in {
        "CONVERSATIONS_URL": "sqlite://",
        "TURNS_PER_SESSION": "4",
        "LOCK_STORE": "in_memory",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
    }.items():
        monkeypatch.setenv(name, value)
    ActionServerStandIn.seen = []
    yield read_endpoints_from_path(str(ROOT / "endpoints.yml")).action
    server.shutdown()


def call(endpoint, reply: dict, times: int = 1) -> list:
    """Rasa calling the action server `times` times in one event loop; the last call's events."""
    ActionServerStandIn.reply = reply
    action = RemoteAction("action_take_answer", endpoint)

    async def calls() -> list:
        for _ in range(times):
            events = await action.run(
                CollectingOutputChannel(),
                TemplatedNaturalLanguageGenerator({}),
                DialogueStateTracker("someone", []),
                Domain.empty(),
            )
        return events

    return asyncio.run(calls())


def counting(monkeypatch, module, name: str) -> list:
    calls: list = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_an_action_call_uses_both_patches_and_sends_the_secret(action_endpoint, monkeypatch):
    reply = {"events": [{"event": "slot", "name": "answer", "value": None}] * 20, "responses": [{"text": "Saved."}]}
    call(action_endpoint, reply)  # the table fills on first use
    # Rasa's own check calls jsonschema.validate; Rasa's own look-up walks all_subclasses per event.
    validations = counting(monkeypatch, jsonschema, "validate")
    walks = counting(monkeypatch, rasa.shared.utils.common, "all_subclasses")
    events = call(action_endpoint, reply)
    assert [e for e in events if isinstance(e, SlotSet)] == [SlotSet("answer", None)] * 20
    assert validations == [] and walks == []
    assert {h["Authorization"] for h in ActionServerStandIn.seen} == {"Bearer the-secret"}
    with pytest.raises(Exception, match="make sure your response from the Action endpoint is valid"):
        call(action_endpoint, INVALID["a slot event without its slot's name"])


def test_calls_to_the_action_server_share_one_connection(action_endpoint):
    """Rasa's own RemoteAction, three calls in one loop: one connection (Rasa would open three)."""
    reply = {"events": [], "responses": [{"text": "Saved."}]}
    call(action_endpoint, reply, times=3)
    assert len(ActionServerStandIn.seen) == 3
    assert len({h["client port"] for h in ActionServerStandIn.seen}) == 1
    assert {h["Authorization"] for h in ActionServerStandIn.seen} == {"Bearer the-secret"}


def test_the_domain_goes_only_to_the_forms_validation(action_endpoint):
    """endpoints.yml's selective domain, through Rasa's own request builder: no action but the
    forms' validation reads the domain (rasa-sdk's FormValidationAction does), so only it gets it."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker("someone", [])
    for name in domain.user_actions:
        sent = RemoteAction(name, action_endpoint)._action_call_format(tracker, domain)
        assert ("domain" in sent) == name.startswith("validate_"), name


def run_form(endpoint, form: str, requested: str, intent: str, filled: dict) -> list:
    """Rasa's own FormAction.run, as the processor calls it, on a message with `intent` that
    Rasa's slot extraction made `filled` of, while `form` is open and asks for `requested`."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker.from_events(
        "someone",
        [
            ActiveLoop(form),
            SlotSet("requested_slot", requested),
            ActionExecuted("action_listen"),
            UserUttered("whatever was said", {"name": intent, "confidence": 1.0}),
            *(SlotSet(name, value) for name, value in filled.items()),
        ],
        slots=domain.slots,
    )
    ActionServerStandIn.reply = {"events": [], "responses": []}
    form_action = FormAction(form, endpoint)
    return asyncio.run(
        form_action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain)
    )


def test_a_question_given_a_control_phrase_is_rejected_without_a_call(action_endpoint):
    """ "next" inside a question: Rasa would ask validate_question_form, which takes nothing from
    it and says nothing, and then reject the form. Rejected here with no call at all."""
    for requested in ("answer", "new_wording"):
        with pytest.raises(ActionExecutionRejection, match=f"Failed to extract slot {requested}"):
            run_form(action_endpoint, "question_form", requested, "next_question", {})
    assert ActionServerStandIn.seen == []
    # A message the form took is still validated (stored) by the action server, once.
    run_form(action_endpoint, "question_form", "answer", "give_answer", {"answer": "Two officers at each school."})
    assert len(ActionServerStandIn.seen) == 1


def test_another_form_keeps_rasas_call_to_its_validation(action_endpoint):
    """plan_setup_form's validation may answer a message it took nothing from: Rasa asks it."""
    with pytest.raises(ActionExecutionRejection):
        run_form(action_endpoint, "plan_setup_form", "school_partner", "next_question", {})
    assert len(ActionServerStandIn.seen) == 1


def test_the_rule_policy_parses_each_rule_once_and_matches_as_rasa_does(tmp_path):
    """Through Rasa's own `_is_rule_applicable`, at each turn of history, as a prediction calls it."""
    policy = RulePolicy.create(
        RulePolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("rules"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    rule = [
        {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "go_back"}},
        {"prev_action": {"action_name": "action_go_back"}, "active_loop": {"name": "question_form"}},
    ]
    key = json.dumps(rule)
    said_next = {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "next_question"}}
    after_back = {"prev_action": {"action_name": "action_go_back"}, "active_loop": {"name": "question_form"}}
    before = _parsed.cache_info().misses
    for _ in range(3):
        assert policy._is_rule_applicable(key, 0, after_back)
        assert not policy._is_rule_applicable(key, 1, said_next)  # the rule wants go_back said
        assert policy._is_rule_applicable(key, 1, {**said_next, "user": {"intent": "go_back"}})
        assert policy._is_rule_applicable(key, 2, said_next)  # history longer than the rule
    assert _parsed.cache_info().misses == before + 1


@pytest.mark.server  # reads the trained model
def test_the_served_graph_runs_in_order_and_gives_what_dask_gives():
    """Rasa's own loader, through Agent.load as the server does, builds the runner; every
    message's parse and a prediction come out as DaskGraphRunner's on the same nodes."""
    processor = Agent.load(str(MODEL)).processor
    runner, metadata = processor.graph_runner, processor.model_metadata
    assert type(runner) is InOrderGraphRunner

    def parsed(run, text: str) -> dict:
        inputs = {"__message__": [UserMessage(text)], "__tracker__": None}
        return run(inputs=inputs, targets=[metadata.nlu_target])[metadata.nlu_target][0].as_dict(
            only_output_properties=True
        )

    texts = ["next", "Two officers at each school.", "what does FERPA say?", "resume MAPLE-417", "Dr. Kim: skip"]
    for text in texts:
        assert parsed(runner.run, text) == parsed(lambda **given: DaskGraphRunner.run(runner, **given), text)
    said = parsed(runner.run, "go back")
    tracker = DialogueStateTracker.from_events(
        "someone",
        [ActionExecuted("action_listen"), UserUttered("go back", said["intent"], parse_data=said)],
        slots=processor.domain.slots,
    )
    ours, dasks = (
        run(inputs={"__tracker__": tracker}, targets=[metadata.core_target])[metadata.core_target]
        for run in (runner.run, lambda **given: DaskGraphRunner.run(runner, **given))
    )
    assert (ours.policy_name, ours.probabilities) == (dasks.policy_name, dasks.probabilities)
    assert processor.domain.action_names_or_texts[ours.max_confidence_index] == "action_go_back"


@pytest.mark.server  # reads the trained model
def test_the_served_model_is_frozen_out_of_the_garbage_collectors_reach():
    """Loaded as the server loads it, the model's objects leave the collector's generations: a
    full collection no longer walks them (a quarter-second pause for every turn under way)."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    assert type(Agent.load(str(MODEL)).processor.graph_runner) is InOrderGraphRunner  # the one that froze
    frozen = gc.get_freeze_count()
    assert frozen > 100_000, frozen
    assert len(gc.get_objects()) < frozen  # what the collector still walks is the small rest


def test_a_long_message_is_posted_to_the_action_server_to_be_read_ahead(action_endpoint):
    """addons/read_ahead.py, made as the pipeline makes it: a message of 20 words or more goes to
    the action server's /read-ahead with the secret, from a thread of its own; a command does not."""
    component = ReadAhead.create({}, None, None, None)  # type: ignore[arg-type]  # it reads neither
    answer = (
        "Sam Green: the officer meets the principal every Monday to go over the week, "
        "and the notes go to the board each term."
    )
    assert longer_than_a_command(answer) and not longer_than_a_command("skip this one please")
    messages = [Message(data={TEXT: "skip this one please"}), Message(data={TEXT: answer})]
    assert component.process(messages) == messages
    deadline = time.monotonic() + 10
    while not ActionServerStandIn.seen and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # room for a second post, which must not come
    assert [(c["path"], c["Authorization"], c["body"]) for c in ActionServerStandIn.seen] == [
        ("/read-ahead", "Bearer the-secret", {"text": answer})
    ]


def test_another_rasa_release_is_refused_with_what_to_do():
    with pytest.raises(patches.UnexpectedRasaVersion, match="update RASA_VERSION"):
        patches.apply("3.7.0")
    patches.apply()  # the release they were written for: applied once, again a no-op


@pytest.mark.parametrize(
    ("component", "config"),
    [
        (CommandOrAnswer, {**CommandOrAnswer.get_default_config(), "commands": ["next_question"]}),
        (SentenceEmbeddingFeaturizer, SentenceEmbeddingFeaturizer.get_default_config()),
    ],
    ids=["learned", "featurizer"],
)
def test_a_components_code_is_part_of_rasas_training_cache_key(monkeypatch, component, config):
    """Through Rasa's own fingerprinting: the same code gives the same key (the cache still
    works), changed code another (the component is trained again, or its features computed
    again, not restored)."""
    key = calculate_fingerprint_key(component, config, {})
    assert calculate_fingerprint_key(component, config, {}) == key
    source = inspect.getsource(sys.modules[component.__module__])
    monkeypatch.setattr(inspect, "getsource", lambda module: source + "\n# a change\n")
    assert calculate_fingerprint_key(component, config, {}) != key


def test_a_module_a_component_learns_with_is_part_of_its_cache_key(monkeypatch):
    """CommandOrAnswer learns each command's words through bot.plans.members.without_people: a
    change there must train it again, not restore the words learned the old way."""
    config = {**CommandOrAnswer.get_default_config(), "commands": ["next_question"]}
    key = calculate_fingerprint_key(CommandOrAnswer, config, {})
    real = inspect.getsource
    members = sys.modules["bot.plans.members"]
    monkeypatch.setattr(inspect, "getsource", lambda m: real(m) + ("\n# a change\n" if m is members else ""))
    assert calculate_fingerprint_key(CommandOrAnswer, config, {}) != key


def featurized(text: str, training: bool = False) -> Message:
    """The message as the classifier gets it: when the assistant parses it, or as a training example."""
    message = Message({TEXT: text})
    FirstWordsTokenizer(FirstWordsTokenizer.get_default_config()).process([message])
    config = {**SentenceEmbeddingFeaturizer.get_default_config(), "alias": "sentence"}
    featurizer = SentenceEmbeddingFeaturizer(config, "sentence")
    if training:
        featurizer.process_training_data(TrainingData([message]))
    else:
        featurizer.process([message])
    return message


def test_a_message_longer_than_a_command_gets_no_vector_but_a_training_answer_does():
    """The classifier does not read a message of 20 words or more (addons/command_classifier.py),
    so the encoder's 10 ms are not spent on it; in training, every example is encoded."""
    long = " ".join(["the officer walks the halls"] * 4)
    assert featurized(long).get_dense_features(TEXT) == (None, None)
    assert featurized(long, training=True).get_dense_features(TEXT)[1].features.shape == (1, 384)


def test_the_sentence_vector_places_a_command_near_its_meaning():
    """The feature the classifier reads: a command said in words no training phrasing uses sits
    nearer the command it means than an answer does, and the same text gets the same vector."""
    sequence, sentence = featurized("take us back to the previous question").get_dense_features(TEXT)
    assert sequence is None and sentence is not None and sentence.features.shape == (1, 384)
    vector = sentence.features[0]
    assert abs(float(vector @ vector) - 1) < 1e-5  # normalised, as the model was trained
    encoder = sentence_encoder()
    back, answer = encoder.encode("go back"), encoder.encode("the principal supervises the officer")
    assert float(vector @ back) > float(vector @ answer) + 0.3
    assert (encoder.encode("go back") == back).all()


def test_only_the_words_the_classifiers_read_are_encoded():
    """A 400-word training answer costs the encoder what its first 24 words do (addons/first_words.py)."""
    opening = " ".join(f"word{n}" for n in range(24))
    long_vector = featurized(opening + " and then much more" * 100, training=True).get_dense_features(TEXT)[1]
    short_vector = featurized(opening, training=True).get_dense_features(TEXT)[1]
    assert long_vector is not None and short_vector is not None
    assert (long_vector.features == short_vector.features).all()


def test_a_sentence_model_other_than_the_one_built_with_is_refused(tmp_path):
    other = tmp_path / "model.onnx"
    other.write_bytes(b"not the model")
    with pytest.raises(RuntimeError, match="not the file this assistant was built with.*make install"):
        SentenceEncoder(other)


def test_the_commands_asked_about_are_the_domains_controls_and_have_words():
    """Three files name the commands: the asking component's list (config.yml), the answer slot's
    control intents (domain.yml) and the words each command's button shows (bot/replies.py). A
    command added to one and not the others would be acted on without asking, or asked about with
    no words on its button."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    asked = set(next(c for c in pipeline if c["name"].endswith(".CommandOrAnswer"))["commands"])
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    controls = set(domain["slots"]["answer"]["mappings"][0]["not_intent"])
    # The FAQ selector asks too, about a message that reads as an answer and as a question.
    faq = next(c for c in pipeline if c["name"].endswith(".FaqSelector"))
    question = faq.get("question_command", FaqSelector.get_default_config()["question_command"])
    assert asked | {question} == set(replies.COMMAND_WORDS)
    # The controls never asked about: naming a speaker, the guidance's questions and the refusal
    # (answered, not acted on), and the asking itself and its two answers.
    assert controls - asked == {"set_speaker", "faq", "out_of_scope", "command_or_answer", "save_as_answer", question}


def test_a_question_is_told_from_an_answer_that_opens_like_one():
    """Put as a question, a message is answered from the guidance; opening like one, it may be an
    answer and is asked about (addons/faq_selector.py); otherwise it is an answer."""
    for text in ("when is the board meeting", "how many hours does the officer work", "can the officer search lockers"):
        assert question_shape(text) == QUESTION, text
    assert question_shape("Is the SRO armed?") == QUESTION
    for text in ("What's left in the budget goes to training.", "Any change needs the chief's approval.", "tell us"):
        assert question_shape(text) == MAYBE, text
    for text in ("Do not share records.", "Should be reviewed each spring.", "who pays? the district", "Monthly."):
        assert question_shape(text) is None, text
    assert question_shape("How often: every semester.") == MAYBE  # a label, not a question
    # A request verb then a thing, or "any" without "?", may be the committee's rule.
    assert reads_as_a_rule("Show the complaint form on the district website.")
    assert reads_as_a_rule("Any overtime needs the chief's approval.") and not reads_as_a_rule("any tips?")
    assert not reads_as_a_rule("show us the answers") and not reads_as_a_rule("Explain the roles?")


def test_a_command_with_words_of_its_own_is_asked_about_and_a_question_goes_to_the_guidance(tmp_path):
    """CommandOrAnswer on messages the classifier took for "next question": its own words act, with
    or without the people a facilitator names; an answer's words make it ask; put as a question, it
    is a question for the guidance, unless it is a request to the assistant ("could you ...")."""
    config = {**CommandOrAnswer.get_default_config(), "commands": ["next_question"]}
    component = CommandOrAnswer(config, LocalModelStorage(tmp_path), Resource("command_or_answer"))
    component.setup({"commands": {"next_question": ["later", "move", "next", "question", "revisit"]}, "talk": []})

    def taken(text: str, confidence: float = 0.9) -> tuple[str, list[str]]:
        intent = {"name": "next_question", "confidence": confidence}
        message = Message({TEXT: text, INTENT: intent, INTENT_RANKING_KEY: [intent]})
        component.process([message])
        return message.get(INTENT)["name"], [e["value"] for e in message.get(ENTITIES) or []]

    assert taken("next question please") == ("next_question", [])
    assert taken("Next year's budget covers it.") == ("command_or_answer", ["next_question"])
    assert taken("What's the lunch menu for next week?") == ("faq", [])
    assert taken("could you move to the next question on school funding?") == ("command_or_answer", ["next_question"])
    # People named in passing say nothing about what is asked: a facilitator relays them.
    assert taken("Dr. Kim wants the next question") == ("next_question", [])
    assert taken("ok Officer Dana Reyes says move to the next question") == ("next_question", [])
    assert taken("Grace says next question") == ("next_question", [])
    # In its own words, a sentence the classifier is not sure of is asked about; a sure one, or a
    # short command, is not.
    assert taken("We'll revisit later.", confidence=0.55) == ("command_or_answer", ["next_question"])
    assert taken("We'll revisit later.", confidence=0.65) == ("next_question", [])
    assert taken("next", confidence=0.55) == ("next_question", [])
    # In its own words, one the fallback would take is asked about, unless hardly a guess.
    assert taken("next question", confidence=0.45) == ("command_or_answer", ["next_question"])
    assert taken("next question", confidence=0.25) == ("next_question", [])
    # In its own words and put as a question, it is still more likely the command.
    assert taken("next question?", confidence=0.45) == ("command_or_answer", ["next_question"])


def test_the_asking_rule_knows_when_the_fallback_takes_a_message():
    """CommandOrAnswer asks about a command the fallback would take: its two numbers must be the
    FallbackClassifier's in config.yml, or it would ask about commands that act, or let fall back
    commands it means to ask about; and the vector it reads must be the featurizer's."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    asking = {
        **CommandOrAnswer.get_default_config(),
        **next(c for c in pipeline if c["name"].endswith(".CommandOrAnswer")),
    }
    fallback = next(c for c in pipeline if c["name"] == "FallbackClassifier")
    assert (asking["fallback_below"], asking["fallback_margin"]) == (
        fallback["threshold"],
        fallback["ambiguity_threshold"],
    )
    # And it reads the sentence vector by the featurizer's alias: another name would find none,
    # and every message would quietly go back to being asked about.
    featurizer = next(c for c in pipeline if c["name"].endswith(".SentenceEmbeddingFeaturizer"))
    assert asking["phrasing_feature"] == featurizer["alias"]


def trained_asking_rule(tmp_path, commands: list[str], examples: list[tuple[str, str]]) -> CommandOrAnswer:
    """CommandOrAnswer trained on examples featurized as Rasa trains it, and read back from the model."""
    config = {**CommandOrAnswer.get_default_config(), "commands": commands, "phrasing_feature": "sentence"}
    storage, resource = LocalModelStorage(tmp_path), Resource("command_or_answer")
    training = []
    for text, intent in examples:
        message = featurized(text, training=True)
        message.set(INTENT, intent)
        training.append(message)
    CommandOrAnswer(config, storage, resource).train(TrainingData(training))
    return CommandOrAnswer.load(config, storage, resource, None)  # type: ignore[arg-type]


def test_another_commands_words_that_no_answer_uses_are_talk_not_an_answer(tmp_path):
    """Learned in training and read back from the model: "jump" is go_to_gap's word and no
    answer's, so "jump to the next question" is the command; "missing" and "students" are an
    answer's words, so "Next: missing students." is asked about, and so is "Next: timelines.",
    whose only word is a clause title's."""
    examples = [
        ("next question", "next_question"),
        ("move on", "next_question"),
        ("jump to a missing one", "go_to_gap"),
        ("take us to the gap on timelines", "go_to_gap"),
        ("Missing students are reported to the office.", "give_answer"),
    ]
    component = trained_asking_rule(tmp_path, ["next_question", "go_to_gap"], examples)
    # "next" and "move" are stop words; "timelines", "question" and "take" are words of clause
    # titles, a command's own only where a part is named.
    assert component.talk == {"jump", "gap"}

    def taken(text: str) -> str:
        intent = {"name": "next_question", "confidence": 0.8}
        message = Message({TEXT: text, INTENT: intent, INTENT_RANKING_KEY: [intent]})
        component.process([message])
        return message.get(INTENT)["name"]

    assert taken("jump to the next question") == "next_question"
    assert taken("Next: missing students.") == "command_or_answer"
    assert taken("Next: timelines.") == "command_or_answer"


def test_a_clause_named_by_its_title_is_the_commands_own_words(tmp_path):
    """A command naming a clause ("show the clause on notice to parents"): a title's words say
    which clause, not that the message is an answer; with "next question" they are an answer's."""
    config = {**CommandOrAnswer.get_default_config(), "commands": ["show_clause", "next_question"]}
    component = CommandOrAnswer(config, LocalModelStorage(tmp_path), Resource("command_or_answer"))
    words = {"show_clause": ["clause", "read", "show"], "next_question": ["move", "next", "question"]}
    component.setup({"commands": words, "talk": []})

    def taken(text: str, command: str) -> str:
        intent = {"name": command, "confidence": 0.9}
        message = Message({TEXT: text, INTENT: intent, INTENT_RANKING_KEY: [intent]})
        component.process([message])
        return message.get(INTENT)["name"]

    assert taken("show the clause on notice to parents", "show_clause") == "show_clause"
    assert taken("read us the clause about uniform, equipment and cameras", "show_clause") == "show_clause"
    assert taken("show the clause on the lunch menu and recess", "show_clause") == "command_or_answer"
    # Only a message that says it names a part: an answer in a title's words stays an answer's.
    assert taken("Records of searches go to the agency.", "show_clause") == "command_or_answer"
    assert taken("next: parent notification", "next_question") == "command_or_answer"


def test_a_command_whose_nearest_phrasings_are_its_own_acts_unless_it_has_a_side_effect(tmp_path):
    """Trained on featurized examples and read back from the model (the sentence vectors kept as
    an array): a command the classifier is unsure of, or that has a word its examples never use,
    acts when the training phrasings nearest in meaning are all that command's; an answer with a
    command's words, whose nearest phrasings are answers, is still asked about; and a command
    with a side effect is asked about when it has a word beyond its own. An intent never asked
    about (naming a speaker) that the fallback would take is kept when its nearest phrasings agree."""
    examples = [
        ("go back", "go_back"),
        ("take us back", "go_back"),
        ("back to the previous question", "go_back"),
        ("go back a question", "go_back"),
        ("save and exit", "pause"),
        ("save and stop", "pause"),
        ("now Sergeant Diaz is typing", "set_speaker"),
        ("Officer Tran is typing now", "set_speaker"),
        ("The officer returns to patrol over the summer.", "give_answer"),
        ("Searches need the principal present.", "give_answer"),
    ]
    component = trained_asking_rule(tmp_path, ["go_back", "pause"], examples)
    assert component.phrasings.shape == (len(examples), 384)
    assert component.phrasing_intents == [intent for _, intent in examples]

    def taken(text: str, command: str, confidence: float) -> tuple[str, list[str]]:
        message = featurized(text)
        intent = {"name": command, "confidence": confidence}
        message.set(INTENT, intent)
        message.set(INTENT_RANKING_KEY, [intent])
        component.process([message])
        return message.get(INTENT)["name"], [e["value"] for e in message.get(ENTITIES) or []]

    assert taken("take me back", "go_back", 0.41) == ("go_back", [])  # the fallback would have taken it
    assert taken("go back a question, quickly", "go_back", 0.55) == ("go_back", [])  # "quickly" is no example's
    assert taken("The officer goes back to patrol in summer.", "go_back", 0.8) == ("command_or_answer", ["go_back"])
    assert taken("take me back", "go_back", 0.25) == ("go_back", [])  # hardly a guess: the fallback's
    assert taken("save and exit now", "pause", 0.45) == ("pause", [])
    assert taken("save and close", "pause", 0.45) == ("command_or_answer", ["pause"])  # "close" is not pause's
    message = featurized("ok, Officer Tran typing now")
    message.set(INTENT, {"name": "set_speaker", "confidence": 0.45})
    component.process([message])
    assert message.get(INTENT) == {"name": "set_speaker", "confidence": 1.0}  # decided: the fallback leaves it
    message = featurized("Sergeant Diaz supervises the officer.")  # nearest: a speaker's phrasing, then an answer
    message.set(INTENT, {"name": "set_speaker", "confidence": 0.45})
    component.process([message])
    assert message.get(INTENT) == {"name": "set_speaker", "confidence": 0.45}  # left to the fallback
