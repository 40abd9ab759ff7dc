"""What the pages share (not pages themselves: app.py lists the pages): session state, cached
computations, edit sessions, scenario sources and table widgets."""
