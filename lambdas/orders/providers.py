"""Which payment adapter a deployment uses: `PAYMENT_ADAPTER` names one registered here."""

from __future__ import annotations

from collections.abc import Callable

from orders import contract
from orders.ledger import LedgerAdapter
from orders.payments import PaymentAdapter
from shared import environment

AdapterFactory = Callable[[], PaymentAdapter]

# Extend by adding an adapter module and one entry here (and to the settings' Literal).
ADAPTERS: dict[str, AdapterFactory] = {
    "ledger": LedgerAdapter.from_environment,
}


def adapter_from_environment() -> PaymentAdapter:
    """The adapter `PAYMENT_ADAPTER` names (`ledger` when unset); `MalformedSetting` for another name."""
    return ADAPTERS[environment.choice(contract.PAYMENT_ADAPTER_ENV, ADAPTERS, default="ledger")]()
