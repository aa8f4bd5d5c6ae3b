// biljett's pages work without this file; with it they get better:
// a live countdown at checkout, a payment page that moves on by itself,
// a place in the on-sale queue that updates itself, and the door
// scanner reading QR codes with the phone's camera.  Paying by card is
// the one thing that needs it: Stripe's Payment Element.
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
				form.submit();
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

document.addEventListener("DOMContentLoaded", () => {
	countdown();
	pollPayment();
	cardPayment();
	pollQueue();
	camera();
	const code = document.getElementById("code");
	if (code && !document.getElementById("admit")?.offsetParent) code.focus();
});
