"""A working database from nothing: migrations, reference data and the bundled sample workbooks."""
