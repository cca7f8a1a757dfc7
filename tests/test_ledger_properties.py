"""Property-based: any sequence of issuances, payments, redemptions and refunds keeps
every invariant, and `rec ledger verify`'s checks pass after each run."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.accounts.errors import AccountsError
from server.currencies.models import Currency
from server.ledger import sealer
from server.ledger import services as ledger
from server.ledger.errors import LedgerError
from server.ledger.models import EntryKind, JournalEntry
from server.ledger.verify import verify_ledger
from server.settings import Settings
from tests.test_ledger import _invariants, _person

PIN = "4071"
PEOPLE = 4

operations = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), st.integers(0, PEOPLE - 1), st.integers(1, 5_000)),
        st.tuples(
            st.just("pay"),
            st.integers(0, PEOPLE - 1),
            st.integers(0, PEOPLE - 1),
            st.integers(1, 3_000),
        ),
        st.tuples(st.just("redeem"), st.integers(0, PEOPLE - 1), st.integers(1, 3_000)),
        st.tuples(
            st.just("refund"), st.integers(0, 20), st.one_of(st.none(), st.integers(1, 3_000))
        ),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
async def test_random_sequences_keep_every_invariant(stores: Settings, steps: list) -> None:
    rec = await Currency.get(code="REC")
    people = [await _person(f"P{n}") for n in range(PEOPLE)]
    treasurer = people[0][0]
    for step in steps:
        try:
            if step[0] == "issue":
                await ledger.issue(
                    treasurer, people[step[1]][1], rec, step[2], "cash", uuid.uuid4().hex
                )
            elif step[0] == "pay":
                user, payer = people[step[1]]
                await ledger.pay(
                    user, payer, people[step[2]][1], rec, step[3], "", PIN, uuid.uuid4().hex
                )
            elif step[0] == "redeem":
                await ledger.redeem(
                    None, people[step[1]][1], rec, step[2], "to the bank", uuid.uuid4().hex
                )
            else:
                payments = (
                    await JournalEntry.find(JournalEntry.kind == EntryKind.PAYMENT)
                    .sort("_id")
                    .to_list()
                )
                if payments:
                    payment = payments[step[1] % len(payments)]
                    await ledger.refund(None, str(payment.id), step[2], "back", uuid.uuid4().hex)
        except (LedgerError, AccountsError):
            pass  # refused: and so it must change nothing, which the invariants check
        await _invariants()
    await sealer.seal_pending("REC")
    await sealer.checkpoint(rec, stores.secret_key, force=True)
    report = await verify_ledger("REC")
    assert report.ok, report.problems
