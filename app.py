"""Keras Playground: the entry point. Language, navigation, and a TensorFlow warm-up.

TensorFlow takes 6-10 s to import, so it is imported in a background thread, started
once the first page has been sent, and otherwise only on the pages that need it.
"""

import streamlit as st

from app_pages import PAGES
from app_pages.parts import address, arch_tools, classlink, identity, keys, shared, streamlit_fix, timings

streamlit_fix.keep_clicks_across_interruptions()  # a click a newer request interrupts is kept (#26)
streamlit_fix.keep_keras_state_across_runs()  # no clear_session (a full garbage collection) after every run
streamlit_fix.deliver_a_replaced_runners_last_runs()  # a run's output is not lost to a new runner (#26)

st.set_page_config(page_title="Keras Playground", page_icon="🧠", layout="wide")
shared.language_switch()
known = identity.identity_sidebar()  # False while a sign-in is awaited
classlink.class_sidebar()  # a teacher's class code and QR code; a student's box to type one
arch_tools.apply_model_link()  # an older model-only link
address.restore_from_address()  # a reload, a bookmark or a share link: the setup in the address
classlink.join_from_address()  # a scanned QR code: the teacher's setup and page

pages = {
    page.name: st.Page(page.script, title=page.title[shared.lang()], icon=page.icon, url_path=page.name,
                       default=page.name == "home")
    for page in PAGES
}  # fmt: skip
navigation = st.navigation(list(pages.values()))
st.session_state[keys.APP_PAGE] = next((name for name, page in pages.items() if page == navigation), "home")
if not known:
    st.stop()  # (after st.navigation: the address keeps the page it names)
classlink.go_to_the_teachers_page(pages)
address.dropped_message()  # what opening the address did, on the page it opened
arch_tools.link_messages()
try:
    timings.timed(navigation.run, navigation.url_path, shared.session_id)  # KP_TIMINGS: each run's cost
finally:  # also after a page that ends with st.stop()
    address.keep_setup()  # every edit is in the address (F5 restores it)
    classlink.publish()  # a teacher's class follows their setup
    shared.warm_up()  # after the page: see shared.warm_up
