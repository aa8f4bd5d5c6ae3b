// Paying by card through the pages in headless Chromium, against the
// Stripe simulator and its Stripe.js stand-in (tests/sim/README.md): the
// buyer chooses Card at checkout, types a test card into the Payment
// Element, lands on /done once the webhook has confirmed the order, gets
// the tickets by mail with their QR codes, and the organizer sees the
// sale.  A declined card says so and lets the buyer try another; without
// JavaScript the card page offers Swish.  The card page's CSP lets in
// exactly stripe_js_url's origin, and the contexts here do not bypass
// it: the stand-in only runs because the header allows it.
import { join } from "node:path";
import { expect, run, ticketMails, until } from "./harness.mjs";

const ORGANIZER = "kortarrangor@example.com";
const ORGANIZER_PASSWORD = "arrangörens-lösenord-2";
const exact = { exact: true };

/* Filled by the first step. */
const ids = {};

/* The directives of a Content-Security-Policy header, by name. */
function csp(header) {
	const out = {};
	for (const d of (header || "").split(";")) {
		const [name, ...values] = d.trim().split(/\s+/);
		if (name) out[name] = values;
	}
	return out;
}

/* Reserves count tickets of event through the picker, ends on /checkout. */
async function reserve(page, stack, event, count) {
	await page.goto(`${stack.base}/events/${event}`);
	await page.selectOption("select[name^=t]", String(count));
	await page.getByRole("button", { name: "Reservera biljetter" }).click();
	expect(page.url().endsWith("/checkout"), `checkout, got ${page.url()}`);
}

/* From /checkout: the e-mail, Card, on to the card step; returns the
 * response of GET /payment. */
async function chooseCard(page, email) {
	await page.fill("#email", email);
	await page.getByRole("radio", { name: "Kort" }).check();
	const [response] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith("/payment") &&
		    r.request().method() === "GET"),
		page.getByRole("button", { name: "Gå vidare till betalning" }).click(),
	]);
	expect(page.url().endsWith("/payment"), `the card step, got ${page.url()}`);
	return response;
}

/* Types number into the stand-in's card field and pays. */
async function payWith(page, number) {
	await page.getByLabel("Card number", exact).fill(number);
	await page.getByRole("button", { name: "Betala nu" }).click();
}

/* Signs the organizer in; ends on "my events". */
async function organizerSignIn(page, stack) {
	await page.goto(`${stack.base}/organizer/login`);
	await page.getByLabel("E-postadress").fill(ORGANIZER);
	await page.getByLabel("Lösenord", exact).fill(ORGANIZER_PASSWORD);
	await page.getByRole("button", { name: "Logga in" }).click();
	await page.waitForURL("**/organizer/");
}

/* What the organizer's page of the event says: sold and revenue. */
async function sales(page, stack) {
	await page.goto(`${stack.base}/organizer/events/${ids.show}`);
	return { sold: (await page.locator("#sold").innerText()).trim(),
	    revenue: (await page.locator("#revenue").innerText()).trim() };
}

await run("card", {
	async "set up a show, its organizer and one event of each kind"({ stack }) {
		ids.show = stack.importShow("Kortspelet", 50);
		ids.swishOnly = stack.importShow("Bara Swish", 50, 50);
		ids.cardOnly = stack.importShow("Bara kort", 50, 52);
		stack.sql("UPDATE events SET payment_providers = 'swish' WHERE id = ?",
		    ids.swishOnly);
		stack.sql("UPDATE events SET payment_providers = 'stripe' WHERE id = ?",
		    ids.cardOnly);
		stack.biljett("create-user", ORGANIZER, "organizer", "--password",
		    ORGANIZER_PASSWORD);
		stack.sql("UPDATE events SET organizer_id = (SELECT id FROM users"
		    + " WHERE email = ?) WHERE id = ?", ORGANIZER, ids.show);
		ids.origin = new URL(stack.confValue("stripe_js_url")).origin;
	},

	async "checkout offers what the event takes"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "sv-SE" });
		const page = await ctx.newPage();
		await reserve(page, stack, ids.show, 1);
		expect(await page.getByRole("radio").count() === 2, "two ways to pay");
		expect(await page.getByRole("radio", { name: "Swish" }).isChecked(),
		    "Swish checked first");
		await reserve(page, stack, ids.swishOnly, 1);
		expect(await page.getByRole("radio").count() === 0, "no choice for one way");
		expect(await page.getByRole("button", { name: "Betala med Swish" }).count() === 1,
		    "Pay with Swish");
		await reserve(page, stack, ids.cardOnly, 1);
		expect(await page.getByRole("radio").count() === 0, "no choice for one way");
		expect(await page.getByRole("button", { name: "Betala med kort" }).count() === 1,
		    "Pay by card");
		await ctx.close();
	},

	async "a buyer pays by card, gets the tickets by mail, the organizer sees the sale"({ stack, browser }) {
		const org = await (await browser.newContext({ locale: "sv-SE" })).newPage();
		await organizerSignIn(org, stack);
		const before = await sales(org, stack);
		expect(before.sold.startsWith("0 /"), `nothing sold yet, got ${before.sold}`);

		const ctx = await browser.newContext({ locale: "sv-SE" });
		const page = await ctx.newPage();
		const shot = (n) => page.screenshot({ path: join(stack.shots, `card-${n}.png`),
		    fullPage: true });
		await reserve(page, stack, ids.show, 2);
		await shot("1-checkout");
		const response = await chooseCard(page, "kort@example.com");

		// stripe_js_url's origin for scripts, calls and frames; calls to
		// stripe_api_url's origin too (Stripe.js talks to Stripe's API).
		const policy = csp(response.headers()["content-security-policy"]);
		const list = (name) => (policy[name] || []).join(" ");
		expect(list("script-src") === `'self' ${ids.origin}`,
		    `script-src 'self' ${ids.origin}, got ${list("script-src")}`);
		const api = new URL(stack.confValue("stripe_api_url")).origin;
		expect(list("connect-src") === `'self' ${ids.origin} ${api}`,
		    `connect-src 'self' ${ids.origin} ${api}, got ${list("connect-src")}`);
		expect(list("frame-src") === ids.origin,
		    `frame-src ${ids.origin}, got ${list("frame-src")}`);
		expect(list("default-src") === "'none'", "default-src 'none' kept");

		expect(await page.locator("h1").innerText() === "Betala med kort", "the card step");
		await page.getByLabel("Card number", exact).waitFor();
		await shot("2-card");
		await payWith(page, "4242 4242 4242 4242");
		await page.waitForURL("**/done", { timeout: 20000 });
		await shot("3-done");
		const codes = await page.locator(".codes .code").allInnerTexts();
		expect(codes.length === 2, `two ticket codes, got ${codes}`);
		await ctx.close();

		// The ticket mail, one QR code per ticket, each its code.
		const mails = await until(() => {
			const m = ticketMails(stack, "kort@example.com");
			return m.length > 0 && m;
		}, "the ticket mail");
		expect(mails.length === 1, `one mail, got ${mails.length}`);
		expect(JSON.stringify([...mails[0]].sort()) === JSON.stringify([...codes].sort()),
		    `QR codes ${mails[0]} to be the tickets ${codes}`);

		const after = await sales(org, stack);
		await org.screenshot({ path: join(stack.shots, "card-4-organizer.png"),
		    fullPage: true });
		expect(after.sold.startsWith("2 /"), `two sold, got ${after.sold}`);
		expect(after.revenue.replace(/\s/g, "").includes("398"),
		    `398 kr of revenue, got ${after.revenue}`);
		await org.goto(`${stack.base}/organizer/`);
		const row = org.locator("table.grid tr", { hasText: "Kortspelet" });
		expect((await row.innerText()).includes("2 / 50"), "my events: 2 / 50 sold");
		await org.context().close();
	},

	async "a declined card shows why, stays, and another card pays"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "sv-SE" });
		const page = await ctx.newPage();
		await reserve(page, stack, ids.show, 1);
		await chooseCard(page, "nekad@example.com");
		await payWith(page, "4000000000000002");
		const error = page.locator("#card-error");
		await error.waitFor();
		await page.screenshot({ path: join(stack.shots, "card-5-declined.png"),
		    fullPage: true });
		expect(page.url().endsWith("/payment"), `still the card step, got ${page.url()}`);
		const said = await error.innerText();
		expect(said.includes("Kortbetalningen gick inte igenom") && /declined/i.test(said),
		    `our sentence and Stripe's reason, got "${said}"`);
		expect(await page.locator("#status").isHidden(), "not waiting for a confirmation");
		expect(await page.locator("#card-form").isHidden(), "the used form put away");
		await page.getByRole("button", { name: "Försök med ett annat kort" }).click();
		expect(page.url().endsWith("/payment"), `the card step again, got ${page.url()}`);
		await payWith(page, "4242424242424242");
		await page.waitForURL("**/done", { timeout: 20000 });
		expect(await page.locator(".codes .code").count() === 1, "one ticket");
		await ctx.close();
	},

	async "without JavaScript the card step says so and offers Swish"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "sv-SE", javaScriptEnabled: false });
		const page = await ctx.newPage();
		await reserve(page, stack, ids.show, 1);
		await page.fill("#email", "utanjs@example.com");
		await page.getByRole("radio", { name: "Kort" }).check();
		await page.getByRole("button", { name: "Gå vidare till betalning" }).click();
		expect(page.url().endsWith("/payment"), `the card step, got ${page.url()}`);
		expect((await page.locator("#needs-js").innerText()).includes("JavaScript"),
		    "says cards need JavaScript");
		expect(await page.locator("#card-form").isHidden(), "no card form");
		expect(await page.locator("#status").isHidden(), "nothing being confirmed");
		await page.screenshot({ path: join(stack.shots, "card-6-nojs.png"), fullPage: true });
		await page.getByRole("button", { name: "Betala med Swish i stället" }).click();
		expect(await page.locator("h1").innerText() === "Betala med Swish", "the Swish step");
		// The Swish simulator pays by itself; without JavaScript one looks again.
		for (let i = 0; i < 40 && !page.url().endsWith("/done"); i++) {
			await page.waitForTimeout(500);
			await page.goto(`${stack.base}/payment`);
		}
		expect(page.url().endsWith("/done"), `paid with Swish, got ${page.url()}`);
		await ctx.close();
	},

	async "pages other than the card step keep the strict policy"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "sv-SE" });
		const page = await ctx.newPage();
		await page.goto(`${stack.base}/`);
		const r = await page.goto(`${stack.base}/events/${ids.show}`);
		await reserve(page, stack, ids.show, 1);
		const checkout = await page.goto(`${stack.base}/checkout`);
		for (const res of [r, checkout]) {
			const header = res.headers()["content-security-policy"];
			expect(!header.includes(ids.origin) && !header.includes("frame-src"),
			    `no Stripe origin in ${res.url()}: ${header}`);
		}
		await ctx.close();
	},
});
