"""Who may do what: accounts, roles and scopes, sign-in sessions and the audit trail."""
