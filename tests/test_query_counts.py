"""Lists cost a fixed number of store round trips, however long they are.

Each query runs in-process through the schema, as the wallet runs its operations, on the
real stores; every SQL statement and every document-store command it sends is counted.
The counts must not grow with the page, nor with the number of accounts or of IDs asked:
what the items of a list need is loaded in one batch per store (schema/loaders.py).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from pymongo import monitoring
from strawberry import relay
from tortoise import connections

from schema.context import Context, build_context
from schema.events import recheck
from schema.schema import build_schema
from server.accounts import services as accounts
from server.accounts import totp
from server.accounts.models import Account, AccountKind, AdminRole, User
from server.accounts.sign_in import authenticate_session, end_session, sign_in
from server.branding import load_all
from server.currencies.models import Currency
from server.kyc.models import DocumentKind
from server.kyc.services import submit_document
from server.ledger import services as ledger
from server.ledger.models import EntryKind
from server.ledger.operations import Transfer, transfer_money
from server.pos import services as pos
from server.registry import DOCUMENT_MODELS
from server.runtime import Runtime
from server.settings import Settings
from server.stores.documents import DocumentStore

PASSWORD = "a long enough passphrase"
COUNTERPARTIES = 101  # a full page and more: each payment goes to an account of its own
SQL_METHODS = (
    "execute_query",
    "execute_query_dict",
    "execute_insert",
    "execute_many",
    "execute_script",
)

HISTORY = """query($first: Int!) { viewer { activeAccount { wallet(currency: "REC") {
  transactions(first: $first) {
    edges { node { kind amount { amount currency } from { name handle } to { name handle } } }
    pageInfo { hasNextPage } } } } } }"""
ACCOUNTS = """{ viewer { accounts { role account { name
  wallet { balance { amount currency } } } } } }"""
REVIEW_QUEUE = """{ kycReviewQueue(first: 50) { edges { node { document { kind } account {
  name kycTier kycLimits { name } kycDocuments { status } members { name role }
  wallet { balance { amount } } } } } } }"""
TRANSACTION = """t{i}: node(id: "{id}") {{ ... on Transaction {{
  amount {{ amount }} from {{ handle }} to {{ handle }} }} }}"""
ACCOUNT = """a{i}: node(id: "{id}") {{ ... on Account {{
  name kycTier wallet {{ balance {{ amount }} }} }} }}"""
ORDER = """o{i}: paymentOrder(id: "{id}") {{ status merchantName amount {{ amount }} }}"""


@dataclass
class Counts:
    """What the stores were asked while counting was on."""

    sql: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)

    def numbers(self) -> tuple[int, int]:
        return len(self.sql), len(self.documents)

    def __str__(self) -> str:
        return "\n".join(["SQL:", *self.sql, "document commands:", *self.documents])


class DocumentCommands(monitoring.CommandListener):
    """Records the commands the document store's client sends to the test's database,
    except those on the collections in `ignored`: by default the rate limit's, the same
    for every operation whatever it asks (counted on their own below)."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.into: list[str] | None = None
        self.ignored = {"rate_limits"}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        collection = event.command.get(event.command_name)
        if (
            self.into is not None
            and event.database_name == self.database
            and collection not in self.ignored
        ):
            self.into.append(f"{event.command_name} {collection}")

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _recording(method: Any, into: list[str]) -> Any:
    async def recorded(query: str, *args: Any, **kwargs: Any) -> Any:
        into.append(" ".join(query.split()))
        return await method(query, *args, **kwargs)

    return recorded


@dataclass
class Harness:
    runtime: Runtime
    documents: DocumentCommands
    monkeypatch: pytest.MonkeyPatch

    @contextmanager
    def counting(self) -> Iterator[Counts]:
        """Counts what reaches the stores: the relational client's statements (it still
        runs each one) and the document client's commands."""
        counts = Counts()
        client = connections.get("default")
        with self.monkeypatch.context() as patch:
            for name in SQL_METHODS:
                patch.setattr(client, name, _recording(getattr(client, name), counts.sql))
            self.documents.into = counts.documents
            try:
                yield counts
            finally:
                self.documents.into = None

    async def context(self, token: str | None = None) -> Context:
        """A request's context, as the wallet builds one for each operation."""
        scope = {"type": "http", "headers": [], "client": ("127.0.0.1", 1)}
        return await build_context(self.runtime, scope, bearer=token)

    async def run(
        self, token: str | None, query: str, variables: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], Counts]:
        context = await self.context(token)  # authenticating is not the query's cost
        with self.counting() as counts:
            result = await self.runtime.schema.execute(
                query, variable_values=variables or {}, context_value=context
            )
        assert result.errors is None, result.errors
        assert result.data is not None
        return result.data, counts


def _selection(fields: Iterable[str]) -> str:
    return "{ " + " ".join(fields) + " }"


def _expect(counts: Counts, sql: int, documents: int) -> None:
    assert counts.numbers() == (sql, documents), str(counts)


@pytest.fixture
async def harness(stores: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    """The schema on the test's stores, with a document client whose commands are seen."""
    assert stores.mongodb_url
    listener = DocumentCommands(stores.mongodb_database)
    documents = DocumentStore(
        stores.mongodb_url, stores.mongodb_database, DOCUMENT_MODELS, command_listeners=[listener]
    )
    await documents.open()  # the document models talk through this client from now on
    brandings = {branding.code: branding for branding in load_all(stores.branding_dir)}
    runtime = Runtime(settings=stores, brandings=brandings, schema=build_schema())
    try:
        yield Harness(runtime, listener, monkeypatch)
    finally:
        await documents.close()


async def _person(name: str) -> tuple[User, Account]:
    user = await accounts.create_user(f"{uuid.uuid4().hex[:10]}@example.org", PASSWORD, name)
    return user, (await accounts.accounts_of(user))[0][0]


async def _token(user: User, totp_code: str | None = None) -> str:
    signed = await sign_in(
        user.email, PASSWORD, totp_code, ip="127.0.0.1", user_agent="test", lifetime_s=3600
    )
    return signed.token


@pytest.fixture
async def treasurer(harness: Harness) -> User:
    return (await _person("Tresorera"))[0]


async def _issue(treasurer: User, to: Account, cents: int) -> str:
    rec = await Currency.get(code="REC")
    summary = await ledger.issue(treasurer, to, rec, cents, "cash at the office", uuid.uuid4().hex)
    return str(summary["entry_id"])


async def _pay(payer: Account, payee: Account, cents: int) -> str:
    transfer = Transfer(
        kind=EntryKind.PAYMENT,
        currency="REC",
        from_account_id=payer.id,
        to_account_id=payee.id,
        amount_cents=cents,
    )
    return str((await transfer_money(transfer, uuid.uuid4().hex))["entry_id"])


async def _busy_person(treasurer: User, payments: int) -> tuple[User, list[str]]:
    """Marta tops up once, then pays `payments` shops, each a different one; with the IDs
    of her entries, oldest first."""
    user, account = await _person("Marta Busy")
    entry_ids = [await _issue(treasurer, account, 100_000)]
    for number in range(payments):
        shop = await accounts.create_account(AccountKind.BUSINESS, f"Shop {number}")
        entry_ids.append(await _pay(account, shop, 100 + number))
    return user, entry_ids


def _history(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["viewer"]["activeAccount"]["wallet"]["transactions"]["edges"]


async def test_a_page_of_100_transactions_costs_what_a_page_of_10_costs(
    harness: Harness, treasurer: User
) -> None:
    user, _ = await _busy_person(treasurer, COUNTERPARTIES)
    token = await _token(user)
    small, small_counts = await harness.run(token, HISTORY, {"first": 10})
    large, large_counts = await harness.run(token, HISTORY, {"first": 100})

    assert len(_history(small)) == 10
    edges = _history(large)
    assert len(edges) == 100
    assert len({edge["node"]["to"]["handle"] for edge in edges}) == 100
    assert {edge["node"]["from"]["name"] for edge in edges} == {"Marta Busy"}
    assert edges[0]["node"]["to"]["name"] == f"Shop {COUNTERPARTIES - 1}"
    assert edges[0]["node"]["amount"] == {"amount": "2.00", "currency": "REC"}
    # SQL: the currency; every party of the page at once. Documents: the wallet; the page.
    _expect(small_counts, sql=2, documents=2)
    _expect(large_counts, sql=2, documents=2)
    assert large_counts.documents == ["find wallets", "find journal"]


async def test_transactions_asked_by_id_load_together(harness: Harness, treasurer: User) -> None:
    user, entry_ids = await _busy_person(treasurer, 20)
    token = await _token(user)

    def nodes(count: int) -> str:
        return _selection(
            TRANSACTION.format(i=i, id=relay.to_base64("Transaction", entry_id))
            for i, entry_id in enumerate(entry_ids[:count])
        )

    _, two = await harness.run(token, nodes(2))
    many, twenty = await harness.run(token, nodes(20))

    assert all(node is not None for node in many.values()) and len(many) == 20
    assert many["t1"]["to"]["handle"] != many["t2"]["to"]["handle"]
    # SQL: the currency; the parties. Documents: the entries, all at once.
    _expect(two, sql=2, documents=1)
    _expect(twenty, sql=2, documents=1)


async def test_a_persons_accounts_with_their_balances_cost_the_same_for_2_and_6(
    harness: Harness, treasurer: User
) -> None:
    user, personal = await _person("Pau Owner")
    token = await _token(user)
    await _issue(treasurer, personal, 5_000)
    await _issue(treasurer, await accounts.create_business_account(user, "Forn Pau"), 2_500)
    _, two = await harness.run(token, ACCOUNTS)
    for number in range(4):
        shop = await accounts.create_business_account(user, f"Botiga {number}")
        await _issue(treasurer, shop, 1_000 + number)
    six, six_counts = await harness.run(token, ACCOUNTS)

    memberships = six["viewer"]["accounts"]
    assert [m["role"] for m in memberships] == ["HOLDER"] + ["OWNER"] * 5
    balances = [m["account"]["wallet"]["balance"]["amount"] for m in memberships]
    assert balances == ["50.00", "25.00", "10.00", "10.01", "10.02", "10.03"]
    # SQL: the memberships; their accounts; the currency. Documents: every wallet at once.
    _expect(two, sql=3, documents=1)
    _expect(six_counts, sql=3, documents=1)


async def test_accounts_asked_by_id_load_together(harness: Harness, treasurer: User) -> None:
    user, personal = await _person("Pau Owner")
    shops = [await accounts.create_business_account(user, f"Botiga {n}") for n in range(5)]
    for number, shop in enumerate(shops):
        await _issue(treasurer, shop, 1_000 + number)
    token = await _token(user)

    def nodes(count: int) -> str:
        return _selection(
            ACCOUNT.format(i=i, id=relay.to_base64("Account", account.id))
            for i, account in enumerate([personal, *shops][:count])
        )

    _, two = await harness.run(token, nodes(2))
    six, six_counts = await harness.run(token, nodes(6))

    assert six["a5"] == {
        "name": "Botiga 4",
        "kycTier": 0,
        "wallet": {"balance": {"amount": "10.04"}},
    }
    # SQL: the accounts; the currency; KYC overrides, approved documents and tiers.
    _expect(two, sql=5, documents=1)
    _expect(six_counts, sql=5, documents=1)


async def _officer() -> str:
    """A KYC officer signed in with two-factor: a session token."""
    user, _ = await _person("Oriol Officer")
    secret, _ = await accounts.start_two_factor_setup(user, "REC")
    step = totp.current_step()
    await accounts.confirm_two_factor(user, totp.code_at(secret, step - 1))
    await accounts.grant_admin_role(user, AdminRole.KYC_OFFICER, reason="test")
    return await _token(user, totp.code_at(secret, step))


async def test_the_kyc_review_queue_costs_the_same_for_2_and_8_accounts(
    harness: Harness, stores: Settings
) -> None:
    officer = await _officer()
    owner, _ = await _person("Nuria Owner")
    folder = stores.kyc_dir
    folder.mkdir(parents=True, exist_ok=True)

    async def submit(count: int) -> None:
        for _ in range(count):
            shop = await accounts.create_business_account(owner, "Botiga")
            await submit_document(shop, owner, DocumentKind.ID_DOCUMENT, b"%PDF-1.4 id", folder)

    await submit(2)
    _, two = await harness.run(officer, REVIEW_QUEUE)
    await submit(6)
    eight, eight_counts = await harness.run(officer, REVIEW_QUEUE)

    queue = [edge["node"] for edge in eight["kycReviewQueue"]["edges"]]
    assert len(queue) == 8
    assert queue[0]["account"]["kycTier"] == 0
    assert queue[0]["account"]["kycLimits"] == {"name": "KYC0"}
    assert queue[0]["account"]["kycDocuments"] == [{"status": "SUBMITTED"}]
    assert queue[0]["account"]["members"] == [{"name": "Nuria Owner", "role": "OWNER"}]
    # SQL: the queue and its accounts (2); the currency; KYC overrides, approved documents
    # and tiers (3); the tiers' limits; the accounts' documents; members and their people
    # (2). Documents: every wallet at once.
    _expect(two, sql=10, documents=1)
    _expect(eight_counts, sql=10, documents=1)


async def test_payment_orders_asked_by_id_load_together(harness: Harness) -> None:
    rec = await Currency.get(code="REC")
    orders = []
    for number in range(8):
        shop = await accounts.create_account(AccountKind.BUSINESS, f"Botiga {number}")
        orders.append(
            await pos.create_order(
                shop, rec, 1_000 + number, created_by="test", idempotency_key=uuid.uuid4().hex
            )
        )

    def query(count: int) -> str:
        return _selection(
            ORDER.format(i=i, id=relay.to_base64("PaymentOrder", str(order.id)))
            for i, order in enumerate(orders[:count])
        )

    _, two = await harness.run(None, query(2))  # anyone holding the links
    eight, eight_counts = await harness.run(None, query(8))

    assert eight["o7"] == {
        "status": "REQUIRES_PAYMENT",
        "merchantName": "Botiga 7",
        "amount": {"amount": "10.07"},
    }
    # SQL: the currency; the merchants. Documents: the orders, all at once.
    _expect(two, sql=2, documents=1)
    _expect(eight_counts, sql=2, documents=1)


async def test_operations_sharing_a_context_see_each_others_changes(
    harness: Harness, treasurer: User
) -> None:
    """A WebSocket connection keeps one context for all its operations: its loaders must
    not answer a balance or a name from before a change."""
    user, personal = await _person("Pau Owner")
    context = await harness.context(await _token(user))
    query = _selection([ACCOUNT.format(i=0, id=relay.to_base64("Account", personal.id))])

    async def seen() -> dict[str, Any]:
        result = await harness.runtime.schema.execute(query, context_value=context)
        assert result.errors is None and result.data is not None
        return result.data["a0"]

    before = {"name": "Pau Owner", "kycTier": 0, "wallet": {"balance": {"amount": "0.00"}}}
    assert await seen() == before
    await _issue(treasurer, personal, 1_250)
    personal.name = "Pau Renamed"
    await personal.save(update_fields=["name"])
    after = {"name": "Pau Renamed", "kycTier": 0, "wallet": {"balance": {"amount": "12.50"}}}
    assert await seen() == after


async def test_one_event_rechecks_all_its_subscribers_in_one_batch(harness: Harness) -> None:
    """Subscriptions ask who their viewer is again for every event: those woken by the
    same event ask together, so 8 subscribers cost what 2 cost."""
    people = [await _person(f"Subscriber {n}") for n in range(8)]
    tokens = [await _token(user) for user, _ in people]
    principal = await authenticate_session(tokens[-1])
    assert principal.session is not None
    await end_session(principal.session)
    contexts = [await harness.context(token) for token in tokens]

    async def batch(count: int) -> tuple[list[Any], Counts]:
        with harness.counting() as counts:
            found = await asyncio.gather(*(recheck(c) for c in contexts[-count:]))
        return list(found), counts

    two, two_counts = await batch(2)
    eight, eight_counts = await batch(8)

    assert [p.user.id if p.user else None for p in eight] == [
        *(user.id for user, _ in people[:7]),
        None,  # the ended session: anonymous, and the subscription stops
    ]
    assert two[0].user is not None and two[0].user.id == people[6][0].id and two[1].is_anonymous
    assert eight[0].account is not None and eight[0].account.id == people[0][1].id
    assert all(p.role_in(a.id) is not None for p, (_, a) in zip(eight[:7], people, strict=False))
    # SQL: the sessions with their people; memberships; administrator grants; the active
    # accounts. None of it grows with the subscribers.
    _expect(two_counts, sql=4, documents=0)
    _expect(eight_counts, sql=4, documents=0)


async def test_the_rate_limit_costs_a_read_and_a_write_and_a_refusal_only_the_read(
    harness: Harness,
) -> None:
    """Every app process shares each caller's allowance through the document store: an
    allowed operation reads its caller's document and writes it; a refused one only reads."""
    harness.documents.ignored = set()
    limiter = harness.runtime.rate_limiter
    assert limiter is not None
    _, first = await harness.run(None, "{ currencies { code } }")
    assert first.documents == ["find rate_limits", "insert rate_limits"], str(first)
    _, counts = await harness.run(None, "{ currencies { code } }")
    assert counts.documents == ["find rate_limits", "update rate_limits"], str(counts)
    context = await harness.context()
    limiter.per_minute, limiter.burst = 1, 1  # the caller's next take must wait a minute
    with harness.counting() as refused:
        result = await harness.runtime.schema.execute(
            "{ currencies { code } }", context_value=context
        )
    assert result.errors and result.errors[0].extensions
    assert result.errors[0].extensions["code"] == "RATE_LIMITED"
    _expect(refused, sql=0, documents=1)
