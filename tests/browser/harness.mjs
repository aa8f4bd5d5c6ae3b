// Shared pieces of the browser tests: the real stack started with
// scripts/devstack.py (nginx, FastCGI programs, Swish simulator paying by
// itself after a second, SMTP sink), Debian's Chromium driven by
// playwright-core, and screenshots kept in a temporary directory.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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
	async start() {
		this.dir = mkdtempSync(join(tmpdir(), "biljett-browser-"));
		this.shots = join(this.dir, "screenshots");
		this.http = await freePort();
		this.https = await freePort();
		execFileSync("python3", [join(ROOT, "scripts/devstack.py"), "start",
		    "--dir", this.dir, "--http-port", String(this.http),
		    "--https-port", String(this.https), "--autopay", "1"],
		    { stdio: "inherit" });
		this.base = `http://127.0.0.1:${this.http}`;
		this.conf = join(this.dir, "biljett.conf");
		return this;
	}

	biljett(...args) {
		return execFileSync(join(ROOT, process.env.BILJETT_BIN || "", "biljett"),
		    ["-c", this.conf, ...args],
		    { encoding: "utf8" });
	}

	/* Imports one event; returns its id. */
	importShow(title, seats, hoursAhead = 48) {
		const at = (h) => new Date(Date.now() + h * 3600e3).toISOString()
		    .replace(/\.\d+Z$/, "Z");
		const file = join(this.dir, `show-${seats}-${hoursAhead}.json`);
		writeFileSync(file, JSON.stringify({
			ticket_types: [
				{ key: "std", title: "Standardbiljett", description: "En vanlig biljett.", price: 199 },
				{ key: "stud", title: "Studentbiljett", description: "För studenter.", price: 99 },
			],
			events: [{ key: "e", title, description: "En föreställning.",
			    event_at: at(hoursAhead), sales_stop_at: at(hoursAhead - 1),
			    total_seats: seats, max_tickets_per_payment: 8,
			    ticket_types: ["std", "stud"] }],
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

export async function browser() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		args: ["--headless", "--no-sandbox", "--disable-gpu",
		    "--disable-background-networking", "--disable-dev-shm-usage"],
	});
}

/* Runs named async steps; prints ok/FAIL for each; exits 1 on failure. */
export async function run(name, steps) {
	const stack = await new Stack().start();
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
