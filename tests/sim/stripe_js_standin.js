/*
 * A stand-in for Stripe.js v3, served by tests/sim/stripe_sim.py at
 * GET /stripe.js on its control port: the subset a card checkout page
 * uses, talking to the simulator instead of Stripe.  The simulator fills
 * in @CONTROL_URL@ and @PUBLISHABLE_KEY@ when it serves this file.
 *
 *   const stripe = Stripe(publishableKey);
 *   const elements = stripe.elements({clientSecret});
 *   elements.create("payment").mount("#payment-element");
 *   await elements.submit();
 *   const {error, paymentIntent} = await stripe.confirmPayment({
 *       elements, confirmParams: {return_url}, redirect: "if_required"});
 *
 * Test card numbers: 4242424242424242 succeeds, 4000000000000002 is
 * declined, 4000000000000077 stays "processing" for a while (ours).
 */
(function () {
	"use strict";
	var CONTROL = "@CONTROL_URL@";
	var KEY = "@PUBLISHABLE_KEY@";
	var CARDS = {
		"4242424242424242": "pm_card_visa",
		"4000000000000002": "pm_card_chargeDeclined",
		"4000000000000077": "pm_card_processing"
	};

	function intentId(clientSecret) {
		var i = String(clientSecret || "").indexOf("_secret_");
		return i > 0 ? clientSecret.slice(0, i) : null;
	}

	function call(method, path, body) {
		return fetch(CONTROL + path, {
			method: method,
			headers: body ? {"Content-Type": "application/json"} : {},
			body: body ? JSON.stringify(body) : undefined
		}).then(function (r) {
			return r.json().then(function (j) { return {ok: r.ok, body: j}; });
		}).catch(function (e) {
			return {ok: false, body: {error: {type: "api_connection_error",
				message: "Could not reach the Stripe simulator: " + e}}};
		});
	}

	function failure(type, code, message) {
		return Promise.resolve({error: {type: type, code: code, message: message}});
	}

	/* An element: a card number input in a small form inside the node. */
	function Element(type, options) {
		this.type = type;
		this.options = options || {};
		this.handlers = {};
		this.node = null;
		this.input = null;
	}
	Element.prototype.on = function (event, cb) {
		(this.handlers[event] = this.handlers[event] || []).push(cb);
		return this;
	};
	Element.prototype.emit = function (event, arg) {
		(this.handlers[event] || []).forEach(function (cb) { cb(arg); });
	};
	Element.prototype.number = function () {
		return this.input ? this.input.value.replace(/[\s-]/g, "") : "";
	};
	Element.prototype.mount = function (target) {
		var node = typeof target === "string" ? document.querySelector(target) : target;
		if (!node)
			throw new Error("Stripe stand-in: mount target not found: " + target);
		var self = this, form = document.createElement("div"), label = document.createElement("label");
		form.className = "StripeElement StripeElement--" + this.type;
		label.textContent = "Card number";
		this.input = document.createElement("input");
		this.input.name = "cardnumber";
		this.input.setAttribute("aria-label", "Card number");
		this.input.autocomplete = "cc-number";
		this.input.inputMode = "numeric";
		this.input.placeholder = "4242 4242 4242 4242";
		this.input.addEventListener("input", function () {
			var n = self.number();
			self.emit("change", {elementType: self.type, empty: n === "",
				complete: /^\d{16}$/.test(n), value: {type: "card"}});
		});
		label.appendChild(this.input);
		form.appendChild(label);
		node.appendChild(form);
		this.node = form;
		setTimeout(function () { self.emit("ready", {elementType: self.type}); }, 0);
	};
	Element.prototype.unmount = function () {
		if (this.node && this.node.parentNode)
			this.node.parentNode.removeChild(this.node);
		this.node = this.input = null;
	};
	Element.prototype.destroy = Element.prototype.unmount;

	function Elements(options) {
		this.options = options || {};
		this.clientSecret = this.options.clientSecret;
		this.elements = {};
	}
	Elements.prototype.create = function (type, options) {
		if (type !== "payment" && type !== "card")
			throw new Error("Stripe stand-in: only 'payment' and 'card' elements exist here");
		return (this.elements[type] = new Element(type, options));
	};
	Elements.prototype.getElement = function (type) {
		return this.elements[type] || null;
	};
	Elements.prototype.card = function () {
		return this.elements.payment || this.elements.card || null;
	};
	Elements.prototype.submit = function () {
		var el = this.card(), n = el ? el.number() : "";
		if (!/^\d{16}$/.test(n))
			return failure("validation_error", "incomplete_number",
				"Your card number is incomplete.");
		return Promise.resolve({});
	};

	function Stripe(key) {
		if (!(this instanceof Stripe))
			return new Stripe(key);
		if (key !== KEY)
			throw new Error("Invalid API Key provided: " + key);
		this.key = key;
	}
	Stripe.prototype.elements = function (options) {
		return new Elements(options);
	};
	Stripe.prototype.confirmPayment = function (opts) {
		opts = opts || {};
		var elements = opts.elements, secret = opts.clientSecret || (elements && elements.clientSecret);
		var id = intentId(secret), el = elements && elements.card();
		if (!id)
			return failure("invalid_request_error", "missing_client_secret",
				"confirmPayment needs the PaymentIntent's client secret.");
		var pm = el ? CARDS[el.number()] : null;
		if (!pm)
			return failure("card_error", "incorrect_number", "Your card number is incorrect.");
		var returnUrl = opts.confirmParams && opts.confirmParams.return_url;
		if (opts.redirect !== "if_required" && !returnUrl)
			return failure("invalid_request_error", "missing_return_url",
				"confirmParams.return_url is required unless redirect is 'if_required'.");
		return call("POST", "/control/payment_intents/" + encodeURIComponent(id) + "/confirm",
			{payment_method: pm, client_secret: secret}).then(function (r) {
			if (!r.ok)
				return {error: r.body.error};
			var pi = r.body;
			/* A decline resolves with the error and never redirects, as Stripe.js does. */
			if (pi.last_payment_error && pi.status === "requires_payment_method") {
				var err = Object.assign({}, pi.last_payment_error, {payment_intent: pi});
				return {error: err};
			}
			if (opts.redirect === "if_required")
				return {paymentIntent: pi};
			var sep = returnUrl.indexOf("?") < 0 ? "?" : "&";
			window.location.assign(returnUrl + sep +
				"payment_intent=" + encodeURIComponent(pi.id) +
				"&payment_intent_client_secret=" + encodeURIComponent(secret) +
				"&redirect_status=" + (pi.status === "succeeded" ? "succeeded" :
					pi.status === "processing" ? "processing" : "failed"));
			return new Promise(function () {});   /* the page is leaving */
		});
	};
	Stripe.prototype.retrievePaymentIntent = function (clientSecret) {
		var id = intentId(clientSecret);
		if (!id)
			return failure("invalid_request_error", "missing_client_secret",
				"Invalid client secret.");
		return call("GET", "/control/payment_intents/" + encodeURIComponent(id) +
			"?client_secret=" + encodeURIComponent(clientSecret)).then(function (r) {
			return r.ok ? {paymentIntent: r.body} : {error: r.body.error};
		});
	};

	window.Stripe = Stripe;
})();
