"""Branding folders: `branding/<code>/theme.toml` plus a logo, icons, fonts, legal texts
and the wallet's words.

A currency's look and rules come from its folder. A bad folder stops the start with a
message that names the file and the field, so a community can fix it without reading code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

THEME_FILE = "theme.toml"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LANGUAGES = {"ca", "es", "en", "eu", "gl", "fr", "it", "pt", "oc", "de"}
# The folder's assets: the theme names files, these are the ones a currency must ship.
REQUIRED_ASSETS = ("logo", "icon_192", "icon_512", "icon_maskable")
# A font file's kind, known by its first bytes as well as by its name.
FONT_SIGNATURES = {
    ".woff2": (b"wOF2",),
    ".woff": (b"wOFF",),
    ".ttf": (b"\x00\x01\x00\x00", b"true", b"OTTO"),
}
FONT_FIELDS = ("regular", "bold")
# legal/<language>/<name>.md: the terms of use and the privacy notice.
LEGAL_FOLDER = "legal"
LEGAL_TEXTS = ("terms", "privacy")
LEGAL_TEXT_MAX = 200_000
# texts/<language>.toml: the wallet's words a currency says its own way.
TEXTS_FOLDER = "texts"
TEXT_MAX = 500
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


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


class Fonts(_Strict):
    """A typeface the wallet and the admin panel load from the folder instead of the
    system's fonts."""

    family: Annotated[str, Field(min_length=1, max_length=60)]
    regular: Annotated[str, Field(min_length=1, max_length=200)]
    bold: Annotated[str | None, Field(min_length=1, max_length=200)] = None


class Legal(_Strict):
    """Who runs the currency, named in its terms and privacy notice."""

    operator: Annotated[str, Field(min_length=1, max_length=160)]
    contact: Annotated[str, Field(max_length=254)]

    @field_validator("contact")
    @classmethod
    def _an_email_address(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value


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
    fonts: Fonts | None = None
    legal: Legal

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
    """A loaded, validated folder: the theme, where its files are, its legal texts and the
    wallet's words it overrides. `theme` holds only what theme.toml says."""

    model_config = ConfigDict(frozen=True)

    folder: Path
    theme: Theme
    # legal[language][name]: the text of legal/<language>/<name>.md, in Markdown.
    legal: dict[str, dict[str, str]] = Field(default_factory=dict)
    # texts[language][key]: what texts/<language>.toml says instead of the wallet's default.
    texts: dict[str, dict[str, str]] = Field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.theme.code

    def asset_path(self, name: str) -> Path:
        return self.folder / getattr(self.theme.assets, name)

    def font_files(self) -> dict[str, str]:
        """The font files by weight ('regular', 'bold'), as paths inside the folder."""
        fonts = self.theme.fonts
        if fonts is None:
            return {}
        named = {"regular": fonts.regular, "bold": fonts.bold}
        return {weight: _relative(path) for weight, path in named.items() if path}

    def public_files(self) -> set[str]:
        """The files the server may serve from the folder, as paths inside it ('logo.svg',
        'fonts/x.woff2'): the four assets and the font files, nothing else."""
        assets = {getattr(self.theme.assets, name) for name in REQUIRED_ASSETS}
        return assets | set(self.font_files().values())

    def legal_text(self, name: str, language: str) -> str:
        """The legal text ('terms' or 'privacy') in that language, or in the currency's
        default language when the folder has none in it."""
        if name not in LEGAL_TEXTS:
            raise ValueError(f"unknown legal text {name!r}; known: {list(LEGAL_TEXTS)}")
        found = self.legal.get(language, {}).get(name)
        return found if found is not None else self.legal[self.theme.default_language][name]

    def text_key_problems(self, unknown: Iterable[str]) -> list[str]:
        """One line per override whose key is in `unknown` (the wallet has no such text),
        naming its file: pwa.texts.unknown_text_keys finds them, the server cannot."""
        wanted = set(unknown)
        return [
            f"{self.folder.name}/{TEXTS_FOLDER}/{language}.toml: field {key!r}: "
            "the wallet has no text with this name"
            for language, words in sorted(self.texts.items())
            for key in sorted(words)
            if key in wanted
        ]


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
    problems = _font_problems(folder, theme)
    legal, legal_problems = _legal_texts(folder, theme)
    texts, text_problems = _text_overrides(folder, theme)
    problems += legal_problems + text_problems
    if problems:
        raise BrandingError("\n".join(problems))
    return Branding(folder=folder.resolve(), theme=theme, legal=legal, texts=texts)


def _relative(path: str) -> str:
    """A path inside the folder as the theme gives it, written plainly ('fonts/x.woff2')."""
    return PurePosixPath(path).as_posix()


def _font_problems(folder: Path, theme: Theme) -> list[str]:
    """Each font file must be a .woff2, .woff or .ttf file inside the folder."""
    if theme.fonts is None:
        return []
    where = f"{folder.name}/{THEME_FILE}"
    inside = folder.resolve()
    problems: list[str] = []
    for field in FONT_FIELDS:
        value = getattr(theme.fonts, field)
        if value is None:
            continue
        named = f"{where}: field 'fonts.{field}': file {value!r}"
        relative = PurePosixPath(value)
        suffix = relative.suffix.lower()
        if "\\" in value or relative.is_absolute() or ".." in relative.parts:
            problems.append(
                f"{named} must be a path inside {folder.name}/ (no '..', no absolute path)"
            )
        elif suffix not in FONT_SIGNATURES:
            problems.append(f"{named} must be a .woff2, .woff or .ttf font")
        elif not (folder / relative).resolve().is_relative_to(inside):
            problems.append(f"{named} leads out of {folder.name}/ (a link to elsewhere)")
        elif not (folder / relative).is_file():
            problems.append(f"{named} not found in {folder.name}/")
        else:
            with open(folder / relative, "rb") as font:
                start = font.read(4)
            if not start.startswith(FONT_SIGNATURES[suffix]):
                problems.append(f"{named} is not a {suffix} font (its first bytes say otherwise)")
    return problems


def _visible(folder: Path) -> list[Path]:
    """A folder's entries, sorted, without hidden ones ('.DS_Store')."""
    return sorted(entry for entry in folder.iterdir() if not entry.name.startswith("."))


def _legal_texts(folder: Path, theme: Theme) -> tuple[dict[str, dict[str, str]], list[str]]:
    """legal/<language>/terms.md and privacy.md: required in the default language, optional
    in the other languages offered, refused in languages not offered."""
    where = f"{folder.name}/{THEME_FILE}"
    base = folder / LEGAL_FOLDER
    texts: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    if base.is_dir():
        for language_dir in _visible(base):
            shown = f"{folder.name}/{LEGAL_FOLDER}/{language_dir.name}"
            if not language_dir.is_dir():
                problems.append(
                    f"{shown}: expected a folder named after a language, such as "
                    f"{LEGAL_FOLDER}/{theme.default_language}/"
                )
                continue
            if language_dir.name not in theme.languages:
                problems.append(
                    f"{shown}/: language {language_dir.name!r} is not one of "
                    f"{where} field 'languages' {theme.languages}"
                )
                continue
            for file in _visible(language_dir):
                name = file.name.removesuffix(".md")
                if not file.is_file() or file.suffix != ".md" or name not in LEGAL_TEXTS:
                    problems.append(
                        f"{shown}/{file.name}: unknown legal text "
                        f"(expected {' or '.join(n + '.md' for n in LEGAL_TEXTS)})"
                    )
                    continue
                text, problem = _read_text(file, f"{shown}/{file.name}", LEGAL_TEXT_MAX)
                if problem:
                    problems.append(problem)
                else:
                    texts.setdefault(language_dir.name, {})[name] = text
    default = theme.default_language
    for name in LEGAL_TEXTS:
        if name not in texts.get(default, {}) and not (base / default / f"{name}.md").is_file():
            problems.append(
                f"{folder.name}/{LEGAL_FOLDER}/{default}/{name}.md: file not found "
                f"(required in the {where} field 'default_language', {default!r})"
            )
    return texts, problems


def _read_text(file: Path, shown: str, most: int) -> tuple[str, str]:
    """The file's text, or a problem naming it."""
    try:
        text = file.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        return "", f"{shown}: not UTF-8 text"
    if not text:
        return "", f"{shown}: the file is empty"
    if len(text) > most:
        return "", f"{shown}: longer than {most:,} characters"
    return text, ""


def _text_overrides(folder: Path, theme: Theme) -> tuple[dict[str, dict[str, str]], list[str]]:
    """texts/<language>.toml: `key = "text"` lines, each replacing one of the wallet's
    words in that language. Whether the keys exist is for the wallet to say."""
    where = f"{folder.name}/{THEME_FILE}"
    base = folder / TEXTS_FOLDER
    texts: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    if not base.is_dir():
        return texts, problems
    for file in _visible(base):
        shown = f"{folder.name}/{TEXTS_FOLDER}/{file.name}"
        language = file.name.removesuffix(".toml")
        if not file.is_file() or file.suffix != ".toml":
            problems.append(
                f"{shown}: expected files named after a language, such as "
                f"{TEXTS_FOLDER}/{theme.default_language}.toml"
            )
            continue
        if language not in theme.languages:
            problems.append(
                f"{shown}: language {language!r} is not one of {where} field 'languages' "
                f"{theme.languages}"
            )
            continue
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            problems.append(f"{shown}: not valid TOML: {error}")
            continue
        words = {}
        for key, value in data.items():
            if not isinstance(value, str):
                problems.append(f'{shown}: field {key!r}: expected text in quotes, key = "text"')
            elif not value.strip():
                problems.append(f"{shown}: field {key!r}: the text is empty")
            elif len(value.strip()) > TEXT_MAX:
                problems.append(f"{shown}: field {key!r}: longer than {TEXT_MAX} characters")
            else:
                words[key] = value.strip()
        texts[language] = words
    return texts, problems


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
