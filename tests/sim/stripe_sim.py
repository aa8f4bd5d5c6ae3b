#!/usr/bin/env python3
"""A small stateful Stripe simulator speaking Stripe's real wire protocol
(../../shared/protocols.md section 2), for tests and `make run`: the
product talks to it exactly as to https://api.stripe.com, only the base
URL differs.

  --port P            the Stripe API (TLS with --cert/--key, else plain HTTP)
  --control-port C    plain HTTP on 127.0.0.1: the test controls and the
                      Stripe.js stand-in (GET /stripe.js); see README.md
  --secret-key K      the one API key accepted (Bearer, or Basic "K:")
  --publishable-key K the key the Stripe.js stand-in accepts
  --webhook-url URL   where events are POSTed, signed with --webhook-secret
  --webhook-ca F      CA to verify an https webhook target (default: system)
  --auto-confirm S    every PaymentIntent is confirmed with pm_card_visa
                      S seconds after it is created

Served: POST/GET /v1/payment_intents[/{id}] (a create may confirm on the
server: confirm=true with payment_method or a card token), POST
.../{id}/confirm, POST .../{id}/cancel,
POST/GET /v1/refunds[/{id}], GET /v1/charges/{id}; form-encoded bodies
with bracket notation, Idempotency-Key replay, Request-Id on every answer,
errors in Stripe's {"error": {...}} envelope.  Webhooks go out in the
background and are retried on non-2xx after each of --retry-delays.
"""
import base64
import copy
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import secrets
import socket
import ssl
import string
import threading
import time
import urllib.parse

import simserve

ALNUM = string.ascii_letters + string.digits
# Only one level of brackets: metadata[k], payment_method_types[], expand[].
KEY_RE = re.compile(r"([A-Za-z0-9_]+)(?:\[([^\[\]]*)\])?")
# Two levels, for payment_method_data[card][token] only.
KEY2_RE = re.compile(r"([A-Za-z0-9_]+)\[([^\[\]]+)\]\[([^\[\]]+)\]")
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
CANCEL_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
# Stripe's own limits on metadata and amounts.
METADATA_KEYS, METADATA_KEY_LEN, METADATA_VALUE_LEN = 50, 40, 500
MAX_AMOUNT = 99999999
IDEMPOTENCY_SECONDS = 24 * 3600
# The test payment methods a confirmation may use (pm_card_processing is ours).
SUCCEEDS = ("pm_card_visa", "pm_card_mastercard")
DECLINES = {"pm_card_chargeDeclined": ("generic_decline", "Your card was declined."),
            "pm_card_chargeDeclinedInsufficientFunds":
                ("insufficient_funds", "Your card has insufficient funds.")}
PROCESSING = "pm_card_processing"
# Stripe's test card tokens, confirmed as payment_method_data[card][token]:
# each charges like the test PaymentMethod of the same card.
TOKENS = {"tok_visa": "pm_card_visa", "tok_mastercard": "pm_card_mastercard",
          "tok_chargeDeclined": "pm_card_chargeDeclined",
          "tok_chargeDeclinedInsufficientFunds": "pm_card_chargeDeclinedInsufficientFunds"}
STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stripe_js_standin.js")

LOCK = threading.RLock()
STATE = {}
ARGS = None


def fresh_state():
    return {"payment_intents": {}, "charges": {}, "refunds": {}, "events": [],
            "idempotency": {}, "fail_next": [], "hold": False, "queue": []}


log = simserve.logger("stripe-sim")


def new_id(prefix, n=24):
    return prefix + "".join(secrets.choice(ALNUM) for _ in range(n))


def sign(secret, t, body):
    """protocols.md 2.5: hex HMAC-SHA256 over "t.body", keyed with the
    whole secret string (whsec_ prefix included)."""
    return hmac.new(secret.encode(), str(t).encode() + b"." + body,
                    hashlib.sha256).hexdigest()


def signature_header(secret, t, body):
    return f"t={t},v1={sign(secret, t, body)}"


class StripeError(Exception):
    """An answer in Stripe's error envelope.  saved: whether it is kept
    under the Idempotency-Key (Stripe keeps results once the endpoint has
    begun, not parameter validation failures)."""

    def __init__(self, status, etype, message, code=None, param=None, saved=False,
                 **extra):
        super().__init__(message)
        err = {"type": etype, "message": message}
        if code:
            err["code"] = code
        if param:
            err["param"] = param
        err.update(extra)
        self.status, self.body, self.saved = status, {"error": err}, saved


def invalid(message, code=None, param=None):
    return StripeError(400, "invalid_request_error", message, code, param)


def missing(kind, obj_id, param=None):
    return StripeError(404, "invalid_request_error", f"No such {kind}: '{obj_id}'",
                       "resource_missing", param or "id", saved=True)


# -- form decoding ---------------------------------------------------------

def decode_form(raw):
    """(params, fingerprint pairs) from a form body: name[k]=v makes a
    dict, name[]=v a list, the last of repeated plain names wins."""
    try:
        pairs = urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True,
                                       strict_parsing=False)
    except UnicodeDecodeError:
        raise invalid("Invalid request body: not UTF-8")
    params = {}
    for k, v in pairs:
        m2 = KEY2_RE.fullmatch(k)
        if m2:
            name, sub, sub2 = m2.groups()
            params.setdefault(name, {})
            if not isinstance(params[name], dict) or not isinstance(
                    params[name].setdefault(sub, {}), dict):
                raise invalid(f"Invalid hash: {name}", "parameter_invalid", name)
            params[name][sub][sub2] = v
            continue
        m = KEY_RE.fullmatch(k)
        if not m:
            raise invalid(f"Received unknown parameter: {k}", "parameter_unknown", k)
        name, sub = m.groups()
        if sub is None:
            params[name] = v
        elif sub == "" or sub.isdigit():
            params.setdefault(name, [])
            if not isinstance(params[name], list):
                raise invalid(f"Invalid array: {name}", "parameter_invalid", name)
            params[name].append(v)
        else:
            params.setdefault(name, {})
            if not isinstance(params[name], dict):
                raise invalid(f"Invalid hash: {name}", "parameter_invalid", name)
            params[name][sub] = v
    return params, sorted(pairs)


def only(params, allowed):
    for name in params:
        if name not in allowed:
            raise invalid(f"Received unknown parameter: {name}", "parameter_unknown", name)


def integer(params, name, required):
    v = params.get(name)
    if v is None or v == "":
        if required:
            raise invalid(f"Missing required param: {name}.", "parameter_missing", name)
        return None
    if not isinstance(v, str) or not re.fullmatch(r"-?\d{1,18}", v):
        raise invalid(f"Invalid integer: {v}", "parameter_invalid_integer", name)
    n = int(v)
    if n < 1:
        raise invalid("This value must be greater than or equal to 1.",
                      "parameter_invalid_integer", name)
    if n > MAX_AMOUNT:
        raise invalid("Amount must be no more than 999,999.99", "amount_too_large", name)
    return n


def metadata(params):
    md = params.get("metadata", {})
    if md == "":
        return {}
    if not isinstance(md, dict):
        raise invalid("Invalid hash", "parameter_invalid", "metadata")
    if len(md) > METADATA_KEYS:
        raise invalid(f"You can only specify up to {METADATA_KEYS} metadata keys.",
                      None, "metadata")
    for k, v in md.items():
        if len(k) > METADATA_KEY_LEN:
            raise invalid(f"Metadata keys can have up to {METADATA_KEY_LEN} characters, "
                          f"but you passed in a key that is {len(k)} characters.",
                          None, f"metadata[{k}]")
        if len(v) > METADATA_VALUE_LEN:
            raise invalid(f"Metadata values can have up to {METADATA_VALUE_LEN} "
                          f"characters, but you passed in a value that is {len(v)} "
                          "characters.", None, f"metadata[{k}]")
    return {k: v for k, v in md.items() if v != ""}


def boolean(v, name):
    if v not in ("true", "false"):
        raise invalid(f"Invalid boolean: {v}", "parameter_invalid", name)
    return v == "true"


# -- events and webhooks -------------------------------------------------------

def emit(etype, obj, request=None, previous=None):
    """Records an event about a snapshot of obj; the caller dispatches
    it once the lock is released.  Returns the event record."""
    data = {"object": copy.deepcopy(obj)}
    if previous is not None:
        data["previous_attributes"] = previous
    event = {"id": new_id("evt_"), "object": "event", "api_version": ARGS.api_version,
             "created": int(time.time()), "data": data, "livemode": False,
             "pending_webhooks": 1,
             "request": request or {"id": None, "idempotency_key": None},
             "type": etype}
    rec = {"event": event, "body": json.dumps(event, indent=2).encode(),
           "deliveries": []}
    with LOCK:
        STATE["events"].append(rec)
    return rec


def post_webhook(body, sig):
    """POSTs one delivery; returns (HTTP status or None, answer text, error)."""
    url = urllib.parse.urlsplit(ARGS.webhook_url)
    headers = {"Content-Type": "application/json; charset=utf-8",
               "Stripe-Signature": sig, "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
               "Cache-Control": "no-cache", "Accept": "*/*; q=0.5, application/xml"}
    try:
        if url.scheme == "https":
            ctx = ssl.create_default_context(cafile=ARGS.webhook_ca)
            conn = http.client.HTTPSConnection(url.hostname, url.port or 443,
                                               context=ctx, timeout=ARGS.webhook_timeout)
        else:
            conn = http.client.HTTPConnection(url.hostname, url.port or 80,
                                              timeout=ARGS.webhook_timeout)
        path = (url.path or "/") + (("?" + url.query) if url.query else "")
        conn.request("POST", path, body=body, headers=headers)
        r = conn.getresponse()
        text = r.read(64 * 1024).decode("utf-8", "replace")
        conn.close()
        return r.status, text, None
    except (OSError, http.client.HTTPException) as e:
        return None, None, str(e) or type(e).__name__


def deliver_once(rec, kind, secret=None, t=None, sig=None, body=None):
    """One signed delivery of rec, recorded; returns (status, answer)."""
    body = rec["body"] if body is None else body
    t = int(time.time()) if t is None else t
    sig = sig if sig is not None else signature_header(secret or ARGS.webhook_secret, t, body)
    if not ARGS.webhook_url:
        status, text, error = None, None, "no --webhook-url"
    else:
        status, text, error = post_webhook(body, sig)
    with LOCK:
        rec["deliveries"].append({"attempt": len(rec["deliveries"]) + 1, "kind": kind,
                                  "at": time.time(), "status": status, "error": error,
                                  "signature": sig, "response": (text or "")[:500]})
    log(f"webhook {rec['event']['id']} {rec['event']['type']} ({kind}) -> "
        f"{status if status is not None else error}")
    return status, text


def ok(status):
    return status is not None and 200 <= status < 300


def deliver(rec, kind="auto", done=0):
    """Delivers until a 2xx, sleeping each of --retry-delays between
    attempts (done: attempts already made); returns the last status."""
    delays = list(ARGS.retry_delays)
    status = None
    for attempt in range(done, len(delays) + 1):
        if attempt:
            time.sleep(delays[attempt - 1])
        status, _ = deliver_once(rec, kind if not attempt else "retry")
        if ok(status) or not ARGS.webhook_url:
            break
    return status


def dispatch(records, sync=False):
    """Queues the events while webhooks are held, else delivers them
    (in this thread when sync, else in one background thread, in order)."""
    with LOCK:
        if STATE["hold"]:
            STATE["queue"].extend(records)
            return []
    if sync:
        return [summary(r, deliver(r)) for r in records]
    if records:
        threading.Thread(target=lambda: [deliver(r) for r in records], daemon=True).start()
    return []


def summary(rec, status):
    return {"id": rec["event"]["id"], "type": rec["event"]["type"], "status": status,
            "attempts": len(rec["deliveries"])}


def event_view(rec):
    with LOCK:
        return {"event": rec["event"], "deliveries": list(rec["deliveries"])}


# -- the objects ---------------------------------------------------------------

def payment_intent(params, request):
    only(params, ("amount", "currency", "automatic_payment_methods", "payment_method_types",
                  "description", "receipt_email", "metadata", "expand",
                  "statement_descriptor_suffix", "confirm", "payment_method",
                  "payment_method_data", "error_on_requires_action", "return_url",
                  "off_session"))
    amount = integer(params, "amount", True)
    currency = params.get("currency")
    if not currency:
        raise invalid("Missing required param: currency.", "parameter_missing", "currency")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise invalid(f"Invalid currency: {currency}.", None, "currency")
    apm = params.get("automatic_payment_methods")
    types = params.get("payment_method_types")
    if apm is not None and types is not None:
        raise invalid("You may only specify one of these parameters: "
                      "automatic_payment_methods, payment_method_types.",
                      "parameters_exclusive", "automatic_payment_methods")
    if apm is None and types is None:
        apm = {"enabled": "true"}       # the default since API version 2023-08-16
    if apm is not None:
        if not isinstance(apm, dict) or set(apm) != {"enabled"}:
            raise invalid("Invalid automatic_payment_methods", "parameter_invalid",
                          "automatic_payment_methods")
        apm = {"enabled": boolean(apm["enabled"], "automatic_payment_methods[enabled]")}
    if types is not None and (not isinstance(types, list) or not all(types)):
        raise invalid("Invalid array", "parameter_invalid", "payment_method_types")
    email = params.get("receipt_email")
    if email is not None and email != "" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise invalid(f"Invalid email address: {email}", "email_invalid", "receipt_email")
    md = metadata(params)
    pi_id = new_id("pi_")
    return {
        "id": pi_id, "object": "payment_intent", "amount": amount,
        "amount_capturable": 0, "amount_received": 0, "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": apm if types is None else None,
        "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic",
        "client_secret": f"{pi_id}_secret_{new_id('', 25)}",
        "confirmation_method": "automatic", "created": int(time.time()),
        "currency": currency.lower(), "customer": None,
        "description": params.get("description"), "last_payment_error": None,
        "latest_charge": None, "livemode": False, "metadata": md, "next_action": None,
        "on_behalf_of": None, "payment_method": None,
        "payment_method_types": types or ["card"], "processing": None,
        "receipt_email": email or None, "setup_future_usage": None, "shipping": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": params.get("statement_descriptor_suffix"),
        "status": "requires_payment_method", "transfer_data": None, "transfer_group": None,
    }


def charge(pi, pm_id, paid, failure=None):
    ch = {"id": new_id("ch_"), "object": "charge", "amount": pi["amount"],
          "amount_captured": pi["amount"] if paid else 0, "amount_refunded": 0,
          "balance_transaction": new_id("txn_") if paid else None,
          "captured": paid, "created": int(time.time()), "currency": pi["currency"],
          "description": pi["description"], "failure_code": failure and "card_declined",
          "failure_message": failure, "livemode": False, "metadata": dict(pi["metadata"]),
          "paid": paid, "payment_intent": pi["id"], "payment_method": pm_id,
          "receipt_email": pi["receipt_email"], "refunded": False,
          "status": "succeeded" if paid else "failed"}
    STATE["charges"][ch["id"]] = ch
    return ch


def succeed(pi, pm_id, request):
    """A paid PaymentIntent: its Charge, and payment_intent.succeeded."""
    ch = charge(pi, pm_id, True)
    pi.update(status="succeeded", amount_received=pi["amount"], latest_charge=ch["id"],
              payment_method=pm_id, last_payment_error=None, processing=None)
    return emit("payment_intent.succeeded", pi, request)


def confirm(pi_id, pm, request, client_secret=None):
    """What Stripe.js's confirmPayment does; returns (pi, events)."""
    pi = STATE["payment_intents"].get(pi_id)
    if pi is None or (client_secret is not None and client_secret != pi["client_secret"]):
        raise missing("payment_intent", pi_id)
    if pi["status"] not in ("requires_payment_method", "requires_confirmation"):
        raise StripeError(400, "invalid_request_error",
                          "You cannot confirm this PaymentIntent because it has a status "
                          f"of {pi['status']}.", "payment_intent_unexpected_state",
                          saved=True, payment_intent=copy.deepcopy(pi))
    if pm not in SUCCEEDS and pm not in DECLINES and pm != PROCESSING:
        raise invalid(f"No such PaymentMethod: '{pm}'", "resource_missing", "payment_method")
    pm_id = new_id("pm_")
    if pm in SUCCEEDS:
        return pi, [succeed(pi, pm_id, request)]
    if pm == PROCESSING:
        pi.update(status="processing", payment_method=pm_id,
                  processing={"type": "card", "card": {}})
        threading.Thread(target=finish_processing, args=(pi_id, pm_id), daemon=True).start()
        return pi, [emit("payment_intent.processing", pi, request)]
    decline_code, message = DECLINES[pm]
    ch = charge(pi, pm_id, False, message)
    pi.update(status="requires_payment_method", latest_charge=ch["id"], payment_method=None,
              last_payment_error={
                  "type": "card_error", "code": "card_declined", "decline_code": decline_code,
                  "message": message, "charge": ch["id"],
                  "payment_method": {"id": pm_id, "object": "payment_method", "type": "card"}})
    return pi, [emit("payment_intent.payment_failed", pi, request)]


def server_confirm(pi, params, request):
    """Confirms pi with the payment method the server sends (a create with
    confirm=true, or POST .../confirm); returns (status, pi, events).  A
    declined card is Stripe's 402 card_error carrying the PaymentIntent."""
    only(params, ("payment_method", "payment_method_data", "error_on_requires_action",
                  "return_url", "off_session", "expand", "amount", "currency",
                  "automatic_payment_methods", "payment_method_types", "description",
                  "receipt_email", "metadata", "statement_descriptor_suffix", "confirm"))
    for name in ("error_on_requires_action", "off_session"):
        if name in params:
            boolean(params[name], name)
    apm = pi.get("automatic_payment_methods") or {}
    if apm.get("enabled") and not params.get("return_url"):
        raise invalid("This PaymentIntent is configured to accept payment methods "
                      "enabled in your Dashboard, some of which may require a "
                      "return_url. Specify a return_url or set "
                      "automatic_payment_methods[allow_redirects] to never.",
                      None, "return_url")
    pm, pmd = params.get("payment_method"), params.get("payment_method_data")
    if pm and pmd:
        raise invalid("You may only specify one of these parameters: payment_method, "
                      "payment_method_data.", "parameters_exclusive", "payment_method")
    if pmd is not None:
        card = pmd.get("card") if isinstance(pmd, dict) else None
        if not isinstance(pmd, dict) or pmd.get("type") != "card" or \
                not isinstance(card, dict) or not card.get("token"):
            raise invalid("Invalid payment_method_data", "parameter_invalid",
                          "payment_method_data")
        if card["token"] not in TOKENS:
            raise invalid(f"No such token: '{card['token']}'", "resource_missing",
                          "payment_method_data[card][token]")
        pm = TOKENS[card["token"]]
    if not pm:
        raise StripeError(400, "invalid_request_error",
                          "You cannot confirm this PaymentIntent because it's missing a "
                          "payment method.", "payment_intent_unexpected_state",
                          saved=True, payment_intent=copy.deepcopy(pi))
    pi, recs = confirm(pi["id"], pm, request)
    err = pi.get("last_payment_error")
    if pi["status"] == "requires_payment_method" and err:
        e = StripeError(402, "card_error", err["message"], err["code"], saved=True,
                        decline_code=err["decline_code"], charge=err["charge"],
                        payment_intent=copy.deepcopy(pi))
        e.recs = recs
        raise e
    return 200, pi, recs


def finish_processing(pi_id, pm_id):
    time.sleep(ARGS.processing_delay)
    with LOCK:
        pi = STATE["payment_intents"].get(pi_id)
        if pi is None or pi["status"] != "processing":
            return
        rec = succeed(pi, pm_id, None)
    dispatch([rec])


def auto_confirm(pi_id):
    time.sleep(ARGS.auto_confirm)
    try:
        with LOCK:
            pi = STATE["payment_intents"].get(pi_id)
            if pi is None or pi["status"] != "requires_payment_method":
                return
            _, recs = confirm(pi_id, "pm_card_visa", None)
        dispatch(recs)
    except StripeError as e:
        log(f"auto-confirm {pi_id}: {e}")


def cancel(pi, params, request):
    only(params, ("cancellation_reason", "expand"))
    reason = params.get("cancellation_reason")
    if reason is not None and reason not in CANCEL_REASONS:
        raise invalid(f"Invalid cancellation_reason: must be one of "
                      f"{', '.join(CANCEL_REASONS)}", "parameter_invalid",
                      "cancellation_reason")
    if pi["status"] in ("succeeded", "processing", "canceled"):
        raise StripeError(400, "invalid_request_error",
                          "You cannot cancel this PaymentIntent because it has a status of "
                          f"{pi['status']}. Only a PaymentIntent with one of the following "
                          "statuses may be canceled: requires_payment_method, "
                          "requires_capture, requires_confirmation, requires_action.",
                          "payment_intent_unexpected_state", saved=True,
                          payment_intent=copy.deepcopy(pi))
    pi.update(status="canceled", canceled_at=int(time.time()), cancellation_reason=reason)
    return emit("payment_intent.canceled", pi, request)


def refund(params, request):
    """POST /v1/refunds; returns (refund, events)."""
    only(params, ("payment_intent", "charge", "amount", "reason", "metadata", "expand"))
    pi_id, ch_id = params.get("payment_intent"), params.get("charge")
    if not pi_id and not ch_id:
        raise invalid("One of the following params should be provided for this request: "
                      "payment_intent or charge.", "parameter_missing", "payment_intent")
    if pi_id and ch_id:
        raise invalid("You may only specify one of these parameters: payment_intent, charge.",
                      "parameters_exclusive", "payment_intent")
    amount = integer(params, "amount", False)
    reason = params.get("reason")
    if reason is not None and reason not in REFUND_REASONS:
        raise invalid(f"Invalid reason: must be one of {', '.join(REFUND_REASONS)}",
                      "parameter_invalid", "reason")
    md = metadata(params)
    if ch_id:
        ch = STATE["charges"].get(ch_id)
        if ch is None:
            raise missing("charge", ch_id, "charge")
        pi = STATE["payment_intents"][ch["payment_intent"]]
    else:
        pi = STATE["payment_intents"].get(pi_id)
        if pi is None:
            raise missing("payment_intent", pi_id, "payment_intent")
        ch = STATE["charges"].get(pi["latest_charge"])
    if pi["status"] != "succeeded" or ch is None or not ch["paid"]:
        raise StripeError(400, "invalid_request_error",
                          f"This PaymentIntent ({pi['id']}) does not have a successful "
                          "charge to refund.", None, "payment_intent", saved=True)
    left = ch["amount"] - ch["amount_refunded"]
    if left == 0:
        raise StripeError(400, "invalid_request_error",
                          f"Charge {ch['id']} has already been refunded.",
                          "charge_already_refunded", "charge", saved=True)
    amount = left if amount is None else amount
    if amount > left:
        raise StripeError(400, "invalid_request_error",
                          f"Refund amount ({amount}) is greater than unrefunded amount on "
                          f"charge ({left})", "amount_too_large", "amount", saved=True)
    re_ = {"id": new_id("re_"), "object": "refund", "amount": amount,
           "balance_transaction": new_id("txn_"), "charge": ch["id"],
           "created": int(time.time()), "currency": ch["currency"],
           "destination_details": {"type": "card", "card": {"type": "refund"}},
           "metadata": md, "payment_intent": pi["id"], "reason": reason,
           "receipt_number": None, "source_transfer_reversal": None,
           "status": "succeeded", "transfer_reversal": None}
    STATE["refunds"][re_["id"]] = re_
    previous = {"amount_refunded": ch["amount_refunded"]}
    ch["amount_refunded"] += amount
    if ch["amount_refunded"] == ch["amount"]:
        previous["refunded"] = False
        ch["refunded"] = True
    return re_, [emit("charge.refunded", ch, request, previous),
                 emit("refund.created", re_, request)]


def refund_list(params):
    only(params, ("payment_intent", "charge", "limit", "expand"))
    limit = params.get("limit") or "10"
    if not re.fullmatch(r"\d{1,3}", limit) or not 1 <= int(limit) <= 100:
        raise invalid("This value must be between 1 and 100.", "parameter_invalid_integer",
                      "limit")
    rows = [r for r in STATE["refunds"].values()
            if params.get("payment_intent") in (None, r["payment_intent"])
            and params.get("charge") in (None, r["charge"])]
    rows.reverse()          # newest first, as Stripe lists
    return {"object": "list", "data": rows[:int(limit)], "has_more": len(rows) > int(limit),
            "url": "/v1/refunds"}


# -- the API ---------------------------------------------------------------------

def route(method, path, params, request):
    """Runs one API call under the lock; returns (status, body, events)."""
    segs = path.strip("/").split("/")
    if method == "POST" and path == "/v1/payment_intents":
        pi = payment_intent(params, request)
        STATE["payment_intents"][pi["id"]] = pi
        if "confirm" in params and boolean(params["confirm"], "confirm"):
            return server_confirm(pi, params, request)
        if ARGS.auto_confirm is not None:
            threading.Thread(target=auto_confirm, args=(pi["id"],), daemon=True).start()
        return 200, pi, []
    if segs[:2] == ["v1", "payment_intents"] and len(segs) in (3, 4):
        pi = STATE["payment_intents"].get(segs[2])
        if method == "GET" and len(segs) == 3:
            only(params, ("expand", "client_secret"))
            if pi is None:
                raise missing("payment_intent", segs[2])
            return 200, pi, []
        if method == "POST" and len(segs) == 4 and segs[3] == "confirm":
            if pi is None:
                raise missing("payment_intent", segs[2])
            return server_confirm(pi, params, request)
        if method == "POST" and len(segs) == 4 and segs[3] == "cancel":
            if pi is None:
                raise missing("payment_intent", segs[2])
            rec = cancel(pi, params, request)
            return 200, pi, [rec]
    if method == "POST" and path == "/v1/refunds":
        re_, recs = refund(params, request)
        return 200, re_, recs
    if method == "GET" and path == "/v1/refunds":
        return 200, refund_list(params), []
    if method == "GET" and len(segs) == 3 and segs[:2] in (["v1", "refunds"], ["v1", "charges"]):
        only(params, ("expand",))
        kind = segs[1]
        obj = STATE[kind].get(segs[2])
        if obj is None:
            raise missing(kind[:-1], segs[2])
        return 200, obj, []
    raise StripeError(404, "invalid_request_error",
                      f"Unrecognized request URL ({method}: {path}). Please see "
                      "https://stripe.com/docs or we can help at https://support.stripe.com/.")


def take_failure(path):
    """The first /control/fail-next rule matching path, counted down."""
    with LOCK:
        for rule in STATE["fail_next"]:
            if path.startswith(rule["path_prefix"]):
                rule["count"] -= 1
                if rule["count"] <= 0:
                    STATE["fail_next"].remove(rule)
                return rule
    return None


def failure_body(status):
    if status == 429:
        return {"error": {"type": "invalid_request_error", "code": "rate_limit",
                          "message": "Request rate limit exceeded. Learn more about rate "
                                     "limits here https://stripe.com/docs/rate-limits."}}
    return {"error": {"type": "api_error",
                      "message": "An unknown error occurred (simulated by stripe-sim)"}}


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "StripeSim/1.0"

    def log_message(self, fmt, *args):
        # Paths only: a query string may hold a client_secret.
        log(f"{self.command} {self.path.split('?')[0]} " + (fmt % args).split('"')[-1])

    def send(self, status, body, headers):
        data = json.dumps(body, indent=2).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, no-store")
        self.end_headers()
        self.wfile.write(data)

    def drop(self):
        """A connection cut without an answer (fail-next status 0)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def authenticate(self):
        auth = self.headers.get("Authorization") or ""
        key = None
        if auth.startswith("Bearer "):
            key = auth[7:].strip()
        elif auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                key = user if not password else None
            except (ValueError, UnicodeDecodeError):
                key = None
        if not auth:
            raise StripeError(401, "invalid_request_error",
                              "You did not provide an API key. You need to provide your API "
                              "key in the Authorization header, using Bearer auth (e.g. "
                              "'Authorization: Bearer YOUR_SECRET_KEY').")
        if key is None or not hmac.compare_digest(key.encode(), ARGS.secret_key.encode()):
            shown = (key or "")[:8] + "*" * 12 + (key or "")[-4:]
            raise StripeError(401, "invalid_request_error",
                              f"Invalid API Key provided: {shown}", "api_key_invalid")

    def do_GET(self):
        self.api("GET")

    def do_POST(self):
        self.api("POST")

    def do_DELETE(self):
        self.api("DELETE")

    def api(self, method):
        url = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        key = self.headers.get("Idempotency-Key") if method == "POST" else None
        request = {"id": new_id("req_", 14), "idempotency_key": key}
        headers = {"Request-Id": request["id"], "Stripe-Version": ARGS.api_version}
        if key is not None:
            headers["Idempotency-Key"] = key
        recs = []
        try:
            self.authenticate()
            fail = take_failure(url.path)
            if fail and fail["when"] == "before":
                if fail["status"] == 0:
                    return self.drop()
                raise StripeError(fail["status"], "api_error", "", saved=fail["replay"])
            status, body, recs, replayed = self.execute(method, url, raw, key, request)
            if replayed:
                headers["Idempotent-Replayed"] = "true"
            if fail:            # "after": done, but the client never hears so
                dispatch(recs)
                if fail["status"] == 0:
                    return self.drop()
                status, body, recs = fail["status"], failure_body(fail["status"]), []
        except StripeError as e:
            status, body = e.status, e.body
            recs = getattr(e, "recs", [])
            if e.body["error"]["type"] == "api_error":
                body = failure_body(status)
            if key is not None and e.saved:
                self.save(key, method, url.path, raw, status, body)
        self.send(status, body, headers)
        dispatch(recs)

    def execute(self, method, url, raw, key, request):
        """Validates and runs the call under the lock, replaying a stored
        answer for a known Idempotency-Key; returns (status, body, events,
        replayed)."""
        if method == "POST":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            params, pairs = decode_form(raw if ctype in ("", "application/x-www-form-urlencoded")
                                        else b"")
        else:
            params, pairs = decode_form(url.query.encode())
        with LOCK:
            if key is not None:
                if len(key) > 255:
                    raise invalid("Idempotency-Key must be at most 255 characters long.")
                stored = self.stored(key, method, url.path, pairs)
                if stored is not None:
                    return stored[0], stored[1], [], True
            try:
                status, body, recs = route(method, url.path, params, request)
            except StripeError as e:
                if key is not None and e.saved:
                    self.save(key, method, url.path, pairs, e.status, e.body)
                    e.saved = False
                raise
            body = copy.deepcopy(body)
            if key is not None:
                self.save(key, method, url.path, pairs, status, body)
        return status, body, recs, False

    @staticmethod
    def fingerprint(method, path, pairs):
        if isinstance(pairs, bytes):
            pairs = sorted(urllib.parse.parse_qsl(pairs.decode("utf-8", "replace"),
                                                  keep_blank_values=True))
        return json.dumps([method, path, pairs])

    def stored(self, key, method, path, pairs):
        now = time.time()
        idem = STATE["idempotency"]
        for k in [k for k, v in idem.items() if v["at"] < now - IDEMPOTENCY_SECONDS]:
            del idem[k]
        hit = idem.get(key)
        if hit is None:
            return None
        if hit["fingerprint"] != self.fingerprint(method, path, pairs):
            raise StripeError(400, "idempotency_error",
                              "Keys for idempotent requests can only be used with the same "
                              "parameters they were first used with. Try using a key other "
                              "than '" + key + "' if you meant to execute a different "
                              "request.")
        return hit["status"], hit["body"]

    def save(self, key, method, path, pairs, status, body):
        with LOCK:
            STATE["idempotency"][key] = {"fingerprint": self.fingerprint(method, path, pairs),
                                         "status": status, "body": copy.deepcopy(body),
                                         "at": time.time()}


# -- the control API (tests) and the Stripe.js stand-in ------------------------------

def build_event(d):
    """An event for POST /control/send: from "object", or the current
    PaymentIntent named by "payment_intent"."""
    obj = d.get("object")
    if obj is None and d.get("payment_intent"):
        with LOCK:
            obj = STATE["payment_intents"].get(d["payment_intent"])
        if obj is None:
            raise missing("payment_intent", d["payment_intent"])
    return emit(d.get("type") or "payment_intent.succeeded", obj or {})


class Control(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "StripeSimControl/1.0"

    def log_message(self, fmt, *args):
        log(f"control {self.command} {self.path.split('?')[0]} " + (fmt % args).split('"')[-1])

    def send(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_OPTIONS(self):
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def json_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            d = json.loads(self.rfile.read(n)) if n else {}
        except ValueError:
            d = None
        if not isinstance(d, dict):
            raise invalid("The control API takes a JSON object")
        return d

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/stripe.js":
            with open(STANDIN, "rb") as f:
                js = f.read()
            js = js.replace(b"@CONTROL_URL@", f"http://{self.headers.get('Host')}".encode())
            js = js.replace(b"@PUBLISHABLE_KEY@", ARGS.publishable_key.encode())
            return self.send(200, js, "application/javascript; charset=utf-8")
        if url.path == "/control/state":
            with LOCK:
                return self.send(200, {
                    "payment_intents": list(STATE["payment_intents"].values()),
                    "charges": list(STATE["charges"].values()),
                    "refunds": list(STATE["refunds"].values()),
                    "events": [event_view(r) for r in STATE["events"]],
                    "hold": STATE["hold"],
                    "queued": [r["event"]["id"] for r in STATE["queue"]]})
        if url.path == "/control/events":
            return self.send(200, [event_view(r) for r in self.events(q)])
        m = re.fullmatch(r"/control/payment_intents/([^/]+)", url.path)
        if m:
            with LOCK:
                pi = STATE["payment_intents"].get(m.group(1))
                if pi is None or q.get("client_secret", pi["client_secret"]) != pi["client_secret"]:
                    return self.send(404, missing("payment_intent", m.group(1)).body)
                return self.send(200, pi)
        self.send(404, {"error": {"type": "invalid_request_error",
                                  "message": f"No control call GET {url.path}"}})

    @staticmethod
    def events(q):
        def about(rec):
            obj = rec["event"]["data"]["object"]
            pi = q.get("payment_intent")
            return pi is None or pi in (obj.get("id"), obj.get("payment_intent"))
        with LOCK:
            return [r for r in STATE["events"]
                    if q.get("type") in (None, r["event"]["type"]) and about(r)]

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        try:
            d = self.json_body()
            status, body = self.post(url.path, dict(urllib.parse.parse_qsl(url.query)), d)
        except StripeError as e:
            status, body = e.status, e.body
        except (ValueError, TypeError, AttributeError) as e:
            status, body = 400, invalid(f"Bad control call: {e}").body
        self.send(status, body)

    def post(self, path, q, d):
        m = re.fullmatch(r"/control/payment_intents/([^/]+)/confirm", path)
        if m:
            request = {"id": new_id("req_", 14), "idempotency_key": None}
            with LOCK:
                pi, recs = confirm(m.group(1), d.get("payment_method", "pm_card_visa"),
                                   request, d.get("client_secret"))
                body = copy.deepcopy(pi)
            deliveries = dispatch(recs, sync=q.get("sync") == "1")
            if q.get("sync") == "1":
                body["deliveries"] = deliveries
            return 200, body
        m = re.fullmatch(r"/control/events/([^/]+)/resend", path)
        if m:
            with LOCK:
                rec = next((r for r in STATE["events"] if r["event"]["id"] == m.group(1)), None)
            if rec is None:
                raise missing("event", m.group(1))
            status, text = deliver_once(rec, "resend")
            return 200, {"event": rec["event"], "status": status,
                         "body": simserve.answer_json(text)}
        if path == "/control/send":
            return 200, self.send_event(d)
        if path == "/control/webhooks/hold":
            with LOCK:
                STATE["hold"] = True
            return 200, {"hold": True}
        if path == "/control/webhooks/release":
            return 200, {"delivered": self.release(d.get("order", "fifo"))}
        if path == "/control/fail-next":
            rule = {"status": int(d.get("status", 500)), "count": int(d.get("count", 1)),
                    "path_prefix": d.get("path_prefix", "/v1/"),
                    "when": d.get("when", "before"), "replay": bool(d.get("replay", False))}
            if rule["when"] not in ("before", "after"):
                raise invalid('"when" is "before" or "after"')
            with LOCK:
                STATE["fail_next"].append(rule)
            return 200, rule
        if path == "/control/reset":
            with LOCK:
                STATE.clear()
                STATE.update(fresh_state())
            return 200, {"ok": True}
        return 404, {"error": {"type": "invalid_request_error",
                               "message": f"No control call POST {path}"}}

    @staticmethod
    def send_event(d):
        """One event built as asked (forged, stale, raw) and delivered
        once, synchronously."""
        rec = build_event(d)
        body = d["raw_body"].encode() if d.get("raw_body") is not None else None
        if body is not None:
            with LOCK:
                rec["body"] = body
        t = int(time.time()) + int(d.get("timestamp_offset", 0))
        status, text = deliver_once(rec, "send", secret=d.get("secret"), t=t,
                                    sig=d.get("signature_header"))
        return {"event": rec["event"], "status": status, "body": simserve.answer_json(text)}

    @staticmethod
    def release(order):
        """Ends the hold and delivers the queue once each, in order, in
        this thread; those not taken get their retries in the background."""
        with LOCK:
            queue, STATE["queue"], STATE["hold"] = STATE["queue"], [], False
        if order == "reverse":
            queue.reverse()
        out, retry = [], []
        for rec in queue:
            status, _ = deliver_once(rec, "release")
            out.append(summary(rec, status))
            if not ok(status) and ARGS.webhook_url:
                retry.append(rec)
        if retry:
            threading.Thread(target=lambda: [deliver(r, "release", 1) for r in retry],
                             daemon=True).start()
        return out


def main():
    global ARGS
    ap = simserve.parser(__doc__)
    simserve.add_tls(ap)
    ap.add_argument("--secret-key", default="sk_test_biljett_dev")
    ap.add_argument("--publishable-key", default="pk_test_biljett_dev")
    ap.add_argument("--webhook-url")
    ap.add_argument("--webhook-secret", default="whsec_biljett_dev")
    ap.add_argument("--webhook-ca")
    ap.add_argument("--webhook-timeout", type=float, default=10)
    ap.add_argument("--retry-delays", default="0.5,1,2,4",
                    type=lambda s: [float(x) for x in s.split(",") if x.strip()],
                    help="seconds before each retry of a webhook (default 0.5,1,2,4: "
                         "five attempts)")
    ap.add_argument("--auto-confirm", type=float)
    ap.add_argument("--processing-delay", type=float, default=2)
    ap.add_argument("--api-version", default="2025-10-29.clover")
    ARGS = ap.parse_args()
    simserve.check_tls(ap, ARGS)
    STATE.update(fresh_state())

    simserve.serve(simserve.api_and_control(ARGS, Api, Control), log,
                   f"API on {'https' if ARGS.cert else 'http'}://127.0.0.1:{ARGS.port}/v1, "
                   f"control on http://127.0.0.1:{ARGS.control_port}, "
                   f"webhooks to {ARGS.webhook_url or '(none)'}")


if __name__ == "__main__":
    main()
