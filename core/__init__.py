"""CTDC Explorer core: pure data and analysis functions (Streamlit only in core.app)."""
