# Quick start: `make demo` (the whole product on 127.0.0.1, no token, no Telegram), `make run` (the bot on SQLite), `make test` (the test suite on SQLite and PostgreSQL) and `make lint`
# (lint-imports, ruff and mypy).
# Each creates the virtual environment in .venv on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: install demo run test lint catalogs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -c "from bot.i18n import compile_catalogs; compile_catalogs()"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/quickwin demo

run: $(STAMP)
	$(BIN)/quickwin run

test: $(STAMP)
	$(BIN)/python -m pytest

# The layers (lint-imports), lint (ruff) and types (mypy on bot/, handlers/, storage/), as pyproject.toml says.
lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check bot handlers storage tests bench
	$(BIN)/mypy

# Re-extract the strings from the code, merge them into id/ and en/, fill en from the msgids, compile.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F locales/babel.cfg -k N_ -k gettext -k ngettext:1,2 --no-location --add-comments NOTE: \
		--sort-output --project "Quick Win Bot" --copyright-holder "Quick Win Bot contributors" \
		-o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete --width 100
	$(BIN)/python -m locales.fill_en
	$(BIN)/pybabel compile -d locales -D messages --statistics

bench: $(STAMP)
	$(BIN)/python -m bench.journey

clean:
	rm -rf $(VENV) *.egg-info build dist locales/*/LC_MESSAGES/*.mo
