"""The scheme ``jiangsu-maternity`` and its pricer.

The scheme does not group: the channel is decided from the codes on every pricing (a few
dictionary look-ups), and the price's ``group`` names it (``vaginal``, ``caesarean``,
``complication``). An encounter that is not a delivery is unpricable, so ``medins price``
rejects it with the reason.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from medins_plugin_jiangsu_maternity.channels import Classifier, Decision
from medins_plugin_jiangsu_maternity.filing import FiledPrice, price_filed
from medins_plugin_jiangsu_maternity.pack import MaternityPack
from medins_plugin_jiangsu_maternity.pricing import priced
from medins_plugin_jiangsu_maternity.register import EMPTY_REGISTER, DeliveryRegister
from medins_sdk.models import Encounter, GroupResult, PriceResult
from medins_sdk.schemes import PaymentScheme, UnpricableError, encounter_cost

SCHEME: Final = "jiangsu-maternity"
"""The scheme's name, also its pricer's."""


def maternity_scheme(pack: MaternityPack) -> PaymentScheme:
    """The scheme the pack describes: region, dates and source from its manifest."""
    manifest = pack.manifest
    return PaymentScheme(
        name=SCHEME,
        title=manifest.title,
        pricer=SCHEME,
        region=manifest.region,
        effective_from=manifest.effective_from,
        effective_to=manifest.effective_to,
        source=f"{manifest.source} (pack {manifest.version})",
    )


class Assessment(NamedTuple):
    """One delivery priced: the decision, the price, and both parts when it is filed."""

    decision: Decision
    price: PriceResult
    filed: FiledPrice | None


class MaternityPricer:
    """Prices deliveries at the fixed rates, or at cost for a low-frequency complication.

    ``register`` supplies what the settlement data lacks (blood loss, filings); the
    registered pricer has none (see :mod:`medins_plugin_jiangsu_maternity.register`).
    """

    name = SCHEME

    def __init__(self, pack: MaternityPack, register: DeliveryRegister = EMPTY_REGISTER) -> None:
        self.pack = pack
        self.classifier = Classifier(pack, register)

    def price(
        self, encounter: Encounter, grouping: GroupResult | None, scheme: PaymentScheme
    ) -> PriceResult:
        return self.assess(encounter, scheme.name).price

    def assess(self, encounter: Encounter, scheme: str = SCHEME) -> Assessment:
        """Decide and price ``encounter``; :class:`UnpricableError` when it is not a delivery."""
        decision = self.classifier.decide(encounter)
        if not decision.is_delivery:
            raise UnpricableError(self.classifier.not_a_delivery)
        if self.classifier.filed(encounter.id):
            filed = price_filed(encounter, scheme, decision, self.pack.unflagged_lines)
            return Assessment(decision, filed.whole, filed)
        price = priced(encounter.id, scheme, decision, encounter_cost(encounter))
        return Assessment(decision, price, None)
