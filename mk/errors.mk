# The error tables of the C, Go and Python surfaces, generated from the one table in
# aegis-core/src/error.rs (`error_table!`) by scripts/gen_errors.py (Python 3, standard library).
# `make errors` after changing the table; `make errors-check` (part of `make lint`) fails when a
# committed generated file differs from what the table gives.

PYTHON3 ?= python3

.PHONY: errors errors-check

# Regenerates the tables, then include/aegis.h from the new constants.
errors:
	$(PYTHON3) scripts/gen_errors.py
	$(MAKE) --no-print-directory header

errors-check:
	$(PYTHON3) scripts/gen_errors.py --check
