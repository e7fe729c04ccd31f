"""The writing systems ClassPulse reads names in: font, tesseract language and sample names.

Why a table: tests, the label bench and the gallery renderer must agree on which fonts draw
a script (its Noto font first, then other platforms' UI fonts) and which tesseract pack reads
it. The sample names are common given and family names (no real person is meant), a few with
the prefixes and student IDs that real classes put in their display names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NOTO = Path("/usr/share/fonts/truetype/noto")
CJK = Path("/usr/share/fonts/opentype/noto")
FONTS = Path("/usr/share/fonts/truetype")
IPA = Path("/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf")  # no bold face


@dataclass(frozen=True, slots=True)
class Script:
    """One writing system: its Noto font (path, ttc index), tesseract code and sample names.
    ``others``: more (regular, bold) fonts the apps draw it in on other platforms; a renderer
    picks one with ``draw_label(font_variant=k)``, k >= 1 (0 is ``regular``/``bold``)."""

    key: str
    lang: str  # tesseract -l code that reads it
    regular: tuple[Path, int]
    bold: tuple[Path, int]
    names: tuple[str, ...]
    rtl: bool = False
    others: tuple[tuple[tuple[Path, int], tuple[Path, int]], ...] = ()

    @property
    def variants(self) -> int:
        """How many font choices this script has (1 + len(others))."""
        return 1 + len(self.others)


def _noto(stem: str) -> tuple[tuple[Path, int], tuple[Path, int]]:
    return (NOTO / f"{stem}-Regular.ttf", 0), (NOTO / f"{stem}-Bold.ttf", 0)


def _cjk(index: int) -> tuple[tuple[Path, int], tuple[Path, int]]:
    return (CJK / "NotoSansCJK-Regular.ttc", index), (CJK / "NotoSansCJK-Bold.ttc", index)


_RAW: dict[str, tuple[str, tuple, tuple[str, ...], bool]] = {
    "latin": ("Latin", _noto("NotoSans"), (
        "Zoë Müller", "Łukasz Kowalski", "Amélie Durand", "José Núñez", "Oliver Smith",
        "Priya Sharma", "Björn Åström", "Nguyễn Văn An", "Elif Yılmaz", "Dvořák Čech",
        "Ana María Pérez", "Liam O'Brien", "Sofía García", "Greta Weiß", "Tomás Silva",
        "Ingrid Bjørnstad", "Mateusz Żółw", "Kenji Tanaka"), False),
    "cyrillic": ("rus", _noto("NotoSans"), (
        "Иван Петров", "Ольга Смирнова", "Дмитрий Кузнецов", "Анна Попова",
        "Сергей Васильев", "Екатерина Соколова", "Алексей Морозов", "Наталья Волкова",
        "Юлия Лебедева", "Михаил Новиков"), False),
    "greek": ("ell", _noto("NotoSans"), (
        "Γιώργος Παπαδόπουλος", "Μαρία Νικολάου", "Νίκος Γεωργίου", "Ελένη Δημητρίου",
        "Κώστας Ιωάννου", "Σοφία Αντωνίου", "Δημήτρης Κωνσταντίνου", "Άννα Βασιλείου"), False),
    "arabic": ("ara", _noto("NotoSansArabic"), (
        "محمد أحمد", "فاطمة علي", "عمر حسن", "ليلى محمود", "يوسف خالد", "مريم سالم",
        "أحمد إبراهيم", "سارة عبد الله"), True),
    "hebrew": ("heb", _noto("NotoSansHebrew"), (
        "דוד כהן", "שרה לוי", "יוסף מזרחי", "רחל פרץ", "משה ביטון", "נועה אברהם",
        "אורי פרידמן", "תמר שפירא"), True),
    "devanagari": ("hin", _noto("NotoSansDevanagari"), (
        "राहुल शर्मा", "प्रिया सिंह", "अमित कुमार", "सुनीता देवी", "विकास गुप्ता",
        "अंजलि वर्मा", "रोहित यादव", "नेहा जोशी"), False),
    "bengali": ("ben", _noto("NotoSansBengali"), (
        "রহিম উদ্দিন", "ফাতেমা খাতুন", "সুমন দাস", "তানিয়া আক্তার", "আরিফ হোসেন",
        "নাসরিন সুলতানা", "রাজু আহমেদ", "মিতা রায়"), False),
    "tamil": ("tam", _noto("NotoSansTamil"), (
        "முருகன் செல்வம்", "லட்சுமி ராஜா", "கார்த்திக் குமார்", "பிரியா சுந்தர்",
        "அருண் பாலு", "மீனா கணேசன்", "சரவணன் ராமு", "கவிதா மணி"), False),
    "hangul": ("kor", _cjk(1), (
        "김민준", "이서연", "박지훈", "최수아", "정예준", "강 미숙", "(초급)강 미숙",
        "김수영(20190777)", "윤하은", "장도윤", "임채원", "한지민", "오승현", "서지우",
        "(중급)이 준호", "박서준(20211234)"), False),
    "japanese": ("jpn", _cjk(0), (
        "佐藤 陽菜", "鈴木 大翔", "高橋 さくら", "田中 蓮", "伊藤 ゆい", "渡辺 悠真",
        "山本 美咲", "中村 あおい", "小林 翔太", "加藤 りん"), False),
    "chinese_sim": ("chi_sim", _cjk(2), (
        "王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄晓明", "周杰", "吴婷婷"),
        False),
    "chinese_tra": ("chi_tra", _cjk(3), (
        "陳志明", "林雅婷", "黃冠宇", "張淑芬", "李建國", "王美麗", "吳佩珊", "蔡宗翰",
        "鄭雅雯", "謝承恩"), False),
    "thai": ("tha", _noto("NotoSansThaiUI"), (  # loopless UI font (see _OTHERS)
        "สมชาย ใจดี", "สุดา แสงทอง", "ประเสริฐ วงศ์ใหญ่", "นภา สุขสวัสดิ์", "วิชัย ศรีสุข",
        "กมล ทองดี", "อรุณี พรหมมา", "ธนพล บุญมี"), False),
}

def _font(regular: str, bold: str, index: int = 0) -> tuple[tuple[Path, int], tuple[Path, int]]:
    return (FONTS / regular, index), (FONTS / bold, index)


# Other fonts, so that no rate comes from one typeface: the apps draw names in the system's UI
# font (Segoe UI, Malgun Gothic, Yu Gothic, Microsoft YaHei on Windows; SF and Apple SD Gothic
# Neo on macOS; Roboto and Noto on Android and ChromeOS), which cannot ship here. Debian's
# free fonts of the same kind stand in: Lato (Zoom's own typeface), Roboto (Meet), Open Sans
# (a humanist sans like Segoe UI), Nanum Gothic, IPA P Gothic, WenQuanYi Micro Hei.
_LATO = _font("lato/Lato-Regular.ttf", "lato/Lato-Bold.ttf")
_ROBOTO = _font("roboto/unhinted/RobotoTTF/Roboto-Regular.ttf",
                "roboto/unhinted/RobotoTTF/Roboto-Bold.ttf")
_OPEN_SANS = _font("open-sans/OpenSans-Regular.ttf", "open-sans/OpenSans-Bold.ttf")
_WQY = _font("wqy/wqy-microhei.ttc", "wqy/wqy-microhei.ttc")
# Thai is drawn loopless by most clients: Leelawadee UI on Windows (Zoom, Teams, Chrome),
# Noto Sans Thai on Android, ChromeOS and the web (variant 1); looped Thai (Tahoma on old
# Windows, Thonburi on macOS and iOS) is the minority (variant 2).
_OTHERS = {
    "latin": (_LATO, _ROBOTO, _OPEN_SANS),
    "cyrillic": (_ROBOTO, _OPEN_SANS),
    "greek": (_ROBOTO, _OPEN_SANS),
    "hangul": (_font("nanum/NanumGothic.ttf", "nanum/NanumGothicBold.ttf"),),
    "japanese": (((IPA, 0), (IPA, 0)),),
    "chinese_sim": (_WQY,),
    "chinese_tra": (_WQY,),
    "thai": (_noto("NotoSansThai"), _noto("NotoLoopedThai")),
}

SCRIPTS: dict[str, Script] = {
    key: Script(key, lang, fonts[0], fonts[1], names, rtl, _OTHERS.get(key, ()))
    for key, (lang, fonts, names, rtl) in _RAW.items()
}
