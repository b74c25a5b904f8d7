"""Reading, cleaning, filtering and counting CTDC records (no Streamlit, no charts)."""
