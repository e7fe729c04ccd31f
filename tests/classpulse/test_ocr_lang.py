"""OCR languages for name labels: ``[capture] ocr_languages`` and ``--lang`` on run/analyze."""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest

from classpulse.config import ConfigError, load_config, overrides


def test_ocr_languages_default_toml_and_flag(tmp_path) -> None:
    assert load_config().capture.ocr_languages == "auto"
    toml = tmp_path / "cp.toml"
    toml.write_text('[capture]\nocr_languages = "kor+eng"\n')
    assert load_config(toml).capture.ocr_languages == "kor+eng"
    flag = overrides(capture__ocr_languages="jpn")
    assert load_config(toml, flag).capture.ocr_languages == "jpn"
    with pytest.raises(ConfigError, match=r"capture\.ocr_languages") as err:
        load_config(None, overrides(capture__ocr_languages="kor eng"))
    assert "\n" not in str(err.value)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_analyze_with_a_missing_language_pack_is_a_one_line_error(tmp_path) -> None:
    from typer.testing import CliRunner

    from classpulse.cli import app

    frames = tmp_path / "frames"
    frames.mkdir()
    cv2.imwrite(str(frames / "0001.png"), np.full((360, 640, 3), 26, np.uint8))
    r = CliRunner().invoke(app, ["analyze", str(frames), "--lang", "eng+xyz", "--presence-only",
                                 "--no-progress", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert r.exit_code == 2, r.output
    line = r.output.strip()
    assert "\n" not in line and "'xyz' is not installed" in line and "tesseract-ocr-xyz" in line
