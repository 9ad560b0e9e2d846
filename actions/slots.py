"""The slots the actions read and set, named once (domain.yml declares them)."""

PLAN_CODE = "plan_code"  # the plan this conversation has open
PLAN_STATUS = "plan_status"  # open, finished or missing: the rules branch on it
ASKED_QUESTION = "asked_question"  # the question last read out in full, so it is not read again
LAST_ANSWER_ID = "last_answer_id"  # the answer "change my answer" and "keep it" act on
REVISING_ANSWER_ID = "revising_answer_id"  # the answer whose new wording is awaited
ANSWER = "answer"  # question_form's slot: the committee's text
NEW_WORDING = "new_wording"  # question_form's slot while an answer is being changed
QUESTION_PROMPT = "question_prompt"  # what utter_ask_answer says
SPEAKER = "speaker"  # the member named as speaking
SCHOOL_PARTNER = "school_partner"
AGENCY_PARTNER = "agency_partner"
MEMBERS_TEXT = "members_text"
LAST_ACT = "last_act"  # what "undo" reverses: "answer:<id>", "move:<question left>" or "pause"
PENDING_ANSWER = "pending_answer"  # a message asked about: an answer, or the command it also reads as?
PENDING_COMMAND = "pending_command"  # that command
PENDING_TOPIC = "pending_topic"  # the response to give if it was a question about the guidance
