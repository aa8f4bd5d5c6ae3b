// The door page while the network is down (issue 10): it checks signed
// QR codes itself (the organizer's key, the event's revocations, its own
// admissions), admits once, and sends its scans when the network is
// back, which flags a ticket another door admitted meanwhile.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { expect, run, ROOT } from "./harness.mjs";

const PASSWORD = "dörrvakt-offline-1";
let tickets = [];	// [[what the QR code holds, short code], ...]

/* Buys three tickets in one order through the seed-002 API (the
 * simulator pays by itself) and reads their QR codes from the mail. */
async function buyThree(stack, event) {
	const types = JSON.parse(execFileSync("python3", ["-c", `
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(json.dumps([r[0] for r in c.execute(
    "SELECT ticket_type_id FROM event_ticket_types WHERE event_id = ?", (int(sys.argv[2]),))]))
`, resolve(stack.dir, stack.confValue("database")), String(event)], { encoding: "utf8" }));
	let r = await fetch(stack.base + "/reserve_ticket/", { method: "POST",
	    headers: { "Content-Type": "application/json" },
	    body: JSON.stringify({ chapter_event: event,
		tickets: [{ ticket_type: types[0], count: 3 }] }) });
	expect(r.status === 201, `reserved, got ${r.status}`);
	const cookie = r.headers.get("set-cookie").split(";")[0];
	r = await fetch(stack.base + "/start_payment/", { method: "POST",
	    headers: { "Content-Type": "application/json", Cookie: cookie,
		Origin: stack.base },
	    body: JSON.stringify({ email_address: "offline@example.com" }) });
	expect(r.ok, `payment started, got ${r.status}`);
	for (let i = 0; i < 200; i++) {
		const mails = JSON.parse(execFileSync("python3", ["-c", `
import json, sys
sys.path.insert(0, sys.argv[1])
from flow import decode_qr, mails_to, png_parts, ticket_code_of
print(json.dumps([[decode_qr(p.get_content()),
                   ticket_code_of(sys.argv[4], decode_qr(p.get_content()))]
                  for m in mails_to(sys.argv[2], sys.argv[3]) for p in png_parts(m)]))
`, join(ROOT, "tests/api"), join(stack.dir, "mail"), "offline@example.com",
		    resolve(stack.dir, stack.confValue("database"))], { encoding: "utf8" }));
		if (mails.length === 3) return mails;
		await new Promise((ok) => setTimeout(ok, 100));
	}
	throw new Error("no ticket mail");
}

function admitted(stack, code) {
	return Number(execFileSync("python3", ["-c", `
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM checkins c JOIN tickets t ON t.id = c.ticket_id"
                " WHERE t.external_id = ? AND c.result = 'admitted'"
                " AND c.scanner_id IS NOT NULL", (sys.argv[2],)).fetchone()[0])
`, resolve(stack.dir, stack.confValue("database")), code], { encoding: "utf8" }));
}

await run("door-offline", {
	async "a show, a scanner and three tickets"({ stack }) {
		const event = stack.importShow("Nattföreställningen", 50);
		stack.biljett("scanner-add", "door", "--password", PASSWORD, "--site-wide");
		tickets = await buyThree(stack, event);
		for (const [text] of tickets)
			expect(/^BJ1:[A-Z2-7]{143}$/.test(text), `a signed code: ${text}`);
	},
	async "offline, the door admits once and reports back when online"({ stack, browser }) {
		const ctx = await browser.newContext({ locale: "sv-SE",
		    viewport: { width: 390, height: 844 } });
		const page = await ctx.newPage();
		const shot = (n) => page.screenshot({ path: join(stack.shots, `offline-${n}.png`) });
		const check = async (code) => {
			await page.fill("#code", code);
			await page.getByRole("button", { name: "Kontrollera biljett" }).click();
		};
		const offlineState = () => page.locator("#offline-verdict").getAttribute("data-state");

		await page.goto(stack.base + "/scanner");
		await page.fill("#password", PASSWORD);
		await page.getByRole("button", { name: "Logga in" }).click();
		// Online, the server answers; the page learns the event's list.
		await check(tickets[0][0]);
		expect(await page.locator("#verdict").getAttribute("data-state") === "valid",
		    "valid, from the server");
		await page.waitForFunction(() => {
			const keys = JSON.parse(localStorage.getItem("biljett-door-keys") || "[]");
			const lists = JSON.parse(localStorage.getItem("biljett-door-revoked") || "{}");
			return keys.length > 0 && Object.keys(lists).length > 0;
		});
		// Another door admits the third ticket while this one is cut off.
		const r = await fetch(stack.base + "/validate_ticket/", { method: "PUT",
		    headers: { "Content-Type": "application/json" },
		    body: JSON.stringify({ external_id: tickets[2][1], password: PASSWORD,
			use_ticket: true }) });
		expect(r.status === 200 && (await r.json()).times_used === 0, "the other door admits");

		await ctx.setOffline(true);
		await check(tickets[1][0]);
		expect(await offlineState() === "valid", "valid offline");
		await shot("1-valid");
		await page.locator("#offline-admit").click();
		expect(await offlineState() === "admitted", "admitted offline");
		await shot("2-admitted");
		await check(tickets[1][0]);
		expect(await offlineState() === "used", "used, on this device");
		await shot("3-used");
		const t = tickets[1][0];
		await check(t.slice(0, 30) + (t[30] === "A" ? "B" : "A") + t.slice(31));
		expect(await offlineState() === "unknown", "a tampered code is unknown");
		await check(tickets[1][1]);
		expect(await offlineState() === "unknown", "a short code cannot be checked offline");
		await check(tickets[2][0]);
		expect(await offlineState() === "valid", "this door cannot know of the other");
		await page.locator("#offline-admit").click();
		expect(admitted(stack, tickets[1][1]) === 0, "nothing sent while offline");

		await ctx.setOffline(false);
		const sync = page.locator("#door-sync");
		await sync.waitFor({ state: "visible" });
		expect(await sync.getAttribute("data-sent") === "2", "two scans sent");
		expect(await sync.getAttribute("data-flagged-count") === "1",
		    "one flagged: the other door was first");
		expect((await sync.innerText()).includes("redan använda vid en annan dörr: 1"),
		    `says so: ${await sync.innerText()}`);
		await shot("4-synced");
		expect(admitted(stack, tickets[1][1]) === 1, "the offline admission is in checkins");
		expect(admitted(stack, tickets[2][1]) === 1, "the other door's only, once");
		expect(await page.evaluate(() => localStorage.getItem("biljett-door-queue")) === "[]",
		    "the queue is empty");
		await ctx.close();
	},
	async "offline, a pass is admitted once per door day"({ stack, browser }) {
		// The tickets' type becomes an all-days pass (docs/checkin.md).
		execFileSync("python3", ["-c", `
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE ticket_types SET kind = 'day_pass', is_all_days = 1 WHERE id ="
          " (SELECT ticket_type_id FROM tickets WHERE external_id = ?)", (sys.argv[2],))
c.commit()
`, resolve(stack.dir, stack.confValue("database")), tickets[0][1]]);
		const ctx = await browser.newContext({ locale: "sv-SE",
		    viewport: { width: 390, height: 844 } });
		const page = await ctx.newPage();
		const check = async (code) => {
			await page.fill("#code", code);
			await page.getByRole("button", { name: "Kontrollera biljett" }).click();
		};
		const offlineState = () => page.locator("#offline-verdict").getAttribute("data-state");
		await page.goto(stack.base + "/scanner");
		await page.fill("#password", PASSWORD);
		await page.getByRole("button", { name: "Logga in" }).click();
		// Online: the page learns the event's rules with its list.
		await check(tickets[0][0]);
		await page.waitForFunction(() => {
			const rules = JSON.parse(localStorage.getItem("biljett-door-rules") || "{}");
			return Object.values(rules).some((r) =>
			    Object.values(r.variants || {}).some((v) => v.pass));
		});
		await ctx.setOffline(true);
		await check(tickets[0][0]);
		expect(await offlineState() === "valid", "the pass is valid offline");
		await page.locator("#offline-admit").click();
		expect(await offlineState() === "admitted", "admitted on day 1");
		await check(tickets[0][0]);
		expect(await offlineState() === "used", "not twice on day 1");
		// The next door day: this device's day-1 admission moved back a day.
		await page.evaluate(() => {
			const log = JSON.parse(localStorage.getItem("biljett-door-admitted"));
			localStorage.setItem("biljett-door-admitted", JSON.stringify(log.map((k) =>
			    String(k).replace(/@\d{4}-\d{2}-\d{2}$/, "@2000-01-01"))));
		});
		await check(tickets[0][0]);
		expect(await offlineState() === "valid", "valid again on day 2");
		await page.locator("#offline-admit").click();
		expect(await offlineState() === "admitted", "admitted on day 2");
		// Leaving, offline: recorded and sent like an admission.
		await page.locator("#dir-exit").check();
		await check(tickets[0][0]);
		expect(await offlineState() === "exited", "exited offline");
		await ctx.setOffline(false);
		const sync = page.locator("#door-sync");
		await sync.waitFor({ state: "visible" });
		expect(await sync.getAttribute("data-sent") === "3", "three scans sent");
		expect(admitted(stack, tickets[0][1]) === 1, "the pass admitted once today");
		await ctx.close();
	},
});
