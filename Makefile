# Kartoteka: `make run` starts the product, `make test` runs every test.
.DEFAULT_GOAL := run
VENV := .venv
BIN := $(VENV)/bin
# What is installed, by level: the product (`pip install -e .`), then the test and lint tools
# on top of it (`.[test]`: pytest, mypy, ruff, playwright…). `make run` installs the first
# only; `make test` after it adds the second; a change of pyproject.toml installs again.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
MO_FILES := $(patsubst %.po,%.mo,$(wildcard src/kartoteka/locale/*/LC_MESSAGES/django.po))

.PHONY: install install-test run test lint bench messages clean

# Bytecode is compiled once here: where the environment says PYTHONDONTWRITEBYTECODE, every
# process (each `kartoteka mail deliver` from the mail server) would compile it again.
install: $(RUN_STAMP) $(MO_FILES)
	@$(BIN)/python -m compileall -q src >/dev/null

install-test: install $(TEST_STAMP)

$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || { py=$$(scripts/find-python) && "$$py" -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

%.mo: %.po $(RUN_STAMP)
	$(BIN)/python -c 'import sys, polib; polib.pofile(sys.argv[1]).save_as_mofile(sys.argv[2])' $< $@

run: install
	$(BIN)/kartoteka run

# The checks that keep the structure true run first: lint, types, the layer contracts
# (pyproject.toml, [tool.importlinter]). pytest's exit code 5 means it collected no tests:
# that is a failure, not a pass.
test: install-test
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy src
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m bench --smoke
	@$(BIN)/python -m pytest -n auto -q $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src
	$(BIN)/lint-imports --no-cache

bench: install-test
	$(BIN)/python -m bench

messages: install
	cd src/kartoteka && ../../$(BIN)/kartoteka makemessages -l pl -l cs --no-obsolete --add-location file

clean:
	rm -rf $(VENV) build src/*.egg-info
