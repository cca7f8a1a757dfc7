"""A GraphQL client for tests: real HTTP, a cookie jar like a browser's, or a bearer token."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from server.accounts import totp


class GraphQLClient:
    def __init__(self, url: str, token: str | None = None) -> None:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=url, headers=headers, timeout=20)

    def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.raw(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def mutate(self, name: str, query: str, input: dict[str, Any] | None = None) -> dict[str, Any]:
        """Runs a mutation whose payload must come back without errors; returns the payload."""
        variables = {"input": input} if input is not None else None
        payload = self.data(query, variables)[name]
        assert payload["errors"] == [], payload["errors"]
        return payload

    def pages(
        self, query: str, path: str, variables: dict[str, Any] | None = None
    ) -> list[list[dict[str, Any]]]:
        """Every page of the connection at `path` (dotted), following `endCursor` while
        `hasNextPage`; the query takes `$after: String` and selects `pageInfo`."""
        found: list[list[dict[str, Any]]] = []
        after: str | None = None
        while True:
            connection: Any = self.data(query, {**(variables or {}), "after": after})
            for key in path.split("."):
                connection = connection[key]
            edges = connection["edges"]
            found.append([edge["node"] for edge in edges])
            info = connection["pageInfo"]
            if not info["hasNextPage"]:
                return found
            assert edges and info["endCursor"] == edges[-1]["cursor"], connection
            assert len(found) < 1000, "the connection never ends"
            after = info["endCursor"]

    def refusal(self, query: str, variables: dict[str, Any] | None = None) -> str:
        """The top-level error code of a refused request (UNAUTHENTICATED or FORBIDDEN)."""
        body = self.raw(query, variables)
        assert body.get("errors"), body
        return body["errors"][0]["extensions"]["code"]


LOGIN = """mutation($input: LoginInput!) { login(input: $input) {
  token errors { field code message } viewer { user { email } activeAccount { id name } } } }"""
REGISTER = """mutation($input: RegisterInput!) { register(input: $input) {
  user { id email } errors { field code message } } }"""


def register(url: str, email: str, password: str, name: str = "Test Person") -> GraphQLClient:
    """A new person, signed in by cookie, as a browser would be."""
    client = GraphQLClient(url)
    client.mutate("register", REGISTER, {"email": email, "password": password, "name": name})
    client.mutate("login", LOGIN, {"email": email, "password": password})
    return client


def demo_admin(url: str, data_dir: Path, role: str) -> GraphQLClient:
    """The demo administrator of that role, signed in with two-factor."""
    sign_ins = json.loads((data_dir / "demo-credentials.json").read_text())
    entry = next(e for e in sign_ins if e["role"] == role)
    client = GraphQLClient(url)
    code = totp.code_at(entry["totp_secret"], totp.current_step())
    payload = client.data(
        LOGIN, {"input": {"email": entry["email"], "password": entry["password"], "totp": code}}
    )["login"]
    if payload["errors"] and payload["errors"][0]["code"] == "WRONG_TOTP":  # used this step
        code = totp.code_at(entry["totp_secret"], totp.current_step() + 1)
        payload = client.data(
            LOGIN, {"input": {"email": entry["email"], "password": entry["password"], "totp": code}}
        )["login"]
    assert payload["errors"] == [], payload["errors"]
    return client


def token_from_outbox(admin: GraphQLClient, to: str, path: str) -> str:
    query = "{ sandboxOutbox(first: 20) { edges { node { to subject body } } } }"
    for edge in admin.data(query)["sandboxOutbox"]["edges"]:
        mail = edge["node"]
        found = re.search(rf"/wallet/(?:[a-z0-9]+/)?{path}\?token=(\S+)", mail["body"])
        if mail["to"] == to and found:
            return found.group(1)
    raise AssertionError(f"no {path} mail to {to}")


def token_from_database(database: Path, to: str, path: str) -> str:
    """The newest link of that kind mailed to `to`, read from the sandbox outbox table."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            'SELECT body FROM sandbox_outbox WHERE "to" = ? ORDER BY id DESC', (to,)
        ).fetchall()
    for (body,) in rows:
        found = re.search(rf"/wallet/(?:[a-z0-9]+/)?{path}\?token=(\S+)", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no {path} mail to {to}")


def turn_on_two_factor(person: GraphQLClient) -> str:
    """As in the profile: the secret shown, confirmed with a code; returns the secret."""
    secret = person.mutate(
        "startTwoFactorSetup",
        "mutation { startTwoFactorSetup { secret provisioningUri errors { code } } }",
    )["secret"]
    # The step before the current one, so that signing in can use the current one; when a
    # busy machine crosses into the next step meanwhile, that code is too old: once more.
    for attempt in (1, 2):
        confirmed = person.data(
            """mutation($input: TwoFactorCodeInput!) {
            confirmTwoFactor(input: $input) { ok errors { code } } }""",
            {"input": {"code": totp.code_at(secret, totp.current_step() - 1)}},
        )["confirmTwoFactor"]
        if confirmed["errors"] != [{"code": "WRONG_TOTP"}] or attempt == 2:
            break
    assert confirmed["errors"] == [], confirmed["errors"]
    return secret


def new_admin(url: str, superadmin: GraphQLClient, role: str) -> dict[str, Any]:
    """A new person given an administrator role, who turns on two-factor and signs in
    with it, as any new administrator would: `{email, password, secret, client}` (the
    secret, to sign in again in a browser)."""
    import uuid

    email, password = f"admin-{uuid.uuid4().hex[:10]}@example.org", "a long enough passphrase"
    person = register(url, email, password, f"{role.replace('_', ' ').title()} Admin")
    secret = turn_on_two_factor(person)
    user_id = person.data("{ viewer { user { id } } }")["viewer"]["user"]["id"]
    superadmin.mutate(
        "grantAdminRole",
        """mutation($input: AdminRoleInput!) {
        grantAdminRole(input: $input) { user { id } errors { code } } }""",
        {"userId": user_id, "role": role, "reason": "test administrator"},
    )
    admin = GraphQLClient(url)
    admin.mutate(
        "login",
        LOGIN,
        {"email": email, "password": password, "totp": totp.code_at(secret, totp.current_step())},
    )
    return {"email": email, "password": password, "secret": secret, "client": admin}


def make_admin(url: str, superadmin: GraphQLClient, role: str) -> GraphQLClient:
    """A new administrator of that role, signed in over the API (see `new_admin`)."""
    return new_admin(url, superadmin, role)["client"]


CREATE_BUSINESS = """mutation($input: CreateBusinessAccountInput!) { createBusinessAccount(
  input: $input) { account { id handle } errors { field code message } } }"""
CREATE_API_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  secret errors { field code message } } }"""


def business_account(owner: GraphQLClient, name: str, category: str = "shop") -> dict[str, Any]:
    """A business account in Barcelona that `owner` owns: `{id handle}`."""
    return owner.mutate(
        "createBusinessAccount",
        CREATE_BUSINESS,
        {
            "name": name,
            "category": category,
            "address": "Carrer de Verdi, 30",
            "location": {"lat": 41.4036, "lng": 2.157},
        },
    )["account"]


def api_key(owner: GraphQLClient, account_id: str, *scopes: str) -> str:
    """A new API key of the account, with those scopes: its secret."""
    payload = {"accountId": account_id, "name": "program", "scopes": list(scopes)}
    return owner.mutate("createApiKey", CREATE_API_KEY, payload)["secret"]
