"""The project's own generated demo data (aggregate calibration only, never CTDC rows)."""
