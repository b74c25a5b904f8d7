"""The active data of a session: the operator's source (cached per process) or an upload.

An upload overrides the operator's source for its own session only.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from core.data.load import DataError, LoadResult, load_cached
from core.data.sources import DataSource, resolve_source
from core.data.uploads import HeldUpload, UploadRegistry, max_uploads

__all__ = ["UPLOAD_MARK", "active_data", "upload_lost_note", "upload_widget"]

_UPLOAD_STATE = "ctdc_upload"
#: In the URL while an upload is in use, so that a reload (a new session, without the
#: file) can say that the view is back on the default data.
UPLOAD_MARK = "upload"


def upload_lost_note() -> str | None:
    """One line when this session was opened from a view of an upload it no longer has."""
    if st.query_params.get(UPLOAD_MARK) and st.session_state.get(_UPLOAD_STATE) is None:
        st.query_params.pop(UPLOAD_MARK, None)
        return (
            "This view was made with an uploaded file, which is never stored: the default "
            "data are shown. Upload the file again to see it."
        )
    return None


# --------------------------------------------------------------------------- loading
@st.cache_resource(show_spinner="Reading and cleaning the data (once per file)…", max_entries=4)
def _load_path(path: str, size: int, mtime: float) -> LoadResult:
    """Parse a file once per process; ``size`` and ``mtime`` make a changed file reload."""
    return load_cached(path)


def _secret_setting() -> str | None:
    if os.environ.get("CTDC_DATA"):
        return None
    try:
        value = st.secrets.get("CTDC_DATA")
    except Exception:  # no secrets file at all: Streamlit raises; that simply means unset
        return None
    return str(value) if value else None


def active_data() -> tuple[DataSource, LoadResult]:
    state = st.session_state
    upload: HeldUpload | None = state.get(_UPLOAD_STATE)
    # Read the result once: another session's upload may let this one go at any moment.
    held_result = upload.result if upload is not None else None
    if upload is not None and held_result is None:
        # Dropped to make room for newer uploads: empty the uploader too, so that its
        # bytes are released, and say what happened.
        state.pop(_UPLOAD_STATE, None)
        state["ctdc_uploader_generation"] = state.get("ctdc_uploader_generation", 0) + 1
        st.query_params.pop(UPLOAD_MARK, None)
        st.sidebar.warning(
            "Your uploaded file was let go to free memory: this server holds only a few "
            "uploads at once. The default data are shown; upload the file again to go on."
        )
        upload = None
    if upload is not None and held_result is not None:
        _registry().touch(upload)
        if st.query_params.get(UPLOAD_MARK) != "1":
            st.query_params[UPLOAD_MARK] = "1"
        return upload.source, held_result
    try:
        source = resolve_source(setting=_secret_setting())
    except DataError as exc:
        st.error(f"{exc} Showing the embedded demo data instead.")
        source = resolve_source(setting="", data_dir=Path("/nonexistent"))
    try:
        stat = source.path.stat()
        result = _load_path(str(source.path), stat.st_size, stat.st_mtime)
    except (DataError, OSError) as exc:
        if source.is_demo:
            st.error(
                f"The embedded demo data could not be read ({exc}); reinstall the app "
                "or rebuild it with `python -m core demo`."
            )
            st.stop()
        st.error(f"{exc} Showing the embedded demo data instead.")
        source = resolve_source(setting="", data_dir=Path("/nonexistent"))
        stat = source.path.stat()
        result = _load_path(str(source.path), stat.st_size, stat.st_mtime)
    return source, result


@st.cache_resource
def _registry() -> UploadRegistry:
    """The uploads held in this process (one registry for all sessions)."""
    return UploadRegistry(capacity=max_uploads())


def upload_widget() -> None:
    state = st.session_state
    with st.sidebar.expander("Use your own CTDC file", expanded=False):
        # A new key empties the widget (there is no other way to clear a file_uploader).
        generation = state.setdefault("ctdc_uploader_generation", 0)
        uploaded = st.file_uploader(
            "CTDC data file (TSV, CSV or .gz; any release)",
            key=f"ctdc_uploader_{generation}",
            help="Your file stays in this browser session's memory; it is not stored.",
        )
        st.caption(
            "Your file stays in this browser session's memory; it is not stored, so a "
            "reload or a shared link returns to the default data."
        )
        if uploaded is not None:
            file_key = f"{uploaded.file_id}:{uploaded.name}:{uploaded.size}"
            current: HeldUpload | None = state.get(_UPLOAD_STATE)
            refused = state.get("ctdc_upload_refused")
            if refused is not None and refused[0] == file_key:
                st.error(refused[1])  # said once per file, not parsed again on every rerun
            elif current is None or current.key != file_key:
                with st.spinner(f"Reading {uploaded.name}…"):
                    try:
                        result = load_cached(uploaded.getvalue(), label=uploaded.name)
                    except DataError as exc:
                        state["ctdc_upload_refused"] = (file_key, str(exc))
                        st.error(str(exc))
                        return
                source = DataSource("upload", Path(uploaded.name), f"{uploaded.name} (your upload)")
                held = HeldUpload(file_key, source, result)
                _registry().add(held)
                state[_UPLOAD_STATE] = held
                st.query_params[UPLOAD_MARK] = "1"
                state.pop("ctdc_upload_refused", None)
                st.rerun()
        current = state.get(_UPLOAD_STATE)
        current_result = current.result if current is not None else None
        if current is not None and current_result is not None:
            st.caption(f"Using your upload: {current_result.source_label}")
            if st.button("Go back to the default data", key="ctdc_forget_upload"):
                state.pop(_UPLOAD_STATE, None)
                st.query_params.pop(UPLOAD_MARK, None)
                state["ctdc_uploader_generation"] = generation + 1
                st.rerun()
