// Paying with M-Pesa through the pages in headless Chromium, against the
// Daraja simulator (tests/sim/README.md): for an event priced in Kenyan
// shillings that takes M-Pesa, the buyer types a phone number at
// checkout, sees "confirm on your phone" while the simulator's payer
// answers the STK push, and lands on /done by itself once Daraja's
// callback has confirmed the order; the tickets come by mail with their
// QR codes.  A payer who cancels on the phone is told so and can try
// again.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, run, ticketMails, until } from "./harness.mjs";

const ids = {};

/* The M-Pesa simulator's control API (its port from devstack's state). */
async function mpesa(stack, path, body) {
	const state = JSON.parse(readFileSync(join(stack.dir, "stack.json"), "utf8"));
	const r = await fetch(`http://127.0.0.1:${state.mpesa_control_port}${path}`,
	    body === undefined ? {} : { method: "POST", body: JSON.stringify(body),
	      headers: { "Content-Type": "application/json" } });
	if (!r.ok) throw new Error(`M-Pesa simulator ${path}: ${r.status}`);
	return r.json();
}

/* Reserves count tickets through the picker, ends on /checkout. */
async function reserve(page, stack, count) {
	await page.goto(`${stack.base}/events/${ids.show}`);
	await page.selectOption("select[name^=t]", String(count));
	await page.getByRole("button", { name: "Reservera biljetter" }).click();
	expect(page.url().endsWith("/checkout"), `checkout, got ${page.url()}`);
}

/* From /checkout: e-mail and phone, on to "confirm on your phone". */
async function payWithMpesa(page, email, phone) {
	await page.fill("#email", email);
	await page.getByLabel("Telefonnummer för M-Pesa").fill(phone);
	await page.getByRole("button", { name: "Betala med M-Pesa" }).click();
	expect(page.url().endsWith("/payment"), `the phone step, got ${page.url()}`);
}

await run("mpesa", {
	async "set up an event in KES that takes M-Pesa"({ stack }) {
		ids.show = stack.importShow("Jazz i Nairobi", 50, 48,
		    { currency: "KES", payment_providers: "mpesa" });
		// The payer answers a second after the push.
		await mpesa(stack, "/control/delay", { seconds: 1 });
	},

	async "a buyer pays on the phone and the page moves on by itself"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "sv-SE" });
		const page = await ctx.newPage();
		const shot = (n) => page.screenshot({ path: join(stack.shots, `mpesa-${n}.png`),
		    fullPage: true });
		await reserve(page, stack, 2);
		expect(await page.getByRole("radio").count() === 0, "M-Pesa is the one way");
		await shot("1-checkout");
		await payWithMpesa(page, "mpesa@example.com", "0708 370 000");
		expect(await page.locator("h1").innerText() === "Bekräfta i din telefon",
		    "confirm on your phone");
		expect((await page.locator("#status").innerText()).includes("254708370000"),
		    "the phone asked");
		await shot("2-phone");
		await page.waitForURL("**/done", { timeout: 20000 });
		await shot("3-done");
		const codes = await page.locator(".codes .code").allInnerTexts();
		expect(codes.length === 2, `two ticket codes, got ${codes}`);
		const state = await mpesa(stack, "/control/state");
		const push = state.pushes.find((p) => p.phone === "254708370000");
		expect(push && push.amount === 398, `one push of 398 KES, got ${JSON.stringify(push)}`);
		expect(state.deliveries.some((d) => d.push === push.id && d.status === 200),
		    "its callback taken");
		await ctx.close();

		const mails = await until(() => {
			const m = ticketMails(stack, "mpesa@example.com");
			return m.length > 0 && m;
		}, "the ticket mail");
		expect(JSON.stringify([...mails[0]].sort()) === JSON.stringify([...codes].sort()),
		    `QR codes ${mails[0]} to be the tickets ${codes}`);
	},

	async "a payer who cancels on the phone is told so and can try again"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "sv-SE" });
		const page = await ctx.newPage();
		await reserve(page, stack, 1);
		await payWithMpesa(page, "avbryt@example.com", "0708371032");
		const failed = page.locator("#failed");
		await failed.waitFor({ timeout: 20000 });
		await page.screenshot({ path: join(stack.shots, "mpesa-4-cancelled.png"),
		    fullPage: true });
		expect((await failed.innerText()).includes("Du avbröt betalningen i telefonen."),
		    `why, got ${await failed.innerText()}`);
		// Again, from the same page, with a phone that pays.
		await page.getByLabel("Telefonnummer för M-Pesa").fill("0708370000");
		await page.getByRole("button", { name: "Försök igen" }).click();
		await page.waitForURL("**/done", { timeout: 20000 });
		await ctx.close();
	},
});
