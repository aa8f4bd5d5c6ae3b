// Shared pieces of the browser tests: the real stack started with
// scripts/devstack.py (nginx, FastCGI programs, Swish simulator paying by
// itself after a second unless told otherwise, SMTP sink), Debian's Chromium driven by
// playwright-core, screenshots kept in a temporary directory, and
// axe-core's accessibility checks.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function freePort() {
	return new Promise((resolve) => {
		const srv = createServer();
		srv.listen(0, "127.0.0.1", () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

export class Stack {
	/* autopay: seconds until the Swish simulator pays a request by
	 * itself; a long time lets a test hold a page waiting for payment
	 * and pay or decline through swish() instead. */
	async start({ autopay = 1 } = {}) {
		this.dir = mkdtempSync(join(tmpdir(), "biljett-browser-"));
		this.shots = join(this.dir, "screenshots");
		this.http = await freePort();
		this.https = await freePort();
		execFileSync("python3", [join(ROOT, "scripts/devstack.py"), "start",
		    "--dir", this.dir, "--http-port", String(this.http),
		    "--https-port", String(this.https), "--autopay", String(autopay)],
		    { stdio: "inherit" });
		this.base = `http://127.0.0.1:${this.http}`;
		this.conf = join(this.dir, "biljett.conf");
		const state = JSON.parse(readFileSync(join(this.dir, "stack.json"), "utf8"));
		this.swishControl = `http://127.0.0.1:${state.swish_control_port}`;
		return this;
	}

	/* The Swish simulator's control API (tests/sim/swish_sim.py):
	 * GET with no body, POST with one; answers the parsed JSON. */
	async swish(path, body) {
		const r = await fetch(this.swishControl + path, body === undefined ? {} :
		    { method: "POST", body: JSON.stringify(body),
		      headers: { "Content-Type": "application/json" } });
		if (!r.ok) throw new Error(`swish simulator ${path}: ${r.status}`);
		return r.json();
	}

	/* One write to the stack's database, only to arrange time-dependent
	 * states (a lapsed hold, a turn long past), as the API tests do. */
	sql(statement, ...params) {
		execFileSync("python3", ["-c", `
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=10)
conn.execute(sys.argv[2], json.loads(sys.argv[3]))
conn.commit()
`, resolve(this.dir, this.confValue("database")), statement,
		    JSON.stringify(params)]);
	}

	/* A setting of the stack's biljett.conf. */
	confValue(key) {
		for (const line of readFileSync(this.conf, "utf8").split("\n")) {
			const m = line.match(/^\s*([\w.]+)\s*=\s*(.*?)\s*$/);
			if (m && m[1] === key) return m[2];
		}
		return undefined;
	}

	biljett(...args) {
		return execFileSync(join(ROOT, process.env.BILJETT_BIN || "", "biljett"),
		    ["-c", this.conf, ...args],
		    { encoding: "utf8" });
	}

	/* Imports one event with a standard and a student ticket; extra
	 * fields go into the event (sales_start_at, queue, caps, …).
	 * Returns its id. */
	importShow(title, seats, hoursAhead = 48, extra = {}) {
		this.imports = (this.imports || 0) + 1;
		const file = join(this.dir, `show-${this.imports}.json`);
		writeFileSync(file, JSON.stringify({
			ticket_types: [
				{ key: "std", title: "Standardbiljett", description: "En vanlig biljett.", price: 199 },
				{ key: "stud", title: "Studentbiljett", description: "För studenter.", price: 99 },
			],
			events: [{ key: "e", title, description: "En föreställning.",
			    event_at: at(hoursAhead), sales_stop_at: at(hoursAhead - 1),
			    total_seats: seats, max_tickets_per_payment: 8,
			    ticket_types: ["std", "stud"], ...extra }],
		}));
		return JSON.parse(this.biljett("import", file)).events[0].id;
	}

	stop() {
		try {
			execFileSync("python3", [join(ROOT, "scripts/devstack.py"), "stop",
			    "--dir", this.dir], { stdio: "inherit" });
		} catch (e) {
			console.error("stopping the stack failed:", e.message);
		}
	}
}

/* "2026-12-05T19:00:00Z", hours from now. */
export function at(hours) {
	return new Date(Date.now() + hours * 3600e3).toISOString()
	    .replace(/\.\d+Z$/, "Z");
}

export async function browser() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		args: ["--headless", "--no-sandbox", "--disable-gpu",
		    "--disable-background-networking", "--disable-dev-shm-usage"],
	});
}

/* Runs named async steps; prints ok/FAIL for each; exits 1 on failure.
 * stackOptions go to Stack.start(). */
export async function run(name, steps, stackOptions = {}) {
	const stack = await new Stack().start(stackOptions);
	const b = await browser();
	let failed = 0;
	try {
		for (const [step, fn] of Object.entries(steps)) {
			try {
				await fn({ stack, browser: b });
				console.log(`ok   ${name}: ${step}`);
			} catch (e) {
				failed++;
				console.log(`FAIL ${name}: ${step}\n${e.stack}`);
			}
		}
	} finally {
		await b.close();
		stack.stop();
		console.log(`screenshots in ${stack.shots}`);
	}
	process.exit(failed ? 1 : 0);
}

export function expect(cond, what) {
	if (!cond) throw new Error(`expected ${what}`);
}

/* Waits until fn() is truthy (polling, up to 20 s); returns its value. */
export async function until(fn, what) {
	for (let i = 0; i < 200; i++) {
		const v = await fn();
		if (v) return v;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`timed out waiting for ${what}`);
}

/* The tickets of each ticket mail to address in the stack's SMTP sink,
 * one array a mail: each QR code decoded (tests/api/flow.py reads the
 * sink and runs zbarimg) and named by its ticket's short code (a signed
 * code names its ticket by id). */
export function ticketMails(stack, address) {
	return JSON.parse(execFileSync("python3", ["-c", `
import json, sys
sys.path.insert(0, sys.argv[1])
from flow import decode_qr, mails_to, png_parts, ticket_code_of
print(json.dumps([[ticket_code_of(sys.argv[4], decode_qr(p.get_content()))
                   for p in png_parts(m)]
                  for m in mails_to(sys.argv[2], sys.argv[3])]))
`, join(ROOT, "tests/api"), join(stack.dir, "mail"), address,
	    resolve(stack.dir, stack.confValue("database"))],
	    { encoding: "utf8" }));
}

/* axe-core, from node_modules (the version pinned in package.json). */
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/*
 * axe-core's URL on a server of the test's own on 127.0.0.1: the browser
 * fetches (and caches) the half-megabyte script itself instead of
 * receiving it through playwright for every page checked.
 */
let axeUrl = null;
function axeScript() {
	axeUrl ??= new Promise((ok, fail) => {
		const body = readFileSync(AXE);
		const srv = createHttpServer((req, res) => {
			res.writeHead(200, { "Content-Type": "text/javascript",
			    "Cache-Control": "max-age=3600" });
			res.end(body);
		});
		srv.on("error", fail);
		srv.listen(0, "127.0.0.1", () => {
			srv.unref();
			ok(`http://127.0.0.1:${srv.address().port}/axe.min.js`);
		});
	});
	return axeUrl;
}

/* The rules checked: WCAG 2.0 and 2.1, levels A and AA. */
export const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/* The impacts that fail a page. */
export const BLOCKING = ["serious", "critical"];

/*
 * A context for axe: the pages' Content-Security-Policy allows scripts
 * from their own origin only, and axe comes from another, so the context
 * bypasses CSP (axe() checks that axe really loaded).
 */
export function a11yContext(browser, options = {}) {
	return browser.newContext({ bypassCSP: true, ...options });
}

/*
 * Runs axe-core on the page as it is now; returns axe's results
 * ({violations, passes, …}).  Throws when axe could not be injected or
 * checked nothing, so a page that blocks it cannot pass unseen.
 */
export async function axe(page, tags = WCAG) {
	if (!await page.evaluate(() => typeof window.axe?.run === "function"))
		await page.addScriptTag({ url: await axeScript() });
	if (!await page.evaluate(() => typeof window.axe?.run === "function"))
		throw new Error(`axe-core did not load on ${page.url()} (CSP?)`);
	const results = await page.evaluate((values) => window.axe.run(document,
	    { runOnly: { type: "tag", values }, resultTypes: ["violations"] }),
	    tags);
	if (results.passes.length + results.violations.length === 0)
		throw new Error(`axe-core checked nothing on ${page.url()}`);
	return results;
}

/* The violations of the blocking impacts, one line per element:
 * rule id, impact, target, help URL. */
export function blocking(results) {
	const lines = [];
	for (const v of results.violations) {
		if (!BLOCKING.includes(v.impact)) continue;
		for (const n of v.nodes)
			lines.push(`${v.id} (${v.impact}) ${n.target.join(" ")}: ` +
			    `${v.help} ${v.helpUrl}` +
			    (n.failureSummary ? `\n    ${n.failureSummary.replace(/\n/g, "\n    ")}` : ""));
	}
	return lines;
}
