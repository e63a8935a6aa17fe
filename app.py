"""Keras Playground: the entry point. Language, navigation, and a TensorFlow warm-up.

TensorFlow takes 6-10 s to import, so it is imported in a background thread, started
once the first page has been sent, and otherwise only on the pages that need it.
"""

import streamlit as st

from app_pages import arch_tools, identity, shared

st.set_page_config(page_title="Keras Playground", page_icon="🧠", layout="wide")
shared.language_switch()
known = identity.identity_sidebar()  # False for the moment a first visit waits for the browser's secret

PAGES = [
    ("home", "app_pages/home.py", ":material/school:"),
    ("datasets", "app_pages/datasets.py", ":material/dataset:"),
    ("architecture", "app_pages/architecture.py", ":material/account_tree:"),
    ("training", "app_pages/training.py", ":material/model_training:"),
    ("runs", "app_pages/runs.py", ":material/history:"),
    ("experiments", "app_pages/experiments.py", ":material/tune:"),
    ("draw", "app_pages/draw.py", ":material/draw:"),
    ("demos", "app_pages/demos.py", ":material/science:"),
]
navigation = st.navigation(
    [
        st.Page(path, title=shared.tr(f"nav.{name}"), icon=icon, url_path=name, default=name == "home")
        for name, path, icon in PAGES
    ]
)
if not known:
    st.stop()  # (after st.navigation: the address keeps the page it names)
arch_tools.apply_setup_link()  # a share link opens its setup on whichever page it names
try:
    navigation.run()
finally:  # also after a page that ends with st.stop()
    shared.warm_up()  # after the page: see shared.warm_up
