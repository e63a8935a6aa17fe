"""Start page: what the app is and the path through it. Light: no TensorFlow here."""

import streamlit as st

from app_pages.parts.shared import dataset_label, lang, tr
from lib.data import datasets
from lib.i18n import pick
from lib.lessons import lessons

st.title(tr("app.title"))
st.caption(tr("app.tagline"))
st.write(tr("home.intro"))
st.subheader(tr("les.home_title"))  # the guided lessons come first: text, code and the live part, step by step
st.markdown("\n".join(f"{n}. {pick(lesson.title, lang())}" for n, lesson in lessons().items()))
st.page_link("app_pages/lessons.py", label=tr("les.home_link"), icon=":material/cast_for_education:")
st.subheader(tr("les.home_pages"))
for step in ("datasets", "architecture", "training", "runs", "experiments", "draw", "demos"):
    st.markdown(tr(f"home.step.{step}"))
st.success(tr("home.offline", names=", ".join(dataset_label(n) for n in datasets.offline_available())))
st.page_link("app_pages/datasets.py", label=tr("home.start"), icon=":material/arrow_forward:")
