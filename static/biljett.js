// biljett's pages work without this file; with it they get better:
// a live countdown at checkout, a payment page that moves on by itself,
// a place in the on-sale queue that updates itself, and the door
// scanner reading QR codes with the phone's camera.
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
	pollQueue();
	camera();
	const code = document.getElementById("code");
	if (code && !document.getElementById("admit")?.offsetParent) code.focus();
});
