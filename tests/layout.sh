#!/bin/sh
# The tree's shape: include boundaries, no circles of calls, short functions.
command -v "${PYTHON3:-python3}" >/dev/null || { echo "SKIP: no python3"; exit 77; }
command -v nm >/dev/null || { echo "SKIP: no nm"; exit 77; }
exec "${PYTHON3:-python3}" "$top_srcdir/tests/layout.py" "$top_srcdir" "$top_builddir"
