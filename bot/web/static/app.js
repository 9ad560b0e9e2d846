// Meeting page. Talks to the channel beside it (same origin); every plan request carries
// the plan code and access key. Text from the plan is always set with textContent.
"use strict";

const BASE = location.pathname.replace(/\/?$/, "/");
const POLL_MS = 1500;
const $ = (id) => document.getElementById(id);

function randomId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Each browser tab is its own device: it has its own conversation with the assistant.
const device = sessionStorage.getItem("planner-device") || randomId();
sessionStorage.setItem("planner-device", device);
let plan = JSON.parse(sessionStorage.getItem("planner-plan") || "null"); // {code, key}
let version = null;
let pollTimer = null;

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function log(text, who) {
  const item = element("li", text, who);
  $("log").append(item);
  $("log").scrollTop = $("log").scrollHeight;
}

async function post(message) {
  const body = { device, message, speaker: $("speaker").value.trim() || null };
  if (plan) Object.assign(body, plan);
  const response = await fetch(BASE + "webhook", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return readReply(response);
}

async function readReply(response) {
  const fallback = response.status === 413
    ? "That message is too long to send; nothing was saved. Please send it in parts."
    : "The assistant sent an unreadable reply.";
  const data = await response.json().catch(() => ({ error: fallback }));
  if (!response.ok) throw new Error(data.error || `The assistant answered ${response.status}.`);
  return data;
}

// The plan's code and key travel in headers, never in a URL.
function planHeaders() {
  return plan ? { "X-Plan-Code": plan.code, "X-Plan-Key": plan.key } : {};
}

async function send(message, shown) {
  log(shown === undefined ? message : shown, "user");
  try {
    const data = await post(message);
    data.messages.forEach((text) => log(text, "bot"));
    offer(data.choices || []);
    if (data.plan) await bind(data.plan, true);
    else if (plan) await refresh();
  } catch (error) {
    log(error.message, "bot");
    // Nothing typed is lost: a message that was not taken goes back into the box.
    if (shown === undefined && !$("message").value) $("message").value = message;
  }
}

// A reply's buttons ("Save it as an answer" / the command): each sends its payload once,
// shown in the log by its title; the typed words work as well.
function offer(choices) {
  if (!choices.length) return;
  const item = element("li", null, "bot choices");
  choices.forEach((choice) => {
    const button = element("button", choice.title);
    button.type = "button";
    button.addEventListener("click", () => {
      item.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      send(choice.payload, choice.title);
    });
    item.append(button);
  });
  $("log").append(item);
  $("log").scrollTop = $("log").scrollHeight;
}

async function bind(newPlan, announce) {
  plan = { code: newPlan.code, key: newPlan.key };
  sessionStorage.setItem("planner-plan", JSON.stringify(plan));
  version = null;
  // This tab's conversation for the plan opens at the plan's current question.
  try {
    const data = await post("/resume_plan");
    if (announce) log(`This page is now on plan ${plan.code}.`, "bot");
    else data.messages.forEach((text) => log(text, "bot"));
  } catch (error) {
    log(error.message, "bot");
  }
  await refresh();
  clearInterval(pollTimer);
  pollTimer = setInterval(refresh, POLL_MS);
}

async function fetchState(code, key) {
  const response = await fetch(BASE + "state", { headers: { "X-Plan-Code": code, "X-Plan-Key": key } });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || "That plan could not be opened.");
  return data;
}

// A document is fetched by a short-lived link the channel signs on request.
async function download(file) {
  try {
    const response = await fetch(BASE + "link", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...planHeaders() },
      body: JSON.stringify({ file }),
    });
    const data = await readReply(response);
    const anchor = element("a");
    anchor.href = BASE + data.url;
    anchor.download = file;
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
  } catch (error) {
    log(error.message, "bot");
  }
}

async function refresh() {
  if (!plan) return;
  try {
    const state = await fetchState(plan.code, plan.key);
    if (state.version !== version) {
      version = state.version;
      render(state);
    }
  } catch (error) {
    $("plan-title").textContent = error.message;
  }
}

function render(state) {
  $("join").hidden = true;
  $("question-panel").hidden = false;
  $("plan-title").textContent = state.plan.name;
  $("plan-code").hidden = false;
  $("plan-code").textContent = `Plan code ${state.plan.code}`;

  const question = state.question;
  $("question-place").textContent = question
    ? `${question.section} · question ${question.number} of ${question.total}`
    : "Every question has been passed";
  $("question-heading").textContent = question ? question.text : "Say “go back” to revisit a question, or export the documents.";
  $("question-options").replaceChildren(...(question ? question.options : []).map((o) => element("li", o)));
  // A decision's alternatives as buttons: each sends "option N", the words a member would say.
  $("alternatives").replaceChildren(...(question ? question.alternatives : []).map((a) => {
    const button = element("button", `${a.number}. ${a.label}${a.proposed ? " (recommended)" : ""}`);
    button.type = "button";
    button.addEventListener("click", () => send(`option ${a.number}`, `Option ${a.number}: ${a.label}`));
    return button;
  }));
  $("alternatives").hidden = !(question && question.alternatives.length);

  const answers = state.answers.map((answer) => {
    const item = element("li", answer.text);
    const role = answer.role && answer.role !== "other" ? `, ${answer.role}` : "";
    item.prepend(element("span", `${answer.who}${role} · ${answer.when}${answer.revised ? " · revised" : ""}`, "who"));
    return item;
  });
  $("answers").replaceChildren(...(answers.length ? answers : [element("li", "No answers yet.", "muted")]));

  const progress = state.progress;
  $("progress-summary").textContent = `${progress.answered} of ${progress.total} questions answered`;
  $("progress-bar").style.width = `${Math.round((100 * progress.answered) / progress.total)}%`;
  $("progress-sections").replaceChildren(...progress.sections.map((s) =>
    element("li", `${s.answered === s.total ? "✓" : "·"} ${s.title}: ${s.answered}/${s.total}`, s.current ? "current" : "")));

  const preview = $("preview");
  if (!state.preview) {
    preview.replaceChildren(element("p", "The MOU sections start after the discussion questions.", "muted"));
  } else {
    const nodes = [element("h3", state.preview.title)];
    // The words a committee in a hurry would say: the guidance's proposals for this article.
    const accept = element("button", `Use the proposed wording for article ${state.preview.number}`, "accept-article");
    accept.type = "button";
    accept.addEventListener("click", () => send(`use the proposed wording for article ${state.preview.number}`));
    nodes.push(accept);
    for (const clause of state.preview.clauses) {
      const p = element("p", null, clause.status === "standing" ? "clause standing" : "clause");
      if (clause.status !== "standing") {
        // "change 4.3", as a member would say it: the conversation goes to the clause's question.
        const change = element("button", `Change ${clause.number}`, "change-clause");
        change.type = "button";
        change.addEventListener("click", () => send(`change ${clause.number}`));
        p.append(change, " ");
      }
      p.append(element("strong", `${clause.number} ${clause.title}. `));
      for (const piece of clause.pieces) {
        if (piece.kind === "missing") p.append(element("mark", `[To be decided: ${piece.text}]`, "placeholder"));
        else if (piece.kind === "proposed") p.append(element("mark", piece.text, "proposed"));
        else p.append(document.createTextNode(piece.text));
      }
      nodes.push(p);
      if (clause.bullets.length) {
        const list = element("ul");
        clause.bullets.forEach((b) => list.append(element("li", b)));
        nodes.push(list);
      }
      clause.conflicts.forEach((text) => nodes.push(element("p", text, "conflict")));
      clause.notes.forEach((note) => nodes.push(element("p", `Note — ${note.text}`, "muted note")));
    }
    preview.replaceChildren(...nodes);
  }

  const links = state.downloads.map((d) => {
    const item = element("li");
    const link = element("a", `${d.label} (${d.when})`);
    link.href = "#";
    link.addEventListener("click", (event) => {
      event.preventDefault();
      download(d.file);
    });
    item.append(link);
    return item;
  });
  $("downloads").replaceChildren(...(links.length ? links : [element("li", "Export to get the draft MOU and the summary.", "muted")]));
}

// --- wiring -----------------------------------------------------------------------------

$("speaker").value = localStorage.getItem("planner-speaker") || "";
$("speaker").addEventListener("change", () => localStorage.setItem("planner-speaker", $("speaker").value.trim()));

$("message-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value;
  if (!text.trim()) {
    log("Type an answer or a command first.", "bot");
    return;
  }
  $("message").value = "";
  send(text);
  $("message").focus();
});
$("message").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("message-form").requestSubmit();
  }
});
document.querySelectorAll("[data-intent]").forEach((button) =>
  button.addEventListener("click", () => send(button.dataset.intent, button.dataset.label)));

$("start-plan").addEventListener("click", () => {
  plan = null;
  sessionStorage.removeItem("planner-plan");
  send("/start_plan", "Start a new plan");
  $("message").focus();
});

$("join-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = $("join-code").value.trim();
  const key = $("join-key").value.trim();
  $("join-error").textContent = "";
  try {
    await fetchState(code, key);
    await bind({ code, key }, false);
  } catch (error) {
    $("join-error").textContent = error.message;
  }
});

if (plan) bind(plan, false);
