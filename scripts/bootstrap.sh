#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: Debian packages (speech engines),
# a Python 3.12 virtualenv in .venv with the project and its extras, and the AWS tools
# (SAM CLI, cfn-lint) in .venv-tools. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the console's browser tests (Playwright drives Debian's build; it cannot download its own).
APT_PACKAGES=(flite sox espeak-ng chromium)
STAMP=.venv/.installed-$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -c1-16)

find_python312() {
  # The base interpreter's real path (never one of this project's own virtualenvs).
  local candidate real
  for candidate in "$HOME/.pyenv/versions/3.12"*/bin/python3.12 python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    real=$("$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12); print(sys.base_prefix)' 2>/dev/null) || continue
    [ -x "$real/bin/python3.12" ] && { echo "$real/bin/python3.12"; return 0; }
  done
  if command -v pyenv >/dev/null 2>&1; then
    local v; v=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.|$)' | sort -V | tail -1 || true)
    if [ -n "$v" ]; then echo "$(pyenv root)/versions/$v/bin/python3.12"; return 0; fi
  fi
  return 1
}

missing_apt=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing_apt+=("$p")
done
if [ ${#missing_apt[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing_apt[@]}" >/dev/null
fi

PY=$(find_python312) || {
  echo "bootstrap: Python 3.12 is required (the Lambda runtime is python3.12)." >&2
  echo "  Install it, e.g. 'pyenv install 3.12' or 'apt-get install python3.12 python3.12-venv'," >&2
  echo "  or put an interpreter named python3.12 on PATH." >&2
  exit 1
}

if [ ! -f "$STAMP" ]; then
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -m pip install -q -e ".[relay,local,dev]" 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -c 'import switchboard, fastapi, moto, pocketsphinx, onnxruntime'
  .venv/bin/python scripts/fetch_turn_model.py
  [ -x .venv-tools/bin/python ] || "$PY" -m venv .venv-tools
  .venv-tools/bin/python -m pip install -q "aws-sam-cli==1.170.0" "cfn-lint==1.58.0" 2>&1 | grep -v '^WARNING: Location' || true
  .venv-tools/bin/sam --version >/dev/null
  rm -f .venv/.installed-*
  touch "$STAMP"
fi
# sam build looks for an interpreter named python3.12 on PATH.
ln -sf "$PY" .venv-tools/bin/python3.12 2>/dev/null || true
