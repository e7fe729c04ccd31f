"""A real X window for screen-capture tests: Xvfb plus a borderless Tk window showing an image.

Shared by tests/classpulse (``run`` captures a window) and tests/reliability (the screen vanishes
and comes back), so both skip for the same reasons and pick display numbers the same way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# Run as ``python -c SHOW IMAGE``: a borderless 1280x720 window at the top-left of the screen.
SHOW = """
import sys, tkinter as tk
root = tk.Tk()
root.overrideredirect(True)
root.geometry("1280x720+0+0")
img = tk.PhotoImage(file=sys.argv[1])
tk.Label(root, image=img, borderwidth=0).pack()
root.mainloop()
"""

# Run as ``python -c SHOW_AT IMAGE X Y`` with stdin and stdout piped: a borderless window the size
# of the image at (X, Y); it prints "ready" once drawn and closes when stdin closes.
SHOW_AT = r"""
import sys, tkinter as tk
root = tk.Tk()
root.overrideredirect(True)
img = tk.PhotoImage(file=sys.argv[1])
root.geometry(f"{img.width()}x{img.height()}+{sys.argv[2]}+{sys.argv[3]}")
tk.Label(root, image=img, borderwidth=0, highlightthickness=0).pack()
root.update()
print("ready", flush=True)
sys.stdin.readline()
"""


def tk_ok() -> bool:
    try:
        import tkinter  # noqa: F401
    except ImportError:
        return False
    return True


SKIPS = [
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb not installed (apt: xvfb)"),
    pytest.mark.skipif(not tk_ok(), reason="tkinter not available to open a test window"),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr not installed"),
]


def free_display(first: int, last: int) -> int:
    """A display number in [first, last) with no X socket or lock file."""
    for n in range(first, last):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")
