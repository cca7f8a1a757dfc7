"""schema.graphql, committed for integrators and reviewers, is the schema itself."""

from schema.export import SCHEMA_FILE
from schema.schema import schema_sdl


def test_the_committed_schema_file_is_the_schema() -> None:
    assert SCHEMA_FILE.exists(), "run `make schema` and commit schema.graphql"
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == schema_sdl(), (
        "schema.graphql differs from the schema: run `make schema` and commit the file"
    )
