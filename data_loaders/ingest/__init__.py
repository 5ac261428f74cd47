"""Uploads: read a workbook, validate it, commit it all or nothing, then the one post-commit step every
entry point runs."""
