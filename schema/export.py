"""Writes the schema's SDL to schema.graphql at the project's root: `make schema`, or
`.venv/bin/python -m schema.export`. A test fails while the file differs from the schema."""

from __future__ import annotations

from server.settings import PROJECT_ROOT

SCHEMA_FILE = PROJECT_ROOT / "schema.graphql"


def main() -> None:
    from schema.schema import schema_sdl

    SCHEMA_FILE.write_text(schema_sdl(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE.name}")


if __name__ == "__main__":
    main()
