"""``classpulse check``: the instructor's pre-class look at one screenshot, or at the screen now.

Why it exists: before a class the instructor wants to know whether ClassPulse sees the call the
way they do (every tile, every name, every face) without starting a session. So ``check`` runs
the very ``FrameProcessor`` that ``run`` and ``analyze`` use (grid -> names -> faces ->
expression), with smoothing off and every tile sampled, and prints per tile what it found.

Privacy: images are decoded in memory and the screen is grabbed in memory; nothing (no pixels,
no temp file) is written anywhere. OCR gets its labels through tesseract's stdin.

``--json`` prints ONE line per image; that line is a contract used to measure the product on
real screenshots, so its keys and types stay stable (see ``report``)::

    {"file": str, "width": int, "height": int, "gallery": bool, "reason": str,
     "tiles": [{"box": [x, y, w, h], "name": str, "camera": "face"|"camera_off"|"no_face",
                "speaking": bool, "face": [x, y, w, h] | null, "expression": str | null}]}
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from capture.types import Frame
from classpulse import adapters
from classpulse.config import Config
from classpulse.processor import FrameProcessor, FrameResult
from classpulse.smoothing import EmaSmoother, Sampler

CAMERA_STATES = ("face", "camera_off", "no_face")


class ImageReadError(ValueError):
    """One input could not be read as an image: reported on one line, the others go on."""


@dataclass(frozen=True, slots=True)
class Shot:
    """One image to check: where it came from (the JSON ``file``) and its BGR pixels."""

    label: str
    image: np.ndarray

    def __post_init__(self) -> None:
        img = self.image
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f"Shot.image: expected uint8 (H, W, 3) BGR, got {img.dtype} "
                             f"{img.shape}")


def read_image(path: Path) -> np.ndarray:
    """BGR uint8 pixels of a PNG/JPEG (anything OpenCV decodes), read into memory only.

    Raises ``ImageReadError`` with the reason in words: missing, a folder, empty, not an image.
    """
    import cv2

    try:
        data = np.fromfile(path, dtype=np.uint8)
    except IsADirectoryError:
        raise ImageReadError(f"{path}: is a folder, expected a PNG or JPEG file") from None
    except FileNotFoundError:
        raise ImageReadError(f"{path}: no such file") from None
    except OSError as exc:
        raise ImageReadError(f"{path}: cannot read file: {exc.strerror or exc}") from None
    if data.size == 0:
        raise ImageReadError(f"{path}: empty file, expected a PNG or JPEG image")
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our one line says it
    try:
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    finally:
        cv2.utils.logging.setLogLevel(level)
    if image is None or image.size == 0:
        raise ImageReadError(f"{path}: not a readable image (broken or not PNG/JPEG), "
                             f"{data.size} bytes")
    return np.ascontiguousarray(image)


def grab_screen(monitor: int, region: tuple[int, int, int, int] | None) -> Shot:
    """The screen now, as one in-memory frame. Raises ``ImageReadError`` when no display."""
    from capture.sources import CaptureError, ScreenSource

    src = ScreenSource(monitor=monitor, region=region, fps=0)
    try:
        frame = src.grab()
    except CaptureError as exc:
        raise ImageReadError(f"screen:{monitor}: cannot capture the screen: {exc}") from None
    finally:
        src.close()
    return Shot(f"screen:{monitor}", frame.image)


def ocr_languages(cfg: Config, lang: str | None) -> str:
    """The tesseract ``-l`` value: ``--lang`` first, then ``[capture] ocr_languages``, checked
    against the installed packs (ValueError naming the missing pack's apt package)."""
    from capture.ocr_langs import resolve_languages

    return resolve_languages(lang or cfg.capture.ocr_languages)


class Checker:
    """Builds the pipeline once (face detector, classifier) and checks images one by one.

    Each image gets a fresh grid detector and name reader: screenshots are unrelated to each
    other, so neither the cached layout nor the cached names of the last one may leak in.
    """

    def __init__(self, cfg: Config, lang: str | None = None) -> None:
        p = cfg.pipeline
        self.lang = lang
        self.classifier = None if p.presence_only else adapters.make_classifier(p.model_path)
        self.face_detector = adapters.make_face_detector()

    def processor(self) -> FrameProcessor:
        reader = adapters.make_name_reader(self.lang)
        return FrameProcessor(
            grid_detector=adapters.make_grid_detector(),
            name_reader=reader,
            face_detector=self.face_detector,
            classifier=self.classifier,
            smoother=EmaSmoother(enabled=False),  # what this one frame shows, not a trend
            sampler=Sampler(0.0),
        )

    def check(self, shot: Shot) -> dict:
        frame = Frame(shot.image, 0, 0.0, 0.0, source=shot.label)
        result = self.processor().process(frame, 0.0, datetime.now(UTC))
        return report(shot, result)


def report(shot: Shot, result: FrameResult) -> dict:
    """The JSON contract for one image (see the module docstring)."""
    from inference.types import EXPRESSIONS

    h, w = shot.image.shape[:2]
    grid = result.grid
    tiles = []
    for tile, (_key, camera, probs) in zip(grid.tiles, result.tile_states, strict=True):
        b = tile.box
        face = result.faces.get(tile.order)
        face_box = None
        if face is not None:  # tile pixels -> image pixels, kept inside the tile
            fx, fy = min(max(face.x, 0), b.w - 1), min(max(face.y, 0), b.h - 1)
            fw, fh = min(face.w, b.w - fx), min(face.h, b.h - fy)
            face_box = [int(b.x + fx), int(b.y + fy), int(fw), int(fh)]
        expression = None if probs is None else EXPRESSIONS[int(np.argmax(probs))]
        tiles.append({"box": [int(b.x), int(b.y), int(b.w), int(b.h)], "name": str(tile.name),
                      "camera": str(camera), "speaking": bool(tile.is_speaker),
                      "face": face_box, "expression": expression})
    return {"file": shot.label, "width": int(w), "height": int(h),
            "gallery": bool(grid.is_gallery), "reason": str(grid.reason), "tiles": tiles}


def _fmt_box(box: list[int] | None) -> str:
    return "-" if box is None else "{},{} {}x{}".format(*box)


def print_table(rep: dict, console) -> None:
    """The readable view: one table per image, and one line saying what to fix if anything."""
    from rich.table import Table

    head = f"[bold]{rep['file']}[/bold]  {rep['width']}x{rep['height']}"
    if not rep["gallery"]:
        console.print(f"{head}  [yellow]not a gallery[/yellow]: {rep['reason']}")
        return
    tiles = rep["tiles"]
    table = Table(title=f"{head}  {len(tiles)} tiles", title_justify="left")
    for col in ("#", "tile box", "name", "camera", "speaking", "face box", "expression"):
        table.add_column(col, no_wrap=col != "name", min_width=12 if col == "name" else None)
    for i, t in enumerate(tiles, 1):
        table.add_row(str(i), _fmt_box(t["box"]), t["name"] or "[dim](unread)[/dim]",
                      t["camera"], "yes" if t["speaking"] else "", _fmt_box(t["face"]),
                      t["expression"] or "-")
    console.print(table)
    counts = {s: sum(t["camera"] == s for t in tiles) for s in CAMERA_STATES}
    unread = sum(not t["name"] for t in tiles)
    console.print(f"faces {counts['face']}, no face {counts['no_face']}, camera off "
                  f"{counts['camera_off']}, names unread {unread}"
                  + ("  (wrong script? try --lang, e.g. --lang kor+eng)" if unread else ""))


def shots(images: list[Path], screen: bool, monitor: int,
          region: tuple[int, int, int, int] | None) -> Iterator[Shot | ImageReadError]:
    """Each input in order: a ``Shot``, or the error that says why it could not be read."""
    for path in images:
        try:
            yield Shot(str(path), read_image(path))
        except ImageReadError as exc:
            yield exc
    if screen:
        try:
            yield grab_screen(monitor, region)
        except ImageReadError as exc:
            yield exc


def run_check(cfg: Config, images: list[Path], screen: bool = False, lang: str | None = None,
              as_json: bool = False) -> int:
    """Check every image (and the screen with ``screen``). Exit status: 0 when at least one
    image was read and checked (gallery or not), 1 when none was, 2 for a bad invocation."""
    if not images and not screen:
        print("error: IMAGE: give one or more screenshots, or --screen", file=sys.stderr)
        return 2
    try:
        lang = ocr_languages(cfg, lang)
    except ValueError as exc:
        print(f"error: --lang: {exc}", file=sys.stderr)
        return 2
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:  # piped into a file or a pager: no 80-column squeeze
        console.width = max(console.width, 120)
    checker: Checker | None = None
    c = cfg.capture
    region = tuple(c.region) if c.region else None
    checked = 0
    for shot in shots(images, screen, c.monitor, region):
        if isinstance(shot, ImageReadError):
            print(f"error: {shot}", file=sys.stderr, flush=True)
            continue
        checker = checker or Checker(cfg, lang)  # the models load once, after a first image
        try:
            rep = checker.check(shot)
        except Exception as exc:  # noqa: BLE001 - one bad image never ends the check
            print(f"error: {shot.label}: check failed: {type(exc).__name__}: {exc}",
                  file=sys.stderr, flush=True)
            continue
        checked += 1
        if as_json:
            print(json.dumps(rep), flush=True)
        else:
            print_table(rep, console)
    return 0 if checked else 1
