"""Lessons page: the five lessons step by step (text, Keras code, the live part), led by a teacher or alone."""

import time

import streamlit as st

from app_pages.parts import (
    keys,
    lesson_more,  # noqa: F401 - registers lessons 2-5's parts
)
from app_pages.parts.identity import is_teacher, nickname
from app_pages.parts.lesson_parts import PARTS
from app_pages.parts.shared import lang, num, tr
from app_pages.parts.state import bind
from lib.i18n import pick
from lib.lessons import follow, lessons, locate
from lib.lessons.code import step_code

LESSONS = lessons()
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], .kp-hide-present {display: none !important}
[data-testid="stMainBlockContainer"] {padding: 1rem 1.5rem !important; max-width: 100% !important}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stMarkdownContainer"] td, [data-testid="stAlert"] p {font-size: 24px !important; line-height: 1.45}
[data-testid="stMarkdownContainer"] code {font-size: 22px !important}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {font-size: 20px !important;
  color: #333 !important}
[data-testid="stCode"] code, [data-testid="stCode"] pre {font-size: 20px !important; line-height: 1.4}
h1 {font-size: 40px !important} h2, h3 {font-size: 32px !important}
[data-testid="stWidgetLabel"] p, button p {font-size: 22px !important}
[data-testid="stDataFrame"] {font-size: 20px}
</style>"""


def _location() -> tuple[int, int]:
    """The lesson and step shown: the address's on the first run, then the session's."""
    if "les.at" not in st.session_state:
        st.session_state["les.at"] = locate(st.query_params.get("lesson"), st.query_params.get("step"))
    return st.session_state["les.at"]


def _go(lesson: int, step: int) -> None:
    """Move to ``lesson``/``step`` (a teacher leading the class moves the class too)."""
    st.session_state["les.at"] = locate(lesson, step)
    st.session_state["les.gen"] = st.session_state.get("les.gen", 0) + 1  # the step list is drawn anew
    if is_teacher() and st.session_state.get("les.lead"):
        follow.set_teacher_step(*st.session_state["les.at"], by=nickname())


def _move(delta: int) -> None:
    """Next (+1) or Previous (-1) from the step the session is on when the press arrives.

    Not from the step the button was drawn on: a press that interrupts the run drawing the
    next step runs the callback registered by the run before, and a captured step would
    move the class to the step it is already on (the press lost).
    """
    lesson, step = st.session_state["les.at"]
    if delta > 0:
        lesson, step = (lesson, step + 1) if step < len(LESSONS[lesson].steps) else (lesson + 1, 1)
    else:
        lesson, step = (lesson, step - 1) if step > 1 else (lesson - 1, len(LESSONS.get(lesson - 1, LESSONS[1]).steps))
    if lesson in LESSONS:
        _go(lesson, step)


def _drawn_now(gen: int) -> bool:
    """Whether a step/lesson picker of generation ``gen`` is the one on the page now.

    The pickers are keyed by ``les.gen`` so that each move draws them anew at the new step.
    With a ``run_every`` fragment on the page, the browser can send an earlier generation's
    picker back after the full run that removed it, and Streamlit then calls its ``on_change``
    with its old value: the page (and a led class) jumped back a step and the next press of
    Next seemed lost. Only the current generation's choice moves.
    """
    return gen == st.session_state.get("les.gen", 0)


def _pick_step(gen: int, lesson: int) -> None:
    if _drawn_now(gen):
        _go(lesson, st.session_state[f"les.pick_step.{gen}"])


def _pick_lesson(gen: int) -> None:
    if _drawn_now(gen):
        _go(st.session_state[f"les.pick_lesson.{gen}"], 1)


def _follow_teacher() -> None:
    """A following student's page: jump to the teacher's step when it changes (checked every second)."""
    current = follow.active_teacher_step()
    at = st.session_state["les.at"]
    beat = st.session_state.get("les.beat", 0.0)
    if time.time() - beat > 3:
        follow.heartbeat(nickname(), *at)
        st.session_state["les.beat"] = time.time()
    if current and st.session_state.get("les.follow", True) and (current["lesson"], current["step"]) != at:
        st.session_state["les.at"] = locate(current["lesson"], current["step"])
        st.session_state["les.gen"] = st.session_state.get("les.gen", 0) + 1
        st.rerun(scope="app")


def _lead_changed(widget_key: str) -> None:
    """The teacher's "Lead the class" switch: on, the class follows this page; off, the class is let go."""
    st.session_state["les.lead"] = st.session_state[widget_key]
    if not st.session_state["les.lead"]:
        follow.release()


def _class_view(lesson: int) -> None:
    """The teacher's view: how many students are on each step of the lesson, by nickname."""
    per_step = follow.students_per_step(follow.heartbeats(), lesson, teacher=nickname())
    steps = LESSONS[lesson].steps
    rows = [
        {tr("les.col.step"): f"{i} · {pick(s.title, lang())}", tr("les.col.count"): len(per_step.get(i, [])),
         tr("les.col.students"): ", ".join(sorted(per_step.get(i, [])))}
        for i, s in enumerate(steps, 1)
    ]  # fmt: skip
    st.table(rows)


lesson_no, step_no = _location()
if keys.LES_PRESENT not in st.session_state:
    st.session_state[keys.LES_PRESENT] = st.query_params.get("present") == "1"
present = st.session_state[keys.LES_PRESENT]
lesson = LESSONS[lesson_no]
step = lesson.steps[step_no - 1]
st.query_params.update({"lesson": str(lesson_no), "step": str(step_no)})
if present:
    st.query_params["present"] = "1"
    st.html(PRESENT_CSS)
else:
    st.query_params.pop("present", None)

gen = st.session_state.get("les.gen", 0)
with st.container(key="les_controls", border=False):
    # On a projector (1024 px at 150 %) the pickers take a row of their own, so that a lesson's
    # name is not cut; the toggles go below them.
    top = st.columns([3, 4, 2, 2] if not present else [1, 1], vertical_alignment="bottom")
    if present:
        top += st.columns([1, 1, 2], vertical_alignment="bottom")[:2]
    lesson_labels = {n: f"{n}. {pick(x.title, lang())}" for n, x in LESSONS.items()}
    top[0].selectbox(tr("les.lesson"), list(LESSONS), index=lesson_no - 1, format_func=lesson_labels.__getitem__,
                     key=f"les.pick_lesson.{gen}", on_change=_pick_lesson, args=(gen,))  # fmt: skip
    step_labels = {i: f"{i}. {pick(s.title, lang())}" for i, s in enumerate(lesson.steps, 1)}
    top[1].selectbox(tr("les.step_list", n=len(lesson.steps)), list(step_labels), index=step_no - 1,
                     format_func=step_labels.__getitem__, key=f"les.pick_step.{gen}", on_change=_pick_step,
                     args=(gen, lesson_no))  # fmt: skip
    top[2].toggle(tr("les.present"), help=tr("les.present_help"), **bind(keys.LES_PRESENT, present))
    if is_teacher():
        lead = bind("les.lead", False)
        top[3].toggle(tr("les.lead"), help=tr("les.lead_help"), **{**lead, "on_change": _lead_changed,
                                                                   "args": (lead["key"],)})  # fmt: skip
    else:
        top[3].toggle(tr("les.follow"), help=tr("les.follow_help"), **bind("les.follow", True))
if is_teacher() and st.session_state.get("les.lead"):
    led = follow.teacher_step() or {}
    if (led.get("lesson"), led.get("step")) != (lesson_no, step_no):
        follow.set_teacher_step(lesson_no, step_no, by=nickname())

st.title(f"{lesson_no}.{step_no} · {pick(step.title, lang())}")
st.caption(tr("les.where", lesson=pick(lesson.title, lang()), step=step_no, n=len(lesson.steps)))
if step_no == 1:
    st.markdown(f"*{pick(lesson.summary, lang())}*")
st.markdown(pick(step.text, lang()))
if code := step_code(step):
    st.code(code, language="python", wrap_lines=present)  # no sideways scrolling on a projector
PARTS[step.part](step.params)

nav = st.columns([1, 1, 4])
if step_no > 1 or lesson_no > 1:
    nav[0].button(tr("les.previous"), key="les.prev", on_click=_move, args=(-1,), width="stretch")
if step_no < len(lesson.steps) or lesson_no < len(LESSONS):
    nav[1].button(tr("les.next"), key="les.next", type="primary", on_click=_move, args=(1,), width="stretch")
nav[2].caption(tr("les.step_of", step=num(step_no), n=num(len(lesson.steps))))

if is_teacher():
    if st.session_state.get("les.lead"):
        st.subheader(tr("les.class_now"))
        st.fragment(run_every=2)(_class_view)(lesson_no)
    else:
        st.caption(tr("les.lead_hint"))
else:
    st.fragment(run_every=1)(_follow_teacher)()
