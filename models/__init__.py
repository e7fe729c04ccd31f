"""The shipped expression models, as package data.

Why a package: `pip install classpulse` (a wheel, no checkout) must find the classifier. The
`.tflite` files and the model card ship inside this package; the `.keras` training checkpoint and
the metrics plot stay in the repository only, to keep the wheel small. Training and export still
write here (`classpulse train --out models/`), so the repository copy stays the source of truth.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

EXPRESSION = "expression.tflite"  # the default classifier (test-time mirror averaging)
EXPRESSION_FAST = "expression_fast.tflite"  # the same weights without the mirror pass


def shipped_model(name: str = EXPRESSION) -> Path:
    """Path of a model file shipped in this package, wherever the package is installed.

    LiteRT opens models by file name, so this needs a real file: it is one for a checkout, an
    editable install and a wheel installed into site-packages (zip imports are not supported).
    """
    ref = resources.files(__package__).joinpath(name)
    if not isinstance(ref, Path):
        raise RuntimeError(f"model {name!r} is not a plain file ({ref!r}): install unzipped")
    return ref
