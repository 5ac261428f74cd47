"""The command line, `python -m data_loaders …` (a contract: other tools rely on its JSON and exit codes)."""
