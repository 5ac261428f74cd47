"""/accounts before the server process's first st.navigation: Streamlit's multipage-v1 handling of pages/
looks for a file named after the link and, finding none, shows its English "Page not found". This
stand-in hands the run over to app.py, which opens pages/admin_accounts.py (components/shell_guard.py)."""

from components.shell_guard import require_app_shell

require_app_shell()
