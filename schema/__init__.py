"""The Strawberry GraphQL schema, organised by domain; `schema.schema` assembles it."""
