"""What one request may ask, over real HTTP: aliases, tokens, lists, mutations, cost,
frequency and introspection; each refusal has a code and runs nothing."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from graphql import parse

from pwa.wallet import OPERATIONS
from schema import limits
from server.demo import saved_sign_ins
from tests.conftest import EmbeddedDocumentServer, LiveServer, served, server_settings
from tests.helpers.graphql import GraphQLClient, api_key, business_account, register

TRANSACTIONS = """wallet { transactions(first: 100) { edges { node { id kind memo createdAt
  amount { amount currency } from { name handle } to { name handle } } } } }"""


def _post(url: str, query: str, variables: dict | None = None, token: str = "") -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        url + "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def _code(body: dict) -> str:
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]


def test_every_answer_reports_its_cost(live_server: LiveServer) -> None:
    body = _post(live_server.url, "{ currencies { code name } }")
    assert body["extensions"]["cost"] == 3


def test_too_many_aliases_are_refused(live_server: LiveServer) -> None:
    many = " ".join(f"a{n}: currencies {{ code }}" for n in range(limits.ALIASES_MAX + 1))
    body = _post(live_server.url, f"{{ {many} }}")
    assert _code(body) == "QUERY_TOO_COMPLEX" and body.get("data") is None
    assert "aliases" in body["errors"][0]["message"]


def test_too_many_tokens_are_refused(live_server: LiveServer) -> None:
    fields = " ".join(["code"] * limits.TOKENS_MAX)
    body = _post(live_server.url, f"{{ currencies {{ {fields} }} }}")
    assert _code(body) == "QUERY_TOO_COMPLEX"
    assert "tokens" in body["errors"][0]["message"]


def test_a_query_that_costs_too_much_is_refused_and_nothing_runs(
    live_server: LiveServer,
) -> None:
    person = register(live_server.url, f"c{uuid.uuid4().hex[:8]}@example.org", "long passphrase 1")
    one = person.raw(f"{{ viewer {{ activeAccount {{ {TRANSACTIONS} }} }} }}")
    page_cost = one["extensions"]["cost"]
    assert page_cost > 1000  # a page of 100 costs 100 times its items
    copies = limits.COST_MAX // page_cost + 1
    many = " ".join(f"w{n}: activeAccount {{ {TRANSACTIONS} }}" for n in range(copies))
    body = person.raw(f"{{ viewer {{ {many} }} }}")
    assert _code(body) == "QUERY_TOO_COMPLEX"
    assert body["errors"][0]["extensions"]["costMax"] == limits.COST_MAX
    assert body["errors"][0]["extensions"]["cost"] > limits.COST_MAX


def test_long_lists_are_refused_in_variables_and_in_the_query(live_server: LiveServer) -> None:
    owner = register(live_server.url, f"l{uuid.uuid4().hex[:8]}@example.org", "long passphrase 1")
    account = business_account(owner, "Llarga")
    key = api_key(owner, account["id"], "payment_orders:read")
    types = ["payment_order.created"] * (limits.LIST_LENGTH_MAX + 1)
    query = "query($types: [String!]) { events(first: 5, types: $types) { edges { cursor } } }"
    assert _code(_post(live_server.url, query, {"types": types}, key)) == "INPUT_TOO_LONG"
    literal = ", ".join(['"payment_order.created"'] * (limits.LIST_LENGTH_MAX + 1))
    inline = f"{{ events(first: 5, types: [{literal}]) {{ edges {{ cursor }} }} }}"
    assert _code(_post(live_server.url, inline, token=key)) == "INPUT_TOO_LONG"
    fine = _post(live_server.url, query, {"types": types[:20]}, key)
    assert "errors" not in fine and fine["data"]["events"]["edges"] == []


def test_at_most_four_mutations_per_request(live_server: LiveServer) -> None:
    person = register(live_server.url, f"m{uuid.uuid4().hex[:8]}@example.org", "long passphrase 1")
    five = " ".join(
        f'k{n}: createBusinessAccount(input: {{name: "Botiga {n}", category: "shop", '
        'address: "Carrer Gran, 1", location: {lat: 41.4, lng: 2.15}}) { account { id } }'
        for n in range(limits.MUTATIONS_MAX + 1)
    )
    body = person.raw(f"mutation {{ {five} }}")
    assert _code(body) == "TOO_MANY_MUTATIONS" and body.get("data") is None
    owned = person.raw("{ viewer { accounts { account { name } } } }")["data"]["viewer"]
    assert [
        m["account"]["name"] for m in owned["accounts"] if "Botiga" in m["account"]["name"]
    ] == []


def test_depth_counts_every_level_and_skips_introspection() -> None:
    document = parse("{ a { b { c { d } } } __schema { types { fields { type { name } } } } }")
    measure = limits._Measure()
    cost = limits._measure(document.definitions[0].selection_set, {}, {}, 0, measure)  # type: ignore[attr-defined]
    assert measure.depth == 4 and cost == 4


@pytest.fixture(scope="module")
def strict_server(
    document_server: EmbeddedDocumentServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A platform that allows 6 operations a minute per caller (10 at once), no introspection, and
    registered operations only for browsers."""
    folder: Path = tmp_path_factory.mktemp("strict")
    settings = server_settings(folder, f"sqlite://{folder / 'rec.sqlite3'}", document_server.url)
    with served(
        settings,
        "demo",
        REC_RATE_LIMIT_PER_MINUTE="6",
        REC_GRAPHQL_INTROSPECTION="false",
        REC_PERSISTED_QUERIES_ONLY="true",
    ) as server:
        yield server


def _sign_in(server: LiveServer, resident: int = 0) -> tuple[httpx.Client, str]:
    """A demo resident signed in through the wallet's registered sign-in: a browser-like
    client holding the session cookie, and the session's bearer token."""
    entry = [e for e in saved_sign_ins(server.data_dir) if e["role"] == "resident"][resident]
    browser = httpx.Client(base_url=server.url)
    text = OPERATIONS["WalletSignIn"].document
    credentials = {"email": entry["email"], "password": entry["password"], "totp": None}
    answer = browser.post(
        "/graphql",
        json={"query": text, "operationName": "WalletSignIn", "variables": {"input": credentials}},
    ).json()
    assert answer["data"]["login"]["errors"] == [], answer
    return browser, answer["data"]["login"]["token"]


def test_each_caller_gets_its_own_rate_limit(strict_server: LiveServer) -> None:
    url = strict_server.url
    _, token = _sign_in(strict_server, 0)
    owner = GraphQLClient(url, token=token)
    account = business_account(owner, "Ràpida")
    key = api_key(owner, account["id"], "payment_orders:read")
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(
            pool.map(lambda _: _post(url, "{ currencies { code } }", token=key), range(30))
        )
    limited = [a for a in answers if a.get("errors")]
    assert len(limited) >= 15, "30 requests at once passed a limit of 6 a minute, burst 10"
    error = limited[0]["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] >= 1 and "try again" in error["message"]
    assert limited[0].get("data") is None
    # Another caller (anonymous, by address) is not held back by the key.
    currency = _persisted(url, "WalletCurrency", {"code": "REC"})
    assert currency["data"]["currency"]["code"] == "REC"


def test_introspection_can_be_turned_off(strict_server: LiveServer) -> None:
    _, token = _sign_in(strict_server, 1)
    body = _post(strict_server.url, "{ __schema { queryType { name } } }", token=token)
    assert body.get("errors") and body.get("data") is None
    assert "introspection" in body["errors"][0]["message"].lower()


def _persisted(url: str, name: str, variables: dict, text: str | None = None) -> dict:
    digest = hashlib.sha256(OPERATIONS[name].document.encode()).hexdigest()
    body: dict = {
        "operationName": name,
        "variables": variables,
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}},
    }
    if text is not None:
        body["query"] = text
    response = httpx.post(url + "/graphql", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_registered_operation_runs_by_its_hash(live_server: LiveServer) -> None:
    done = _persisted(live_server.url, "WalletCurrency", {"code": "REC"})
    assert done["data"]["currency"]["name"] == "REC"
    same = _persisted(
        live_server.url, "WalletCurrency", {"code": "REC"}, OPERATIONS["WalletCurrency"].document
    )
    assert same["data"] == done["data"]
    other = _persisted(
        live_server.url, "WalletCurrency", {"code": "REC"}, "{ currencies { code } }"
    )
    assert _code(other) == "PERSISTED_QUERY_MISMATCH"
    unknown = httpx.post(
        live_server.url + "/graphql",
        json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
    ).json()
    assert _code(unknown) == "PERSISTED_QUERY_NOT_FOUND"


def test_browsers_run_only_registered_operations_when_so_configured(
    strict_server: LiveServer,
) -> None:
    url = strict_server.url
    assert _code(_post(url, "{ currencies { code } }")) == "PERSISTED_QUERY_REQUIRED"
    text = OPERATIONS["WalletCurrency"].document
    as_text = httpx.post(
        url + "/graphql",
        json={"query": text, "operationName": "WalletCurrency", "variables": {"code": "REC"}},
    ).json()
    assert as_text["data"]["currency"]["code"] == "REC"
    browser, token = _sign_in(strict_server, 2)
    mine = browser.post("/graphql", json={"query": "{ viewer { user { email } } }"}).json()
    assert _code(mine) == "PERSISTED_QUERY_REQUIRED"
    program = _post(url, "{ viewer { user { email } } }", token=token)
    assert program["data"]["viewer"]["user"]["email"].startswith("lucia@")
