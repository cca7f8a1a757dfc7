"""A currency's folder beyond theme.toml's names and colours: its fonts, its legal texts and
the wallet's words it says its own way. Each problem names the file and the field."""

import shutil
from pathlib import Path

import pytest

from pwa.texts import branded, placeholder_problems, speak, text, unknown_text_keys
from server.branding import BrandingError, load_branding
from server.settings import PROJECT_ROOT

BRANDING = PROJECT_ROOT / "branding"


@pytest.fixture
def gra(tmp_path: Path) -> Path:
    folder = tmp_path / "branding" / "gra"
    shutil.copytree(BRANDING / "gra", folder)
    return folder


@pytest.fixture
def rec(tmp_path: Path) -> Path:
    folder = tmp_path / "branding" / "rec"
    shutil.copytree(BRANDING / "rec", folder)
    return folder


def _edit(folder: Path, old: str, new: str, file: str = "theme.toml") -> None:
    path = folder / file
    content = path.read_text()
    assert old in content
    path.write_text(content.replace(old, new))


def _refusal(folder: Path) -> list[str]:
    with pytest.raises(BrandingError) as raised:
        load_branding(folder)
    return str(raised.value).splitlines()


def test_gra_is_a_currency_of_its_own() -> None:
    gra, rec = load_branding(BRANDING / "gra"), load_branding(BRANDING / "rec")
    theme = gra.theme
    assert (theme.code, theme.name, theme.decimals, theme.default_language) == (
        "GRA",
        "Gra",
        0,
        "es",
    )
    assert theme.languages == ["es", "en"] and theme.timezone != rec.theme.timezone
    assert theme.colours.primary != rec.theme.colours.primary
    assert gra.asset_path("logo").read_bytes() != rec.asset_path("logo").read_bytes()
    assert theme.fonts is not None and theme.fonts.family == "DejaVu Serif"
    assert gra.font_files() == {
        "regular": "fonts/DejaVuSerif.ttf",
        "bold": "fonts/DejaVuSerif-Bold.ttf",
    }
    assert (gra.folder / "fonts" / "LICENSE.txt").is_file()
    assert theme.legal.operator.startswith("Mercado Cooperativo")
    assert gra.public_files() == {
        "logo.svg",
        "icon-192.png",
        "icon-512.png",
        "icon-maskable-512.png",
        "fonts/DejaVuSerif.ttf",
        "fonts/DejaVuSerif-Bold.ttf",
    }
    assert set(gra.texts) == {"es", "en"} and gra.texts["es"]["map_title"] == "Puestos"


def test_rec_keeps_the_system_fonts_and_has_its_legal_texts_in_three_languages() -> None:
    rec = load_branding(BRANDING / "rec")
    assert rec.theme.fonts is None and rec.font_files() == {}
    assert rec.public_files() == {
        "logo.svg",
        "icon-192.png",
        "icon-512.png",
        "icon-maskable-512.png",
    }
    assert rec.texts == {}
    assert rec.theme.legal.contact == "legal@rec.example"
    for language, title in (
        ("ca", "Condicions d'ús"),
        ("es", "Condiciones de uso"),
        ("en", "terms"),
    ):
        assert title in rec.legal_text("terms", language).splitlines()[0]
        assert rec.legal_text("privacy", language).startswith("# ")


def test_a_legal_text_missing_in_a_language_falls_back_to_the_default_one(gra: Path) -> None:
    shutil.rmtree(gra / "legal" / "en")
    branding = load_branding(gra)
    spanish = (gra / "legal" / "es" / "terms.md").read_text().strip()
    assert branding.legal_text("terms", "en") == spanish
    assert branding.legal_text("terms", "es") == spanish
    assert branding.legal_text("privacy", "fr").startswith("# Privacidad")  # not offered
    with pytest.raises(ValueError, match="unknown legal text 'cookies'"):
        branding.legal_text("cookies", "es")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'regular = "fonts/DejaVuSerif.ttf"',
            'regular = "fonts/x.woff2"',
            "gra/theme.toml: field 'fonts.regular': file 'fonts/x.woff2' not found in gra/",
        ),
        (
            'bold = "fonts/DejaVuSerif-Bold.ttf"',
            'bold = "../rec/fonts/x.ttf"',
            "gra/theme.toml: field 'fonts.bold': file '../rec/fonts/x.ttf' must be a path "
            "inside gra/ (no '..', no absolute path)",
        ),
        (
            'regular = "fonts/DejaVuSerif.ttf"',
            'regular = "/fonts/x.ttf"',
            "gra/theme.toml: field 'fonts.regular': file '/fonts/x.ttf' must be a path inside gra/",
        ),
        (
            'regular = "fonts/DejaVuSerif.ttf"',
            'regular = "fonts/LICENSE.txt"',
            "gra/theme.toml: field 'fonts.regular': file 'fonts/LICENSE.txt' must be a .woff2, "
            ".woff or .ttf font",
        ),
        (
            'family = "DejaVu Serif"\n',
            "",
            "gra/theme.toml: field 'fonts.family': required field is missing",
        ),
        (
            'family = "DejaVu Serif"',
            'family = "' + "x" * 61 + '"',
            "gra/theme.toml: field 'fonts.family': String should have at most 60 characters",
        ),
        (
            'family = "DejaVu Serif"',
            'family = "DejaVu Serif"\nitalic = "fonts/x.ttf"',
            "gra/theme.toml: field 'fonts.italic': unknown field",
        ),
        (
            'contact = "hola@gra.example"',
            'contact = "the market office"',
            "gra/theme.toml: field 'legal.contact': Value error, 'the market office' is not an "
            "email address",
        ),
        (
            'operator = "Mercado Cooperativo del Valle, S. Coop."',
            'operator = " "',
            "gra/theme.toml: field 'legal.operator': String should have at least 1 character",
        ),
        (
            'contact = "hola@gra.example"',
            'contact = "hola@gra.example"\nphone = "922 000 000"',
            "gra/theme.toml: field 'legal.phone': unknown field",
        ),
    ],
)
def test_bad_fonts_and_legal_fields_name_the_file_and_the_field(
    gra: Path, old: str, new: str, expected: str
) -> None:
    _edit(gra, old, new)
    assert any(line.startswith(expected) for line in _refusal(gra)), _refusal(gra)


def test_the_legal_section_is_required(rec: Path) -> None:
    content = (rec / "theme.toml").read_text()
    (rec / "theme.toml").write_text(content[: content.index("[legal]")])
    assert _refusal(rec) == ["rec/theme.toml: field 'legal': required field is missing"]


def test_a_font_file_must_be_what_its_name_says(gra: Path) -> None:
    shutil.copy(gra / "logo.svg", gra / "fonts" / "fake.woff2")
    _edit(gra, 'bold = "fonts/DejaVuSerif-Bold.ttf"', 'bold = "fonts/fake.woff2"')
    assert _refusal(gra) == [
        "gra/theme.toml: field 'fonts.bold': file 'fonts/fake.woff2' is not a .woff2 font "
        "(its first bytes say otherwise)"
    ]


def test_a_font_linked_from_outside_the_folder_is_refused(gra: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.ttf"
    shutil.copy(gra / "fonts" / "DejaVuSerif.ttf", outside)
    (gra / "fonts" / "linked.ttf").symlink_to(outside)
    _edit(gra, 'regular = "fonts/DejaVuSerif.ttf"', 'regular = "fonts/linked.ttf"')
    assert _refusal(gra) == [
        "gra/theme.toml: field 'fonts.regular': file 'fonts/linked.ttf' leads out of gra/ "
        "(a link to elsewhere)"
    ]


def test_the_default_language_needs_both_legal_texts(gra: Path) -> None:
    (gra / "legal" / "es" / "terms.md").unlink()
    (gra / "legal" / "es" / "privacy.md").write_text("  \n")
    assert _refusal(gra) == [
        "gra/legal/es/privacy.md: the file is empty",
        "gra/legal/es/terms.md: file not found (required in the gra/theme.toml field "
        "'default_language', 'es')",
    ]


def test_legal_texts_in_a_language_not_offered_or_of_an_unknown_kind_are_refused(
    gra: Path,
) -> None:
    shutil.copytree(gra / "legal" / "es", gra / "legal" / "ca")
    (gra / "legal" / "en" / "cookies.md").write_text("# Cookies\n")
    (gra / "legal" / "notes.txt").write_text("to do\n")
    (gra / "legal" / "en" / ".DS_Store").write_bytes(b"\0")  # hidden files are left alone
    assert _refusal(gra) == [
        "gra/legal/ca/: language 'ca' is not one of gra/theme.toml field 'languages' ['es', 'en']",
        "gra/legal/en/cookies.md: unknown legal text (expected terms.md or privacy.md)",
        "gra/legal/notes.txt: expected a folder named after a language, such as legal/es/",
    ]


def test_a_legal_text_must_be_utf8(gra: Path) -> None:
    (gra / "legal" / "en" / "terms.md").write_bytes("Condiciones de uso".encode("utf-16"))
    assert _refusal(gra) == ["gra/legal/en/terms.md: not UTF-8 text"]


def test_bad_text_overrides_name_the_file_and_the_field(gra: Path) -> None:
    (gra / "texts" / "ca.toml").write_text('hello = "Bon dia, {name}"\n')
    (gra / "texts" / "notes.md").write_text("to do\n")
    _edit(gra, 'map_title = "Puestos"', "map_title = 3", "texts/es.toml")
    _edit(gra, 'map_title = "Stalls"', 'map_title = "  "\n[home]\ntitle = "x"', "texts/en.toml")
    assert _refusal(gra) == [
        "gra/texts/ca.toml: language 'ca' is not one of gra/theme.toml field 'languages' "
        "['es', 'en']",
        "gra/texts/en.toml: field 'map_title': the text is empty",
        "gra/texts/en.toml: field 'home': expected text in quotes, key = \"text\"",
        "gra/texts/es.toml: field 'map_title': expected text in quotes, key = \"text\"",
        "gra/texts/notes.md: expected files named after a language, such as texts/es.toml",
    ]


def test_a_text_override_that_is_not_toml_is_reported_with_its_line(gra: Path) -> None:
    _edit(gra, 'map_title = "Puestos"', "map_title = Puestos", "texts/es.toml")
    [line] = _refusal(gra)
    assert line.startswith("gra/texts/es.toml: not valid TOML: ") and "line 5" in line


def test_problems_of_several_files_are_listed_together(gra: Path) -> None:
    _edit(gra, 'regular = "fonts/DejaVuSerif.ttf"', 'regular = "fonts/x.woff2"')
    (gra / "legal" / "es" / "terms.md").unlink()
    (gra / "texts" / "ca.toml").write_text('hello = "Bon dia, {name}"\n')
    lines = _refusal(gra)
    assert [line.split(":")[0] for line in lines] == [
        "gra/theme.toml",
        "gra/legal/es/terms.md",
        "gra/texts/ca.toml",
    ]


def test_the_wallet_finds_override_keys_it_does_not_know(gra: Path) -> None:
    _edit(gra, "map_title =", "map_titel =", "texts/es.toml")
    branding = load_branding(gra)
    unknown = unknown_text_keys(branding.texts)
    assert unknown == ["map_titel"]
    assert branding.text_key_problems(unknown) == [
        "gra/texts/es.toml: field 'map_titel': the wallet has no text with this name"
    ]


def test_the_wallet_finds_overrides_that_change_the_placeholders() -> None:
    overrides = {"es": {"hello": "Buenos días, {nombre}", "map_title": "Puestos"}}
    assert placeholder_problems(overrides) == [
        "es.toml: field 'hello': uses ['nombre'], the wallet fills in ['name']"
    ]
    assert placeholder_problems({"en": {"hello": "Hello {name"}}) == [
        "en.toml: field 'hello': a { or } without its pair"
    ]


def test_the_shipped_overrides_are_all_known_to_the_wallet() -> None:
    for code in ("gra", "rec"):
        branding = load_branding(BRANDING / code)
        assert unknown_text_keys(branding.texts) == []
        assert placeholder_problems(branding.texts) == []


def test_a_branded_language_says_the_currency_s_words_and_the_defaults_elsewhere() -> None:
    overrides = load_branding(BRANDING / "gra").texts
    spanish = branded("es", overrides)
    assert spanish == "es" and {spanish: 1}["es"] == 1  # still the language code
    assert text(spanish, "map_title") == "Puestos"
    assert text(spanish, "hello").format(name="Carmen") == "Buenos días, Carmen"
    assert text(spanish, "sign_in") == text("es", "sign_in") == "Entrar"
    assert text("es", "map_title") == "Tiendas"  # a plain code: the defaults
    assert text(branded("en", overrides), "map_title") == "Stalls"
    assert text(branded("ca", overrides), "map_title") == "Botigues"  # no Catalan overrides
    assert text(branded("es", {}), "map_title") == "Tiendas"


def test_a_person_s_own_language_keeps_the_currency_s_words() -> None:
    overrides = load_branding(BRANDING / "gra").texts
    default = branded("es", overrides)
    assert text(speak("en", default), "welcome_intro") == overrides["en"]["welcome_intro"]
    assert text(speak(None, default), "welcome_intro") == overrides["es"]["welcome_intro"]
    assert text(speak("ca", default), "welcome_intro") == text("ca", "welcome_intro")
    assert speak("en", "es") == "en" and speak("", "es") == "es"  # no branding: as before


def test_the_app_will_not_start_with_a_text_the_wallet_does_not_have(tmp_path: Path) -> None:
    from server.app import create_app
    from server.settings import Settings

    folder = tmp_path / "branding"
    shutil.copytree(BRANDING / "gra", folder / "gra")
    (folder / "gra" / "texts" / "es.toml").write_text(
        'map_titel = "Puestos"\nhello = "Hola, {nombre}"\n', encoding="utf-8"
    )
    settings = Settings.from_env({"REC_DATA_DIR": str(tmp_path), "REC_BRANDING_DIR": str(folder)})
    with pytest.raises(BrandingError) as refused:
        create_app(settings)
    assert str(refused.value).splitlines() == [
        "gra/texts/es.toml: field 'map_titel': the wallet has no text with this name",
        "gra/texts/es.toml: field 'hello': uses ['nombre'], the wallet fills in ['name']",
    ]
