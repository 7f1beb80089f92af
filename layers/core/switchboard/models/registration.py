"""10DLC registration requests (AgentPhone's snake_case fields) and their checks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from switchboard.models.common import E164, RequestModel

UseCase = Literal["account_notification", "customer_care", "delivery_notification", "fraud_alert",
                  "higher_education", "marketing", "polling_voting", "public_service_announcement",
                  "security_alert", "two_factor_authentication"]
Sample = Annotated[str, Field(min_length=20, max_length=1024)]
Url = Annotated[str, Field(max_length=2000, pattern=r"^https?://\S+$")]


class CampaignFields(RequestModel):
    """What a campaign says about its texts; all optional so PATCH can send only what changes."""

    business_name: str | None = Field(default=None, min_length=1, max_length=255)
    brand_name: str | None = Field(default=None, min_length=1, max_length=255)
    website_url: Url | None = None
    description: str | None = Field(default=None, min_length=40, max_length=4096)
    use_cases: list[UseCase] | None = Field(default=None, min_length=1, max_length=5)
    volume: Literal["low", "high"] | None = None
    message_samples: list[Sample] | None = Field(default=None, min_length=2, max_length=5)
    consent_flow: str | None = Field(default=None, min_length=40, max_length=2048)
    privacy_policy_url: Url | None = None
    terms_of_service_url: Url | None = None
    opt_in_image_url: Url | None = None
    includes: list[Literal["links", "phone_numbers", "age_gated", "direct_lending"]] | None = None
    link_sample: str | None = Field(default=None, max_length=255)


class RegistrationCreate(CampaignFields):
    registration_type: Literal["sole_proprietor", "standard_brand", "high_volume"]
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone_number: E164
    organization_type: Literal["sole_proprietor", "private_corporation", "public_corporation", "llc",
                               "partnership", "non_profit", "co_op", "government"] | None = None
    contact_title: Literal["ceo", "cfo", "cto", "coo", "vp", "gm", "director", "other"] | None = None
    contact_title_other: str | None = Field(default=None, max_length=100)
    ein: str | None = Field(default=None, pattern=r"^\d{2}-?\d{7}$")
    industry: str | None = Field(default=None, max_length=100)
    business_regions: list[str] | None = None
    street_address: str = Field(min_length=1, max_length=255)
    street_address_2: str | None = Field(default=None, max_length=255)
    city: str = Field(min_length=1, max_length=100)
    state: str = Field(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")
    zip_code: str = Field(pattern=r"^\d{5}(-\d{4})?$")
    country: Literal["US"] = "US"
    planned_numbers: int = Field(default=1, ge=1, le=1000)
    create_sub_account: bool = False
    # Required for a new registration (optional on the shared CampaignFields for PATCH).
    description: str = Field(min_length=40, max_length=4096)
    use_cases: list[UseCase] = Field(min_length=1, max_length=5)
    message_samples: list[Sample] = Field(min_length=2, max_length=5)
    consent_flow: str = Field(min_length=40, max_length=2048)
    opt_in_image_url: Url

    @model_validator(mode="after")
    def _brand_rules(self) -> RegistrationCreate:
        if self.registration_type != "sole_proprietor" and not (self.business_name and self.ein):
            raise ValueError(f"a {self.registration_type} registration needs 'business_name' and 'ein' "
                             "(sole proprietors register without an EIN)")
        if self.registration_type == "sole_proprietor" and self.planned_numbers > 1:
            raise ValueError("a sole proprietor brand may use one number ('planned_numbers': 1)")
        return self
