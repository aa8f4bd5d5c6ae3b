// Buying through the pages in headless Chromium, with and without
// JavaScript; the door scanner admitting a ticket once; a sold-out event.
import { join } from "node:path";
import { expect, run } from "./harness.mjs";

const PASSWORD = "dörrvakt-hemligt-1";

async function buy({ stack, browser }, javaScriptEnabled, email) {
	const ctx = await browser.newContext({ javaScriptEnabled, locale: "sv-SE" });
	const page = await ctx.newPage();
	const shot = (n) => page.screenshot({ path: join(stack.shots,
	    `${javaScriptEnabled ? "js" : "nojs"}-${n}.png`), fullPage: true });
	await page.goto(stack.base + "/");
	await shot("1-events");
	await page.getByRole("link", { name: "Vårspelet" }).first().click();
	await page.selectOption("select[name^=t]", "2");
	await shot("2-event");
	await page.getByRole("button", { name: "Reservera biljetter" }).click();
	expect(page.url().endsWith("/checkout"), `checkout, got ${page.url()}`);
	expect(await page.locator("#total").innerText() === "398.00 kr", "total 398.00 kr");
	await page.fill("#email", email);
	await shot("3-checkout");
	// The event takes cards too (the stack has Stripe): Swish is checked.
	expect(await page.getByRole("radio", { name: "Swish" }).isChecked(), "Swish checked");
	await page.getByRole("button", { name: "Gå vidare till betalning" }).click();
	expect(page.url().endsWith("/payment"), `payment page, got ${page.url()}`);
	await shot("4-payment");
	if (javaScriptEnabled) {
		// The page moves on by itself once the simulator has paid.
		await page.waitForURL("**/done", { timeout: 20000 });
	} else {
		for (let i = 0; i < 40 && !page.url().endsWith("/done"); i++) {
			await page.waitForTimeout(500);
			await page.goto(stack.base + "/payment");
		}
	}
	expect(page.url().endsWith("/done"), `confirmation, got ${page.url()}`);
	await shot("5-done");
	const codes = await page.locator(".codes .code").allInnerTexts();
	expect(codes.length === 2, `two ticket codes, got ${codes}`);
	for (const c of codes) expect(/^[A-Z]{6}$/.test(c), `a six-letter code: ${c}`);
	await ctx.close();
	return codes;
}

let codes = [];

await run("pages", {
	async "set up a show and a scanner"({ stack }) {
		stack.importShow("Vårspelet", 50);
		stack.importShow("Slutsålt spex", 0, 72);
		stack.biljett("scanner-add", "door", "--password", PASSWORD, "--site-wide");
	},
	async "buy two tickets with JavaScript"(t) {
		codes = await buy(t, true, "js@example.com");
	},
	async "buy two tickets without JavaScript"(t) {
		await buy(t, false, "nojs@example.com");
	},
	async "a sold-out event shows so"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "sv-SE" });
		const page = await ctx.newPage();
		await page.goto(stack.base + "/");
		const card = page.locator(".event", { hasText: "Slutsålt spex" });
		expect(await card.locator(".badge.out").innerText() === "Slutsåld", "a sold-out badge");
		await card.getByRole("link", { name: "Slutsålt spex" }).click();
		expect(await page.locator("#soldout").isVisible(), "sold out on the event page");
		expect(await page.locator("form.picker").count() === 0, "no ticket picker");
		await page.screenshot({ path: join(stack.shots, "soldout.png"), fullPage: true });
		await ctx.close();
	},
	async "the door admits a ticket once, then says already used"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "sv-SE",
		    viewport: { width: 390, height: 844 } });
		const page = await ctx.newPage();
		const shot = (n) => page.screenshot({ path: join(stack.shots, `door-${n}.png`) });
		await page.goto(stack.base + "/scanner");
		await page.fill("#password", "fel lösenord");
		await page.getByRole("button", { name: "Logga in" }).click();
		expect(await page.locator(".error").innerText() === "Fel lösenord.", "wrong password refused");
		await page.fill("#password", PASSWORD);
		await page.getByRole("button", { name: "Logga in" }).click();
		await page.fill("#code", codes[0].toLowerCase());
		await page.getByRole("button", { name: "Kontrollera biljett" }).click();
		expect(await page.locator("#verdict").getAttribute("data-state") === "valid", "valid first");
		await shot("1-valid");
		await page.getByRole("button", { name: "Släpp in" }).click();
		expect(await page.locator("#verdict").getAttribute("data-state") === "admitted", "admitted");
		await shot("2-admitted");
		await page.fill("#code", codes[0]);
		await page.getByRole("button", { name: "Kontrollera biljett" }).click();
		expect(await page.locator("#verdict").getAttribute("data-state") === "used", "already used");
		expect((await page.locator("#verdict").innerText()).includes("Redan använd"), "says already used");
		await shot("3-used");
		await page.fill("#code", "QQQQQQ");
		await page.getByRole("button", { name: "Kontrollera biljett" }).click();
		expect(await page.locator("#verdict").getAttribute("data-state") === "unknown", "unknown code");
		await ctx.close();
	},
	async "a buyer opens the tickets on a phone, from the mail's link and signed in"({ stack, browser }) {
		const phone = { locale: "sv-SE", viewport: { width: 390, height: 844 },
		    isMobile: true, hasTouch: true };
		// The link names public_url (https here); the test browses http.
		const link = stack.base + new URL(stack.biljett("ticket-link",
		    codes[1]).trim()).pathname;
		const ctx = await browser.newContext(phone);
		const page = await ctx.newPage();
		await page.goto(link);
		const ticket = page.locator(".ticket", { hasText: codes[1] });
		await ticket.scrollIntoViewIfNeeded();
		const qr = await ticket.locator("img.qr").boundingBox();
		expect(qr && qr.width >= 250 && qr.x >= 0 && qr.x + qr.width <= 390,
		    `a QR code of at least 250 px within the screen, got ${JSON.stringify(qr)}`);
		expect(await ticket.locator(".code").innerText() === codes[1], "the code under it");
		// The first ticket was admitted at the door: no QR code, marked used.
		const used = page.locator(".ticket", { hasText: codes[0] });
		expect(await used.locator("img.qr").count() === 0, "no QR code on a used ticket");
		expect((await used.locator(".state").innerText()).startsWith("Använd"), "says used");
		await page.screenshot({ path: join(stack.shots, "wallet-link.png") });
		// Signed in, /my-tickets shows the account's tickets.
		stack.biljett("create-user", "kund@example.com", "customer", "--password",
		    "kundens-lösenord-1");
		stack.sql("UPDATE orders SET user_id = (SELECT id FROM users WHERE email = ?)"
		    + " WHERE id = (SELECT order_id FROM tickets WHERE external_id = ?)",
		    "kund@example.com", codes[1]);
		await page.goto(stack.base + "/my-tickets");
		expect(page.url().includes("/login"), `the sign-in form, got ${page.url()}`);
		await page.fill("#email", "kund@example.com");
		await page.fill("#password", "kundens-lösenord-1");
		await page.getByRole("button", { name: "Logga in" }).click();
		await page.waitForURL("**/my-tickets");
		expect(await page.locator(".ticket .code").allInnerTexts().then((c) =>
		    c.includes(codes[1]) && c.length === 2), "the account's two tickets");
		await page.screenshot({ path: join(stack.shots, "wallet-mine.png") });
		await page.getByRole("button", { name: "Logga ut" }).click();
		await page.waitForURL("**/login");
		await ctx.close();
	},
	async "English from Accept-Language and the switch"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "en-GB" });
		const page = await ctx.newPage();
		await page.goto(stack.base + "/");
		expect(await page.locator("h1").innerText() === "Events", "English heading");
		await page.getByRole("link", { name: "de" }).click();
		expect(await page.locator("h1").innerText() === "Veranstaltungen", "German after the switch");
		await ctx.close();
	},
});
