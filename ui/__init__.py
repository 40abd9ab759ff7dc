"""Presentation helpers shared by the pages: plotly figures and tables. No streamlit, no AWS."""
