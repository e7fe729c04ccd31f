"""What a realistic tile shows: rooms, natural photos, heads, camera-off cards and name labels.

Why a separate module: ``render_apps`` decides where things go (window, chrome, grid); this
module decides what one tile looks like. Content deliberately breaks the grid detector's easy
assumptions: it fills the tile to its very edge, is textured (natural photos shipped inside
scikit-image under public-domain/CC0 terms, procedural rooms with bookshelves, windows and
lamps), can be nearly black, and is pillarboxed for 4:3 and phone cameras.
Text is drawn with PIL because cv2.putText has no diacritics; names in each app's font
(``APP_LATIN_FONT``), chrome in DejaVu.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from capture import synth_draw as sd
from capture.synth_labels import draw_text, fit_text, initials_of, script_font, text_length
from capture.synth_scripts import SCRIPTS

# skimage.data images whose docstrings say public domain or CC0 (astronaut: NASA, public domain,
# used only as the fallback face; coffee, chelsea, camera, brick, grass, gravel: CC0; rocket:
# SpaceX, public domain; hubble_deep_field: NASA, public domain).
PHOTOS = ("coffee", "chelsea", "rocket", "hubble_deep_field", "brick", "grass", "gravel", "camera")


@functools.lru_cache(maxsize=16)
def photo(name: str) -> np.ndarray:
    """A shipped skimage photo as RGB uint8 (grey textures tinted to look like a wall)."""
    from skimage import data

    img = np.asarray(getattr(data, name)())
    if img.ndim == 2:
        tint = np.array({"brick": (1.0, 0.8, 0.7), "grass": (0.7, 1.0, 0.6)}.get(
            name, (0.95, 0.95, 1.0)), np.float32)
        img = np.clip(img[:, :, None].astype(np.float32) * tint, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(img[:, :, :3])


def cover(img: np.ndarray, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Resize-and-crop ``img`` to fill ``h x w`` (like a virtual background), random crop."""
    ih, iw = img.shape[:2]
    s = max(h / ih, w / iw) * rng.uniform(1.0, 1.5)
    rw, rh = max(w, int(round(iw * s))), max(h, int(round(ih * s)))
    big = cv2.resize(img, (rw, rh), interpolation=cv2.INTER_LINEAR)
    x0, y0 = int(rng.integers(0, rw - w + 1)), int(rng.integers(0, rh - h + 1))
    return big[y0:y0 + h, x0:x0 + w].copy()


def room(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A procedural home-office: lit wall, bookshelf with spines, a window, a lamp, noise."""
    wall = rng.integers(60, 210, 3).astype(np.float32)
    gx = np.linspace(rng.uniform(0.8, 1.15), rng.uniform(0.7, 1.1), w, dtype=np.float32)
    img = np.clip(wall[None, None] * gx[None, :, None] * np.ones((h, 1, 1), np.float32), 0, 255)
    img = img.astype(np.uint8)
    if rng.random() < 0.7:  # bookshelf, often running off the tile edge
        x0 = int(rng.integers(-w // 4, w // 2))
        bw, top = int(w * rng.uniform(0.3, 0.7)), int(h * rng.uniform(-0.1, 0.3))
        wood = tuple(int(c) for c in rng.integers(50, 140, 3))
        cv2.rectangle(img, (x0, top), (x0 + bw, h), wood, -1)
        shelf_h = max(8, h // 5)
        for sy in range(top + 4, h, shelf_h):
            x = x0 + 3
            while x < x0 + bw - 3:
                bwid = int(rng.integers(2, max(3, w // 40) + 3))
                col = tuple(int(c) for c in rng.integers(20, 240, 3))
                cv2.rectangle(img, (x, sy + int(rng.integers(0, 4))), (x + bwid, sy + shelf_h - 3),
                              col, -1)
                x += bwid + 1
    if rng.random() < 0.6:  # a bright window with a cross frame
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(-h // 5, h // 3))
        ww, wh = int(w * rng.uniform(0.2, 0.45)), int(h * rng.uniform(0.3, 0.6))
        cv2.rectangle(img, (x0, y0), (x0 + ww, y0 + wh), (235, 240, 250), -1)
        cv2.rectangle(img, (x0, y0), (x0 + ww, y0 + wh), (200, 200, 200), max(2, w // 120))
        cv2.line(img, (x0 + ww // 2, y0), (x0 + ww // 2, y0 + wh), (200, 200, 200), max(1, w // 160))
    if rng.random() < 0.5:  # a lamp: shade and glow
        lx, ly = int(rng.integers(0, w)), int(rng.integers(h // 6, h // 2))
        r = max(6, h // 10)
        glow = np.zeros((h, w), np.float32)
        cv2.circle(glow, (lx, ly), r * 3, 1.0, -1)
        glow = cv2.GaussianBlur(glow, (0, 0), r)[:, :, None] * 60
        img = np.clip(img.astype(np.float32) + glow, 0, 255).astype(np.uint8)
        pts = np.array([[lx - r, ly], [lx + r, ly], [lx + r // 2, ly - r], [lx - r // 2, ly - r]])
        cv2.fillPoly(img, [pts], (240, 220, 170))
    return img


def webcam_noise(img: np.ndarray, rng: np.random.Generator, sigma: float = 3.0) -> np.ndarray:
    noise = rng.normal(0, sigma, img.shape[:2] + (1,)).astype(np.float32)
    return np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def colourise(face_gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A grey face (FER2013 48x48 or a photo) as RGB in a skin tone, for paste_head."""
    tone = np.array(rng.choice([(1.1, 0.95, 0.8), (1.0, 0.85, 0.7), (0.9, 0.75, 0.6),
                                (1.05, 0.9, 0.85)]), np.float32)
    return np.clip(face_gray[:, :, None].astype(np.float32) * tone, 0, 255).astype(np.uint8)


HEAD_SIZE = (0.3, 0.6)  # head square / tile height: sitting back to leaning in


def paste_face(tile: np.ndarray, face_gray: np.ndarray, rng: np.random.Generator
               ) -> tuple[int, int, int, int]:
    """Head and shoulders at a random spot near the centre; returns the head box (tile coords).
    paste_head tints a grey face; a per-participant gamma varies the look. The head is
    HEAD_SIZE of the tile height: people sit at different distances from their webcams (a
    fixed 0.56 hid that the face detector missed most heads under 0.3). The size comes from a
    spawned child stream, so ``rng``'s own draws (and every scene's layout, names and
    content) stay as they were."""
    h, w = tile.shape[:2]
    gamma = rng.uniform(0.8, 1.25)
    face = (255 * (face_gray / 255.0) ** gamma).astype(np.uint8)
    dx, dy = int(rng.integers(-w // 10, w // 10 + 1)), int(rng.integers(-h // 20, h // 20 + 1))
    shirt = tuple(int(c) for c in rng.integers(30, 200, 3))
    size = float(rng.spawn(1)[0].uniform(*HEAD_SIZE))
    return sd.paste_head(tile, face, dx, dy, shirt, size, body=True)


def pillarbox(content: np.ndarray, h: int, w: int, bar: tuple[int, int, int]) -> np.ndarray:
    """``content`` (any aspect) fitted inside ``h x w`` with ``bar``-coloured side bars."""
    ch, cw = content.shape[:2]
    s = min(h / ch, w / cw)
    rw, rh = max(1, int(cw * s)), max(1, int(ch * s))
    out = np.empty((h, w, 3), np.uint8)
    out[:] = bar
    x0, y0 = (w - rw) // 2, (h - rh) // 2
    out[y0:y0 + rh, x0:x0 + rw] = cv2.resize(content, (rw, rh), interpolation=cv2.INTER_AREA)
    return out


def mic_icon(draw: ImageDraw.ImageDraw, x: int, y: int, px: int) -> int:
    """A red muted-microphone icon with its top-left at (x, y); returns its width."""
    w = max(6, int(px * 0.7))
    red = (232, 62, 62)
    draw.rounded_rectangle((x + w * 0.3, y, x + w * 0.7, y + px * 0.62), radius=w * 0.2, fill=red)
    draw.arc((x + w * 0.12, y + px * 0.25, x + w * 0.88, y + px * 0.8), 0, 180, fill=red,
             width=max(1, px // 10))
    draw.line((x + w * 0.5, y + px * 0.8, x + w * 0.5, y + px), fill=red, width=max(1, px // 10))
    draw.line((x, y, x + w, y + px), fill=red, width=max(1, px // 8))
    return w


# Latin names in each app's UI typeface or the free font nearest it (``Script.others`` of
# "latin"): Zoom's own Lato, Roboto for Meet (Google Sans cannot ship), Open Sans for Teams
# (a humanist sans like Segoe UI, which cannot ship). The renderer drew them in DejaVu Sans
# until session 10: wide, with a tall x-height, it reads better than any app's font once a
# screenshot is shrunk (bench_downscaled, names on the same shrunk screens: DejaVu 541 of
# 861, Lato 500, Open Sans 480, Roboto 442), so it flattered us.
APP_LATIN_FONT = {"zoom": 1, "meet": 2, "teams": 3}


def _font(script: str, px: int, heavy: bool = False, style: str = "zoom"
          ) -> ImageFont.FreeTypeFont:
    """The font the app ``style`` draws a name in: its Latin UI font, or the script's Noto."""
    variant = APP_LATIN_FONT[style] if script == "latin" else 0
    return script_font(script, px, bold=heavy, variant=variant)


def label(tile: np.ndarray, style: str, name: str, px: int, scale: float, muted: bool,
          script: str = "latin") -> str:
    """Draw the app's bottom-left name label; returns the text shown (maybe cut with "…").
    Zoom: mic icon + white text on a translucent dark rounded box; Meet: white text, no box;
    Teams: white text in a dark translucent pill. Cutting, measuring and drawing go through
    ``capture.synth_labels`` so a script font's missing glyphs ("…" in Thai, Latin names in a
    Thai class) fall back to Noto Sans as the apps do, and the returned text is what is drawn."""
    h, w = tile.shape[:2]
    f = _font(script, px, style=style)
    pad = max(3, int(4 * scale))
    icon_w = int(px * 0.7) + pad if muted and style == "zoom" else 0
    text = fit_text(name, f, int(w * 0.75) - icon_w - 2 * pad)
    tw = int(text_length(text, f))
    bh = px + 2 * pad
    x0 = max(2, int(6 * scale))
    y0 = h - bh - max(2, int(6 * scale))
    x1 = min(w - 2, x0 + tw + 2 * pad + icon_w)
    img = Image.fromarray(tile)
    if style in ("zoom", "teams"):
        overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
        radius = bh // 2 if style == "teams" else max(2, int(4 * scale))
        ImageDraw.Draw(overlay).rounded_rectangle((x0, y0, x1, y0 + bh), radius=radius,
                                                  fill=(20, 20, 20, 170))
        img = Image.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")
    tx = x0 + pad
    if icon_w:
        tx += mic_icon(ImageDraw.Draw(img), tx, y0 + pad, px) + pad
    tile[:] = np.asarray(img)
    # Meet: a soft shadow keeps the white text readable on bright video
    draw_text(tile, (tx, y0 + pad), text, f, "lt", shadow=style == "meet",
              rtl=SCRIPTS[script].rtl)
    return text


def camera_off(tile: np.ndarray, style: str, fill: tuple[int, int, int], name: str,
               scale: float, big_name: bool, rng: np.random.Generator,
               script: str = "latin") -> None:
    """Camera-off card: the name large and bold in the centre, or an initials circle."""
    h, w = tile.shape[:2]
    tile[:] = fill
    if big_name:
        f = _font(script, max(12, int(min(h * 0.13, 28 * scale * 1.6))), True, style)
        draw_text(tile, (w // 2, h // 2), fit_text(name, f, int(w * 0.9)), f, "mm",
                  rtl=SCRIPTS[script].rtl, fill=(240, 240, 240))
        return
    r = max(10, int(h * 0.2))
    colour = tuple(int(c) for c in rng.integers(40, 220, 3))
    img = Image.fromarray(tile)
    ImageDraw.Draw(img).ellipse((w // 2 - r, h // 2 - r, w // 2 + r, h // 2 + r), fill=colour)
    tile[:] = np.asarray(img)
    ini = sd.initials(name) if script == "latin" else initials_of(name, script)
    draw_text(tile, (w // 2, h // 2), ini, _font(script, max(10, int(r * 0.8)), True, style), "mm")
