/*
 * portal.mjs — the portal in a real browser: playwright-core drives Debian's
 * chromium (headless) against a running `fairtrack serve`.  Run by
 * tests/integration/test_browser.sh, which builds the ledger, creates the
 * accounts, starts the server and passes everything in the environment:
 *
 *   FT_URL        the portal, http://127.0.0.1:PORT
 *   FT_ARTIFACTS  where the screenshots go (kept as test artefacts)
 *   FT_ADMIN, FT_ADMIN_PW     a label admin
 *   FT_STAFF, FT_STAFF_PW     label staff (read-only)
 *   FT_ARTIST, FT_ARTIST_PW   an artist account linked to FT_ARTIST_ID
 *   FT_OTHER_ARTIST_ID        a catalogue artist the artist account is NOT linked to
 *   FT_INVITE_ARTIST_ID       the artist the admin invites through the users page
 *   FT_ARTIST_PAYEE           the contract payee of FT_ARTIST_ID (linked to FT_ARTIST)
 *   FT_OTHER_PAYEE            a payee of the period the artist account is NOT linked to
 *   FT_REPORT, FT_REPORT_PARTNER, FT_REPORT_MONTH   the report the admin uploads
 *   FT_PERIOD                 the period the admin runs
 *   FT_UNRUN_MONTH            an earlier month holding a row no run posted (the
 *                             run of FT_PERIOD is refused for it, then posts it)
 *   CHROMIUM      the browser (default /usr/bin/chromium)
 *
 * The walk: the sign-in page (a wrong password refused); the label admin's
 * dashboard, catalogue search, report upload, period run (refused for a
 * month no run covers, then run posting it as a late adjustment), payees, user
 * invite and audit log; label staff signed in by keyboard alone, without the
 * admin's controls; the invite link accepted by the new artist; the
 * artist's statements (earnings chart), one statement (its four charts drawn:
 * painted pixels on each canvas), a drill-down to the journal lines and the
 * report batch, the PDF downloaded (%PDF- and its size), and another payee's
 * statement as "not found" (page and API, 404 for show, lines, charts and
 * download); desktop and phone screenshots of the key pages.
 *
 * Prints one line per check, "PASS name" or "FAIL name: why"; the shell
 * turns them into TAP.  A failed step does not stop the others unless they
 * depend on it (a step that needs a signed-in page is skipped with its
 * reason when the sign-in failed).  Exit status 0 even when checks fail (the
 * lines say it); 2 when the browser itself could not start.
 *
 * What a person sees is checked through the page (ids the pages give their
 * elements), not through the API, except where the page cannot show it (the
 * status of another artist's object is asked with the page's own fetch,
 * carrying its session cookie).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (k, d) => process.env[k] ?? d;
const URL0 = env('FT_URL');
const ART = env('FT_ARTIFACTS', 'artifacts');
const TIMEOUT = Number(env('FT_TIMEOUT_MS', '15000'));
mkdirSync(ART, { recursive: true });

let failures = 0;
function pass(name) { console.log('PASS ' + name); }
function fail(name, why) {
	failures++;
	console.log('FAIL ' + name + ': ' + String(why && why.message ? why.message : why).split('\n')[0]);
}
/* One named check: passes when fn resolves to anything but false. */
async function check(name, fn) {
	try {
		if ((await fn()) === false) { fail(name, 'condition false'); return false; }
	} catch (e) {
		fail(name, e);
		return false;
	}
	pass(name);
	return true;
}

const DESKTOP = { viewport: { width: 1280, height: 800 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

const browser = await chromium.launch({
	executablePath: env('CHROMIUM', '/usr/bin/chromium'),
	headless: true,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
}).catch((e) => { console.log('FAIL chromium starts: ' + e.message.split('\n')[0]); process.exit(2); });
pass('chromium starts (' + browser.version() + ')');

/* Script errors on any page are collected and reported as one check at the end. */
const scriptErrors = [];
async function newPage(kind) {
	const ctx = await browser.newContext({ ...(kind === 'phone' ? PHONE : DESKTOP), acceptDownloads: true });
	const page = await ctx.newPage();
	page.setDefaultTimeout(TIMEOUT);
	page.on('pageerror', (e) => scriptErrors.push(kind + ': ' + e.message));
	page.on('console', (m) => { if (m.type() === 'error' && !/status of 40[1349]/.test(m.text())) scriptErrors.push(kind + ' console: ' + m.text()); });
	return page;
}

/* The whole page, or (top) only what the first screen shows. */
async function shot(page, name, top) {
	await page.screenshot({ path: join(ART, name + '.png'), fullPage: !top });
}

/* Signs in through the form; resolves when the role's home page shows. */
async function signIn(page, user, password, homeSection) {
	await page.goto(URL0 + '/');
	await page.locator('#login-form').waitFor();
	await page.fill('#login-username', user);
	await page.fill('#login-password', password);
	await page.click('#login-submit');
	await page.locator('#logout').waitFor();
	await page.locator(homeSection).waitFor();
}

/* Every visible form control has a label a screen reader can name. */
async function unlabelledControls(page) {
	return page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
		.filter((e) => e.offsetParent !== null && e.type !== 'hidden' && e.type !== 'submit')
		.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
		.map((e) => e.id || e.name || e.outerHTML.slice(0, 60)));
}

/* The page does not scroll sideways (readable on a phone). */
async function horizontalOverflow(page) {
	return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/* How many pixels of canvas#id are painted (not transparent, not white). */
async function paintedPixels(page, id) {
	return page.evaluate((cid) => {
		const c = document.getElementById(cid);
		if (!c || !c.width || !c.height) return 0;
		const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 0; i < px.length; i += 4)
			if (px[i + 3] > 0 && !(px[i] > 250 && px[i + 1] > 250 && px[i + 2] > 250)) n++;
		return n;
	}, id);
}

/* The status of a GET made by the page itself (its cookie, its origin). */
async function pageFetch(page, path) {
	return page.evaluate(async (p) => {
		const r = await fetch(p, { credentials: 'same-origin' });
		let body = null;
		try { body = await r.json(); } catch (e) { body = null; }
		return { status: r.status, body };
	}, path);
}

// ------------------------------------------------------------ anonymous
{
	const page = await newPage('desktop');
	await check('the sign-in page shows the form', async () => {
		await page.goto(URL0 + '/');
		await page.locator('#login-form').waitFor();
	});
	await check('the menu is hidden before sign-in', () => page.locator('#nav').isHidden());
	await shot(page, 'login-desktop');
	await check('a wrong password is refused with a message', async () => {
		await page.fill('#login-username', env('FT_ADMIN'));
		await page.fill('#login-password', 'not the password');
		await page.click('#login-submit');
		await page.locator('#error').waitFor();
		const t = await page.textContent('#error');
		if (!/wrong username or password/.test(t)) throw new Error('error says: ' + t);
		return page.locator('#logout').isHidden();
	});
	await check('the sign-in page has a label on every input', async () => {
		const bad = await unlabelledControls(page);
		if (bad.length) throw new Error('unlabelled: ' + bad.join(', '));
	});
	await page.context().close();
}

// ------------------------------------------------------------ label admin
let inviteLink = null;
{
	const page = await newPage('desktop');
	const signedIn = await check('a label admin signs in and lands on the dashboard', async () => {
		await signIn(page, env('FT_ADMIN'), env('FT_ADMIN_PW'), '#view-dashboard');
		await page.locator('#dash-catalog dt').first().waitFor();
		const who = await page.textContent('#whoami');
		if (!who.includes('(admin)')) throw new Error('whoami: ' + who);
	});
	if (signedIn) {
		await check('the dashboard counts the catalogue', async () => {
			const artists = await page.locator('#dash-catalog div', { hasText: 'artists' }).locator('dd').textContent();
			if (!(Number(artists) > 0)) throw new Error('artists: ' + artists);
		});
		await check('the admin uploads a report and sees it imported', async () => {
			await page.goto(URL0 + '/#upload');
			await page.waitForFunction(() => { const s = document.getElementById('upload-partner'); return s && s.options.length > 1; });
			await page.selectOption('#upload-partner', env('FT_REPORT_PARTNER'));
			await page.fill('#upload-month', env('FT_REPORT_MONTH'));
			await page.setInputFiles('#upload-file', env('FT_REPORT'));
			await page.click('#upload-submit');
			await page.locator('#upload-result .notice').waitFor({ timeout: 4 * TIMEOUT });
			const t = await page.textContent('#upload-result');
			if (!/Imported .* as batch [0-9]+/.test(t)) throw new Error('result: ' + t.slice(0, 200));
		});
		await shot(page, 'upload-desktop');
		await check('the dashboard lists the uploaded report batch', async () => {
			await page.goto(URL0 + '/#dashboard');
			await page.locator('#dash-imports tbody tr', { hasText: 'usage-2026-10.tsv' }).first().waitFor();
		});
		await shot(page, 'dashboard-desktop');

		const unrun = env('FT_UNRUN_MONTH');
		const refused = await check('a run is refused for an earlier month no run covers, which the page names', async () => {
			await page.goto(URL0 + '/#periods');
			await page.locator('#periods-table').waitFor();
			await page.locator('#period-months-table tbody tr', { hasText: unrun }).first().waitFor();
			const row = await page.locator('#period-months-table tbody tr', { hasText: unrun }).first().textContent();
			if (!row.includes('not run')) throw new Error('months table: ' + row);
			await page.fill('#period-input', env('FT_PERIOD'));
			await page.click('#period-run');
			await page.locator('#period-unrun').waitFor({ timeout: 4 * TIMEOUT });
			const t = await page.textContent('#period-unrun');
			if (!t.includes(unrun + ' (1 row')) throw new Error('refusal: ' + t.slice(0, 200));
		});
		if (refused) {
			await check('marking a month accounted elsewhere asks for a reason, labelled, and can be cancelled', async () => {
				await page.click('#period-elsewhere');
				await page.locator('#period-elsewhere-reason').waitFor();
				const bad = await unlabelledControls(page);
				if (bad.length) throw new Error('unlabelled: ' + bad.join(', '));
				await page.click('#period-elsewhere-confirm');
				await page.locator('#error').waitFor();
				if (!/Say why/.test(await page.textContent('#error'))) throw new Error('error: ' + await page.textContent('#error'));
				await page.click('#period-elsewhere-cancel');
				return page.locator('#period-elsewhere-reason').isHidden();
			});
			await shot(page, 'periods-unrun-desktop');
		}
		await check('the admin runs the period from the periods page, posting the month no run covers', async () => {
			if (refused) await page.click('#period-include-unrun');
			else {
				await page.fill('#period-input', env('FT_PERIOD'));
				await page.click('#period-run');
			}
			await page.locator('#period-summary .notice.good').waitFor({ timeout: 4 * TIMEOUT });
			const t = await page.textContent('#period-summary');
			if (!t.includes('Ran ' + env('FT_PERIOD'))) throw new Error('summary: ' + t.slice(0, 200));
			if (!t.includes('included: ' + unrun)) throw new Error('no note of the included month: ' + t.slice(0, 300));
			await page.locator('#periods-table tbody tr', { hasText: env('FT_PERIOD') }).first().waitFor();
			await page.locator('#period-months-table tbody tr', { hasText: unrun }).filter({ hasText: 'included' }).first().waitFor();
		});
		await shot(page, 'periods-desktop');
		await check('the payees page lists the artist payee with a balance', async () => {
			await page.goto(URL0 + '/#payees/' + env('FT_PERIOD'));
			const row = page.locator('#payees-table tbody tr', { hasText: env('FT_ARTIST_PAYEE') }).first();
			await row.waitFor();
			const t = await row.textContent();
			if (!/[0-9]\.[0-9]/.test(t)) throw new Error('row: ' + t);
		});
		await shot(page, 'payees-desktop');

		await check('the catalogue page searches tracks', async () => {
			await page.click('#nav-catalog');
			await page.locator('#view-catalog').waitFor();
			await page.selectOption('#catalog-kind', 'tracks');
			await page.fill('#catalog-q', 'Northern');
			await page.click('#catalog-go');
			await page.waitForFunction(() => /of [0-9]+$/.test(document.getElementById('catalog-count').textContent) &&
				document.querySelector('#catalog-table thead th'));
			const rows = await page.locator('#catalog-table tbody tr').count();
			const text = await page.textContent('#catalog-table tbody');
			if (!rows || !/Northern/i.test(text)) throw new Error(rows + ' rows: ' + text.slice(0, 80));
		});
		await shot(page, 'catalog-desktop');

		await check('the admin invites an artist from the users page', async () => {
			await page.click('#nav-users');
			await page.locator('#users-table tbody tr').first().waitFor();
			await page.fill('#new-username', 'invited.artist');
			await page.fill('#new-name', 'Invited Artist');
			await page.selectOption('#new-role', 'artist');
			await page.fill('#new-artists', env('FT_INVITE_ARTIST_ID'));
			await page.click('#new-submit');
			await page.locator('#invite-result').waitFor();
			inviteLink = (await page.textContent('#invite-link')).trim();
			if (!/#invite=[0-9a-f]{64}$/.test(inviteLink)) throw new Error('link: ' + inviteLink);
			await page.locator('#users-table tbody tr', { hasText: 'invited.artist' }).waitFor();
		});
		await check('the users page has a label on every input', async () => {
			const bad = await unlabelledControls(page);
			if (bad.length) throw new Error('unlabelled: ' + bad.join(', '));
		});
		await shot(page, 'users-desktop');

		await check('the audit log shows the invite', async () => {
			await page.click('#nav-audit');
			await page.locator('#audit-table tbody tr', { hasText: 'invited.artist' }).first().waitFor();
		});
		await check('signing out returns to the sign-in form', async () => {
			await page.click('#logout');
			await page.locator('#login-form').waitFor();
			return page.locator('#logout').isHidden();
		});
		await check('the menu is hidden after signing out', () => page.locator('#nav').isHidden());
	}
	await page.context().close();
}

// ------------------------------------------------------------ label staff, by keyboard
{
	const page = await newPage('desktop');
	const signedIn = await check('label staff sign in with the keyboard alone', async () => {
		await page.goto(URL0 + '/');
		await page.locator('#login-form').waitFor();
		await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'login-username');
		await page.keyboard.type(env('FT_STAFF'));
		await page.keyboard.press('Tab');
		await page.keyboard.type(env('FT_STAFF_PW'));
		await page.keyboard.press('Enter');
		await page.locator('#view-dashboard').waitFor();
		const who = await page.textContent('#whoami');
		if (!who.includes('(staff)')) throw new Error('whoami: ' + who);
	});
	if (signedIn) {
		await check('label staff see no upload, users or run controls (read-only)', async () => {
			for (const id of ['#nav-upload', '#nav-users', '#nav-audit'])
				if (await page.locator(id).isVisible()) throw new Error(id + ' is visible');
			await page.goto(URL0 + '/#periods');
			await page.locator('#periods-table tbody tr').first().waitFor();
			if (await page.locator('#period-run').isVisible()) throw new Error('the run button is visible');
		});
	}
	await page.context().close();
}

// ------------------------------------------------------------ the invite link
if (inviteLink) {
	const page = await newPage('desktop');
	await check('the invite link sets a password and the new artist signs in', async () => {
		await page.goto(inviteLink);
		await page.locator('#invite-form').waitFor();
		await page.fill('#invite-password', 'invited artist password');
		await page.fill('#invite-password2', 'invited artist password');
		await page.click('#invite-submit');
		await page.locator('#login-form').waitFor();
		if ((await page.inputValue('#login-username')) !== 'invited.artist') throw new Error('username not filled in');
		await page.fill('#login-password', 'invited artist password');
		await page.click('#login-submit');
		await page.locator('#logout').waitFor();
		const who = await page.textContent('#whoami');
		if (!who.includes('Invited Artist (artist)')) throw new Error('whoami: ' + who);
	});
	await page.context().close();
}

// ------------------------------------------------------------ artist
for (const kind of ['desktop', 'phone']) {
	const page = await newPage(kind);
	const signedIn = await check(`an artist signs in (${kind})`, async () => {
		await signIn(page, env('FT_ARTIST'), env('FT_ARTIST_PW'), '#nav');
	});
	if (!signedIn) { await page.context().close(); continue; }
	await check(`the artist sees no label pages in the menu (${kind})`, async () => {
		for (const id of ['#nav-dashboard', '#nav-catalog', '#nav-users', '#nav-audit'])
			if (await page.locator(id).isVisible()) throw new Error(id + ' is visible');
	});
	await check(`the artist's music page lists their tracks (${kind})`, async () => {
		await page.goto(URL0 + '/#artists');
		await page.locator('#artists-list table tbody tr').first().waitFor();
		const h = await page.locator('#artists-list h2').first().textContent();
		if (!h.trim()) throw new Error('no artist heading');
	});
	await check(`each linked artist is listed once (${kind})`, async () => {
		const n = await page.locator('#artists-list h2').count();
		if (n !== 1) throw new Error(n + ' artist sections for one linked artist');
	});
	await check(`the artist's music page does not scroll sideways (${kind})`, async () => {
		const over = await horizontalOverflow(page);
		if (over > 1) throw new Error(over + ' px wider than the screen');
	});
	await shot(page, 'artist-music-' + kind);
	const statements = await check(`the artist's statements list the period (${kind})`, async () => {
		await page.goto(URL0 + '/#statements');
		await page.locator('#statements-table tbody tr', { hasText: env('FT_PERIOD') }).first().waitFor();
	});
	if (statements) {
		await check(`the earnings chart is drawn (${kind})`, async () => {
			await page.waitForFunction(() => document.getElementById('chart-earnings')?.dataset.drawn);
			const n = await paintedPixels(page, 'chart-earnings');
			if (n < 200) throw new Error(n + ' painted pixels');
		});
		await shot(page, 'statements-' + kind);
		await check(`the artist opens a statement (${kind})`, async () => {
			await page.locator('#statements-table a.open-statement').first().click();
			await page.locator('#statement-title').waitFor();
			const t = await page.textContent('#statement-title');
			if (!t.includes(env('FT_PERIOD'))) throw new Error('title: ' + t);
			const payable = await page.textContent('#statement-payable');
			if (!/[0-9]/.test(payable)) throw new Error('payable: ' + payable);
		});
		await check(`the statement's charts are drawn (${kind})`, async () => {
			for (const id of ['chart-history', 'chart-stores', 'chart-territories', 'chart-tracks']) {
				await page.waitForFunction((cid) => document.getElementById(cid)?.dataset.drawn, id);
				const n = await paintedPixels(page, id);
				if (n < 200) throw new Error(id + ': ' + n + ' painted pixels');
			}
		});
		await check(`the statement page does not scroll sideways (${kind})`, async () => {
			const over = await horizontalOverflow(page);
			if (over > 1) throw new Error(over + ' px wider than the screen');
		});
		await shot(page, 'statement-' + kind);
		await shot(page, 'statement-top-' + kind, true);
		await page.locator('#chart-stores').scrollIntoViewIfNeeded();
		await shot(page, 'statement-charts-' + kind, true);
	}
	if (statements && kind === 'desktop') {
		await check('a royalty line drills down to the journal lines and their report batch', async () => {
			await page.locator('#statement-lines tbody tr button').first().click();
			await page.locator('#drill-table tbody tr').first().waitFor();
			await page.locator('#drill-batches tbody tr', { hasText: 'usage-2026-10.tsv' }).first().waitFor();
		});
		await page.locator('#drill').scrollIntoViewIfNeeded();
		await shot(page, 'statement-drill-desktop', true);
		await check('the artist downloads the statement as a PDF', async () => {
			const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-pdf')]);
			const file = join(ART, 'statement.pdf');
			await download.saveAs(file);
			const bytes = readFileSync(file);
			if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error('starts with ' + JSON.stringify(bytes.subarray(0, 8).toString('latin1')));
			if (bytes.length < 2000) throw new Error('only ' + bytes.length + ' bytes');
		});
		await check("another payee's statement page says not found", async () => {
			await page.goto(URL0 + '/#statement/' + env('FT_OTHER_PAYEE') + '/' + env('FT_PERIOD'));
			await page.locator('#view-statement h1', { hasText: /not found/i }).waitFor();
			const t = await page.textContent('#view-statement');
			if (/Payable|Royalties this period/.test(t)) throw new Error('shows figures');
		});
		await shot(page, 'statement-other-payee-desktop');
		await check("another payee's statement, charts and download are 404 to the artist", async () => {
			const base = '/api/statements/' + env('FT_OTHER_PAYEE') + '/' + env('FT_PERIOD');
			for (const p of [base, base + '/charts', base + '/lines', base + '/download/pdf']) {
				const r = await pageFetch(page, p);
				if (r.status !== 404) throw new Error(p + ': ' + r.status);
			}
		});
	}
	if (kind === 'desktop') {
		await check('another artist is "not found" for the artist, not forbidden', async () => {
			const r = await pageFetch(page, '/api/artists/' + encodeURIComponent(env('FT_OTHER_ARTIST_ID')));
			if (r.status !== 404) throw new Error('status ' + r.status);
			if (!/not found|no such/i.test(JSON.stringify(r.body))) throw new Error('body ' + JSON.stringify(r.body));
			if (JSON.stringify(r.body).includes(env('FT_OTHER_ARTIST_ID').split('-')[0] + ' ')) throw new Error('leaks data');
		});
		await check('a label page asked for by its address shows the artist no label data', async () => {
			await page.goto(URL0 + '/#dashboard');
			await page.waitForTimeout(300);
			const rows = await page.locator('#dash-imports tbody tr').count();
			if (rows) throw new Error(rows + ' import rows shown');
		});
	}
	await page.context().close();
}

// ------------------------------------------------------------ phone-sized label pages
{
	const page = await newPage('phone');
	const signedIn = await check('a label admin signs in on a phone', async () => {
		await signIn(page, env('FT_ADMIN'), env('FT_ADMIN_PW'), '#view-dashboard');
		await page.locator('#dash-catalog dt').first().waitFor();
	});
	if (signedIn) {
		await check('the dashboard page does not scroll sideways on a phone', async () => {
			const over = await horizontalOverflow(page);
			if (over > 1) throw new Error(over + ' px wider than the screen');
		});
		await shot(page, 'dashboard-phone');
		await page.goto(URL0 + '/#users');
		await page.locator('#users-table tbody tr').first().waitFor();
		await shot(page, 'users-phone');
		await check('the payees page does not scroll sideways on a phone', async () => {
			await page.goto(URL0 + '/#payees/' + env('FT_PERIOD'));
			await page.locator('#payees-table tbody tr').first().waitFor();
			const over = await horizontalOverflow(page);
			if (over > 1) throw new Error(over + ' px wider than the screen');
		});
		await shot(page, 'payees-phone');
		await check('the periods page and its months do not scroll sideways on a phone', async () => {
			await page.goto(URL0 + '/#periods');
			await page.locator('#period-months-table tbody tr').first().waitFor();
			const over = await horizontalOverflow(page);
			if (over > 1) throw new Error(over + ' px wider than the screen');
		});
		await shot(page, 'periods-phone');
		await page.goto(URL0 + '/#upload');
		await page.locator('#upload-form').waitFor();
		await shot(page, 'upload-phone');
	}
	await page.goto(URL0 + '/#nowhere');
	await page.context().close();
}

{
	const page = await newPage('phone');
	await page.goto(URL0 + '/');
	await page.locator('#login-form').waitFor();
	await shot(page, 'login-phone');
	await page.context().close();
}

await check('no script error on any page', async () => {
	if (scriptErrors.length) throw new Error(scriptErrors.length + ': ' + scriptErrors.slice(0, 3).join(' | '));
});

await browser.close();
process.exit(0);
