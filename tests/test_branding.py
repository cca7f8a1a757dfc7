import shutil
from pathlib import Path

import pytest

from server.branding import BrandingError, contrast, load_all, load_branding
from server.settings import PROJECT_ROOT

REC = PROJECT_ROOT / "branding" / "rec"


@pytest.fixture
def rec_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "branding" / "rec"
    shutil.copytree(REC, folder)
    return folder


def _edit(folder: Path, old: str, new: str) -> None:
    theme = folder / "theme.toml"
    text = theme.read_text()
    assert old in text
    theme.write_text(text.replace(old, new))


def test_rec_is_loaded_from_its_folder() -> None:
    branding = load_branding(REC)
    theme = branding.theme
    assert (theme.code, theme.name, theme.symbol, theme.decimals) == ("REC", "REC", "REC", 2)
    assert theme.default_language == "ca" and theme.languages[0] == "ca"
    assert theme.tagline == "Comença al barri. Canvia la ciutat"
    assert branding.asset_path("icon_512").is_file()


def test_every_folder_is_found_sorted_by_code() -> None:
    codes = [branding.code for branding in load_all(PROJECT_ROOT / "branding")]
    assert codes == ["GRA", "REC"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'primary = "#0E7C66"',
            'primary = "green"',
            "rec/theme.toml: field 'colours.primary': expected a colour like '#1a2b3c'",
        ),
        ("decimals = 2", "decimals = 9", "rec/theme.toml: field 'decimals':"),
        ('name = "REC"\n', "", "rec/theme.toml: field 'name': required field is missing"),
        (
            'timezone = "Europe/Madrid"',
            'timezone = "Europe/Gotham"',
            "rec/theme.toml: field 'timezone': Value error, unknown time zone",
        ),
        (
            'languages = ["ca", "es", "en"]',
            'languages = ["ca", "xx"]',
            "rec/theme.toml: field 'languages': Value error, unknown language codes ['xx']",
        ),
        (
            'default_language = "ca"',
            'default_language = "fr"',
            "rec/theme.toml: field 'default_language': 'fr' is not one of languages",
        ),
        ('code = "REC"', 'code = "ABC"', "rec/theme.toml: field 'code': 'ABC' does not match"),
        (
            'logo = "logo.svg"',
            'logo = "missing.svg"',
            "rec/theme.toml: field 'assets.logo': file 'missing.svg' not found in rec/",
        ),
        (
            'logo = "logo.svg"',
            'logo = "../../etc/passwd"',
            "rec/theme.toml: field 'assets.logo': file '../../etc/passwd' not found in rec/",
        ),
        (
            "symbol = ",
            "colour_scheme = 1\nsymbol = ",
            "rec/theme.toml: field 'colour_scheme': unknown field",
        ),
        ('symbol = "REC"', "symbol = ", "rec/theme.toml: not valid TOML"),
    ],
)
def test_bad_theme_names_the_file_and_the_field(
    rec_copy: Path, old: str, new: str, expected: str
) -> None:
    _edit(rec_copy, old, new)
    with pytest.raises(BrandingError) as raised:
        load_branding(rec_copy)
    assert expected in str(raised.value)


def test_colours_too_faint_to_read_are_refused(rec_copy: Path) -> None:
    _edit(rec_copy, 'on_primary = "#FFFFFF"', 'on_primary = "#6FCFB8"')
    _edit(rec_copy, 'text = "#1B1F23"', 'text = "#8A8A8A"')
    with pytest.raises(BrandingError) as raised:
        load_branding(rec_copy)
    lines = str(raised.value).splitlines()
    assert lines[0].startswith("rec/theme.toml: field 'colours.text' on 'colours.background'")
    assert any("field 'colours.on_primary' on 'colours.primary': contrast" in ln for ln in lines)
    assert any("muted text (colours.text at 65%)" in line for line in lines)
    assert all("below 4.5:1 (WCAG AA for text)" in line for line in lines)


def test_contrast_is_wcag_s_ratio() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast("#0E7C66", "#FFFFFF") == contrast("#FFFFFF", "#0E7C66")


def test_a_bad_folder_stops_loading_all(rec_copy: Path) -> None:
    _edit(rec_copy, 'primary = "#0E7C66"', 'primary = "#0E7C6"')
    with pytest.raises(BrandingError, match="colours.primary"):
        load_all(rec_copy.parent)


def test_missing_theme_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "abc").mkdir()
    with pytest.raises(BrandingError, match="abc/theme.toml: file not found"):
        load_branding(tmp_path / "abc")
