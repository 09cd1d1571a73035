"""Which payment adapter a deployment uses: `PAYMENT_ADAPTER` names one registered here."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from orders.ledger import LedgerAdapter
from orders.payments import PaymentAdapter

AdapterFactory = Callable[[Mapping[str, str]], PaymentAdapter]

# Extend by adding an adapter module and one entry here (and to the settings' Literal).
ADAPTERS: dict[str, AdapterFactory] = {
    "ledger": LedgerAdapter.from_environment,
}


def adapter_from_environment(environ: Mapping[str, str]) -> PaymentAdapter:
    name = environ.get("PAYMENT_ADAPTER", "ledger")
    try:
        factory = ADAPTERS[name]
    except KeyError:
        raise RuntimeError(f"PAYMENT_ADAPTER={name!r} is not one of {sorted(ADAPTERS)}") from None
    return factory(environ)
