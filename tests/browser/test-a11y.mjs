// Accessibility checked, not assumed: axe-core (WCAG 2.0 and 2.1, A and
// AA) on every page the product renders, in each state a visitor can
// meet, in Swedish and English, in the light and the dark colour scheme.
// A violation of impact "serious" or "critical" fails the page.
//
// To check a new page, add a row to PAGES:
//   name     what the report calls it;
//   path     where to go, a string or a function of the ids set up in
//            the first step (optional when setup leaves the browser on
//            the page);
//   setup    async ({ stack, page }) => …, run first, on a tab without
//            cookies (sign in, reserve, pay, submit a form); optional;
//   shows    a selector the page must show, so that a setup which went
//            wrong cannot pass by checking some other page;
//   context  extra browser-context options (a phone's viewport, …).
// Rows are checked a few at a time, each starting without cookies: a
// setup must not depend on another row's (give it its own event when it
// writes to the database).  A11Y_ONLY=checkout checks only the rows
// whose names contain "checkout".
import { BLOCKING, a11yContext, at, axe, blocking, expect, run } from "./harness.mjs";

const PASSWORD = "dörrvakt-hemligt-1";
const ORGANIZER = "arrangor@example.com";
const ORGANIZER_PASSWORD = "arrangörens-lösenord-1";
const BUYER = "kund@example.com";
const BUYER_PASSWORD = "kundens-lösenord-1";
const LANGS = { sv: "sv-SE", en: "en-GB" };
const SCHEMES = ["light", "dark"];
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true,
    hasTouch: true };
const AT_ONCE = 3;	/* rows checked at the same time */

/* Filled by the first step: event ids and ticket codes. */
const ids = {};

/* Caps no check reaches: every context reserves from 127.0.0.1. */
const ROOMY = { max_held_per_client: 10000, max_tickets_per_email: 10000 };

/* Holds count tickets of the event through the picker; ends on
 * /checkout. */
async function reserve(page, event, count = 1) {
	await page.goto(`/events/${event}`);
	await page.locator("form.picker select").first().selectOption(String(count));
	await page.locator("form.picker button[type=submit]").click();
	expect(page.url().endsWith("/checkout"), `checkout, got ${page.url()}`);
}

/* Reserves and starts paying; ends on /payment, waiting for Swish.
 * Returns the control path of its request in the Swish simulator. */
async function startPayment(stack, page, event, count = 1) {
	await reserve(page, event, count);
	await page.fill("#email", "a11y@example.com");
	await page.locator("form.checkout button[type=submit]").click();
	expect(page.url().endsWith("/payment"), `payment, got ${page.url()}`);
	return swishRequest(stack, page);
}

/* Reserves and chooses the card; ends on the card step with the
 * Payment Element mounted. */
async function startCard(page, event) {
	await reserve(page, event);
	await page.fill("#email", "a11y@example.com");
	await page.locator("input[name=provider][value=stripe]").check();
	await page.locator("form.checkout button[type=submit]").click();
	expect(page.url().endsWith("/payment"), `payment, got ${page.url()}`);
	await page.locator("#payment-element input").waitFor();
}

/* The payment page's request in the Swish simulator, found by the token
 * in its app link (rows pay at the same time). */
async function swishRequest(stack, page) {
	const link = await page.locator(".mobile a").getAttribute("href");
	const token = /token=([^&]+)/.exec(link)[1];
	const requests = await stack.swish("/__sim/paymentrequests");
	const request = requests.find((r) => r.token === token);
	expect(request, `a Swish request with token ${token}`);
	return `/__sim/paymentrequests/${request.id}`;
}

/* Buys count tickets of ids.open; returns their codes. */
async function buy(stack, browser, count) {
	const ctx = await newContext(stack, browser);
	const page = await ctx.newPage();
	await stack.swish(`${await startPayment(stack, page, ids.open, count)}/pay`, {});
	await page.waitForURL("**/done");
	const codes = await page.locator(".codes .code").allInnerTexts();
	await ctx.close();
	expect(codes.length === count, `${count} tickets, got ${codes}`);
	return codes;
}

/* Signs the door scanner in; ends on /scanner's scan form. */
async function signIn(page) {
	await page.goto("/scanner");
	await page.fill("#password", PASSWORD);
	await page.locator("form[action='/scanner/login'] button").click();
	// The answer redirects back to /scanner: its form is there once that
	// page has loaded, not when the click returns.
	await page.locator("#code").waitFor().catch(() => {});
	expect(await page.locator("#code").count() === 1, "the scan form");
}

/* Checks a ticket code at the door (use: and admits it). */
async function check(page, code, use = false) {
	await signIn(page);
	await page.fill("#code", code);
	await page.locator("#scan button[type=submit]").click();
	if (use) await page.locator("#admit").click();
}

/* Joins the event's waiting line from its event page; ends on the
 * queue page. */
async function join(page, event) {
	await page.goto(`/events/${event}`);
	await page.locator(`form[action='/events/${event}/queue'] button`).click();
	expect(page.url().endsWith(`/events/${event}/queue`), `queue, got ${page.url()}`);
}

/* Waits for the queue page to say it is one's turn (it looks again by
 * itself, static/biljett.js). */
async function awaitTurn(page) {
	await page.locator("#turn").waitFor();
}

const PAGES = [
	// Buyer pages.
	{ name: "events", path: "/", shows: ".events .badge.out" },
	{ name: "event", path: () => `/events/${ids.open}`, shows: "form.picker" },
	{ name: "event, only a few left", path: () => `/events/${ids.few}`,
	    shows: ".badge.few" },
	{ name: "event, form error", shows: ".error",
	    async setup({ page }) {
		await page.goto(`/events/${ids.open}`);
		await page.locator("form.picker button[type=submit]").click();
	    } },
	{ name: "event, sold out", path: () => `/events/${ids.soldout}`,
	    shows: "#soldout" },
	{ name: "event, sales stopped", path: () => `/events/${ids.stopped}`,
	    shows: ".badge.out" },
	{ name: "event, sales not started", path: () => `/events/${ids.later}`,
	    shows: "#notstarted" },
	{ name: "event with a waiting line", path: () => `/events/${ids.rush}`,
	    shows: "#queue" },
	{ name: "queue, not in line", path: () => `/events/${ids.rush}/queue`,
	    shows: `form[action$="/queue"]` },
	{ name: "queue, waiting", shows: "#position",
	    setup: ({ page }) => join(page, ids.rush) },
	{ name: "queue, one's turn", shows: "#turn",
	    async setup({ page }) {
		await join(page, ids.line);
		await awaitTurn(page);
	    } },
	{ name: "queue, turn passed", shows: "#lapsed",
	    async setup({ stack, page }) {
		await join(page, ids.lapsing_line);
		await awaitTurn(page);
		stack.sql("UPDATE queue SET admitted_at = admitted_at - 3600 " +
		    "WHERE event_id = ? AND admitted_at IS NOT NULL",
		    ids.lapsing_line);
		await page.reload();
	    } },
	{ name: "checkout", shows: "#email",
	    setup: ({ page }) => reserve(page, ids.open) },
	{ name: "checkout, e-mail refused", shows: ".error",
	    async setup({ page }) {
		await reserve(page, ids.open);
		await page.fill("#email", "not-an-address");
		await page.locator("form.checkout").evaluate((f) => { f.noValidate = true; });
		await page.locator("form.checkout button[type=submit]").click();
	    } },
	{ name: "checkout, hold lapsed", path: "/checkout", shows: ".error",
	    async setup({ stack, page }) {
		await reserve(page, ids.lapsing);
		stack.sql("UPDATE orders SET expires_at = 1 " +
		    "WHERE event_id = ? AND status = 'reserved'", ids.lapsing);
	    } },
	{ name: "checkout without a reservation", path: "/checkout",
	    shows: ".message" },
	{ name: "payment, waiting", shows: ".desktop img:visible",
	    setup: ({ stack, page }) => startPayment(stack, page, ids.open) },
	{ name: "payment, waiting, on a phone", shows: ".mobile .button:visible",
	    context: PHONE,
	    setup: ({ stack, page }) => startPayment(stack, page, ids.open) },
	// The payment page moves on by itself (static/biljett.js); going
	// there at the same time would race it.
	{ name: "payment, failed", shows: "#failed",
	    async setup({ stack, page }) {
		await stack.swish(`${await startPayment(stack, page, ids.open)}/decline`, {});
		await page.locator("#failed").waitFor();
	    } },
	// The card step (the Stripe simulator's stand-in for Stripe.js
	// mounts a card number field), and a declined card.
	{ name: "payment by card", shows: "#payment-element input",
	    setup: ({ page }) => startCard(page, ids.open) },
	{ name: "payment by card, declined", shows: "#card-error:visible",
	    async setup({ page }) {
		await startCard(page, ids.open);
		await page.locator("#payment-element input").fill("4000000000000002");
		await page.locator("#card-form button[type=submit]").click();
		await page.locator("#card-error").waitFor();
	    } },
	{ name: "done", shows: ".codes .code",
	    async setup({ stack, page }) {
		await stack.swish(`${await startPayment(stack, page, ids.open)}/pay`, {});
		await page.waitForURL("**/done");
	    } },
	{ name: "error page", path: "/events/999999", shows: ".message" },

	// The buyer's tickets, on a phone: the mail's link, and signed in.
	{ name: "tickets from the mail's link", path: () => ids.link,
	    shows: ".ticket .qr", context: PHONE },
	{ name: "sign in for my tickets", path: "/login?next=/my-tickets",
	    shows: "form[action='/login']", context: PHONE },
	{ name: "sign in for my tickets, refused", shows: ".error",
	    context: PHONE,
	    async setup({ page }) {
		await page.goto("/login");
		await page.fill("#email", BUYER);
		await page.fill("#password", "fel lösenord 123");
		await page.locator("main form button[type=submit]").click();
	    } },
	{ name: "my tickets", shows: ".ticket .qr", context: PHONE,
	    async setup({ page }) {
		await page.goto("/login");
		await page.fill("#email", BUYER);
		await page.fill("#password", BUYER_PASSWORD);
		await page.locator("main form button[type=submit]").click();
		await page.waitForURL("**/my-tickets");
	    } },

	// The door, on a phone.
	{ name: "scanner, signed out", path: "/scanner", shows: "#password",
	    context: PHONE },
	{ name: "scanner, wrong password", shows: ".error", context: PHONE,
	    async setup({ page }) {
		await page.goto("/scanner");
		await page.fill("#password", "fel lösenord");
		await page.locator("form[action='/scanner/login'] button").click();
	    } },
	{ name: "scanner, signed in", shows: "#code", context: PHONE,
	    setup: ({ page }) => signIn(page) },
	{ name: "scanner, valid ticket", shows: "#admit", context: PHONE,
	    setup: ({ page }) => check(page, ids.codes.valid) },
	{ name: "scanner, admitted", shows: "[data-state=admitted]",
	    context: PHONE,
	    setup: ({ page }) => check(page, ids.codes.fresh.pop(), true) },
	{ name: "scanner, already used", shows: "[data-state=used]",
	    context: PHONE, setup: ({ page }) => check(page, ids.codes.used) },
	// A refunded ticket says so (not "not paid"): docs/checkin.md.
	{ name: "scanner, refunded", shows: "[data-state=cancelled]",
	    context: PHONE, setup: ({ page }) => check(page, ids.codes.refunded) },
	{ name: "scanner, unknown ticket", shows: "[data-state=unknown]",
	    context: PHONE, setup: ({ page }) => check(page, "QQQQQQ") },

	// The back office: an organizer's pages, signed in (ids.open is theirs).
	{ name: "organizer, sign in", path: "/organizer/login", shows: "#email" },
	{ name: "organizer, sign in refused", shows: ".error",
	    async setup({ page }) {
		await page.goto("/organizer/login");
		await page.fill("#email", ORGANIZER);
		await page.fill("#password", "fel lösenord 123");
		await page.locator("main form button[type=submit]").click();
	    } },
	...[["my events", "/organizer/", "table.grid"],
	    ["new event", "/organizer/events/new", "main form"],
	    ["event", () => `/organizer/events/${ids.open}`, "main"],
	    ["edit event", () => `/organizer/events/${ids.open}/edit`, "main form"],
	    ["ticket types", () => `/organizer/events/${ids.open}/tickets`, "main form"],
	    ["cancel, confirmation", () => `/organizer/events/${ids.open}/cancel`,
		"main form"],
	    ["orders and refunds", () => `/organizer/events/${ids.open}/orders`, "main"],
	    ["check-in, live", () => `/organizer/events/${ids.open}/checkins`, "#checkins"],
	    ["staff and scanners", "/organizer/staff", "main"]]
	    .map(([name, path, shows]) => ({ name: `organizer, ${name}`, path, shows,
		setup: ({ page }) => organizerSignIn(page) })),

	// Accounts: where the mailed links land.
	{ name: "reset password", path: "/reset-password?token=" + "0".repeat(64),
	    shows: "#new_password" },
	{ name: "reset password, link invalid", shows: ".error",
	    async setup({ page }) {
		await page.goto("/reset-password?token=" + "0".repeat(64));
		await page.fill("#new_password", "ett-långt-lösenord");
		await page.locator("form[action='/reset-password'] button").click();
	    } },
	...["success", "already-verified", "email-changed", "invalid", "error"]
	    .map((r) => ({ name: `verification result ${r}`,
		path: `/verification-result/${r}`, shows: ".message" })),
];

/* Signs the back office in as the organizer; ends on "my events". */
async function organizerSignIn(page) {
	await page.goto("/organizer/login");
	await page.fill("#email", ORGANIZER);
	await page.fill("#password", ORGANIZER_PASSWORD);
	await page.locator("main form button[type=submit]").click();
	await page.waitForURL("**/organizer/");
}

/* A context for the stack's pages, axe allowed in. */
function newContext(stack, browser, options = {}) {
	return a11yContext(browser, { baseURL: stack.base, ...options });
}

/*
 * One tab per language and kind of context, kept by a worker from row to
 * row (a context and a renderer for every page checked cost more than
 * the check), blank and emptied of cookies between rows, so each row
 * starts signed out with nothing on hold.  A tab a row failed on is
 * dropped.
 */
class Tabs {
	constructor({ stack, browser }) {
		this.stack = stack;
		this.browser = browser;
		this.tabs = new Map();
	}

	async get(lang, options = {}) {
		const key = lang + JSON.stringify(options);
		const tab = this.tabs.get(key);
		if (tab && !tab.isClosed()) {
			// Off the last row's page first: its script could
			// still move it on, racing the next row.
			await tab.goto("about:blank");
			await tab.context().clearCookies();
			return tab;
		}
		const ctx = await newContext(this.stack, this.browser,
		    { locale: LANGS[lang], ...options });
		this.tabs.set(key, await ctx.newPage());
		return this.tabs.get(key);
	}

	async drop(lang, options = {}) {
		const key = lang + JSON.stringify(options);
		await this.tabs.get(key)?.context().close();
		this.tabs.delete(key);
	}

	async close() {
		for (const tab of this.tabs.values()) await tab.context().close();
		this.tabs.clear();
	}
}

/* Sets the row's page up in one language; returns the blocking
 * violations in each colour scheme, as report lines. */
async function checkPage(tabs, entry, lang) {
	const page = await tabs.get(lang, entry.context);
	const stack = tabs.stack;
	const found = [];
	try {
		if (entry.setup) await entry.setup({ stack, page });
		const path = typeof entry.path === "function" ? entry.path() : entry.path;
		if (path) await page.goto(path);
		expect(await page.locator(entry.shows).count() > 0,
		    `${entry.name} (${lang}) to show ${entry.shows}, at ${page.url()}`);
		expect(await page.locator("html").getAttribute("lang") === lang,
		    `${entry.name} in ${lang}`);
		// What axe cannot judge: a title naming the page (WCAG 2.4.2)
		// rather than only the product, and a heading to start from.
		const title = await page.title();
		expect(title.replace(/\s*–\s*biljett$/, "").trim() !== "",
		    `${entry.name} (${lang}) to have a title of its own, got "${title}"`);
		expect(await page.locator("h1:visible").count() === 1,
		    `${entry.name} (${lang}) to have one visible h1`);
		for (const colorScheme of SCHEMES) {
			await page.emulateMedia({ colorScheme });
			for (const line of blocking(await axe(page)))
				found.push(`${entry.name} [${lang}, ${colorScheme}] ${page.url()}\n  ${line}`);
		}
	} catch (e) {
		await tabs.drop(lang, entry.context);
		throw e;
	}
	return found;
}

/* Every language of one row; throws the violations found. */
async function checkRow(tabs, entry) {
	const found = [];
	for (const lang of Object.keys(LANGS))
		found.push(...await checkPage(tabs, entry, lang));
	if (found.length)
		throw new Error(`accessibility violations:\n${found.join("\n")}`);
}

/* Starts every row's check, AT_ONCE at a time, on the first call; the
 * steps below then await them in order.  A row's outcome is kept as a
 * value so that no failure goes unhandled while earlier rows run. */
let checks = null;
function started(t, rows) {
	if (checks) return checks;
	checks = new Map();
	const queue = [...rows];
	const worker = async () => {
		const tabs = new Tabs(t);
		for (let row; (row = queue.shift()) !== undefined;) {
			const outcome = checkRow(tabs, row).then(() => null, (e) => e);
			checks.get(row.name).resolve(outcome);
			await outcome;
		}
		await tabs.close().catch(() => {});
	};
	for (const row of rows) {
		let resolve;
		const p = new Promise((r) => { resolve = r; });
		checks.set(row.name, { p, resolve });
	}
	for (let i = 0; i < AT_ONCE; i++) worker();
	return checks;
}

const steps = {
	async "set up shows, tickets and a door scanner"({ stack, browser }) {
		ids.open = stack.importShow("Vårspelet", 500, 48, ROOMY);
		ids.few = stack.importShow("Få kvar", 10, 50, ROOMY);
		ids.soldout = stack.importShow("Slutsålt spex", 0, 52);
		ids.stopped = stack.importShow("Försäljningen stängd", 50, 0.5);
		ids.later = stack.importShow("Snart till salu", 50, 54,
		    { sales_start_at: at(24) });
		ids.lapsing = stack.importShow("Hålls en kort stund", 500, 56, ROOMY);
		const line = { ...ROOMY, queue: true, sales_start_at: at(-1),
		    queue_rate: 6000 };
		ids.rush = stack.importShow("Rusning", 50, 58,
		    { queue: true, sales_start_at: at(24), queue_rate: 1 });
		ids.line = stack.importShow("Kön är öppen", 500, 60, line);
		ids.lapsing_line = stack.importShow("Kön går fort", 500, 62, line);
		stack.biljett("scanner-add", "door", "--password", PASSWORD, "--site-wide");
		stack.biljett("create-user", ORGANIZER, "organizer", "--password",
		    ORGANIZER_PASSWORD);
		stack.sql("UPDATE events SET organizer_id = (SELECT id FROM users"
		    + " WHERE email = ?) WHERE id = ?", ORGANIZER, ids.open);
		// Seven tickets in one order: one stays valid, one is used, the
		// rest are admitted one per check; and one refunded.
		const codes = await buy(stack, browser, 7);
		ids.codes = { valid: codes[0], used: codes[1], fresh: codes.slice(2),
		    refunded: (await buy(stack, browser, 1))[0] };
		stack.sql("UPDATE orders SET status = 'refunded' WHERE id = " +
		    "(SELECT order_id FROM tickets WHERE external_id = ?)",
		    ids.codes.refunded);
		stack.sql("UPDATE tickets SET status = 'refunded' WHERE external_id = ?",
		    ids.codes.refunded);
		const ctx = await newContext(stack, browser);
		await check(await ctx.newPage(), ids.codes.used, true);
		await ctx.close();
		// The order is a buyer's, whose tickets the mail's link and
		// "my tickets" show.
		ids.link = new URL(stack.biljett("ticket-link", ids.codes.valid).trim())
		    .pathname;
		stack.biljett("create-user", BUYER, "customer", "--password",
		    BUYER_PASSWORD);
		stack.sql("UPDATE orders SET user_id = (SELECT id FROM users WHERE email = ?)"
		    + " WHERE id = (SELECT order_id FROM tickets WHERE external_id = ?)",
		    BUYER, ids.codes.valid);
	},

	// The check must be able to fail: axe is kept out by the pages' CSP
	// unless the context bypasses it; faults put into a real page are
	// reported, and text that is only faint on the dark background is
	// reported in the dark scheme alone.
	async "axe finds faults put into a page"({ stack, browser }) {
		const strict = await browser.newContext({ baseURL: stack.base });
		const blocked = await strict.newPage();
		await blocked.goto("/");
		const kept = await axe(blocked).then(() => false, () => true);
		await strict.close();
		expect(kept, "the pages' CSP to keep axe out without bypassCSP");
		const ctx = await newContext(stack, browser);
		const page = await ctx.newPage();
		await page.goto("/");
		await page.evaluate(() => {
			const p = document.createElement("p");
			p.textContent = "faint in the dark";
			p.style.color = "#333";
			document.querySelector("main").append(p,
			    document.createElement("input"));
		});
		const rules = async () => (await axe(page)).violations
		    .filter((v) => BLOCKING.includes(v.impact))
		    .map((v) => v.id);
		await page.emulateMedia({ colorScheme: "light" });
		let found = await rules();
		expect(found.includes("label") && !found.includes("color-contrast"),
		    `label but not color-contrast in light, got ${found}`);
		await page.emulateMedia({ colorScheme: "dark" });
		found = await rules();
		expect(found.includes("label") && found.includes("color-contrast"),
		    `label and color-contrast in dark, got ${found}`);
		await page.evaluate(() => document.documentElement.removeAttribute("lang"));
		found = await rules();
		expect(found.includes("html-has-lang"), `html-has-lang, got ${found}`);
		await ctx.close();
	},
};

const rows = PAGES.filter((e) => e.name.includes(process.env.A11Y_ONLY || ""));
for (const row of rows)
	steps[row.name] = async (t) => {
		const e = await started(t, rows).get(row.name).p;
		if (e) throw e;
	};

await run("a11y", steps, { autopay: 86400 });
