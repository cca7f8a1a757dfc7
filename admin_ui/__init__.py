"""The admin panel: ReactPy components that only speak GraphQL."""
