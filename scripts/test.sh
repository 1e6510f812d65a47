#!/usr/bin/env bash
# The whole test suite, as README's second quick-start command runs it: installs kg with its
# test extras into .venv, the Debian packages the tests need (Virtuoso, Chromium), then runs
# pytest. Servers (Oxigraph, Virtuoso, `kg serve`) are started on loopback by the tests
# themselves and stopped when they end. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
bash scripts/install-system-deps.sh
exec .venv/bin/python -m pytest "$@"
