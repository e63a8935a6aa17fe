"""The pages' building blocks: everything in ``app_pages/`` that the navigation does not list.

A page (a script beside this folder, listed in ``app_pages.PAGES``) imports these; nothing
imports a page (Streamlit runs a page's script afresh on each rerun, so importing one would
run it). Shared state and widgets (``shared``, ``state``, ``widgets``, ``keys``), the app's
frame (``identity``, ``classlink``, ``address``, ``streamlit_fix``, ``presses``, ``timings``)
and each page's panels (``*_tools``, ``lesson_*``, ``demo_*``, ``own_*``, ...) live here.
"""
