"""Name labels as Zoom, Meet and Teams draw them, in any script, over video-like tiles.

Why: name OCR must be tuned on what real calls show (white text on a translucent dark box
over moving video, a red muted-mic icon before it, "…" when the name is too long, large bold
names on camera-off tiles, initials avatars), in the scripts classes actually use. Flat test
tiles with clean text hide every one of those problems. Used by the name tests, the label
bench, and (through ``draw_label``) by the gallery renderer.
"""

from __future__ import annotations

import functools
import unicodedata

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from capture.synth_scripts import NOTO, SCRIPTS

ELLIPSIS = "\u2026"
KINDS = ("camera_on", "camera_off", "avatar")
APP_STYLES = ("zoom", "meet", "teams")
OFF_FILL = {"zoom": (34, 34, 34), "meet": (67, 64, 60), "teams": (56, 46, 46)}  # BGR


@functools.lru_cache(maxsize=128)
def script_font(script: str, px: int, bold: bool = False,
                variant: int = 0) -> ImageFont.FreeTypeFont:
    """The font that draws ``script`` at ``px`` pixels (raqm shaping when available);
    ``variant`` k >= 1 picks ``Script.others[k - 1]`` (another platform's UI font)."""
    s = SCRIPTS[script]
    if not 0 <= variant < s.variants:
        raise ValueError(f"font variant for {script!r}: expected 0..{s.variants - 1}, "
                         f"got {variant}")
    regular, heavy = (s.regular, s.bold) if variant == 0 else s.others[variant - 1]
    path, index = heavy if bold else regular
    if not path.exists():
        raise FileNotFoundError(f"font for script {script!r} missing: {path} "
                                "(scripts/setup.sh installs the fonts the tests draw in)")
    return ImageFont.truetype(str(path), px, index=index)


@functools.lru_cache(maxsize=64)
def _fallback(font: ImageFont.FreeTypeFont) -> ImageFont.FreeTypeFont:
    """Noto Sans at ``font``'s size and weight: what the apps' font fallback draws for the
    characters a script font lacks (Noto Sans Thai has no "…" and no Latin letters)."""
    bold = "Bold" in str(font.path)
    return ImageFont.truetype(str(NOTO / f"NotoSans-{'Bold' if bold else 'Regular'}.ttf"),
                              font.size)


@functools.lru_cache(maxsize=8192)
def _has_glyph(font: ImageFont.FreeTypeFont, ch: str) -> bool:
    return ch.isspace() or bytes(font.getmask(ch)) != bytes(font.getmask("\uffff"))


def _runs(text: str, font: ImageFont.FreeTypeFont) -> list[tuple[str, ImageFont.FreeTypeFont]]:
    """``text`` split into runs of one font: ``font``, or its fallback where it has no glyph
    (combining marks stay with the run of their base letter)."""
    runs: list[tuple[str, ImageFont.FreeTypeFont]] = []
    for ch in text:
        if runs and unicodedata.category(ch).startswith("M"):
            use = runs[-1][1]
        else:
            use = font if _has_glyph(font, ch) else _fallback(font)
        if runs and runs[-1][1] is use:
            runs[-1] = (runs[-1][0] + ch, use)
        else:
            runs.append((ch, use))
    return runs


def text_length(text: str, font: ImageFont.FreeTypeFont) -> float:
    """Advance width of ``text`` in ``font`` with fallback for missing glyphs."""
    return sum(f.getlength(run) for run, f in _runs(text, font))


def fit_text(name: str, font: ImageFont.FreeTypeFont, max_w: int) -> str:
    """``name``, or its longest prefix + "…" that fits ``max_w`` pixels, as the apps cut it."""
    if text_length(name, font) <= max_w:
        return name
    for cut in range(len(name) - 1, 0, -1):
        text = name[:cut].rstrip() + ELLIPSIS
        if text_length(text, font) <= max_w:
            return text
    return ELLIPSIS


def mic_icon(img: np.ndarray, x: int, y: int, size: int, muted: bool = True) -> int:
    """A microphone (red with a slash when muted, white otherwise) with its top-left at x, y;
    returns its width. Drawn with OpenCV on the BGR image in place."""
    colour = (60, 60, 235) if muted else (245, 245, 245)
    t = max(1, size // 8)
    cx = x + size // 2
    cw = max(2, size // 5)
    cv2.rectangle(img, (cx - cw, y), (cx + cw, y + int(size * 0.55)), colour, -1)
    cv2.ellipse(img, (cx, y + int(size * 0.45)), (cw + 2 * t, int(size * 0.28)), 0, 0, 180,
                colour, t)
    cv2.line(img, (cx, y + int(size * 0.73)), (cx, y + size - 1), colour, t)
    if muted:
        cv2.line(img, (x + t, y + t), (x + size - t, y + size - t), colour, t + 1)
    return size


def _shade(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float,
           radius: int) -> None:
    """Darken a rounded rectangle in place: the translucent label box over video."""
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(img.shape[1], x1), min(img.shape[0], y1)
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    r = max(0, min(radius, (y1 - y0) // 2, (x1 - x0) // 2))
    cv2.rectangle(mask, (r, 0), (x1 - x0 - 1 - r, y1 - y0 - 1), 1, -1)
    cv2.rectangle(mask, (0, r), (x1 - x0 - 1, y1 - y0 - 1 - r), 1, -1)
    for cx, cy in ((r, r), (x1 - x0 - 1 - r, r), (r, y1 - y0 - 1 - r),
                   (x1 - x0 - 1 - r, y1 - y0 - 1 - r)):
        cv2.circle(mask, (cx, cy), r, 1, -1)
    sub = img[y0:y1, x0:x1]
    dark = (sub.astype(np.float32) * (1 - alpha) + 20 * alpha).astype(np.uint8)
    sub[mask > 0] = dark[mask > 0]


def _baseline(y: float, anchor: str, font: ImageFont.FreeTypeFont,
              runs: list[tuple[str, ImageFont.FreeTypeFont]]) -> float:
    """The baseline y that PIL's vertical ``anchor`` letter at ``y`` means for ``runs``: "a",
    "m", "d" from ``font``'s (the script font's) ascent and descent, "t" and "b" from the ink
    of all runs (as PIL measures them for one font), "s" is the baseline itself."""
    ascent, descent = font.getmetrics()
    boxes = [f.getbbox(run, anchor="ls") for run, f in runs]
    offsets = {"a": ascent, "t": -min(b[1] for b in boxes), "m": (ascent - descent) / 2,
               "s": 0, "b": -max(b[3] for b in boxes), "d": -descent}
    if anchor[1] not in offsets:
        raise ValueError(f"draw_text anchor: expected a vertical letter in {sorted(offsets)}, "
                         f"got {anchor!r}")
    return y + offsets[anchor[1]]


def draw_text(img: np.ndarray, xy: tuple[int, int], text: str, font: ImageFont.FreeTypeFont,
              anchor: str, shadow: bool = False, rtl: bool = False,
              fill: tuple[int, int, int] = (255, 255, 255)) -> None:
    """Text on ``img`` in place, with the apps' font fallback (PIL draws; shaping for Arabic,
    Indic, Thai). Why not plain ``ImageDraw.text``: a script font lacks "…" or Latin letters
    (Noto Sans Thai), which would come out as missing-glyph boxes. ``fill`` is in ``img``'s own
    channel order (BGR or RGB); ``shadow`` adds a black copy 1 px down-right first. Shared by
    the label renderer here and the gallery renderer (``capture.render_content``)."""
    pil = Image.fromarray(img)
    d = ImageDraw.Draw(pil)
    runs = _runs(text, font)
    if len(runs) > 1:  # several fonts: the runs side by side on one baseline
        width = text_length(text, font)
        x = xy[0] - {"l": 0, "m": width / 2, "r": width}[anchor[0]]
        base = _baseline(xy[1], anchor, font, runs)
        for run, f in reversed(runs) if rtl else runs:  # visual order: "…" ends an RTL name
            if shadow:
                d.text((x + 1, base + 1), run, font=f, fill=(0, 0, 0), anchor="ls")
            d.text((x, base), run, font=f, fill=fill, anchor="ls")
            x += f.getlength(run)
    elif runs:  # one font: the script's own, or only the fallback (a lone "…")
        f = runs[0][1]
        if shadow:
            d.text((xy[0] + 1, xy[1] + 1), text, font=f, fill=(0, 0, 0), anchor=anchor)
        d.text(xy, text, font=f, fill=fill, anchor=anchor)
    img[:] = np.asarray(pil)


_draw_grey = draw_text  # what draw_text_subpixel draws with, even where draw_text is swapped


def draw_text_subpixel(img: np.ndarray, xy: tuple[int, int], text: str,
                       font: ImageFont.FreeTypeFont, anchor: str, shadow: bool = False,
                       rtl: bool = False, fill: tuple[int, int, int] = (255, 255, 255)) -> None:
    """``draw_text`` with subpixel antialiasing, as Windows' ClearType draws text on an
    opaque background: coverage at 3 subpixels per pixel across (the text drawn 3x and
    shrunk 3x down only), filtered [1,2,3,2,1]/9 and spread over the channels, so a 1 px
    stem split over two pixels comes out orange beside blue. For tests: may the reader
    assume grey antialiasing? (``capture.label_white``)."""
    if shadow:
        _draw_grey(img, (xy[0] + 1, xy[1] + 1), text, font, anchor, rtl=rtl, fill=(0, 0, 0))
    h, w = img.shape[:2]
    big = np.zeros((3 * h, 3 * w, 3), np.uint8)
    _draw_grey(big, (3 * xy[0], 3 * xy[1]), text, font.font_variant(size=font.size * 3),
              anchor, rtl=rtl)
    cover = cv2.resize(big[:, :, 0].astype(np.float32) / 255.0, (3 * w, h),
                       interpolation=cv2.INTER_AREA)
    taps = np.array([[1, 2, 3, 2, 1]], np.float32) / 9.0
    sub = cv2.filter2D(cover, -1, taps, borderType=cv2.BORDER_CONSTANT).reshape(h, w, 3)
    out = img.astype(np.float32) * (1 - sub) + np.asarray(fill, np.float32) * sub
    img[:] = np.clip(out + 0.5, 0, 255).astype(np.uint8)


def initials_of(name: str, script: str) -> str:
    """What the avatar shows: two Latin-style initials, or the first letter elsewhere."""
    words = [w for w in name.replace("(", " ").split() if w and w[0].isalpha()]
    if not words:
        return "?"
    if script in ("latin", "cyrillic", "greek"):
        return "".join(w[0] for w in words[:2]).upper()
    return words[0][0]


def draw_label(tile_bgr: np.ndarray, name: str, style: str, font_px: int,
               script: str = "latin", *, kind: str = "camera_on", mic: bool = True,
               scale: float = 1.0, avatar_bgr: tuple[int, int, int] = (180, 120, 60),
               font_variant: int = 0) -> str:
    """Draw a participant's name on ``tile_bgr`` (BGR, in place) the way ``style``'s app does.

    ``kind``: "camera_on" (small label bottom-left: Zoom translucent box, Meet plain text,
    Teams dark pill), "camera_off" (tile filled dark grey, the name large and bold in the
    centre) or "avatar" (coloured circle with initials in the centre, the small label too).
    ``mic`` adds a red muted-mic icon before a Zoom/Teams label. ``scale`` is the display
    scaling (1.5 = 150 %) for padding and icon sizes; ``font_px`` is already scaled.
    ``font_variant`` picks another platform's font for the script (``Script.others``).
    Returns the text as shown: ``name``, or a prefix ending in "…" when it did not fit.
    """
    if style not in APP_STYLES or kind not in KINDS:
        raise ValueError(f"draw_label: expected style in {APP_STYLES} and kind in {KINDS}, "
                         f"got {style!r}, {kind!r}")
    h, w = tile_bgr.shape[:2]
    if kind != "camera_on":
        tile_bgr[:] = OFF_FILL[style]
    if kind == "camera_off":
        big = script_font(script, max(font_px + 4, int(h * 0.11)), True, font_variant)
        shown = fit_text(name, big, int(w * 0.86))
        draw_text(tile_bgr, (w // 2, h // 2), shown, big, "mm", rtl=SCRIPTS[script].rtl)
        if mic and style == "zoom":
            mic_icon(tile_bgr, int(6 * scale), h - int(22 * scale), int(14 * scale))
        return shown
    if kind == "avatar":
        r = int(h * 0.2)
        cv2.circle(tile_bgr, (w // 2, h // 2), r, avatar_bgr, -1, cv2.LINE_AA)
        ini = script_font(script, max(10, int(r * 0.8)), False, font_variant)
        draw_text(tile_bgr, (w // 2, h // 2), initials_of(name, script), ini, "mm")
    font = script_font(script, font_px, False, font_variant)
    return _small_label(tile_bgr, name, style, font, mic and style != "meet", scale,
                        SCRIPTS[script].rtl)


def _small_label(img: np.ndarray, name: str, style: str, font: ImageFont.FreeTypeFont,
                 mic: bool, scale: float, rtl: bool) -> str:
    h, w = img.shape[:2]
    px = int(font.size)
    pad = max(3, int(round(px * 0.35)))
    margin = int(round((4 if style == "zoom" else 8) * scale))
    icon = int(round(px * 1.05)) if mic else 0
    gap = pad if mic else 0
    max_text = int(w * 0.75) - 2 * pad - icon - gap
    shown = fit_text(name, font, max_text)
    text_w = int(text_length(shown, font))
    box_h = int(round(px * 1.45)) + (pad if style == "teams" else 0)
    y0 = h - margin - box_h
    x0 = margin
    x1 = x0 + pad + icon + gap + text_w + pad
    if style == "zoom":
        _shade(img, x0, y0, x1, y0 + box_h, 0.6, int(3 * scale))
    elif style == "teams":
        _shade(img, x0, y0, x1 + pad, y0 + box_h, 0.7, box_h // 2)
        x0 += pad // 2
    else:  # Meet: no box; a soft dark gradient at the bottom keeps the text readable
        band = img[max(0, y0 - box_h):h].astype(np.float32)
        ramp = np.linspace(1.0, 0.6, band.shape[0], dtype=np.float32)[:, None, None]
        img[max(0, y0 - box_h):h] = (band * ramp).astype(np.uint8)
    if mic:
        mic_icon(img, x0 + pad, y0 + (box_h - icon) // 2, icon)
    draw_text(img, (x0 + pad + icon + gap, y0 + box_h // 2), shown, font, "lm",
          shadow=style == "meet", rtl=rtl)
    return shown


@functools.lru_cache(maxsize=1)
def _natural_images() -> tuple[np.ndarray, ...]:
    """BGR photos that ship inside scikit-image (public domain / CC0), no download."""
    try:
        from skimage import data
    except ImportError:
        return ()
    out = []
    for name in ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left"):
        try:
            img = getattr(data, name)()
        except Exception:  # noqa: BLE001 - an image that needs a download is simply skipped
            continue
        if img.ndim == 3:
            out.append(np.ascontiguousarray(img[:, :, :3][:, :, ::-1]))
    return tuple(out)


def video_background(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A webcam-like frame: a crop of a real photo (or a lit room) with exposure changes,
    a bright patch low in the frame now and then (a white shirt, a window) and sensor noise."""
    photos = _natural_images()
    if photos and rng.random() < 0.7:
        src = photos[int(rng.integers(len(photos)))]
        sh, sw = src.shape[:2]
        ch = int(rng.integers(sh // 3, sh + 1))
        cw = min(sw, int(ch * w / h))
        y, x = int(rng.integers(0, sh - ch + 1)), int(rng.integers(0, sw - cw + 1))
        img = cv2.resize(src[y:y + ch, x:x + cw], (w, h), interpolation=cv2.INTER_AREA)
    else:
        wall = rng.integers(50, 200, 3).astype(np.float32)
        grad = np.linspace(1.15, 0.7, w, dtype=np.float32)[None, :, None]
        img = np.clip(wall * grad * np.ones((h, 1, 1), np.float32), 0, 255).astype(np.uint8)
        for _ in range(3):  # shelves, a window, a lamp
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
            c = tuple(int(v) for v in rng.integers(20, 256, 3))
            cv2.rectangle(img, (x0, y0), (x0 + w // 5, y0 + h // 4), c, -1)
    img = np.clip(img.astype(np.float32) * rng.uniform(0.6, 1.3), 0, 255)
    if rng.random() < 0.3:  # something bright behind the label
        x0 = int(rng.integers(0, w // 2))
        img[int(h * 0.75):, x0:x0 + w // 3] = rng.uniform(200, 250)
    img += rng.normal(0, 3, (h, w, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    """``img`` after a JPEG round trip in memory (screenshots and recordings are lossy)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)
