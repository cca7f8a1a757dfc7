"""Branding folders: `branding/<code>/theme.toml` plus a logo and icons.

A currency's look and rules come from its folder. A bad folder stops the start with a
message that names the file and the field, so a community can fix it without reading code.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

THEME_FILE = "theme.toml"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LANGUAGES = {"ca", "es", "en", "eu", "gl", "fr", "it", "pt", "oc", "de"}
# The folder's assets: the theme names files, these are the ones a currency must ship.
REQUIRED_ASSETS = ("logo", "icon_192", "icon_512", "icon_maskable")


class BrandingError(ValueError):
    """A branding folder is invalid; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Colour = Annotated[str, Field(pattern=_COLOUR.pattern)]


class Colours(_Strict):
    primary: Colour
    on_primary: Colour
    secondary: Colour
    background: Colour
    surface: Colour
    text: Colour


class Assets(_Strict):
    logo: str
    icon_192: str
    icon_512: str
    icon_maskable: str


class Theme(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{1,9}$")]
    name: Annotated[str, Field(min_length=1, max_length=60)]
    full_name: Annotated[str, Field(min_length=1, max_length=120)]
    symbol: Annotated[str, Field(min_length=1, max_length=8)]
    decimals: Annotated[int, Field(ge=0, le=4)]
    tagline: str = ""
    default_language: str
    languages: Annotated[list[str], Field(min_length=1, max_length=10)]
    timezone: str
    issuer_name: Annotated[str, Field(min_length=1, max_length=120)]
    # The smallest card top-up, in whole units of the currency.
    topup_minimum: Annotated[int, Field(ge=1, le=10_000)] = 5
    colours: Colours
    assets: Assets

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [lang for lang in value if lang not in _LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language codes {unknown}; known: {sorted(_LANGUAGES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value


class Branding(BaseModel):
    """A loaded, validated folder: the theme and where its files are."""

    model_config = ConfigDict(frozen=True)

    folder: Path
    theme: Theme

    @property
    def code(self) -> str:
        return self.theme.code

    def asset_path(self, name: str) -> Path:
        return self.folder / getattr(self.theme.assets, name)


# The pairs the wallet and the admin draw text with (server/static/app.css), each of which
# must reach WCAG's AA contrast for normal text. Muted text is the text colour at 65% over
# the background or a card, as the stylesheet mixes it.
CONTRAST_MIN = 4.5
MUTED_SHARE = 0.65
_READ_ON = (
    ("text", "background"),
    ("text", "surface"),
    ("on_primary", "primary"),  # buttons
    ("primary", "background"),  # links, headings, secondary buttons
    ("primary", "surface"),
)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two '#rrggbb' colours, 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _mixed(colour: str, under: str, share: float) -> str:
    return "#" + "".join(
        f"{round(int(colour[i : i + 2], 16) * share + int(under[i : i + 2], 16) * (1 - share)):02x}"
        for i in (1, 3, 5)
    )


def contrast_problems(colours: Colours) -> list[str]:
    """Each pair of the theme's colours that text is drawn with and that is too faint."""
    values = colours.model_dump()
    pairs = [(f"colours.{a}", values[a], f"colours.{b}", values[b]) for a, b in _READ_ON]
    pairs += [
        (
            "muted text (colours.text at 65%)",
            _mixed(values["text"], values[b], MUTED_SHARE),
            f"colours.{b}",
            values[b],
        )
        for b in ("background", "surface")
    ]
    return [
        f"field '{name}' on '{under}': contrast {ratio:.2f}:1, below {CONTRAST_MIN}:1 "
        "(WCAG AA for text)"
        for name, colour, under, behind in pairs
        if (ratio := contrast(colour, behind)) < CONTRAST_MIN
    ]


def load_branding(folder: Path) -> Branding:
    path = folder / THEME_FILE
    where = f"{folder.name}/{THEME_FILE}"
    if not path.is_file():
        raise BrandingError(f"{where}: file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise BrandingError(f"{where}: not valid TOML: {error}") from None
    try:
        theme = Theme.model_validate(data)
    except ValidationError as error:
        raise BrandingError(_describe(where, error)) from None
    if theme.default_language not in theme.languages:
        raise BrandingError(
            f"{where}: field 'default_language': {theme.default_language!r} "
            f"is not one of languages {theme.languages}"
        )
    if theme.code.lower() != folder.name:
        raise BrandingError(
            f"{where}: field 'code': {theme.code!r} does not match the folder name "
            f"{folder.name!r} (the folder must be the code in lower case)"
        )
    faint = contrast_problems(theme.colours)
    if faint:
        raise BrandingError("\n".join(f"{where}: {problem}" for problem in faint))
    for name in REQUIRED_ASSETS:
        asset = folder / getattr(theme.assets, name)
        if not asset.is_file() or asset.resolve().parent != folder.resolve():
            raise BrandingError(
                f"{where}: field 'assets.{name}': file {getattr(theme.assets, name)!r} "
                f"not found in {folder.name}/"
            )
    return Branding(folder=folder.resolve(), theme=theme)


def load_all(branding_dir: Path) -> list[Branding]:
    """Every currency folder under branding_dir, sorted by code; at least one."""
    if not branding_dir.is_dir():
        raise BrandingError(f"branding folder {branding_dir.name}/ not found")
    folders = sorted(p for p in branding_dir.iterdir() if (p / THEME_FILE).exists())
    if not folders:
        raise BrandingError(f"{branding_dir.name}/ holds no <code>/{THEME_FILE}")
    return [load_branding(folder) for folder in folders]


def _describe(where: str, error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"]) or "(file)"
        message = problem["msg"]
        if problem["type"] == "string_pattern_mismatch" and field.startswith("colours."):
            message = "expected a colour like '#1a2b3c'"
        elif problem["type"] == "extra_forbidden":
            message = "unknown field"
        elif problem["type"] == "missing":
            message = "required field is missing"
        lines.append(f"{where}: field '{field}': {message}")
    return "\n".join(lines)
