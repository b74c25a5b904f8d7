"""CTDC Explorer: the entry point (``streamlit run Home.py``).

It draws the shared sidebar once per run and then the page the user chose; the pages
themselves are the scripts under ``pages/`` (the home page is ``pages/0_Home_page.py``).
"""

from core.app import run_app

run_app()
