"""Screens that look like real Zoom, Meet and Teams calls, with exact truth, for tests and bench.

Why: the older renderer (``synthetic.py``) draws flat, well-separated tiles, and a detector
tuned on it found 31 % of the tiles of real screenshots. This one draws what real screens show:
equal 16:9 tiles 2-8 px apart on a near-black (or light) background, content that fills the
tile to its edge (photos, rooms, faces), pillarboxed phone/4:3 cameras, near-black video,
camera-off cards a few levels off the background, a 3-6 px speaker ring OUTSIDE the tile,
window chrome (title bar, top bar, toolbar, page arrows "1/4"), windows that are not maximised
on a desktop with a taskbar, HiDPI scaling, and JPEG or H.264 compression (``compress``).
Truth boxes are whole tiles: pillarbox bars included, the ring excluded.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image, ImageDraw

from capture import render_content as rc
from capture import synth_draw as sd
from capture.synth_scripts import SCRIPTS
from capture.synthetic import NAMES, _astronaut_head, _fer_faces, gallery_layout
from capture.types import Box

APP_STYLES = ("zoom", "meet", "teams")
THEMES = ("dark", "light")
# per style and theme: background (= gutter), camera-off fill, chrome, bar/text colours (RGB)
PALETTE = {
    ("zoom", "dark"): dict(bg=(26, 26, 26), off=(36, 36, 36), bar=(26, 26, 26), text=(230,) * 3),
    ("zoom", "light"): dict(bg=(240, 240, 240), off=(226, 226, 228), bar=(250,) * 3, text=(40,) * 3),
    ("meet", "dark"): dict(bg=(32, 33, 36), off=(60, 64, 67), bar=(32, 33, 36), text=(232,) * 3),
    # Meet's call screen is #202124 in either theme: its light theme changes menus and the home
    # page only (the earlier light grey canvas, with white names on it, was no real screen)
    ("meet", "light"): dict(bg=(32, 33, 36), off=(60, 64, 67), bar=(32, 33, 36), text=(232,) * 3),
    ("teams", "dark"): dict(bg=(31, 31, 31), off=(41, 41, 41), bar=(41, 40, 56), text=(230,) * 3),
    ("teams", "light"): dict(bg=(235, 235, 235), off=(214, 214, 214), bar=(245, 245, 245),
                             text=(36,) * 3),
}
RING = {"zoom": (160, 226, 40), "meet": (138, 180, 248), "teams": (127, 133, 245)}


@dataclass(frozen=True, slots=True)
class AppScene:
    """Everything that varies between screens. ``scale`` is the OS display scaling."""

    style: str = "zoom"
    theme: str = "dark"
    n: int = 9
    screen: tuple[int, int] = (1920, 1080)
    scale: float = 1.0
    maximised: bool = True
    camera_off: float = 0.2  # share of camera-off tiles
    pillarbox: float = 0.2  # share of camera-on tiles from 4:3 or phone cameras
    dark: float = 0.1  # share of camera-on tiles that are nearly black
    speaker: bool = True
    pages: bool = False  # page arrows "1/4" at the left and right edges
    gutter: int | None = None  # px at 100 %; default per style (Zoom 2-6, Meet 8, Teams 6)
    seed: int = 0
    script: str = "latin"  # the class's names (capture.synth_scripts), in the script's font;
    #                        other scripts mix in plain Latin names, as real classes do

    def __post_init__(self) -> None:
        if self.style not in APP_STYLES or self.theme not in THEMES:
            raise ValueError(f"style/theme: expected {APP_STYLES}/{THEMES}, got "
                             f"{self.style!r}/{self.theme!r}")
        if self.script not in SCRIPTS:
            raise ValueError(f"script: expected one of {sorted(SCRIPTS)}, got {self.script!r}")
        if not 1 <= self.n <= 49:
            raise ValueError(f"n: expected 1..49, got {self.n}")
        if not 1.0 <= self.scale <= 2.0:
            raise ValueError(f"scale: expected 1.0..2.0, got {self.scale}")
        if self.screen[0] < 640 or self.screen[1] < 400 or self.screen[0] % 2 or self.screen[1] % 2:
            raise ValueError(f"screen: expected even sides >= 640x400, got {self.screen}")


@dataclass(frozen=True, slots=True)
class AppTile:
    """Truth of one tile. ``kind``: face, photo, pillarbox, dark or off. ``face`` is the head
    box in tile coordinates when a detector should find a face there."""

    box: Box
    name: str
    shown: str  # the label text as drawn ("…"-cut) or "" when no label
    camera_on: bool
    kind: str
    is_speaker: bool
    face: tuple[int, int, int, int] | None
    fer_label: int | None
    name_px: int


@dataclass(frozen=True, slots=True)
class AppTruth:
    scene: AppScene
    window: Box
    grid_area: Box
    tiles: tuple[AppTile, ...]
    bg: tuple[int, int, int]
    gutter: int
    extra: dict = field(default_factory=dict)


def _s(v: float, scale: float) -> int:
    return max(1, int(round(v * scale)))


def _window(sc: AppScene, rng: np.random.Generator, frame: np.ndarray) -> Box:
    """The call window: maximised above the taskbar, or smaller on a photo wallpaper."""
    w, h = sc.screen
    task = _s(40, sc.scale)
    wall = rc.cover(rc.photo(str(rng.choice(["rocket", "hubble_deep_field", "coffee"]))), h, w, rng)
    frame[:] = wall
    frame[h - task:] = (32, 32, 40)
    img = Image.fromarray(frame)
    d = ImageDraw.Draw(img)
    for i in range(6):  # taskbar icons and a clock
        x = w // 2 - 3 * task + i * task
        d.rounded_rectangle((x + 6, h - task + 8, x + task - 6, h - 8), radius=4,
                            fill=tuple(int(c) for c in rng.integers(60, 230, 3)))
    d.text((w - 10, h - task // 2), "10:42", font=sd.font(_s(12, sc.scale)), fill=(240,) * 3,
           anchor="rm")
    frame[:] = np.asarray(img)
    if sc.maximised:
        return Box(0, 0, w, h - task)
    ww, wh = int(w * rng.uniform(0.55, 0.85)), int((h - task) * rng.uniform(0.6, 0.9))
    x0, y0 = int(rng.integers(0, w - ww)), int(rng.integers(0, h - task - wh))
    return Box(x0, y0, ww, wh)


def _chrome(frame: np.ndarray, sc: AppScene, win: Box, pal: dict, n: int,
            rng: np.random.Generator) -> Box:
    """Title bar, top bar with icons and "View", toolbar with count/share/leave, page arrows;
    returns the area left for the gallery."""
    s = sc.scale
    x0, y0, w, h = win.x, win.y, win.w, win.h
    title_h, top_h, tool_h = _s(30, s), _s(36, s), _s(60, s)
    light_title = sc.style == "zoom" or sc.theme == "light"
    frame[y0:y0 + h, x0:x0 + w] = pal["bg"]
    frame[y0:y0 + title_h, x0:x0 + w] = (255, 255, 255) if light_title else (44, 44, 50)
    frame[y0 + title_h:y0 + title_h + top_h, x0:x0 + w] = pal["bar"]
    frame[y0 + h - tool_h:y0 + h, x0:x0 + w] = pal["bar"]
    img = Image.fromarray(frame)
    d = ImageDraw.Draw(img)
    f = sd.font(_s(12, s))
    ink = (30, 30, 30) if light_title else (230, 230, 230)
    title = {"zoom": "Zoom Meeting", "meet": "Meet - Biology 101", "teams": "Class | Microsoft Teams"}
    d.text((x0 + _s(10, s), y0 + title_h // 2), title[sc.style], font=f, fill=ink, anchor="lm")
    for k, glyph in enumerate(("×", "□", "—")):
        d.text((x0 + w - _s(20 + 40 * k, s), y0 + title_h // 2), glyph, font=f, fill=ink,
               anchor="mm")
    ty = y0 + title_h + top_h // 2
    d.ellipse((x0 + _s(10, s), ty - _s(8, s), x0 + _s(26, s), ty + _s(8, s)), fill=(35, 170, 80))
    bx = x0 + w - _s(90, s)
    d.rounded_rectangle((bx, ty - _s(11, s), bx + _s(70, s), ty + _s(11, s)), radius=_s(4, s),
                        outline=pal["text"], width=1)
    d.text((bx + _s(35, s), ty), "View", font=f, fill=pal["text"], anchor="mm")
    by = y0 + h - tool_h // 2
    items = [("Mute", None), ("Stop Video", None), (f"{n + int(rng.integers(0, 80))}", None),
             ("Chat", None), ("Share", (14, 170, 80)), ("Record", None), ("Leave", (224, 48, 48))]
    step = w // (len(items) + 1)
    for i, (text, fill) in enumerate(items):
        cx = x0 + step * (i + 1)
        if fill:
            d.rounded_rectangle((cx - _s(34, s), by - _s(14, s), cx + _s(34, s), by + _s(14, s)),
                                radius=_s(6, s), fill=fill)
        else:
            d.rounded_rectangle((cx - _s(9, s), by - _s(20, s), cx + _s(9, s), by - _s(4, s)),
                                radius=_s(3, s), outline=pal["text"], width=max(1, _s(2, s)))
        d.text((cx, by + (0 if fill else _s(10, s))), text, font=f,
               fill=(255,) * 3 if fill else pal["text"], anchor="mm")
    top = y0 + title_h + top_h
    area = Box(x0, top, w, h - title_h - top_h - tool_h)
    if sc.pages:
        aw = _s(44, s)
        for ax, arrow in ((x0 + aw // 2, "◀"), (x0 + w - aw // 2, "▶")):
            d.text((ax, top + area.h // 2), arrow, font=sd.font(_s(22, s)), fill=pal["text"],
                   anchor="mm")
            d.text((ax, top + area.h // 2 + _s(22, s)), "1/4", font=f, fill=pal["text"],
                   anchor="mm")
        area = Box(x0 + aw, top, w - 2 * aw, area.h)
    frame[:] = np.asarray(img)
    m = _s(4, s)
    return Box(area.x + m, area.y + m, area.w - 2 * m, area.h - 2 * m)


def _face(rng: np.random.Generator) -> tuple[np.ndarray, int | None]:
    fer = _fer_faces()
    if fer is not None:
        i = int(rng.integers(0, len(fer[0])))
        return fer[0][i], int(fer[1][i])
    head = _astronaut_head()
    return (head[:, ::-1] if rng.random() < 0.5 else head), None


def _content(h: int, w: int, rng: np.random.Generator, with_face: bool
             ) -> tuple[np.ndarray, tuple[int, int, int, int] | None, int | None]:
    """Camera image of ``h x w``: room or photo background, maybe a person."""
    if rng.random() < 0.55:
        img = rc.room(h, w, rng)
    else:
        img = rc.cover(rc.photo(str(rng.choice(rc.PHOTOS))), h, w, rng)
    head, lab = None, None
    if with_face:  # a phone camera frames the whole face too: keep it inside narrow video
        face, lab = _face(rng)
        hh = min(h, int(w / 0.75))
        top = (h - hh) // 3
        hx, hy, hs, _ = rc.paste_face(img[top:top + hh], face, rng)
        head = (hx, hy + top, hs, hs)
    return rc.webcam_noise(img, rng), head, lab


def _tile(sc: AppScene, pal: dict, box: Box, name: str, rng: np.random.Generator
          ) -> tuple[np.ndarray, AppTile]:
    h, w = box.h, box.w
    r = rng.random()
    head = lab = None
    if r < sc.camera_off:
        kind = "off"
        tile = np.empty((h, w, 3), np.uint8)
        rc.camera_off(tile, sc.style, pal["off"], name, sc.scale, bool(rng.random() < 0.5), rng,
                      sc.script)
    else:
        r2 = rng.random()
        if r2 < sc.pillarbox:
            kind = "pillarbox"
            aspect = float(rng.choice([4 / 3, 9 / 16, 3 / 4]))
            ch = h
            cw = max(8, int(ch * aspect))
            content, head, lab = _content(ch, cw, rng, True)
            tile = rc.pillarbox(content, h, w, pal["bg"])
            if head is not None:
                s = min(h / ch, w / cw)
                hx, hy, hs, _ = head
                head = (int(hx * s) + (w - int(cw * s)) // 2, int(hy * s) + (h - int(ch * s)) // 2,
                        int(hs * s), int(hs * s))
        elif r2 < sc.pillarbox + sc.dark:
            kind = "dark"
            content, _, _ = _content(h, w, rng, True)
            tile = (content.astype(np.float32) * rng.uniform(0.02, 0.15)).astype(np.uint8)
        elif rng.random() < 0.85:
            kind = "face"
            tile, head, lab = _content(h, w, rng, True)
        else:
            kind = "photo"
            tile, _, _ = _content(h, w, rng, False)
    px = int(np.clip(round(h * 0.075), 12 * min(sc.scale, 1.25), 20 * sc.scale))
    shown = ""
    if kind != "off" or rng.random() < 0.6:
        shown = rc.label(tile, sc.style, name, px, sc.scale, bool(rng.random() < 0.5),
                         sc.script)
    truth = AppTile(box, name, shown, kind != "off", kind, False,
                    head if kind in ("face", "pillarbox") else None, lab, px)
    return tile, truth


def _gutter(sc: AppScene, rng: np.random.Generator) -> int:
    base = sc.gutter if sc.gutter is not None else {
        "zoom": int(rng.integers(2, 7)), "meet": 8, "teams": 6}[sc.style]
    return max(1, int(round(base * sc.scale)))


def render_app(sc: AppScene) -> tuple[np.ndarray, AppTruth]:
    """One screen (BGR uint8, ``sc.screen`` pixels) and its truth."""
    rng = np.random.default_rng(sc.seed)
    w, h = sc.screen
    pal = PALETTE[(sc.style, sc.theme)]
    frame = np.zeros((h, w, 3), np.uint8)
    win = _window(sc, rng, frame)
    area = _chrome(frame, sc, win, pal, sc.n, rng)
    gutter = _gutter(sc, rng)
    boxes = gallery_layout(sc.n, area, gutter)
    radius = {"zoom": _s(2, sc.scale), "meet": _s(8, sc.scale), "teams": _s(6, sc.scale)}[sc.style]
    names = _class_names(sc, rng)
    speaker = int(rng.integers(0, sc.n)) if sc.speaker else -1
    truths = []
    occupied = np.zeros((h, w), bool)
    for i, box in enumerate(boxes):
        tile, t = _tile(sc, pal, box, names[i], rng)
        mask = sd.rounded_mask(box.h, box.w, radius)[:, :, None] > 0
        dst = frame[box.y:box.y + box.h, box.x:box.x + box.w]
        dst[:] = np.where(mask, tile, dst)
        occupied[box.y:box.y + box.h, box.x:box.x + box.w] = True
        truths.append(t)
    if speaker >= 0:
        _ring(frame, boxes[speaker], occupied, _s(float(rng.integers(3, 7)), sc.scale),
              RING[sc.style])
        t = truths[speaker]
        truths[speaker] = AppTile(t.box, t.name, t.shown, t.camera_on, t.kind, True, t.face,
                                  t.fer_label, t.name_px)
    truth = AppTruth(sc, win, area, tuple(truths), pal["bg"], gutter)
    return np.ascontiguousarray(frame[:, :, ::-1]), truth


PLAIN_LATIN = tuple(n for n in NAMES if n.isascii())  # names any "eng" pack reads
MIXED_LATIN = 0.15  # share of plain Latin names in a class of another script


def _class_names(sc: AppScene, rng: np.random.Generator) -> list[str]:
    """``sc.n`` names: distinct Latin ones (the scenes every bench has used), or the script's
    sample names (repeating when the class is bigger) with some plain Latin ones mixed in."""
    if sc.script == "latin":
        return [NAMES[int(i)] for i in rng.permutation(len(NAMES))[:sc.n]]
    pool = SCRIPTS[sc.script].names
    order = np.concatenate([rng.permutation(len(pool)) for _ in range(sc.n // len(pool) + 1)])
    out = [pool[int(i)] for i in order[:sc.n]]
    for i in np.flatnonzero(rng.random(sc.n) < MIXED_LATIN):
        out[i] = PLAIN_LATIN[int(rng.integers(len(PLAIN_LATIN)))]
    return out


def _ring(frame: np.ndarray, b: Box, occupied: np.ndarray, t: int, colour: tuple) -> None:
    """The speaker ring: ``t`` px just OUTSIDE the tile, never over a neighbouring tile."""
    h, w = occupied.shape
    y0, y1 = max(0, b.y - t), min(h, b.y + b.h + t)
    x0, x1 = max(0, b.x - t), min(w, b.x + b.w + t)
    sub = frame[y0:y1, x0:x1]
    free = ~occupied[y0:y1, x0:x1]
    sub[free] = colour


def compress(image: np.ndarray, kind: str, quality: int = 75) -> np.ndarray:
    """``image`` after "png" (unchanged), "jpeg" (at ``quality``) or "h264" (one x264 frame
    at CRF ``quality``//3, through pipes: nothing is written to disk)."""
    import cv2

    if kind == "png":
        return image
    if kind == "jpeg":
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if kind == "h264":
        return h264_roundtrip([image], crf=max(18, min(40, quality // 3)))[-1]
    raise ValueError(f"compress: expected png, jpeg or h264, got {kind!r}")


def ffmpeg_exe() -> str:
    """The ffmpeg binary that the imageio-ffmpeg wheel ships (or one on PATH)."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        exe = shutil.which("ffmpeg")
        if exe is None:
            raise RuntimeError("no ffmpeg: pip install imageio-ffmpeg") from None
        return exe


def _x264_args(w: int, h: int, fps: float, crf: int) -> list[str]:
    return [ffmpeg_exe(), "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s",
            f"{w}x{h}", "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "veryfast",
            "-crf", str(crf), "-pix_fmt", "yuv420p"]


def h264_roundtrip(frames: list[np.ndarray], crf: int = 28) -> list[np.ndarray]:
    """Frames as they come out of an H.264 recording (yuv420p, x264), via pipes only."""
    h, w = frames[0].shape[:2]
    enc = subprocess.run(_x264_args(w, h, 2.0, crf) + ["-f", "h264", "-"],
                         input=b"".join(f.tobytes() for f in frames), capture_output=True,
                         check=True)
    dec = subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-f", "h264", "-i", "-", "-f",
                          "rawvideo", "-pix_fmt", "bgr24", "-"], input=enc.stdout,
                         capture_output=True, check=True)
    out = np.frombuffer(dec.stdout, np.uint8).reshape(-1, h, w, 3)
    return [f.copy() for f in out]


def write_h264(path: str, frames: list[np.ndarray], fps: float = 2.0, crf: int = 28) -> None:
    """An .mp4 H.264 recording of ``frames`` (for VideoFileSource tests)."""
    h, w = frames[0].shape[:2]
    subprocess.run(_x264_args(w, h, fps, crf) + ["-y", str(path)],
                   input=b"".join(f.tobytes() for f in frames), capture_output=True, check=True)


def downscale(image: np.ndarray, truth: AppTruth, f: float) -> tuple[np.ndarray, AppTruth]:
    """The screen as a shared or resized screenshot: ``f`` times its size (area averaging, as
    image viewers and web pages shrink), with the truth's boxes scaled to match. Thin gutters
    end up 1 px and blended with the tiles; our own renderer's sharp edges no longer help."""
    if not 0.3 <= f <= 1.0:
        raise ValueError(f"downscale: expected 0.3 <= f <= 1.0, got {f}")
    h, w = image.shape[:2]
    out = cv2.resize(image, (int(w * f) // 2 * 2, int(h * f) // 2 * 2),
                     interpolation=cv2.INTER_AREA)
    fx, fy = out.shape[1] / w, out.shape[0] / h

    def box(b: Box) -> Box:
        x0, y0 = round(b.x * fx), round(b.y * fy)
        return Box(x0, y0, round((b.x + b.w) * fx) - x0, round((b.y + b.h) * fy) - y0)

    tiles = tuple(replace(t, box=box(t.box), face=None if t.face is None else (
        round(t.face[0] * fx), round(t.face[1] * fy), round(t.face[2] * fx),
        round(t.face[3] * fy))) for t in truth.tiles)
    return out, replace(truth, window=box(truth.window), grid_area=box(truth.grid_area),
                        tiles=tiles, gutter=max(1, round(truth.gutter * fx)))
