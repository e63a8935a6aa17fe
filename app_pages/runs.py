"""Runs page (not built yet: says so, shows no fake content)."""

import streamlit as st

from app_pages.shared import coming_next, tr

st.title(tr("nav.runs"))
coming_next()
