"""Keras Playground logic: plain Python, no Streamlit, so pytest can drive all of it."""
