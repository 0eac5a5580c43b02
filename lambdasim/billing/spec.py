"""The scenario's ``pricing`` section: which dated prices apply and the billing options, validated."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from lambdasim.billing.catalogue import Catalogue, check_discount, load_catalogue, presets
from lambdasim.errors import CatalogueError
from lambdasim.spec import FloatIn, Spec

__all__ = ["PricingSpec"]


class PricingSpec(Spec):
    """Which prices apply (a ``preset`` or an ``as_of`` date, plus ``overrides``) and the billing options.

    ``free_tier`` subtracts Lambda's monthly free requests and GB-s (off by
    default in simulations; ``lambdasim bill`` turns it on). ``savings_plan``
    is a Compute Savings Plan discount on Lambda duration and provisioned
    concurrency (at most the catalogue's ``lambda.savings_plan_max_discount``).
    ``ec2_purchase`` and ``ec2_discount`` choose spot or reserved prices as a
    fraction off on-demand (at most the catalogue's published maximum).
    """

    preset: str | None = None
    as_of: dt.date | None = None
    overrides: dict[str, float] = {}
    free_tier: bool = False
    savings_plan: FloatIn(0.0, 1.0) = 0.0
    ec2_purchase: Literal["on_demand", "spot", "reserved"] = "on_demand"
    ec2_discount: FloatIn(0.0, 1.0) = 0.0

    @model_validator(mode="after")
    def _check(self) -> "PricingSpec":
        if (self.preset is None) == (self.as_of is None):
            raise PydanticCustomError("form", "must give exactly one of preset or as_of", {})
        if self.preset is not None and self.preset not in presets():
            raise PydanticCustomError(
                "preset", "must name a preset among {names}; got {p}", {"names": ", ".join(presets()), "p": repr(self.preset)}
            )
        try:
            cat = load_catalogue(self)
            _check_options(self, cat)
        except CatalogueError as exc:
            raise PydanticCustomError("catalogue", "{e}", {"e": str(exc)}) from None
        return self

    @property
    def date(self) -> dt.date:
        return self.as_of if self.as_of is not None else presets()[self.preset]


def _check_options(spec: PricingSpec, cat: "Catalogue") -> None:
    check_discount("pricing.savings_plan", "savings_plan", spec.savings_plan, cat)
    check_discount("pricing.ec2_discount", spec.ec2_purchase, spec.ec2_discount, cat, required=True)
