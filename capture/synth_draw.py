"""Drawing primitives for the synthetic gallery: rooms, heads, avatars, name labels, chrome.

Why a separate module: ``synthetic.py`` decides *what* is on screen (layout, events, truth);
this module decides *how it looks*, mimicking Zoom, Meet and Teams closely enough that grid
detection, OCR and face detection are exercised the way real screenshots exercise them.
Text is drawn with PIL + DejaVu/Noto because cv2.putText cannot render diacritics.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


@dataclass(frozen=True, slots=True)
class Style:
    """Colours (RGB) and geometry of one app's gallery view."""

    name: str
    bg: tuple[int, int, int]  # gallery background = gutter colour
    chrome: tuple[int, int, int]  # title bar and toolbar
    tile_off: tuple[int, int, int]  # camera-off tile fill
    speaker: tuple[int, int, int]  # active-speaker border
    accent: tuple[int, int, int]
    gutter: int
    radius: int
    label_box: bool  # dark translucent box behind the name


STYLES: dict[str, Style] = {
    "zoom": Style("zoom", (26, 26, 26), (36, 36, 36), (52, 52, 52), (126, 217, 87),
                  (14, 114, 237), 4, 2, True),
    "meet": Style("meet", (32, 33, 36), (32, 33, 36), (60, 64, 67), (250, 204, 21),
                  (138, 180, 248), 10, 10, False),
    "teams": Style("teams", (31, 31, 31), (41, 40, 56), (54, 52, 74), (127, 133, 245),
                   (98, 100, 167), 6, 6, True),
}


@functools.lru_cache(maxsize=64)
def font(px: int) -> ImageFont.FreeTypeFont:
    """A TrueType font that has Latin diacritics (ë, ü, Ł, ø...) at ``px`` pixels."""
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, px)
    raise FileNotFoundError(f"no TrueType font with diacritics found; tried {FONT_CANDIDATES}")


def rounded_mask(h: int, w: int, r: int) -> np.ndarray:
    """uint8 mask (1 inside) of a rounded rectangle filling ``h x w``."""
    m = np.ones((h, w), np.uint8)
    if r <= 0:
        return m
    m[:r, :r] = m[:r, -r:] = m[-r:, :r] = m[-r:, -r:] = 0
    corner = np.zeros((2 * r, 2 * r), np.uint8)
    cv2.circle(corner, (r, r), r, 1, -1)
    m[:r, :r] |= corner[:r, :r]
    m[:r, -r:] |= corner[:r, r:]
    m[-r:, :r] |= corner[r:, :r]
    m[-r:, -r:] |= corner[r:, r:]
    return m


def room(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A webcam-like background: a lit wall gradient, a shelf or window, sensor noise."""
    wall = rng.integers(70, 190, 3).astype(np.float32)
    grad = np.linspace(1.1, 0.75, w, dtype=np.float32)[None, :, None]
    img = np.clip(wall[None, None, :] * grad * np.ones((h, 1, 1), np.float32), 0, 255)
    img = img.astype(np.uint8)
    x0 = int(rng.integers(0, max(1, w // 2)))
    y0 = int(rng.integers(0, max(1, h // 3)))
    colour = tuple(int(c) for c in rng.integers(40, 230, 3))
    cv2.rectangle(img, (x0, y0), (x0 + w // 4, y0 + h // 3), colour, -1)
    cv2.line(img, (0, int(h * 0.55)), (w, int(h * 0.55)), tuple(int(c) for c in wall * 0.6), 2)
    noise = rng.normal(0, 4, (h, w, 1)).astype(np.int16)
    return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


FIXED_HEAD = 0.56  # head square / tile height in capture.synthetic's galleries


def paste_head(tile: np.ndarray, face_gray: np.ndarray, dx: int, dy: int,
               shirt: tuple[int, int, int], size: float = FIXED_HEAD, body: bool = False
               ) -> tuple[int, int, int, int]:
    """Draw shoulders and a head (``face_gray``, any size; its square ``size`` x the tile
    height) centred in ``tile``; returns the head box (x, y, w, h) in tile coordinates. The
    face is blended through a soft ellipse so it sits in the scene like a webcam shot instead
    of a pasted square. ``body``: shoulders under the chin and the body down to the frame's
    bottom, else shoulders cut by the bottom edge (capture.synthetic's galleries)."""
    h, w = tile.shape[:2]
    side = max(16, int(h * size))
    cx, cy = w // 2 + dx, int(h * 0.45) + dy
    # with ``body``, a small head (someone sitting back) keeps its body instead of floating
    # over shoulders at the bottom edge
    sy = cy + int(side * 1.05) if body else h + side // 6
    axes = (int(side * 0.95), int(side * 0.6))
    cv2.ellipse(tile, (cx, sy), axes, 0, 180, 360, shirt, -1)
    cv2.ellipse(tile, (cx, sy), axes, 0, 0, 180, shirt, -1)
    if sy < h:
        cv2.rectangle(tile, (cx - axes[0], sy), (cx + axes[0], h - 1), shirt, -1)
    face = cv2.resize(face_gray, (side, side), interpolation=cv2.INTER_CUBIC)
    face_rgb = np.repeat(face[:, :, None], 3, axis=2).astype(np.float32)
    face_rgb *= np.array([1.08, 1.0, 0.9], np.float32)  # a warm skin tint
    mask = np.zeros((side, side), np.float32)
    cv2.ellipse(mask, (side // 2, side // 2), (int(side * 0.49), int(side * 0.5)), 0, 0, 360,
                1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), side * 0.03 + 0.5)[:, :, None]
    x0, y0 = cx - side // 2, cy - side // 2
    tx0, ty0, tx1, ty1 = max(0, x0), max(0, y0), min(w, x0 + side), min(h, y0 + side)
    if tx1 <= tx0 or ty1 <= ty0:
        return (0, 0, 1, 1)
    fx0, fy0 = tx0 - x0, ty0 - y0
    sub_f = face_rgb[fy0:fy0 + ty1 - ty0, fx0:fx0 + tx1 - tx0]
    sub_m = mask[fy0:fy0 + ty1 - ty0, fx0:fx0 + tx1 - tx0]
    region = tile[ty0:ty1, tx0:tx1].astype(np.float32)
    tile[ty0:ty1, tx0:tx1] = np.clip(region * (1 - sub_m) + sub_f * sub_m, 0, 255).astype(
        np.uint8)
    return (x0, y0, side, side)


def initials(name: str) -> str:
    parts = [p for p in name.split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def avatar(tile: np.ndarray, style: Style, name: str, colour: tuple[int, int, int],
           name_only: bool) -> None:
    """Camera-off tile: flat fill plus a coloured circle with initials, or the name centred."""
    h, w = tile.shape[:2]
    tile[:] = style.tile_off
    img = Image.fromarray(tile)
    draw = ImageDraw.Draw(img)
    if name_only:
        f = font(max(12, int(h * 0.12)))
        draw.text((w // 2, h // 2), name, font=f, fill=(235, 235, 235), anchor="mm")
    else:
        r = max(8, int(h * 0.22))
        draw.ellipse((w // 2 - r, h // 2 - r, w // 2 + r, h // 2 + r), fill=colour)
        draw.text((w // 2, h // 2), initials(name), font=font(max(10, int(r * 0.8))),
                  fill=(255, 255, 255), anchor="mm")
    tile[:] = np.asarray(img)


def label_font_px(tile_h: int) -> int:
    """Label text size as the apps scale it with the tile (about 9% of tile height)."""
    return int(np.clip(round(tile_h * 0.09), 11, 22))


def name_label(tile: np.ndarray, style: Style, name: str, camera_on: bool = True) -> None:
    """Name bottom-left: white on a translucent dark box (Zoom/Teams) or on a shadow (Meet)."""
    h, w = tile.shape[:2]
    px = label_font_px(h)
    f = font(px)
    pad = max(3, px // 3)
    x0 = max(4, style.radius // 2 + 4)
    left, top, right, bottom = f.getbbox(name)
    text_w = min(right - left, int(w * 0.7))
    box_h = px + 2 * pad
    y0 = h - box_h - max(4, style.radius // 2 + 2)
    region = tile[y0:y0 + box_h, x0:x0 + text_w + 2 * pad].astype(np.float32)
    if style.label_box:
        tile[y0:y0 + box_h, x0:x0 + text_w + 2 * pad] = (region * 0.35).astype(np.uint8)
    elif camera_on:  # Meet: a soft shadow band along the bottom keeps white text readable
        band = tile[y0 - pad:h].astype(np.float32)
        tile[y0 - pad:h] = (band * 0.55).astype(np.uint8)
    img = Image.fromarray(tile)
    ImageDraw.Draw(img).text((x0 + pad, y0 + pad - top + (px - (bottom - top)) // 2), name,
                             font=f, fill=(255, 255, 255))
    tile[:] = np.asarray(img)


def speaker_border(tile: np.ndarray, style: Style) -> None:
    """The active-speaker highlight: a 3 px coloured ring just inside the tile edge."""
    h, w = tile.shape[:2]
    t = 3
    tile[:t] = tile[-t:] = style.speaker
    tile[:, :t] = tile[:, -t:] = style.speaker


def chrome(frame: np.ndarray, style: Style, top_h: int, bottom_h: int, count: int,
           clock: str) -> None:
    """Title bar with the meeting title and a clock, toolbar with buttons and
    "Participants N": text outside the grid that must never be read as a name."""
    h, w = frame.shape[:2]
    frame[:top_h] = style.chrome
    frame[h - bottom_h:] = style.chrome
    img = Image.fromarray(frame)
    d = ImageDraw.Draw(img)
    fpx = max(11, top_h // 2)
    title = {"zoom": "Zoom Meeting", "meet": "Meet - Biology 101", "teams": "Microsoft Teams"}
    d.text((12, top_h // 2), title[style.name], font=font(fpx), fill=(220, 220, 220), anchor="lm")
    d.text((w - 12, top_h // 2), clock, font=font(fpx), fill=(220, 220, 220), anchor="rm")
    by = h - bottom_h // 2
    labels = ["Mute", "Stop Video", f"Participants {count}", "Chat", "Share Screen", "Leave"]
    step = w // (len(labels) + 1)
    for i, text in enumerate(labels):
        cx = step * (i + 1)
        fill = (196, 49, 75) if text == "Leave" else style.accent
        d.rounded_rectangle((cx - step // 2 + 8, by - bottom_h // 3, cx + step // 2 - 8,
                             by + bottom_h // 3), radius=6, fill=fill)
        d.text((cx, by), text, font=font(max(10, bottom_h // 4)), fill=(255, 255, 255),
               anchor="mm")
    frame[:] = np.asarray(img)
