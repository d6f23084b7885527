"""Conversions between the SDK's documents: the front page (病案首页) → the settlement list.

The front page is coded in the clinical editions (国临版) and carries the front page's own
cost categories; the settlement list (结算清单) the bureau wants is coded in the insurance
editions (医保版) with the 14 settlement charge categories. :class:`FrontPageConverter` does
that translation (贯标) and reports, as :class:`~medins_sdk.models.Finding` objects, every code
and amount it could not translate cleanly, instead of dropping it.
"""

from medins_sdk.convert.costs import COST_RULES, CostRule
from medins_sdk.convert.front_page import (
    ConversionError,
    Converted,
    FrontPageConverter,
    front_page_encounter,
)

__all__ = [
    "COST_RULES",
    "ConversionError",
    "Converted",
    "CostRule",
    "FrontPageConverter",
    "front_page_encounter",
]
