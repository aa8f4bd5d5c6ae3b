// The organizer pages in headless Chromium, the acceptance test:
// an organizer signs in, creates a two-day festival with a tier_and_day
// ticket type (2 days x 2 tiers), publishes it, and a buyer then finds it
// on the buyer pages and reserves one cell -- with JavaScript and without.
import { join } from "node:path";
import { expect, run } from "./harness.mjs";

const EMAIL = "festival@example.com";
const PASSWORD = "arrangör-hemligt-1";
const exact = { exact: true };

/* Signs in, creates and publishes the festival; returns its id. */
async function organize({ stack, browser }, javaScriptEnabled, title) {
	const ctx = await browser.newContext({ javaScriptEnabled, locale: "sv-SE" });
	const page = await ctx.newPage();
	const shot = (n) => page.screenshot({ path: join(stack.shots,
	    `org-${javaScriptEnabled ? "js" : "nojs"}-${n}.png`), fullPage: true });

	// Without a session the pages send one to the sign-in form.
	await page.goto(stack.base + "/organizer/");
	expect(page.url().endsWith("/organizer/login"), `the sign-in form, got ${page.url()}`);
	await page.getByLabel("E-postadress").fill(EMAIL);
	await page.getByLabel("Lösenord", exact).fill("fel lösenord");
	await page.getByRole("button", { name: "Logga in" }).click();
	await page.getByRole("alert").waitFor();
	expect((await page.getByRole("alert").innerText()).includes("Fel e-postadress eller lösenord"),
	    "a wrong password refused");
	await page.getByLabel("Lösenord", exact).fill(PASSWORD);
	await shot("1-sign-in");
	await page.getByRole("button", { name: "Logga in" }).click();
	await page.waitForURL("**/organizer/");
	expect(await page.locator("h1").innerText() === "Mina evenemang", "my events");

	// The event: two days, in Swedish and English, days x tiers.
	await page.getByRole("link", { name: "Nytt evenemang" }).first().click();
	await page.waitForURL("**/organizer/events/new");
	await page.getByLabel("Titel på svenska").fill(title);
	await page.getByLabel("Titel på engelska").fill(`${title} (en)`);
	await page.getByLabel("Beskrivning på svenska").fill("Två dagar musik i parken.");
	await page.getByLabel("Beskrivning på engelska").fill("Two days of music in the park.");
	await page.getByLabel("Börjar", exact).fill("2031-07-10T12:00");
	await page.getByLabel("Slutar", exact).fill("2031-07-11T23:00");
	await page.getByLabel("Plats", exact).fill("Stadsparken");
	await page.getByLabel("Ort", exact).fill("Lund");
	await page.getByLabel("Platser totalt", exact).fill("1000");
	await page.getByLabel("Prissättning").selectOption("tier_and_day");
	await shot("2-event");
	await page.getByRole("button", { name: "Skapa evenemanget" }).click();
	await page.waitForURL(/\/tickets\?done=created$/);
	const m = page.url().match(/\/organizer\/events\/(\d+)\/tickets/);
	expect(m, `the ticket types page, got ${page.url()}`);

	// The ticket type: the day x tier matrix, one form.
	await page.getByLabel("Namn på svenska", exact).fill("Festivalpass");
	await page.getByLabel("Namn på engelska", exact).fill("Festival pass");
	await page.getByLabel("Dag 1: namn", exact).fill("Fredag");
	await page.getByLabel("Dag 2: namn", exact).fill("Lördag");
	await page.getByLabel("Nivå 1: namn", exact).fill("Standard");
	await page.getByLabel("Nivå 2: namn", exact).fill("VIP");
	for (const day of [1, 2]) {
		await page.getByLabel(`Dag ${day}, nivå 1: pris`, exact).fill("300");
		await page.getByLabel(`Dag ${day}, nivå 1: platser`, exact).fill("400");
		await page.getByLabel(`Dag ${day}, nivå 2: pris`, exact).fill("650,50");
		await page.getByLabel(`Dag ${day}, nivå 2: platser`, exact).fill("50");
	}
	// Leave the last input first: in headless Chromium a click after a
	// full-page screenshot taken while a number input has the focus
	// submits nothing.
	await page.locator("h1").click();
	await shot("3-matrix");
	await page.getByRole("button", { name: "Lägg till biljettypen" }).click();
	await page.waitForURL(/\/tickets\?done=types$/);
	expect(await page.locator(".done").innerText() === "Biljettyperna är sparade.",
	    "the ticket type saved");
	expect(await page.locator(".ttype table.matrix tbody tr").count() === 2, "two days in the matrix");
	expect(await page.getByLabel("Lördag, VIP: pris", exact).inputValue() === "650.50",
	    "the day x tier price stored");
	await shot("4-types");

	// Publish it.
	await page.getByRole("link", { name: "Tillbaka till evenemanget" }).click();
	await page.waitForURL(/\/organizer\/events\/\d+$/);
	await page.getByRole("button", { name: "Publicera" }).click();
	await page.waitForURL(/\?done=published$/);
	expect(await page.locator("#status").innerText() === "Publicerat", "published");
	await shot("5-published");
	await ctx.close();
	return m[1];
}

/* A buyer finds the festival and reserves Saturday's VIP cell. */
async function reserve({ stack, browser }, javaScriptEnabled, id, title) {
	const ctx = await browser.newContext({ javaScriptEnabled, locale: "sv-SE" });
	const page = await ctx.newPage();
	await page.goto(stack.base + "/");
	await page.getByRole("link", { name: title, exact: true }).first().click();
	await page.waitForURL(`**/events/${id}`);
	expect(page.url().endsWith(`/events/${id}`), `the event page, got ${page.url()}`);
	const picker = page.locator("form.picker select");
	expect(await picker.count() === 4, "four cells to pick from");
	await page.getByLabel("Lördag – VIP").selectOption("1");
	await page.screenshot({ path: join(stack.shots,
	    `buyer-${javaScriptEnabled ? "js" : "nojs"}.png`), fullPage: true });
	await page.getByRole("button", { name: "Reservera biljetter" }).click();
	await page.waitForURL("**/checkout");
	expect(page.url().endsWith("/checkout"), `checkout, got ${page.url()}`);
	expect(await page.locator("#total").innerText() === "650.50 kr", "the cell's price held");
	await ctx.close();
}

await run("organizer", {
	async "an organizer account"({ stack }) {
		stack.biljett("create-user", EMAIL, "organizer", "--password", PASSWORD);
	},
	async "with JavaScript: organize, publish, a buyer reserves a cell"(t) {
		const title = "Sommarfestival";
		await reserve(t, true, await organize(t, true, title), title);
	},
	async "without JavaScript: the same"(t) {
		const title = "Höstfestival";
		await reserve(t, false, await organize(t, false, title), title);
	},
	async "the sales show on my events"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "en-GB" });
		const page = await ctx.newPage();
		await page.goto(stack.base + "/organizer/login");
		await page.getByLabel("E-mail address").fill(EMAIL);
		await page.getByLabel("Password", exact).fill(PASSWORD);
		await page.getByRole("button", { name: "Sign in" }).click();
		await page.waitForURL("**/organizer/");
		const rows = page.locator("table.grid tbody tr");
		expect(await rows.count() === 2, "two events");
		expect((await rows.first().innerText()).includes("0 / 1000"), "nothing paid yet");
		await page.screenshot({ path: join(stack.shots, "org-events.png"), fullPage: true });
		await ctx.close();
	},
});
