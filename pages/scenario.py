"""Scenario: the YAML behind every page. View and edit it, validate it (errors point at the line),
download it, save it to the scenarios folder, or load another."""

import re

import streamlit as st

from models import editing
from pages.shared import edits, sources, state
from ui.format import md

ss = st.session_state
s = state.scenario()

st.title("Scenario")
st.caption(
    f"**{md(s.name)}**, from the {md(ss.scenario_source)}. The format is described in the README "
    "(scenario files, format 1); `examples/positive-chat.yaml` shows every key."
)

st.html(
    "<style>.st-key-yaml_text textarea { font-family: ui-monospace, Menlo, Consolas, monospace; "
    "font-size: 0.85rem; }</style>"
)
ed = edits.edit_session("scenario_yaml")
# Unapplied edits survive leaving the page: the text is kept as a draft, given back on return. It is dropped
# when applied or discarded; a scenario changed elsewhere meanwhile is said, not silently replaced.
draft = ss.get("scenario_draft")
if ed["fresh"] or "yaml_text" not in ss:
    ss.yaml_text = draft["text"] if draft else state.scenario_text()
st.text_area("Scenario (YAML, format 1)", key="yaml_text", height=520)
text = ss.yaml_text
buttons = st.container(horizontal=True)
check = buttons.button("Check", icon=":material/rule:", key="sc_check")
apply = buttons.button("Apply", type="primary", icon=":material/check:", key="sc_apply")
numbered = buttons.toggle("Line numbers", key="sc_numbers")
if text != state.scenario_text():
    ss.scenario_draft = {"text": text, "rev": draft["rev"] if draft else ss.rev}
    if buttons.button("Discard changes", key="sc_discard", icon=":material/undo:"):
        ss.pop("scenario_draft", None)
        ss.pop("yaml_text", None)
        st.rerun()
else:
    ss.pop("scenario_draft", None)

if check or apply:
    errors = editing.all_errors(text, "scenario editor", state.book())
    if errors:
        sources.scenario_errors(errors, text)
    else:
        new = editing.validate(text, "scenario editor", state.book())
        if apply:
            state.set_scenario(new, text=text, source="scenario editor")
            ss.pop("scenario_draft", None)
            ed["rev"] = ss.rev  # our own change: keep the text as typed, comments included
            st.success(f"Applied: every page now shows {md(new.name)}.")
        else:
            st.success("Valid: press Apply to use it.")
elif ss.get("scenario_draft"):
    changed = ss.scenario_draft["rev"] != ss.rev
    st.caption(
        "The editor holds changes that are not applied yet; downloads and saves use the applied scenario."
        + (" The scenario has changed on another page since: Apply replaces it with this text." if changed else "")
    )
if numbered:
    st.code(text, language="yaml", line_numbers=True)

s = state.scenario()
slug = re.sub(r"[^A-Za-z0-9._-]+", "-", s.name).strip("-").lower() or "scenario"

st.subheader("Download or save")
c1, c2 = st.columns([1, 2])
c1.download_button(
    "Download (YAML)",
    state.scenario_text().encode("utf-8"),
    file_name=f"{slug}.yaml",
    mime="application/x-yaml",
    key="sc_download",
    on_click="ignore",
    icon=":material/download:",
)
with c2:
    edits.seed(ed, "sc_folder", ss.scenarios_dir)
    folder = st.text_input("Scenarios folder", key="sc_folder")
    if folder.strip() and folder.strip() != ss.scenarios_dir:
        ss.scenarios_dir = folder.strip()
    a, b, c = st.columns([3, 1, 1], vertical_alignment="bottom")
    if "sc_name" not in ss or ed["fresh"]:
        ss.sc_name = f"{slug}.yaml"
    name = a.text_input("File name", key="sc_name")
    overwrite = b.checkbox("Overwrite", key="sc_overwrite")
    if c.button("Save", key="sc_save", icon=":material/save:"):
        try:
            path = editing.save_scenario(state.scenarios_dir(), name, state.scenario_text(), overwrite=overwrite)
        except editing.FolderError as err:
            st.error(md(err))
        else:
            st.success(md(f"Saved to {path}."))

st.subheader("Load another")
sources.source_picker("sc")
