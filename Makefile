# genocr: `make setup` builds .venv with everything; `make test` runs the offline test suite.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
APT_PKGS := fonts-dejavu-core fonts-noto-cjk fonts-liberation2 wordnet-base texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-pictures texlive-fonts-recommended libcairo2 wamerican fonts-freefont-ttf fonts-urw-base35 fonts-wqy-microhei fonts-open-sans fonts-crosextra-carlito fonts-crosextra-caladea fonts-ebgaramond fonts-lmodern groff poppler-utils tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim osra chromium

.PHONY: setup test test-slow apt clean

setup: apt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned: on these machines pip takes the local CPU build of 2.13.0; a bare
	# `torch` would pull a multi-GB CUDA build. Elsewhere add --index-url .../whl/cpu by hand.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[data,bench,scale,serve,dev]'
	$(BIN)/python -m genocr.export.vendor

# Debian packages (fonts, renderers): installed only when missing and when we are root.
apt:
	@missing=$$(for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "note: missing Debian packages (run as root to install): $$missing"; fi; \
	fi

test:
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest -q

# pytest exits 5 when it selects no test: no slow test is not a failure.
test-slow:
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest -q -m slow || test $$? -eq 5

clean:
	rm -rf $(VENV) build *.egg-info
