"""schemathesis generates queries from the live schema: none may break the server."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from tests.conftest import LiveServer

EXPECTED_CODES = {"UNAUTHENTICATED", "FORBIDDEN"}
# A JSON request cannot carry a file: inline values for Upload must be refused cleanly.
schemathesis.graphql.scalar("Upload", st.text(max_size=8).map(nodes.String))


def test_generated_queries_get_well_formed_answers(live_server: LiveServer) -> None:
    schema = schemathesis.graphql.from_url(live_server.url + "/graphql")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.label for operation in operations} >= {
        "Query.currencies",
        "Query.currency",
        "Query.node",
    }
    calls = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(timeout=10)
            calls.append(case.operation.label)
            assert response.status_code == 200, response.text
            body = response.json()
            assert "data" in body or "errors" in body
            for problem in body.get("errors", []):
                # Refusals carry a code; validation errors have no path; nothing is internal.
                code = (problem.get("extensions") or {}).get("code")
                assert code in EXPECTED_CODES or "path" not in problem, problem
                assert "internal error" not in problem["message"], problem

        check()
    assert len(calls) >= len(operations)
