"""The wallet residents install: ReactPy components that only speak GraphQL."""
