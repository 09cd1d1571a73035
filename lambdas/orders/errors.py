"""Named errors of the order saga: each class name is the `errorType` the state machine catches."""

from __future__ import annotations

from shared.errors import InvalidInput, TaskError, TransientError


class InvalidOrder(InvalidInput):
    """The order breaks the schema or a business rule; the message names the field."""


class PaymentDeclined(TaskError):
    """The payment provider refused the charge (unknown or blocked method, funds, currency)."""


class PaymentProviderUnavailable(TransientError):
    """The payment provider could not be reached or throttled us; the call is safe to retry."""


class PaymentConflict(TaskError):
    """The order was already charged with different terms; charging again would double-charge."""


class ChargeVoided(TaskError):
    """The order was compensated before this charge ran (a late invocation): nothing is charged."""


class RefundImpossible(TaskError):
    """A recorded charge cannot be returned (its payment method no longer exists)."""


class AddressUndeliverable(TaskError):
    """The shipping address is outside the served countries or its postal code is malformed."""


class ShipmentNotCancellable(TaskError):
    """The shipment already left the CREATED state (dispatched); it needs a manual return."""


class ShipmentStoreUnavailable(TransientError):
    """The shipment table throttled or failed; the call is safe to retry."""


class DuplicateOrder(TaskError):
    """Another execution already owns this order id; nothing was changed."""


class PersonalDataMissing(TaskError):
    """The order's personal data item is gone (never stored by Validate, or erased)."""


class PersonalDataUnavailable(TransientError):
    """The personal data table throttled or failed; the call is safe to retry."""


class UnknownSku(TaskError):
    """An order line names an SKU the catalog does not hold; nothing was written."""


class InactiveSku(TaskError):
    """An order line names an SKU that is no longer sold; nothing was written."""


class PriceChanged(TaskError):
    """The client's expected unit price differs from the catalog's; nothing was written."""


class CatalogUnavailable(TransientError):
    """The catalog table throttled or failed; the call is safe to retry."""


class PaymentMethodNotOwned(TaskError):
    """The payment method has no owner or belongs to another customer; nothing reserved or charged."""


class SpendRecordUnavailable(TransientError):
    """The customer spend table throttled, failed or stayed contended; the call is safe to retry."""
