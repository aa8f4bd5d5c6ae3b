// biljett's pages work without this file; with it they get better:
// a live countdown at checkout, a payment page that moves on by itself,
// a place in the on-sale queue that updates itself, and the door
// scanner reading QR codes with the phone's camera and admitting signed
// codes while the network is down.  Paying by card is the one thing
// that needs it: Stripe's Payment Element.
"use strict";

// Checkout: count the hold down every second.
function countdown() {
	const timer = document.querySelector(".timer[data-seconds]");
	if (!timer) return;
	const left = timer.querySelector(".left");
	let seconds = Number(timer.dataset.seconds);
	const tick = () => {
		seconds = Math.max(0, seconds - 1);
		left.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
		if (seconds === 0) location.reload();
	};
	tick();
	setInterval(tick, 1000);
}

// Payment: poll the status and move on when paid, declined or expired.
function pollPayment() {
	const main = document.querySelector("main[data-poll]");
	if (!main) return;
	const url = main.dataset.poll;
	const poll = async () => {
		try {
			const r = await fetch(url, { credentials: "same-origin" });
			if (r.ok) {
				const body = await r.json();
				if (body.status === "PAID") { location.assign("/done"); return; }
				if (body.status !== "RESERVED") { location.reload(); return; }
			}
		} catch (e) {
			// Offline for a moment: try again on the next tick.
		}
		setTimeout(poll, 1500);
	};
	setTimeout(poll, 1500);
}

// Card: mount Stripe's Payment Element (Stripe.js is loaded by the card
// page itself, from its origin in the page's CSP), confirm without
// leaving the page where the card allows, then wait for the webhook to
// confirm the order as the Swish step does.  A declined card says why
// and offers to try another one (a fresh payment: the decline has ended
// this one).
function cardPayment() {
	const main = document.querySelector("main[data-card-secret]");
	if (!main) return;
	const form = document.getElementById("card-form");
	const pay = form.querySelector("button[type=submit]");
	const error = document.getElementById("card-error");
	const why = error.querySelector(".why");
	const retry = document.getElementById("card-retry");
	const show = (el) => { el.hidden = false; };
	// Our sentence in the page's language, then Stripe's reason.
	const fail = (e) => {
		why.textContent = e.message || "";
		show(error);
	};
	const wait = () => {
		form.hidden = true;
		show(document.getElementById("status"));
		main.dataset.poll = "/session_payment_status/";
		pollPayment();
	};
	if (typeof window.Stripe !== "function") {
		show(document.getElementById("card-unavailable"));
		return;
	}
	// Back from a redirect the card needed (3-D Secure): only wait.
	if (new URLSearchParams(location.search).has("redirect_status")) {
		wait();
		return;
	}
	let stripe, elements;
	try {
		stripe = window.Stripe(main.dataset.cardKey);
		elements = stripe.elements({ clientSecret: main.dataset.cardSecret,
		    locale: document.documentElement.lang || "auto" });
		elements.create("payment").mount("#payment-element");
	} catch (e) {
		show(document.getElementById("card-unavailable"));
		return;
	}
	form.hidden = false;
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		pay.disabled = true;
		error.hidden = true;
		// Incomplete or invalid details: nothing was tried yet.
		const checked = await elements.submit();
		if (checked.error) {
			fail(checked.error);
			pay.disabled = false;
			return;
		}
		const { error: failed } = await stripe.confirmPayment({ elements,
		    confirmParams: { return_url: `${location.origin}/payment` },
		    redirect: "if_required" });
		if (!failed) { wait(); return; }
		fail(failed);
		if (failed.type === "validation_error") {
			pay.disabled = false;
			return;
		}
		form.hidden = true;
		show(retry);
		retry.querySelector("button").focus();
	});
}

// Queue: look at one's place every few seconds; when it is one's turn
// (or anything but waiting), load the page, which sets the pass.
function pollQueue() {
	const main = document.querySelector("main[data-queue]");
	if (!main) return;
	const url = main.dataset.queue;
	const position = document.getElementById("position");
	const poll = async () => {
		try {
			const r = await fetch(url, { credentials: "same-origin" });
			if (r.ok) {
				const body = await r.json();
				if (body.state !== "waiting") { location.reload(); return; }
				if (position && body.position !== null)
					position.textContent = String(body.position);
			}
		} catch (e) {
			// Offline for a moment: try again on the next tick.
		}
		setTimeout(poll, 3000);
	};
	setTimeout(poll, 3000);
}

// Door: read QR codes with BarcodeDetector where the browser has it;
// typing the six letters always works.
async function camera() {
	const form = document.getElementById("scan");
	const video = document.getElementById("camera");
	if (!form || !video || !("BarcodeDetector" in window) ||
	    !navigator.mediaDevices) return;
	let stream;
	try {
		const detector = new BarcodeDetector({ formats: ["qr_code"] });
		stream = await navigator.mediaDevices.getUserMedia(
		    { video: { facingMode: "environment" } });
		video.srcObject = stream;
		video.hidden = false;
		await video.play();
		const look = async () => {
			const codes = await detector.detect(video).catch(() => []);
			if (codes.length > 0) {
				form.elements.code.value = codes[0].rawValue.trim();
				stream.getTracks().forEach((t) => t.stop());
				// Through the submit listener: offline, this device checks.
				form.requestSubmit();
				return;
			}
			requestAnimationFrame(look);
		};
		look();
	} catch (e) {
		if (stream) stream.getTracks().forEach((t) => t.stop());
		video.hidden = true;
	}
}

// Door, offline: a signed code ("BJ1:" + base32, lib/ticketsig.h) is
// checked here with the organizer's public key (WebCrypto Ed25519), the
// event's revocation list and this device's own admissions; the scans
// are kept and sent to /api/scan/offline/ when the network is back,
// which says which ones another door had admitted first.
const door = {
	get(name, empty) {
		try { return JSON.parse(localStorage.getItem("biljett-door-" + name)) ?? empty; }
		catch (e) { return empty; }
	},
	put(name, value) { localStorage.setItem("biljett-door-" + name, JSON.stringify(value)); },
};

function unbase32(text) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	const out = [];
	let acc = 0, bits = 0;
	for (const c of text) {
		const v = alphabet.indexOf(c);
		if (v < 0) return null;
		acc = (acc << 5 | v) & 0xfff;
		bits += 5;
		if (bits >= 8) { bits -= 8; out.push(acc >> bits & 0xff); }
	}
	return new Uint8Array(out);
}

// The fields of a signed code, or null when it is not one.
function signedCode(text) {
	text = text.trim().toUpperCase();
	if (!text.startsWith("BJ1:") || text.length !== 147) return null;
	const raw = unbase32(text.slice(4));
	if (!raw || raw.length !== 89 || raw[0] !== 1) return null;
	const v = new DataView(raw.buffer);
	return { text, body: raw.slice(0, 25), sig: raw.slice(25), key: v.getUint32(1),
	    ticket: v.getUint32(5), event: v.getUint32(9), variant: v.getUint32(13),
	    from: v.getUint32(17) * 60, until: v.getUint32(21) * 60 };
}

// Fetches the door's keys and the revocations of the events it has seen.
async function doorRefresh() {
	const r = await fetch("/api/scan/keys/", { credentials: "same-origin" });
	if (!r.ok) return;
	door.put("keys", (await r.json()).keys);
	const lists = door.get("revoked", {});
	for (const ev of Object.keys(lists)) await doorLearn(Number(ev));
}

async function doorLearn(ev) {
	const r = await fetch(`/api/scan/events/${ev}/revocations/`,
	    { credentials: "same-origin" });
	if (!r.ok) return;
	const answer = await r.json();
	const lists = door.get("revoked", {});
	lists[ev] = answer.revoked;
	door.put("revoked", lists);
	const rules = door.get("rules", {});
	rules[ev] = answer.rules;
	door.put("rules", rules);
}

// The door day of the event's rules now (lib/checkin.h): the date in
// its zone of the moment day_starts minutes ago.
function doorDay(rules) {
	const at = new Date(Date.now() - (rules?.day_starts ?? 360) * 60000);
	return new Intl.DateTimeFormat("en-CA", { timeZone: rules?.timezone || undefined,
	    year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

// What this device keeps of an admission: a pass's is for its door day.
function doorKey(code) {
	const rules = door.get("rules", {})[code.event];
	const v = rules?.variants?.[code.variant];
	return v?.pass ? `${code.ticket}@${doorDay(rules)}` : code.ticket;
}

// "valid", "used", "wrongday" or "unknown" for a code, checked on this
// device: a pass once per door day, a day ticket only on its day.
async function doorCheck(code) {
	if (!code) return "unknown";
	const key = door.get("keys", []).find((k) => k.key_id === code.key);
	const now = Date.now() / 1000;
	if (!key || now < code.from || now >= code.until) return "unknown";
	try {
		const pk = Uint8Array.from(atob(key.public_key), (c) => c.charCodeAt(0));
		const k = await crypto.subtle.importKey("raw", pk, { name: "Ed25519" }, false, ["verify"]);
		if (!await crypto.subtle.verify({ name: "Ed25519" }, k, code.sig, code.body))
			return "unknown";
	} catch (e) {
		return "unknown";
	}
	if ((door.get("revoked", {})[code.event] || []).includes(code.ticket)) return "unknown";
	const rules = door.get("rules", {})[code.event];
	const day = rules?.variants?.[code.variant]?.day;
	if (day && day !== doorDay(rules)) return "wrongday";
	return door.get("admitted", []).includes(doorKey(code)) ? "used" : "valid";
}

function doorShow(state, code) {
	const v = document.getElementById("offline-verdict");
	// The server's verdict and its admit form are about an earlier code.
	document.getElementById("verdict")?.remove();
	document.querySelector("form.admit")?.remove();
	document.body.className = `scanner state-${state}`;
	v.dataset.state = state;
	v.querySelector(".code").textContent = code ? `#${code.ticket}` : "";
	v.hidden = false;
}

// Sends the scans kept offline; shows how many another door had admitted.
async function doorSync() {
	const queue = door.get("queue", []);
	if (queue.length === 0 || !navigator.onLine) return;
	let sent = 0, flagged = 0;
	for (let i = 0; i < queue.length; i += 32) {
		const r = await fetch("/api/scan/offline/", { method: "POST",
		    credentials: "same-origin", headers: { "Content-Type": "application/json" },
		    body: JSON.stringify({ scans: queue.slice(i, i + 32) }) }).catch(() => null);
		if (!r || !r.ok) break;
		const answer = await r.json();
		if (answer.results.some((x) => x.result === "retry")) break;
		sent += answer.results.length;
		flagged += answer.flagged;
	}
	door.put("queue", queue.slice(sent));
	if (sent === 0) return;
	const p = document.getElementById("door-sync");
	p.textContent = `${p.dataset.text} ${sent}; ${p.dataset.flagged} ${flagged}`;
	p.dataset.sent = sent;
	p.dataset.flaggedCount = flagged;
	p.hidden = false;
}

function offlineDoor() {
	const form = document.getElementById("scan");
	const admit = document.getElementById("offline-admit");
	if (!form || !admit || !window.crypto?.subtle) return;
	let current = null;
	form.addEventListener("submit", async (ev) => {
		const code = signedCode(form.elements.code.value);
		if (navigator.onLine) {
			// Learn the event's list while we can; the server decides.
			if (code && !(code.event in door.get("revoked", {}))) {
				ev.preventDefault();
				await doorLearn(code.event).catch(() => {});
				form.submit();
			}
			return;
		}
		ev.preventDefault();
		current = code;
		const state = await doorCheck(code);
		form.elements.code.value = "";
		// Leaving: recorded at once, as online; the server decides later.
		if (form.elements.direction?.value === "exit" && state !== "unknown") {
			door.put("queue", [...door.get("queue", []), { code: code.text,
			    scanned_at: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
			    direction: "exit" }]);
			doorShow("exited", code);
			current = null;
			return;
		}
		doorShow(state, code);
	});
	admit.addEventListener("click", () => {
		if (!current) return;
		door.put("admitted", [...door.get("admitted", []), doorKey(current)]);
		door.put("queue", [...door.get("queue", []),
		    { code: current.text, scanned_at: new Date().toISOString().replace(/\.\d+Z$/, "Z") }]);
		doorShow("admitted", current);
		current = null;
	});
	window.addEventListener("online", () => { doorSync(); doorRefresh().catch(() => {}); });
	if (navigator.onLine) {
		doorSync();
		doorRefresh().catch(() => {});
	}
}

// Back office: the live check-in numbers, fetched again every few
// seconds (the page shows them without JavaScript too).
function liveCheckins() {
	const box = document.getElementById("checkins");
	if (!box) return;
	const rows = {
		by_type: (t) => [t.name, t.arrived, t.sold, t.arrived_today, t.inside],
		by_gate: (g) => [g.gate, g.admitted, g.exited, g.transferred],
	};
	const tick = async () => {
		try {
			const r = await fetch(box.dataset.src, { credentials: "same-origin" });
			if (r.ok) {
				const n = await r.json();
				for (const el of box.querySelectorAll("[data-k]"))
					el.textContent = String(n[el.dataset.k]);
				for (const body of box.querySelectorAll("[data-list]")) {
					const trs = n[body.dataset.list].map((x) => {
						const tr = document.createElement("tr");
						rows[body.dataset.list](x).forEach((v, i) => {
							const c = document.createElement(i === 0 ? "th" : "td");
							if (i === 0) c.scope = "row"; else c.className = "num";
							c.textContent = String(v);
							tr.append(c);
						});
						return tr;
					});
					body.replaceChildren(...trs);
				}
				box.dataset.refreshed = String(Number(box.dataset.refreshed || 0) + 1);
			}
		} catch (e) {
			// Offline for a moment: try again on the next tick.
		}
		setTimeout(tick, 5000);
	};
	setTimeout(tick, 5000);
}

document.addEventListener("DOMContentLoaded", () => {
	countdown();
	pollPayment();
	cardPayment();
	pollQueue();
	camera();
	offlineDoor();
	liveCheckins();
	const code = document.getElementById("code");
	if (code && !document.getElementById("admit")?.offsetParent) code.focus();
});
