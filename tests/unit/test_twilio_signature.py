"""X-Twilio-Signature against Twilio's published test vectors (twilio.md §4.6)."""

from __future__ import annotations

from switchboard.carrier import signature

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234", "From": "+14158675309",
          "To": "+18005551212"}


def test_published_vectors() -> None:
    assert signature.compute(URL, PARAMS, TOKEN) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert signature.compute(URL.replace(".com/", ".com:443/"), PARAMS, TOKEN) == "kvajT1Ptam85bY51eRf/AJRuM3w="


def test_validate_accepts_either_port_form_and_rejects_tampering() -> None:
    assert signature.validate(URL, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", TOKEN)
    assert signature.validate(URL, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=", TOKEN)
    assert not signature.validate(URL, {**PARAMS, "Digits": "9"}, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", TOKEN)
    assert not signature.validate(URL, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", "other")
    assert not signature.validate(URL, PARAMS, "", TOKEN)


def test_json_body_variant() -> None:
    body = b'{"property": "value", "boolean": true}'
    digest = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    url = f"{URL}&bodySHA256={digest}"
    assert signature.compute(url, {}, TOKEN) == "a9nBmqA0ju/hNViExpshrM61xv4="
    assert signature.validate_json(url, body, "a9nBmqA0ju/hNViExpshrM61xv4=", TOKEN)
    assert not signature.validate_json(url, body + b" ", "a9nBmqA0ju/hNViExpshrM61xv4=", TOKEN)


def test_repeated_names_sign_each_sorted_value() -> None:
    one = signature.compute("https://x.test/a", {"Event": ["ringing", "answered"]}, TOKEN)
    other = signature.compute("https://x.test/a", {"Event": ["answered", "ringing"]}, TOKEN)
    assert one == other
    assert signature.websocket_url("https://relay.test/twilio") == "wss://relay.test/twilio"
