"""Twilio Elastic SIP Trunking: a trunk, the credential list that authenticates its termination
traffic, its origination URLs (your SIP infrastructure) and the numbers it carries."""

from __future__ import annotations

from typing import Any

from switchboard.carrier.port import CarrierTrunk
from switchboard.errors import CarrierError


class TrunkingMixin:
    """Mixed into the Twilio adapter: trunks on `trunking` v1, credential lists on the 2010 API."""

    service_request: Any
    _request: Any

    def create_trunk(self, *, name: str, domain_name: str, transfer_mode: str, transfer_caller_id: str,
                     secure: bool, username: str, password: str) -> CarrierTrunk:
        trunk = self.service_request("POST", "trunking", "v1/Trunks", form={
            "FriendlyName": name, "DomainName": domain_name, "TransferMode": transfer_mode,
            "TransferCallerId": transfer_caller_id, "Secure": "true" if secure else "false"})
        try:
            clist = self._request("POST", "SIP/CredentialLists.json", form={"FriendlyName": f"{name} credentials"})
            cred = self._request("POST", f"SIP/CredentialLists/{clist['sid']}/Credentials.json",
                                 form={"Username": username, "Password": password})
            self.service_request("POST", "trunking", f"v1/Trunks/{trunk['sid']}/CredentialLists",
                                 form={"CredentialListSid": clist["sid"]})
        except CarrierError:
            self.service_request("DELETE", "trunking", f"v1/Trunks/{trunk['sid']}")
            raise
        return CarrierTrunk(trunk_sid=trunk["sid"], domain_name=trunk.get("domain_name") or domain_name,
                            credential_list_sid=clist["sid"], credential_sid=cred["sid"])

    def update_trunk(self, trunk_sid: str, *, name: str | None = None, transfer_mode: str | None = None,
                     transfer_caller_id: str | None = None) -> None:
        form = {k: v for k, v in {"FriendlyName": name, "TransferMode": transfer_mode,
                                  "TransferCallerId": transfer_caller_id}.items() if v is not None}
        if form:
            self.service_request("POST", "trunking", f"v1/Trunks/{trunk_sid}", form=form)

    def set_origination(self, trunk_sid: str, uris: list[dict[str, object]]) -> None:
        """Replace the trunk's origination URLs (where calls to its numbers are sent)."""
        path = f"v1/Trunks/{trunk_sid}/OriginationUrls"
        for old in self.service_request("GET", "trunking", path).get("origination_urls", []):
            self.service_request("DELETE", "trunking", f"{path}/{old['sid']}")
        for uri in uris:
            self.service_request("POST", "trunking", path, form={
                "FriendlyName": str(uri.get("name") or uri["sip_uri"]), "SipUrl": str(uri["sip_uri"]),
                "Priority": str(uri.get("priority", 10)), "Weight": str(uri.get("weight", 10)), "Enabled": "true"})

    def rotate_trunk_password(self, credential_list_sid: str, credential_sid: str, password: str) -> None:
        self._request("POST", f"SIP/CredentialLists/{credential_list_sid}/Credentials/{credential_sid}.json",
                      form={"Password": password})

    def delete_trunk(self, trunk_sid: str, credential_list_sid: str) -> None:
        for what in (lambda: self.service_request("DELETE", "trunking", f"v1/Trunks/{trunk_sid}"),
                     lambda: self._request("DELETE", f"SIP/CredentialLists/{credential_list_sid}.json")):
            try:
                what()
            except CarrierError as exc:
                if exc.status != 404:  # already gone is the goal
                    raise

    def route_number_to_trunk(self, trunk_sid: str, number_carrier_id: str, attach: bool) -> None:
        """Send a number's inbound calls to the trunk (its origination URLs), or back to its voice URL."""
        if attach:
            self.service_request("POST", "trunking", f"v1/Trunks/{trunk_sid}/PhoneNumbers",
                                 form={"PhoneNumberSid": number_carrier_id})
            return
        try:
            self.service_request("DELETE", "trunking", f"v1/Trunks/{trunk_sid}/PhoneNumbers/{number_carrier_id}")
        except CarrierError as exc:
            if exc.status != 404:
                raise
