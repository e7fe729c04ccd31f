"""The ``classpulse check --json`` line contract, as one assertion used by several tests.

Why a helper: the contract is what measures the product on real screenshots, so the CLI tests
and the hypothesis properties must hold every line to exactly the same keys and types.
"""

from __future__ import annotations

KEYS = {"file": str, "width": int, "height": int, "gallery": bool, "reason": str, "tiles": list}
TILE_KEYS = {"box", "name", "camera", "speaking", "face", "expression"}
CAMERA = {"face", "camera_off", "no_face"}


def _is_box(v: object) -> bool:
    return (isinstance(v, list) and len(v) == 4
            and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
            and v[2] > 0 and v[3] > 0)


def _inside(inner: list[int], outer: list[int]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


def assert_contract(rep: dict, width: int | None = None, height: int | None = None) -> None:
    """Raise AssertionError naming the first broken rule of one check report."""
    assert set(rep) == set(KEYS), f"keys: expected {sorted(KEYS)}, got {sorted(rep)}"
    for key, typ in KEYS.items():
        assert isinstance(rep[key], typ) and not (typ is int and isinstance(rep[key], bool)), (
            f"{key}: expected {typ.__name__}, got {type(rep[key]).__name__}")
    if width is not None:
        assert (rep["width"], rep["height"]) == (width, height), rep["file"]
    frame = [0, 0, rep["width"], rep["height"]]
    if not rep["gallery"]:
        assert rep["reason"], "a non-gallery report must give a reason"
        assert rep["tiles"] == [], "a non-gallery report has no tiles"
    for i, t in enumerate(rep["tiles"]):
        assert set(t) == TILE_KEYS, f"tile {i} keys: {sorted(t)}"
        assert _is_box(t["box"]) and _inside(t["box"], frame), f"tile {i} box {t['box']}"
        assert isinstance(t["name"], str), f"tile {i} name {t['name']!r}"
        assert t["camera"] in CAMERA, f"tile {i} camera {t['camera']!r}"
        assert isinstance(t["speaking"], bool), f"tile {i} speaking {t['speaking']!r}"
        if t["face"] is None:
            assert t["camera"] != "face", f"tile {i}: camera 'face' without a face box"
            assert t["expression"] is None, f"tile {i}: an expression without a face"
        else:
            assert t["camera"] == "face", f"tile {i}: a face box but camera {t['camera']!r}"
            assert _is_box(t["face"]) and _inside(t["face"], t["box"]), (
                f"tile {i}: face {t['face']} not inside tile {t['box']}")
        assert t["expression"] is None or isinstance(t["expression"], str)
