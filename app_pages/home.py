"""Start page: what the app is and the path through it. Light: no TensorFlow here."""

import streamlit as st

from app_pages.shared import dataset_label, tr
from lib.data import datasets

st.title(tr("app.title"))
st.caption(tr("app.tagline"))
st.write(tr("home.intro"))
for step in ("datasets", "architecture", "training", "runs", "experiments", "draw", "demos"):
    st.markdown(tr(f"home.step.{step}"))
st.success(tr("home.offline", names=", ".join(dataset_label(n) for n in datasets.offline_available())))
st.page_link("app_pages/datasets.py", label=tr("home.start"), icon=":material/arrow_forward:")
