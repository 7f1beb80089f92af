"""Fictional phone numbers: +1 <area code> 555 0100-0199, reserved for fiction in North America."""

from __future__ import annotations

DEFAULT_AREA_CODES = {"US": ("415", "212", "312", "206", "512"), "CA": ("416", "604", "514")}

# A few well-known area codes, so searches answer with a plausible city.
PLACES = {
    "415": ("San Francisco", "CA"), "212": ("New York", "NY"), "646": ("New York", "NY"),
    "312": ("Chicago", "IL"), "206": ("Seattle", "WA"), "512": ("Austin", "TX"), "617": ("Boston", "MA"),
    "310": ("Los Angeles", "CA"), "305": ("Miami", "FL"), "416": ("Toronto", "ON"), "604": ("Vancouver", "BC"),
    "514": ("Montreal", "QC"), "628": ("San Francisco", "CA"),
}
CANADIAN = {"204", "226", "236", "249", "250", "289", "306", "343", "365", "403", "416", "418", "431", "437",
            "438", "450", "506", "514", "519", "548", "579", "581", "587", "604", "613", "639", "647", "705",
            "709", "778", "780", "782", "807", "819", "825", "867", "873", "902", "905"}


def country_of(area_code: str) -> str:
    return "CA" if area_code in CANADIAN else "US"


def candidates(country: str, area_code: str | None) -> list[str]:
    """Every fictional number of an area code (or of the country's default area codes), in order."""
    codes = (area_code,) if area_code else DEFAULT_AREA_CODES.get(country, ())
    return [f"+1{code}55501{n:02d}" for code in codes if country_of(code) == country for n in range(100)]


def is_fictional(e164: str) -> bool:
    return len(e164) == 12 and e164.startswith("+1") and e164[5:10] == "55501"
