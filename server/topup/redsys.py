"""Redsys, the card gateway ("TPV Virtual") Spanish banks give shops, as a `PaymentProvider`.

What each part follows:

* The payment (`start`) and its notification (`verify_notification`) follow Redsys'
  "Manual de integración con el TPV Virtual para comercios con conexión por Redirección"
  (RS.TE.CEL.MAN.0002, v2.1, 20/09/2016; the same scheme is on pagosonline.redsys.es,
  "Conexión por Redirección"): the browser POSTs Ds_SignatureVersion ("HMAC_SHA256_V1"),
  Ds_MerchantParameters (base64 of the JSON of the Ds_Merchant_* parameters) and
  Ds_Signature to /sis/realizarPago; Redsys POSTs the same three fields, with Ds_* result
  parameters, to Ds_Merchant_MerchantURL. The signature is base64(HMAC-SHA256(key, the
  Ds_MerchantParameters string as sent)), where the key is the order number encrypted
  with 3DES (CBC, IV of 8 zero bytes, zero padding to a multiple of 8 bytes) under the
  base64-decoded merchant key. Redsys signs its notifications in the base64url alphabet
  ('-' and '_'), so both alphabets are accepted. The tests check this against vectors
  published with public Redsys libraries, several of them real messages Redsys sent.

* The status query (`status`) follows Redsys' SOAP query web service, "TPV-Virtual
  Consulta SOAP" / "Consultas SOAP HMAC SHA256" (service SerClsWSConsulta at
  /apl02/services/SerClsWSConsulta on the same hosts, operation consultaOperaciones,
  query "Transacción simple"): the request is
  <Messages><Version Ds_Version="0.0"><Message><Transaction> Ds_MerchantCode, Ds_Terminal,
  Ds_Order, Ds_TransactionType </Transaction></Message></Version><Signature/>
  <SignatureVersion>HMAC_SHA256_V1</SignatureVersion></Messages>, sent as the CDATA of
  <cadenaXML>, and signed like the payment but over the exact <Version>…</Version> text.
  The answer's <Message> holds <Response> elements (Ds_Order, Ds_TransactionType,
  Ds_Amount, Ds_Currency, Ds_MerchantCode, Ds_Terminal, Ds_State, Ds_Response,
  Ds_AuthorisationCode) or <ErrorMsg><Ds_ErrorCode>; XML0024 means "no operation found".
  Redsys' own document was not available to us: the layout was taken from public
  implementations that agree with each other (Metadrop/redsys-query-php
  src/Client/RequestGenerator.php, juspay/hyperswitch's Redsys connector). That Redsys
  signs the answer, and how, is an assumption: when the answer carries a <Signature>, it
  is checked as the request's is, over the answer's <Version>…</Version> text, and a
  mismatch is rejected (failing closed: nothing is minted on an answer we cannot trust);
  an answer without one is trusted on TLS alone. THIS QUERY HAS NOT BEEN EXERCISED
  AGAINST REDSYS ITSELF (the tests run it against a local server that answers as above).

The newer REST query service Redsys documents ("Consulta de operaciones REST", Detail by
order) was not used: its request format could not be confirmed from public material.

The secret key never leaves this object: it is not logged, not put in messages and not
shown by repr().
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

import httpx
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from server.topup.providers import (
    Checkout,
    NotificationRejected,
    Outcome,
    PaymentState,
    ProviderUnavailable,
)

SIGNATURE_VERSION = "HMAC_SHA256_V1"
# Scheme, host and port of the SIS per environment; the paths below hang from them.
ENDPOINT_BASES = {
    "test": "https://sis-t.redsys.es:25443",
    "production": "https://sis.redsys.es",
}
PAYMENT_PATH = "/sis/realizarPago"
QUERY_PATH = "/apl02/services/SerClsWSConsulta"
QUERY_NAMESPACE = "http://webservices.apl02.redsys.es"
EUR_NUMERIC = "978"  # ISO 4217 numeric code of the euro, the only currency we take
AUTHORISATION = "0"  # Ds_Merchant_TransactionType of a plain payment
NOT_FOUND = "XML0024"  # the query's "no operation matches" code
DEFAULT_TIMEOUT = 15.0  # seconds; a status query is a background check, never a page

# Redsys' rule for Ds_Merchant_Order: 4 to 12 characters, the first 4 digits (ASCII).
_ORDER = re.compile(r"[0-9]{4}[0-9A-Za-z]{0,8}")
_DIGITS = re.compile(r"[0-9]+")
_MAX_AMOUNT_CENTS = 999_999_999_999  # Ds_Merchant_Amount has at most 12 digits
_MAX_URL = 250  # Ds_Merchant_MerchantURL, UrlOK and UrlKO are at most 250 characters
_MAX_DESCRIPTION = 125  # Ds_Merchant_ProductDescription is at most 125 characters
_SIGNED_VERSION = re.compile(r"<Version\b.*</Version>", re.DOTALL)

HttpOption = Callable[[], httpx.AsyncClient] | float | None


def _order_key(merchant_key: bytes, order: str) -> bytes:
    """The per-order key: the order number, zero-padded to whole 8-byte blocks, encrypted
    with 3DES-CBC (zero IV) under the merchant key. Redsys derives it so that a signature
    for one order is no use for another."""
    data = order.encode("utf-8")
    data += b"\0" * (-len(data) % 8)
    encryptor = Cipher(TripleDES(merchant_key), modes.CBC(bytes(8))).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def _mac(merchant_key: bytes, order: str, signed_text: str) -> bytes:
    return hmac.new(
        _order_key(merchant_key, order), signed_text.encode("utf-8"), hashlib.sha256
    ).digest()


def _merchant_key(secret_key: str) -> bytes:
    """The merchant key Redsys gives in base64, decoded; it must be a 3DES key (24 bytes).
    Errors never repeat the key."""
    try:
        key = base64.b64decode(secret_key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("secret_key is not the base64 merchant key Redsys gives") from None
    if len(key) != 24:
        raise ValueError("secret_key must decode to 24 bytes (Redsys' 3DES merchant key)")
    return key


def order_key(secret_key: str, order: str) -> bytes:
    """The per-order 3DES key for `order` under the base64 merchant key `secret_key`."""
    return _order_key(_merchant_key(secret_key), order)


def merchant_signature(secret_key: str, order: str, merchant_parameters: str) -> str:
    """Ds_Signature (standard base64) of a Ds_MerchantParameters string for `order`."""
    mac = _mac(_merchant_key(secret_key), order, merchant_parameters)
    return base64.b64encode(mac).decode("ascii")


def _b64decode_any(text: str) -> bytes:
    """Base64 in either alphabet, padding optional: Redsys signs notifications in
    base64url but the libraries it distributes, and the shops, use the standard one."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    return base64.b64decode(cleaned, validate=True)


def _same_number(ours: str, theirs: str) -> bool:
    """Redsys echoes terminal "1" as "001": codes made of digits compare as numbers."""
    if _DIGITS.fullmatch(ours) and _DIGITS.fullmatch(theirs):
        return int(ours) == int(theirs)
    return ours == theirs


def _check_order(reference: str) -> None:
    if not isinstance(reference, str) or not _ORDER.fullmatch(reference):
        raise ValueError(
            "reference must be Redsys' order number: 4 to 12 characters, the first 4 "
            "digits and the rest letters or digits"
        )


def _state_of(response_code: str) -> PaymentState:
    """Ds_Response 0000 to 0099 is an authorised payment; every other code is not."""
    return PaymentState.SUCCEEDED if int(response_code) <= 99 else PaymentState.FAILED


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _shown(value: object) -> str:
    """A short printable form of something a sender gave us, for a rejection reason."""
    return repr(value)[:40]


class RedsysProvider:
    """Takes euros by card through Redsys' hosted payment page (redirection)."""

    name = "redsys"

    def __init__(
        self,
        merchant_code: str,
        terminal: str,
        secret_key: str,
        environment: str = "test",
        http: HttpOption = None,
        *,
        endpoint_base: str | None = None,
    ) -> None:
        """`merchant_code` is the FUC, `terminal` the terminal number and `secret_key`
        the base64 merchant key ("clave SHA-256"), all from Redsys' Canales. `http` is a
        factory of the httpx.AsyncClient the status query uses (closed after each
        query), or a timeout in seconds. `endpoint_base` (scheme, host, port) replaces
        the environment's SIS host, for tests against a local stand-in."""
        if environment not in ENDPOINT_BASES:
            raise ValueError("environment must be 'test' or 'production'")
        if not isinstance(merchant_code, str) or not re.fullmatch(r"[0-9]{1,9}", merchant_code):
            raise ValueError("merchant_code must be Redsys' merchant number (FUC), digits")
        if not isinstance(terminal, str) or not re.fullmatch(r"[0-9]{1,3}", terminal):
            raise ValueError("terminal must be Redsys' terminal number, 1 to 3 digits")
        self.merchant_code = merchant_code
        self.terminal = terminal
        self.environment = environment
        self._key = _merchant_key(secret_key)
        self.endpoint_base = (endpoint_base or ENDPOINT_BASES[environment]).rstrip("/")
        self._client_factory: Callable[[], httpx.AsyncClient] | None = None
        self._timeout = DEFAULT_TIMEOUT
        if http is None:
            pass
        elif isinstance(http, (int, float)) and not isinstance(http, bool):
            self._timeout = float(http)
        elif callable(http):
            self._client_factory = http
        else:
            raise TypeError("http must be an httpx.AsyncClient factory or a timeout")

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return (
            f"RedsysProvider(merchant_code={self.merchant_code!r}, "
            f"terminal={self.terminal!r}, environment={self.environment!r})"
        )

    @property
    def payment_url(self) -> str:
        return self.endpoint_base + PAYMENT_PATH

    @property
    def query_url(self) -> str:
        return self.endpoint_base + QUERY_PATH

    # -- the payment -------------------------------------------------------------------

    def start(
        self,
        *,
        reference: str,
        amount_cents: int,
        currency: str,
        description: str,
        notify_url: str,
        ok_url: str,
        ko_url: str,
    ) -> Checkout:
        """The signed form that sends the browser to Redsys' payment page."""
        _check_order(reference)
        if currency != "EUR":
            raise ValueError(f"Redsys payments are taken in EUR only, not {_shown(currency)}")
        if type(amount_cents) is not int or not 0 < amount_cents <= _MAX_AMOUNT_CENTS:
            raise ValueError("amount_cents must be a positive whole number of cents")
        for label, url in (("notify_url", notify_url), ("ok_url", ok_url), ("ko_url", ko_url)):
            if len(url) > _MAX_URL:
                raise ValueError(f"{label} is longer than Redsys' {_MAX_URL} characters")
        parameters = {
            "Ds_Merchant_Amount": str(amount_cents),
            "Ds_Merchant_Order": reference,
            "Ds_Merchant_MerchantCode": self.merchant_code,
            "Ds_Merchant_Currency": EUR_NUMERIC,
            "Ds_Merchant_TransactionType": AUTHORISATION,
            "Ds_Merchant_Terminal": self.terminal,
            "Ds_Merchant_MerchantURL": notify_url,
            "Ds_Merchant_UrlOK": ok_url,
            "Ds_Merchant_UrlKO": ko_url,
            # Longer descriptions are refused by Redsys; the description is only shown.
            "Ds_Merchant_ProductDescription": description[:_MAX_DESCRIPTION],
        }
        # ASCII JSON with \\u escapes, as the PHP library Redsys distributes sends it.
        text = json.dumps(parameters, separators=(",", ":"), ensure_ascii=True)
        encoded = base64.b64encode(text.encode("ascii")).decode("ascii")
        signature = base64.b64encode(_mac(self._key, reference, encoded)).decode("ascii")
        return Checkout(
            url=self.payment_url,
            method="POST",
            fields={
                "Ds_SignatureVersion": SIGNATURE_VERSION,
                "Ds_MerchantParameters": encoded,
                "Ds_Signature": signature,
            },
        )

    # -- the notification --------------------------------------------------------------

    def verify_notification(self, form: Mapping[str, str]) -> Outcome:
        """The outcome of Redsys' online notification, once its signature and its merchant
        are checked. Nothing in it is read before the signature is found good, except
        Ds_Order, which names the key the signature was made with."""
        version = form.get("Ds_SignatureVersion")
        encoded = form.get("Ds_MerchantParameters")
        signature = form.get("Ds_Signature")
        if version != SIGNATURE_VERSION:
            raise NotificationRejected(f"unknown signature version {_shown(version)}")
        if not isinstance(encoded, str) or not encoded:
            raise NotificationRejected("Ds_MerchantParameters is missing")
        if not isinstance(signature, str) or not signature:
            raise NotificationRejected("Ds_Signature is missing")
        try:
            raw = _b64decode_any(encoded)
        except (binascii.Error, ValueError):
            raise NotificationRejected("Ds_MerchantParameters is not base64") from None
        try:
            decoded = json.loads(raw)
        except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
            raise NotificationRejected("Ds_MerchantParameters is not JSON") from None
        if not isinstance(decoded, dict):
            raise NotificationRejected("Ds_MerchantParameters is not a JSON object")
        fields = _read_parameters(decoded)
        order = fields.get("ds_order", "")
        if not order:
            raise NotificationRejected("the notification has no Ds_Order")
        try:
            given = _b64decode_any(signature)
        except (binascii.Error, ValueError):
            raise NotificationRejected("Ds_Signature is not base64") from None
        if not hmac.compare_digest(given, _mac(self._key, order, encoded)):
            raise NotificationRejected("the signature does not match: not from Redsys")

        required = ("Ds_Amount", "Ds_Currency", "Ds_Response", "Ds_MerchantCode", "Ds_Terminal")
        missing = [name for name in required if not fields.get(name.lower())]
        if missing:
            raise NotificationRejected(f"the notification lacks {', '.join(missing)}")
        if not _same_number(self.merchant_code, fields["ds_merchantcode"]):
            raise NotificationRejected("the notification is for another merchant code")
        if not _same_number(self.terminal, fields["ds_terminal"]):
            raise NotificationRejected("the notification is for another terminal")
        if fields["ds_currency"] != EUR_NUMERIC:
            raise NotificationRejected("the notification is not in euros")
        amount, response = fields["ds_amount"], fields["ds_response"]
        if not _DIGITS.fullmatch(amount):
            raise NotificationRejected("Ds_Amount is not a whole number of cents")
        if not re.fullmatch(r"[0-9]{1,4}", response):
            raise NotificationRejected("Ds_Response is not a Redsys response code")
        state = _state_of(response)
        authorisation = fields.get("ds_authorisationcode", "").strip()
        return Outcome(
            reference=order,
            state=state,
            amount_cents=int(amount),
            currency="EUR",
            authorisation=authorisation if state is PaymentState.SUCCEEDED else "",
            detail=response,
        )

    # -- the status query --------------------------------------------------------------

    async def status(self, reference: str) -> Outcome:
        """Asks Redsys' query web service what became of order `reference`. An order Redsys
        does not know (yet) is PENDING: the customer may still be on the payment page."""
        _check_order(reference)  # also keeps anything but [0-9A-Za-z] out of the XML
        version = (
            '<Version Ds_Version="0.0"><Message><Transaction>'
            f"<Ds_MerchantCode>{self.merchant_code}</Ds_MerchantCode>"
            f"<Ds_Terminal>{self.terminal}</Ds_Terminal>"
            f"<Ds_Order>{reference}</Ds_Order>"
            f"<Ds_TransactionType>{AUTHORISATION}</Ds_TransactionType>"
            "</Transaction></Message></Version>"
        )
        signature = base64.b64encode(_mac(self._key, reference, version)).decode("ascii")
        messages = (
            f"<Messages>{version}<Signature>{signature}</Signature>"
            f"<SignatureVersion>{SIGNATURE_VERSION}</SignatureVersion></Messages>"
        )
        envelope = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            f'xmlns:web="{QUERY_NAMESPACE}"><soapenv:Header/><soapenv:Body>'
            f"<web:consultaOperaciones><cadenaXML><![CDATA[{messages}]]></cadenaXML>"
            "</web:consultaOperaciones></soapenv:Body></soapenv:Envelope>"
        )
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "consultaOperaciones"}
        try:
            async with self._client() as client:
                answer = await client.post(
                    self.query_url, content=envelope.encode("utf-8"), headers=headers
                )
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            reason = f"Redsys could not be asked: {type(error).__name__}"
            raise ProviderUnavailable(reason) from error
        if answer.status_code != 200:
            raise ProviderUnavailable(f"Redsys answered the query with HTTP {answer.status_code}")
        return self._read_answer(answer.content, reference)

    def _client(self) -> httpx.AsyncClient:
        if self._client_factory is not None:
            return self._client_factory()
        return httpx.AsyncClient(timeout=self._timeout)

    def _read_answer(self, body: bytes, reference: str) -> Outcome:
        """The outcome in consultaOperaciones' answer, its signature checked if it has one."""
        if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
            raise ProviderUnavailable("Redsys' answer declares entities: not read")
        try:
            envelope = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            raise ProviderUnavailable("Redsys' answer is not XML") from None
        returned = next(
            (el for el in envelope.iter() if _local(el.tag) == "consultaOperacionesReturn"), None
        )
        inner = (returned.text or "").strip() if returned is not None else ""
        if not inner:
            raise ProviderUnavailable("Redsys' answer has no consultaOperacionesReturn")
        if "<!DOCTYPE" in inner.upper() or "<!ENTITY" in inner.upper():
            raise ProviderUnavailable("Redsys' answer declares entities: not read")
        try:
            messages = ElementTree.fromstring(inner)
        except ElementTree.ParseError:
            raise ProviderUnavailable("Redsys' answer holds no readable Messages") from None

        signature = next((el for el in messages if _local(el.tag) == "Signature"), None)
        if signature is not None and (signature.text or "").strip():
            signed = _SIGNED_VERSION.search(inner)
            if signed is None:
                raise NotificationRejected("Redsys' answer is signed but has no Version")
            try:
                given = _b64decode_any(signature.text or "")
            except (binascii.Error, ValueError):
                raise NotificationRejected("the answer's Signature is not base64") from None
            if not hmac.compare_digest(given, _mac(self._key, reference, signed.group(0))):
                raise NotificationRejected("the answer's signature does not match")

        # Only what the signature covers is read: the one <Version> element.
        versions = [el for el in messages if _local(el.tag) == "Version"]
        if len(versions) != 1:
            raise ProviderUnavailable("Redsys' answer has no single Version element")
        version = versions[0]
        error = next((el for el in version.iter() if _local(el.tag) == "Ds_ErrorCode"), None)
        if error is not None:
            code = (error.text or "").strip()
            if code == NOT_FOUND:
                return Outcome(reference, PaymentState.PENDING, 0, "EUR", detail=code)
            raise ProviderUnavailable(f"Redsys refused the query: {_shown(code)}")

        outcomes = [
            outcome
            for element in version.iter()
            if _local(element.tag) == "Response"
            for outcome in [self._read_operation(element, reference)]
            if outcome is not None
        ]
        for state in (PaymentState.SUCCEEDED, PaymentState.PENDING, PaymentState.FAILED):
            chosen = [outcome for outcome in outcomes if outcome.state is state]
            if chosen:
                return chosen[-1]
        raise ProviderUnavailable("Redsys' answer speaks of no payment with this order")

    def _read_operation(self, element: ElementTree.Element, reference: str) -> Outcome | None:
        """One <Response> of the answer as an Outcome; None when it is another order's or
        another kind of operation (a refund, say)."""
        fields = {_local(child.tag).lower(): (child.text or "").strip() for child in element}
        if fields.get("ds_order") != reference:
            return None
        if fields.get("ds_transactiontype", AUTHORISATION) != AUTHORISATION:
            return None
        merchant = fields.get("ds_merchantcode")
        if merchant and not _same_number(self.merchant_code, merchant):
            raise NotificationRejected("Redsys' answer is for another merchant code")
        terminal = fields.get("ds_terminal")
        if terminal and not _same_number(self.terminal, terminal):
            raise NotificationRejected("Redsys' answer is for another terminal")
        currency = fields.get("ds_currency")
        if currency and currency != EUR_NUMERIC:
            raise ProviderUnavailable("Redsys' answer is not in euros")
        amount = fields.get("ds_amount", "")
        if amount and not _DIGITS.fullmatch(amount):
            raise ProviderUnavailable("Redsys' answer has an unreadable Ds_Amount")
        response = fields.get("ds_response", "")
        state_code = fields.get("ds_state", "")
        if (state_code and state_code != "F") or (not state_code and not response):
            # Not finished (authenticating, authorising, no answer yet…): ask again later.
            return Outcome(
                reference, PaymentState.PENDING, int(amount or 0), "EUR", detail=state_code
            )
        if not re.fullmatch(r"[0-9]{1,4}", response) or not amount:
            raise ProviderUnavailable("Redsys' answer has no readable Ds_Response or Ds_Amount")
        state = _state_of(response)
        authorisation = fields.get("ds_authorisationcode", "")
        return Outcome(
            reference=reference,
            state=state,
            amount_cents=int(amount),
            currency="EUR",
            authorisation=authorisation if state is PaymentState.SUCCEEDED else "",
            detail=response,
        )


def _read_parameters(decoded: dict[str, Any]) -> dict[str, str]:
    """The notification's parameters by lower-case name, names and values URL-decoded
    (Redsys sends e.g. Ds_Date "27%2F11%2F2026"); '+' stays '+', as in the "++++++"
    authorisation code of a refused payment."""
    fields: dict[str, str] = {}
    for key, value in decoded.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            continue
        fields[unquote(str(key)).lower()] = unquote(str(value)).strip()
    return fields
