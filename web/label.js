/*
 * fairtrack portal — the label's pages: upload a report, suspense and
 * re-match, periods (run and close), payees and balances, and the periods
 * block of the dashboard.  Registers its pages with ft.register (app.js);
 * data goes into the page with textContent only.
 *
 * Stable element ids (the browser tests use them): #upload-form,
 * #upload-partner, #upload-month, #upload-format, #upload-file,
 * #upload-submit, #upload-progress, #upload-phase, #upload-result,
 * #upload-jobs; #suspense-rematch, #suspense-result, #suspense-table;
 * #period-input, #period-run, #period-summary, #period-close,
 * #period-close-confirm, #period-close-cancel, #periods-table,
 * #period-months-table; after a run refused for months no run covers:
 * #period-unrun, #period-include-unrun, #period-elsewhere,
 * #period-elsewhere-month, #period-elsewhere-reason,
 * #period-elsewhere-confirm, #period-elsewhere-cancel, #period-rerun;
 * #payees-period, #payees-q, #payees-table, #payees-totals,
 * #payee-invite-link; #dash-periods.
 */
'use strict';

(() => {
  const { $, el, api, fillRows, wrapCell, showError, status, state, money } = window.ft;

  const isAdmin = () => state.me && state.me.role === 'admin';

  /* Small builders: every page is made of these. */
  function table(id, caption, heads, cls) {
    const t = el('table', null, cls);
    t.id = id;
    t.append(el('caption', caption, 'sr-only'));
    const tr = el('tr');
    for (const h of heads) {
      const num = h.startsWith('#');
      const th = el('th', num ? h.slice(1) : h, num ? 'num' : undefined);
      th.scope = 'col';
      tr.append(th);
    }
    t.createTHead().append(tr);
    t.createTBody();
    const wrap = el('div', null, 'scroll');
    wrap.append(t);
    return { wrap, table: t, body: t.tBodies[0] };
  }

  /* Tables of class 'stack' become one card a row on a phone (label.css):
   * each cell carries its column's heading to show beside the value. */
  function stackRows(t) {
    const heads = [...t.tHead.rows[0].cells].map((th) => th.textContent);
    for (const tr of t.tBodies[0].rows)
      [...tr.cells].forEach((td, i) => { td.dataset.label = heads[i] || ''; });
  }
  function fillStacked(t, rows) {
    fillRows(t.tBodies[0], rows);
    stackRows(t);
  }

  function field(id, label, input) {
    const l = el('label', label);
    l.htmlFor = id;
    input.id = id;
    const box = el('div', null, 'field');
    box.append(l, input);
    return box;
  }

  function button(id, text, cls) {
    const b = el('button', text, cls);
    b.type = 'button';
    if (id) b.id = id;
    return b;
  }

  function link(href, text) {
    const a = el('a', text);
    a.href = href;
    return a;
  }

  function bytes(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(2) + ' GB';
    if (n >= 1e6) return (n / 1e6).toFixed(1) + ' MB';
    if (n >= 1e3) return (n / 1e3).toFixed(1) + ' kB';
    return n + ' B';
  }

  /* An amount as a reader expects it (ft.money: the currency's minor units,
   * rounded as statements round), the exact figure from the API in the
   * title; negative amounts carry the class 'neg' (coloured, and the sign). */
  function amount(exact, currency, tag) {
    const e = el(tag || 'span', money(exact, currency));
    if (exact !== undefined && exact !== null && exact !== '') e.title = 'exact: ' + exact + (currency ? ' ' + currency : '');
    if (/^-/.test(e.textContent)) e.classList.add('neg');
    return e;
  }
  function moneyCell(exact, currency) {
    const td = amount(exact, currency, 'td');
    td.classList.add('num');
    return td;
  }

  /* A timestamp from the API (UTC, ISO 8601) in the reader's own time, short
   * and readable; the stored value in the title and datetime. */
  function when(ts) {
    if (!ts) return el('span', '—');
    const t = el('time', ts);
    t.dateTime = ts;
    const d = new Date(ts);
    if (!Number.isNaN(d.getTime())) {
      t.textContent = d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
      t.title = ts;
    }
    return t;
  }
  const whenCell = (ts) => wrapCell(when(ts));

  /* Said under a table of amounts and its totals: both are rounded down
   * (ft.money), each on its own, so the rows may add up to a little less
   * than the total (the exact sum, rounded down once). */
  const roundingNote = () => el('p', 'Amounts are rounded down to the currency’s minor unit, each on its own, as statements print them: ' +
    'a column may add up to a few cents less than its total, which is the exact sum rounded down. Point at an amount to see it exactly.', 'hint');

  /* 'Sep 2026' for '2026-09'; anything else (a period id) as it is. */
  function monthName(m) {
    const x = /^([0-9]{4})-([0-9]{2})$/.exec(m || '');
    if (!x) return m || '';
    return new Date(Date.UTC(+x[1], +x[2] - 1, 1)).toLocaleString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
  }

  const plural = (n, one, many) => Number(n).toLocaleString('en') + ' ' + (Number(n) === 1 ? one : many || one + 's');
  const count = (n) => (n === undefined || n === null ? '' : Number(n).toLocaleString('en'));
  const basename = (path) => String(path || '').split(/[\\/]/).pop();

  /* A file name without its directories (uploads land in a temporary path),
   * the full path in the title. */
  function fileCell(path) {
    const td = el('td', basename(path));
    if (path && basename(path) !== path) td.title = path;
    return td;
  }

  /* Runs fn with the button disabled (and saying so), whatever happens. */
  async function busy(b, text, fn) {
    const label = b.textContent;
    b.disabled = true;
    b.setAttribute('aria-busy', 'true');
    if (text) b.textContent = text;
    try { return await fn(); } finally {
      b.disabled = false;
      b.removeAttribute('aria-busy');
      b.textContent = label;
    }
  }

  /* Moves focus to what an action produced, so a keyboard or screen-reader
   * user lands on the outcome instead of staying on the button. */
  function focusOn(node) {
    if (!node) return;
    if (!node.hasAttribute('tabindex')) node.tabIndex = -1;
    node.focus({ preventScroll: false });
  }

  function dl(pairs) {
    const d = el('dl', null, 'facts');
    for (const [k, v] of pairs) {
      const div = el('div');
      const dd = el('dd');
      if (v instanceof Node) dd.append(v); else dd.textContent = String(v);
      div.append(el('dt', k), dd);
      d.append(div);
    }
    return d;
  }

  function notice(kind, title, lines) {
    const box = el('div', null, 'notice ' + kind);
    box.setAttribute('role', kind === 'bad' ? 'alert' : 'status');
    box.append(el('p', title, 'notice-title'));
    for (const l of lines || []) box.append(l instanceof Node ? l : el('p', l));
    return box;
  }

  /* ------------------------------------------------------------ upload */

  const upload = { polling: null };

  function jobRows(jobs) {
    return jobs.map((j) => {
      const outcome = j.state === 'done' ? 'batch ' + j.result.batch_id + ', ' + plural(j.result.rows, 'row')
        : j.state === 'failed' ? (j.error.code === 'duplicate' ? 'already imported' : j.error.message)
        : j.state === 'queued' ? 'waiting' : Math.round(100 * (j.progress.bytes_done / (j.progress.bytes_total || 1))) + '% read';
      const states = { queued: 'waiting', running: 'importing', done: 'imported', failed: 'refused' };
      return [j.id, whenCell(j.created_at), j.user, fileCell(j.file), j.partner, bytes(j.bytes), states[j.state] || j.state, outcome];
    });
  }

  async function loadJobs() {
    const d = await api('GET', '/api/imports/jobs');
    const body = $('upload-jobs').tBodies[0];
    fillStacked($('upload-jobs'), jobRows(d.jobs));
    $('upload-jobs-none').hidden = d.jobs.length > 0;
    $('upload-jobs').closest('.scroll').hidden = !d.jobs.length;
  }

  function showJob(job) {
    const out = $('upload-result');
    out.replaceChildren();
    if (job.state === 'done') {
      const r = job.result;
      const totals = table('upload-totals', 'Totals of the batch per currency',
        ['Currency', '#Usages', '#Revenue', '#In suspense (usages)', '#In suspense (revenue)']);
      fillRows(totals.body, r.totals.map((t) => [t.currency, count(t.usages), moneyCell(t.revenue, t.currency),
        count(t.suspense_usages), moneyCell(t.suspense_revenue, t.currency)]));
      out.append(notice('good', 'Imported ' + basename(job.file) + ' as batch ' + r.batch_id + '.', [
        dl([['Months', monthName(r.first_month) + (r.last_month !== r.first_month ? ' to ' + monthName(r.last_month) : '')],
          ['Report lines', count(r.usage_lines)], ['Rows stored', count(r.rows)], ['Rows in suspense', count(r.suspense_rows)],
          ['SHA-256', r.sha256]]),
        totals.wrap,
        r.suspense_rows ? link('#suspense', 'See what waits in suspense') : el('span'),
      ]));
    } else if (job.state === 'failed') {
      const e = job.error;
      const lines = [];
      if (e.code === 'duplicate') {
        lines.push('This file was imported before; nothing was changed. ' + e.message);
      } else {
        lines.push(e.message);
        const where = [];
        if (e.file) where.push(['File', basename(e.file)]);
        if (e.line) where.push(['Line', e.line]);
        if (e.field) where.push(['Field', e.field]);
        if (e.bad_lines !== undefined) where.push(['Bad lines in the file', count(e.bad_lines)]);
        if (where.length) lines.push(dl(where));
        const samples = e.bad_line_samples || [], reasons = e.bad_line_reasons || [];
        if (reasons.length) {
          /* The same first bad lines, in the same order: each reason with
           * the line as the file has it. */
          lines.push(el('p', reasons.length === 1 ? 'The bad line:' : 'The first ' + reasons.length + ' bad lines, each with what is wrong:'));
          const ol = el('ol', null, 'bad-lines');
          reasons.forEach((r, i) => {
            const li = el('li');
            li.append(el('p', r.reason));
            if (samples[i] !== undefined) li.append(el('pre', samples[i], 'sample'));
            ol.append(li);
          });
          lines.push(ol);
        } else if (samples.length) {
          lines.push(el('p', 'The first bad lines, as the file has them:'));
          lines.push(el('pre', samples.join('\n'), 'sample'));
        }
        lines.push(el('p', 'Nothing was imported: fix the file and upload it again.'));
      }
      out.append(notice('bad', e.code === 'duplicate' ? 'Already imported' : 'The report was refused', lines));
    }
    out.hidden = false;
    focusOn(out.querySelector('.notice'));
  }

  function idleSubmit() {
    $('upload-submit').disabled = false;
    $('upload-submit').textContent = 'Upload and import';
  }

  function setPhase(text, value, max) {
    $('upload-phase').textContent = text;
    const p = $('upload-progress');
    p.hidden = false;
    if (max) { p.max = max; p.value = value; } else { p.removeAttribute('value'); }
  }

  async function pollJob(id) {
    let job;
    try {
      job = (await api('GET', '/api/imports/jobs/' + id)).job;
    } catch (e) {
      showError(e.message);
      idleSubmit();
      return;
    }
    if (job.state === 'queued') setPhase('Waiting for the import to start…', 0, 0);
    else if (job.state === 'running') {
      const p = job.progress;
      const pct = Math.floor(100 * p.bytes_done / (p.bytes_total || 1));
      setPhase('Importing: ' + pct + '% of the file read (' + bytes(p.bytes_done) + ' of ' + bytes(p.bytes_total) + ')', p.bytes_done, p.bytes_total || 1);
    }
    if (job.state === 'done' || job.state === 'failed') {
      setPhase(job.state === 'done' ? 'Done: imported.' : 'Refused: nothing was imported.', 1, 1);
      showJob(job);
      idleSubmit();
      upload.polling = null;
      loadJobs().catch(() => {});
      return;
    }
    upload.polling = setTimeout(() => pollJob(id), 400);
  }

  function send(file, params) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/imports?' + params);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('X-CSRF-Token', state.csrf || '');
      xhr.upload.addEventListener('progress', (ev) => {
        if (ev.lengthComputable) setPhase('Uploading: ' + bytes(ev.loaded) + ' of ' + bytes(ev.total), ev.loaded, ev.total);
      });
      xhr.addEventListener('load', () => {
        let data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        if (xhr.status === 202 && data && data.job) resolve(data.job);
        else reject(new Error((data && data.error && data.error.message) || 'upload failed (' + xhr.status + ')'));
      });
      xhr.addEventListener('error', () => reject(new Error('the upload was cut (is the file larger than the server accepts?)')));
      xhr.send(file);
    });
  }

  async function submitUpload(ev) {
    ev.preventDefault();
    showError('');
    const file = $('upload-file').files[0];
    if (!file) { showError('Choose a report file first.'); $('upload-file').focus(); return; }
    const partner = $('upload-partner').value;
    if (!partner) { showError('Choose the partner that sent the report.'); $('upload-partner').focus(); return; }
    const params = new URLSearchParams({ partner, name: file.name });
    if ($('upload-month').value) params.set('month', $('upload-month').value);
    if ($('upload-format').value) params.set('format', $('upload-format').value);
    $('upload-result').hidden = true;
    $('upload-submit').disabled = true;
    $('upload-submit').textContent = 'Importing…';
    if (upload.polling) { clearTimeout(upload.polling); upload.polling = null; }
    setPhase('Uploading…', 0, file.size || 1);
    try {
      const job = await send(file, params);
      setPhase('Uploaded. Waiting for the import…', 0, 0);
      pollJob(job.id);
    } catch (e) {
      $('upload-phase').textContent = '';
      $('upload-progress').hidden = true;
      showError(e.message);
      idleSubmit();
    }
  }

  function buildUpload(sec) {
    sec.append(el('h1', 'Upload a report'));
    sec.append(el('p', 'A usage or sales report from a distributor or store, as it came (TSV, CSV, DSR; gzip or zip too). ' +
      'It is imported whole or not at all, and a file imported before is refused.'));
    const form = el('form');
    form.id = 'upload-form';
    form.noValidate = true;
    const partner = el('select');
    partner.required = true;
    const month = el('input');
    month.type = 'month';
    month.placeholder = 'YYYY-MM';
    const format = el('select');
    format.append(new Option('Detect it from the file', ''));
    const file = el('input');
    file.type = 'file';
    file.required = true;
    const submit = el('button', 'Upload and import');
    submit.type = 'submit';
    submit.id = 'upload-submit';
    const hint = el('p', 'Only for reports without a sales month of their own.', 'hint');
    hint.id = 'upload-month-hint';
    month.setAttribute('aria-describedby', 'upload-month-hint');
    form.append(field('upload-partner', 'Partner', partner), field('upload-month', 'Sales month', month), hint,
      field('upload-format', 'Report format', format), field('upload-file', 'Report file', file), submit);
    form.addEventListener('submit', submitUpload);
    const progress = el('progress');
    progress.id = 'upload-progress';
    progress.hidden = true;
    progress.setAttribute('aria-labelledby', 'upload-phase');
    const phase = el('p', '', 'phase');
    phase.id = 'upload-phase';
    phase.setAttribute('aria-live', 'polite');
    const result = el('div');
    result.id = 'upload-result';
    result.hidden = true;
    const jobs = table('upload-jobs', 'Uploads since the server started',
      ['Job', 'Uploaded', 'By', 'File', 'Partner', '#Size', 'State', 'Outcome'], 'stack');
    const none = el('p', 'No uploads since the server started.', 'hint');
    none.id = 'upload-jobs-none';
    sec.append(form, progress, phase, result, el('h2', 'Recent uploads'), none, jobs.wrap,
      el('p', null, 'hint'));
    sec.lastChild.append('Every import batch, from the browser or the command line, is on the ', link('#dashboard', 'dashboard'), '.');
  }

  ft.register('upload', {
    title: 'Upload a report',
    nav: { label: 'Upload', roles: 'admin', before: 'catalog' },
    async load(sec) {
      if (!sec.firstChild) buildUpload(sec);
      const sel = $('upload-partner');
      if (sel.options.length === 0) {
        const d = await api('GET', '/api/catalog/partners?limit=500');
        sel.append(new Option('Choose…', ''));
        for (const p of d.rows) sel.append(new Option(p.name + ' (' + p.partner_id + ')', p.partner_id));
        if (!d.rows.length) showError('No partner is in the catalogue yet: import the partners (fairtrack import catalog) before a report.');
      }
      const fmt = $('upload-format');
      if (fmt.options.length === 1) {
        const f = await api('GET', '/api/imports/formats');
        for (const x of f.formats) {
          const short = (x.description || '').split(':')[0];
          const o = new Option(short ? x.name + ' — ' + (short.length > 60 ? short.slice(0, 59) + '…' : short) : x.name, x.name);
          o.title = x.description || '';
          fmt.append(o);
        }
      }
      await loadJobs();
    },
  });

  /* ---------------------------------------------------------- suspense */

  function buildSuspense(sec) {
    sec.append(el('h1', 'Suspense'));
    sec.append(el('p', 'Usage whose identifier the catalogue does not know waits here, per partner and month, with its money. ' +
      'After adding the missing tracks or releases to the catalogue, re-match moves what now matches to usage.'));
    const b = button('suspense-rematch', 'Re-match against the catalogue');
    b.dataset.roles = 'admin';
    const res = el('p');
    res.id = 'suspense-result';
    res.setAttribute('role', 'status');
    b.addEventListener('click', async () => {
      showError('');
      res.textContent = '';
      await busy(b, 'Re-matching…', async () => {
        try {
          const r = await api('POST', '/api/suspense/rematch', {});
          await loadSuspense();
          res.textContent = r.moved === 0 ? 'Nothing matched yet: no row moved. Add the missing tracks or releases to the catalogue first.'
            : plural(r.moved, 'row') + ' moved from suspense to usage; they count in the next run of their period.';
        } catch (e) { showError(e.message); }
      });
    });
    const totals = table('suspense-totals', 'Suspense totals per currency', ['Currency', '#Entries', '#Usages (plays, sales)', '#Revenue']);
    const list = table('suspense-table', 'What waits in suspense', ['Partner', 'Month', 'Identifier kind', 'Identifier', 'Currency', '#Usages', '#Revenue', '#Report rows'], 'stack');
    const more = el('p', '', 'hint');
    more.id = 'suspense-truncated';
    sec.append(b, res, el('h2', 'Totals'), totals.wrap, el('h2', 'Entries'), list.wrap, more);
  }

  async function loadSuspense() {
    const d = await api('GET', '/api/suspense?limit=1000');
    fillRows($('suspense-totals').tBodies[0], d.totals.map((t) => [t.currency, count(t.entries), count(t.usages), moneyCell(t.revenue, t.currency)]));
    fillStacked($('suspense-table'), d.entries.map((e) => [e.partner, monthName(e.month), e.kind, e.identifier, e.currency,
      count(e.usages), moneyCell(e.revenue, e.currency), count(e.rows)]));
    $('suspense-totals').closest('.scroll').hidden = !d.totals.length;
    $('suspense-table').closest('.scroll').hidden = !d.entries.length;
    $('suspense-truncated').textContent = d.truncated ? 'The first 1,000 entries are shown.' : d.entries.length ? ''
      : 'Nothing is in suspense: every imported row matched the catalogue.';
  }

  ft.register('suspense', {
    title: 'Suspense',
    nav: { label: 'Suspense', roles: 'admin staff', before: 'catalog' },
    async load(sec) {
      if (!sec.firstChild) buildSuspense(sec);
      $('suspense-rematch').hidden = !isAdmin();
      $('suspense-result').textContent = '';
      await loadSuspense();
    },
  });

  /* ----------------------------------------------------------- periods */

  const periods = { data: null };

  function runSummary(r) {
    const box = el('div');
    const payees = table('period-run-payees', 'Payee accounts of the run',
      ['Payee', 'Account', '#Royalties', '#Balance', '#Reserve held', '#Payable']);
    const c = r.currency;
    /* each account in its own currency (a contract may account in another than the base) */
    fillRows(payees.body, r.payees.map((p) => [p.payee, p.account, moneyCell(p.royalties, p.currency || c),
      moneyCell(p.balance, p.currency || c), moneyCell(p.reserve_held, p.currency || c), moneyCell(p.payable, p.currency || c)]));
    box.append(dl([['Period', r.period], ['Currency', c], ['Usage lines', count(r.lines) + (r.late_lines ? ' (' + count(r.late_lines) + ' late)' : '')],
      ['Receipts', amount(r.receipts, c)], ['Distributor fees', amount(r.fees, c)], ['Royalties', amount(r.royalties, c)],
      ['Label share', amount(r.label, c)], ['Suspense', amount(r.suspense, c)], ['Payable', amount(r.payable, c)],
      ['Journal', plural(r.postings, 'posting') + ', ' + plural(r.legs, 'leg')]]));
    if (r.notes.length) {
      box.append(el('h3', 'Notes'));
      const ul = el('ul', null, 'notes');
      for (const n of r.notes) ul.append(el('li', n));
      box.append(ul);
    }
    box.append(el('h3', 'Payees'), payees.wrap, roundingNote(), link('#payees/' + encodeURIComponent(r.period), 'Payees and balances of ' + r.period));
    return box;
  }

  function suggestPeriod(d) {
    if (d.open) return d.open;
    const closed = new Set(d.closed_months);
    const todo = d.usage_months.filter((m) => !closed.has(m));
    return todo.length ? todo[0] : '';
  }

  function confirmClose(period) {
    const box = $('period-close-box');
    box.replaceChildren();
    box.hidden = false;
    box.append(el('p', 'Close ' + period + '? Its figures become final: it cannot be run again, and usage dated in it that arrives later is posted in the next period as an adjustment. This cannot be undone.', 'notice-title'));
    const yes = button('period-close-confirm', 'Yes, close ' + period);
    const no = button('period-close-cancel', 'Cancel', 'secondary');
    no.addEventListener('click', () => { box.hidden = true; $('period-close').focus(); });
    yes.addEventListener('click', async () => {
      showError('');
      yes.disabled = true;
      try {
        await api('POST', '/api/periods/' + encodeURIComponent(period) + '/close', { confirm: period });
        box.hidden = true;
        $('period-summary').replaceChildren(notice('good', period + ' is closed.', [link('#payees/' + encodeURIComponent(period), 'Payees and balances of ' + period)]));
        await loadPeriods();
        focusOn($('period-summary').querySelector('.notice'));
      } catch (e) { showError(e.message); yes.disabled = false; yes.focus(); }
    });
    box.append(yes, ' ', no);
    no.focus();
  }

  /* Runs period (again), with or without the months no run covers, and
   * shows the outcome in #period-summary.  A run refused because earlier
   * months hold rows no run posted (the API lists them in
   * uncovered_months) offers the two ways on instead of a dead end. */
  async function runPeriod(period, includeUnrun) {
    const summary = $('period-summary');
    $('period-close').disabled = true;
    $('period-input').value = period;
    summary.replaceChildren(el('p', 'Running ' + period + (includeUnrun ? ' with the months no run covers' : '') + '… (a large catalogue takes a while)'));
    try {
      const r = await api('POST', '/api/periods/' + encodeURIComponent(period) + '/run', includeUnrun ? { include_unrun: true } : {});
      summary.replaceChildren(notice('good', 'Ran ' + r.period + (r.replaced ? ' (replacing the earlier run)' : '') + '.', [runSummary(r)]));
      await loadPeriods();
    } catch (e) {
      const months = e.detail && e.detail.uncovered_months;
      if (months && months.length) {
        summary.replaceChildren(unrunNotice(period, e.message, months));
        await loadPeriods().catch(() => {});
      } else {
        summary.replaceChildren(notice('bad', 'The run of ' + period + ' did not happen.', [e.message]));
      }
    } finally { $('period-close').disabled = false; }
    focusOn(summary.querySelector('.notice'));
  }

  function unrunNotice(period, message, months) {
    const box = notice('bad', 'The run of ' + period + ' did not happen: earlier months hold rows no run posted.', [message]);
    box.id = 'period-unrun';
    const ul = el('ul', null, 'notes');
    for (const m of months) ul.append(el('li', m.detail)); /* it starts with the month */
    box.append(el('h3', 'Months no run covers'), ul,
      el('p', 'Post their rows in this run as late adjustments (closing ' + period + ' then closes those months too), ' +
        'or, if another system already paid them, mark them accounted elsewhere: a run never posts them then.', 'hint'));
    const include = button('period-include-unrun', 'Post them in this run');
    const mark = button('period-elsewhere', 'Mark as accounted elsewhere…', 'secondary');
    const form = el('div', null, 'notice warn');
    form.id = 'period-elsewhere-box';
    form.hidden = true;
    include.addEventListener('click', () => busy(include, 'Running…', () => runPeriod(period, true)));
    mark.addEventListener('click', () => confirmElsewhere(form, period, months, mark));
    box.append(include, ' ', mark, form);
    return box;
  }

  /* Marking cannot be undone: the month is chosen, a reason given and the
   * month named again in the request (confirm), as closing does. */
  function confirmElsewhere(box, period, months, opener) {
    box.replaceChildren();
    box.hidden = false;
    box.setAttribute('role', 'group');
    box.setAttribute('aria-labelledby', 'period-elsewhere-title');
    const title = el('p', 'Mark a month accounted elsewhere when another system already paid its rows. ' +
      'No run will ever post them, and this cannot be undone.', 'notice-title');
    title.id = 'period-elsewhere-title';
    const form = el('form', null, 'inline');
    form.noValidate = true;
    const which = el('select');
    for (const m of months) {
      const o = el('option', monthName(m.month) + ' (' + m.month + ')');
      o.value = m.month;
      which.append(o);
    }
    const reason = el('input');
    reason.maxLength = 300;
    reason.placeholder = 'paid by our previous system';
    const yes = el('button');
    yes.type = 'submit';
    yes.id = 'period-elsewhere-confirm';
    const say = () => { yes.textContent = 'Yes, mark ' + which.value + ' accounted elsewhere'; };
    say();
    which.addEventListener('change', say);
    const no = button('period-elsewhere-cancel', 'Cancel', 'secondary');
    no.addEventListener('click', () => { box.hidden = true; opener.focus(); });
    form.append(field('period-elsewhere-month', 'Month', which), field('period-elsewhere-reason', 'Reason (who paid it, and how)', reason), yes, no);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      showError('');
      const month = which.value;
      if (!reason.value.trim()) { showError('Say why ' + month + ' is accounted elsewhere.'); reason.focus(); return; }
      await busy(yes, 'Marking…', async () => {
        try {
          const r = await api('POST', '/api/periods/' + encodeURIComponent(month) + '/accounted-elsewhere', { reason: reason.value.trim(), confirm: month });
          const again = button('period-rerun', 'Run ' + period + ' again');
          again.addEventListener('click', () => busy(again, 'Running…', () => runPeriod(period, false)));
          const summary = $('period-summary');
          summary.replaceChildren(notice('good', month + ' is marked accounted elsewhere.', [...r.notes, again]));
          await loadPeriods();
          focusOn(summary.querySelector('.notice'));
        } catch (e) { showError(e.message); reason.focus(); }
      });
    });
    box.append(title, form);
    which.focus();
  }

  function buildPeriods(sec) {
    sec.append(el('h1', 'Periods'));
    sec.append(el('p', 'Run a period to compute royalties for every contract; run it again as often as needed while it is open. ' +
      'Close it when the figures are final.'));
    const form = el('form', null, 'inline');
    form.id = 'period-form';
    form.noValidate = true;
    const input = el('input');
    input.placeholder = '2026-10, 2026-Q4, 2026-H2';
    input.setAttribute('autocapitalize', 'none');
    input.spellcheck = false;
    input.setAttribute('aria-describedby', 'period-hint');
    const run = el('button', 'Run period');
    run.type = 'submit';
    run.id = 'period-run';
    const close = button('period-close', 'Close period…', 'secondary');
    form.append(field('period-input', 'Period', input), run, close);
    const hint = el('p', 'A month (2026-10), a quarter (2026-Q4), a half (2026-H2) or a year (2026).', 'hint');
    hint.id = 'period-hint';
    const closeBox = el('div', null, 'notice warn');
    closeBox.id = 'period-close-box';
    closeBox.hidden = true;
    closeBox.setAttribute('role', 'alertdialog');
    closeBox.setAttribute('aria-label', 'Confirm closing the period');
    const summary = el('div');
    summary.id = 'period-summary';
    summary.setAttribute('aria-live', 'polite');
    const runs = table('periods-table', 'Periods run', ['Period', 'Months', 'Currency', 'Run at', 'State', 'Payees'], 'stack');
    const none = el('p', 'No period has been run yet.', 'hint');
    none.id = 'periods-none';
    const months = el('p', '', 'hint');
    months.id = 'periods-months';
    const monthTable = table('period-months-table', 'Every month and what covers it', ['Month', 'State', '#Usage rows', 'Details'], 'stack');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      showError('');
      const period = input.value.trim();
      if (!period) { showError('Say which period to run.'); input.focus(); return; }
      await busy(run, 'Running…', () => runPeriod(period, false));
    });
    close.addEventListener('click', () => {
      showError('');
      const period = input.value.trim() || (periods.data && periods.data.open) || '';
      if (!period) { showError('Say which period to close.'); input.focus(); return; }
      input.value = period;
      confirmClose(period);
    });
    const staff = el('p', 'Only a label admin can run or close a period; here you see what was run and closed.', 'hint');
    staff.id = 'period-staff';
    staff.hidden = true;
    sec.append(form, hint, staff, closeBox, summary, el('h2', 'Periods run'), none, runs.wrap, months,
      el('h2', 'Months'), el('p', 'Every month from the first with usage to the last: open or closed with its run, included (taken over by a later run), ' +
        'accounted elsewhere (another system paid it), or not run — rows no run posted yet.', 'hint'), monthTable.wrap);
  }

  async function loadPeriods() {
    const d = periods.data = await api('GET', '/api/periods');
    fillStacked($('periods-table'), d.runs.map((r) => {
      const st = el('td');
      if (r.closed) st.append('closed ', when(r.closed_at)); else st.textContent = 'open';
      const a = link('#payees/' + encodeURIComponent(r.period), 'Payees');
      a.setAttribute('aria-label', 'Payees of ' + r.period);
      return [r.period, r.first_month === r.last_month ? monthName(r.first_month) : monthName(r.first_month) + ' to ' + monthName(r.last_month),
        r.currency, whenCell(r.ran_at), st, wrapCell(a)];
    }));
    $('periods-none').hidden = d.runs.length > 0;
    const closed = new Set(d.closed_months);
    const open = d.usage_months.filter((m) => !closed.has(m));
    $('periods-months').textContent = (d.usage_months.length ? 'Months with usage: ' + d.usage_months.map(monthName).join(', ') + '. ' : 'No usage imported yet: upload a report first. ') +
      (open.length ? 'Not closed yet: ' + open.map(monthName).join(', ') + '.' : '');
    fillStacked($('period-months-table'), (d.months || []).map((m) => {
      const st = el('td', m.state);
      if (m.state === 'not run') st.className = 'attention';
      return [monthName(m.month) + ' (' + m.month + ')', st, count(m.rows), m.detail];
    }));
    $('period-months-table').closest('.scroll').hidden = !(d.months && d.months.length);
    if (!$('period-input').value) $('period-input').value = suggestPeriod(d);
  }

  ft.register('periods', {
    title: 'Periods',
    nav: { label: 'Periods', roles: 'admin staff', before: 'catalog' },
    async load(sec) {
      if (!sec.firstChild) buildPeriods(sec);
      const admin = isAdmin();
      $('period-form').hidden = !admin;
      $('period-hint').hidden = !admin;
      $('period-staff').hidden = admin;
      $('period-close-box').hidden = true;
      await loadPeriods();
    },
  });

  /* ------------------------------------------------------------ payees */

  const payees = { period: '', offset: 0, limit: 200 };

  function inviteForm(p, cell) {
    const form = el('form', null, 'inline invite');
    form.noValidate = true;
    const user = el('input');
    user.value = p.payee.toLowerCase().replace(/[^a-z0-9._-]/g, '-').slice(0, 64);
    user.setAttribute('autocapitalize', 'none');
    user.spellcheck = false;
    const name = el('input');
    const ok = el('button', 'Send invite');
    ok.type = 'submit';
    const cancel = button(null, 'Cancel', 'secondary');
    const uid = 'invite-user-' + p.payee, nid = 'invite-name-' + p.payee;
    form.append(field(uid, 'Username', user), field(nid, 'Name shown', name), ok, cancel);
    cancel.addEventListener('click', () => { form.remove(); loadPayees().catch((e) => showError(e.message)); });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      showError('');
      if (!user.value.trim()) { showError('Give the new account a username.'); user.focus(); return; }
      ok.disabled = true;
      try {
        const r = await api('POST', '/api/users', { username: user.value.trim(), display_name: name.value.trim() || p.payee,
          role: 'artist', payees: [p.payee] });
        const out = $('payee-invite-link');
        out.textContent = location.origin + r.invite.path;
        $('payee-invite').hidden = false;
        $('payee-invite-who').textContent = 'Invite link for ' + r.username + ' (payee ' + p.payee + '), shown only once:';
        form.remove();
        await loadPayees();
        $('payee-invite').scrollIntoView({ block: 'nearest' });
        focusOn($('payee-invite'));
      } catch (e) { showError(e.message); ok.disabled = false; user.focus(); }
    });
    cell.append(form);
    user.focus();
  }

  function buildPayees(sec) {
    sec.append(el('h1', 'Payees and balances'));
    const form = el('form', null, 'inline');
    form.noValidate = true;
    const period = el('select');
    const q = el('input');
    q.type = 'search';
    q.setAttribute('autocapitalize', 'none');
    const go = el('button', 'Show');
    go.type = 'submit';
    form.append(field('payees-period', 'Period', period), field('payees-q', 'Payee contains', q), go);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      payees.offset = 0;
      location.hash = 'payees/' + encodeURIComponent(period.value);
      if (payees.period === period.value) busy(go, 'Loading…', loadPayees).catch((e) => showError(e.message));
    });
    const invite = el('div', null, 'notice good');
    invite.id = 'payee-invite';
    invite.hidden = true;
    const who = el('p');
    who.id = 'payee-invite-who';
    const out = el('output');
    out.id = 'payee-invite-link';
    invite.append(who, out);
    const totals = el('div');
    totals.id = 'payees-totals';
    const t = table('payees-table', 'Payee accounts of the period',
      ['Payee', 'Account', '#Royalties', '#Advances', '#Costs', '#Balance', '#Reserve held', '#Payable', '#Unrecouped', 'Portal account', 'Statement'], 'stack');
    const none = el('p', '', 'hint');
    none.id = 'payees-none';
    const pager = el('p', null, 'pager');
    const prev = button('payees-prev', 'Previous', 'secondary');
    const next = button('payees-next', 'Next', 'secondary');
    const count = el('span');
    count.id = 'payees-count';
    prev.addEventListener('click', () => { payees.offset = Math.max(0, payees.offset - payees.limit); loadPayees().catch((e) => showError(e.message)); });
    next.addEventListener('click', () => { payees.offset += payees.limit; loadPayees().catch((e) => showError(e.message)); });
    pager.append(prev, next, count);
    sec.append(form, invite, totals, none, t.wrap, pager);
  }

  async function loadPayees() {
    const body = $('payees-table').tBodies[0];
    if (!payees.period) {
      body.replaceChildren();
      $('payees-table').closest('.scroll').hidden = true;
      $('payees-none').textContent = '';
      $('payees-count').textContent = '';
      $('payees-prev').hidden = $('payees-next').hidden = true;
      const p = el('p', 'No period has been run yet: ');
      p.append(isAdmin() ? link('#periods', 'run one on the periods page') : 'an admin runs one on the periods page', '.');
      $('payees-totals').replaceChildren(p);
      return;
    }
    const params = new URLSearchParams({ limit: payees.limit, offset: payees.offset });
    if ($('payees-q').value) params.set('q', $('payees-q').value);
    const d = await api('GET', '/api/periods/' + encodeURIComponent(payees.period) + '/payees?' + params);
    const admin = isAdmin();
    fillStacked($('payees-table'), d.payees.map((p) => {
      const portal = el('td');
      if (p.users.length) portal.textContent = p.users.join(', ');
      else if (admin) {
        const b = button(null, 'Invite…', 'secondary');
        b.setAttribute('aria-label', 'Invite ' + p.payee + ' to the portal');
        b.addEventListener('click', () => { b.remove(); inviteForm(p, portal); });
        portal.append(b);
      } else portal.textContent = '—';
      const st = link('#statement/' + encodeURIComponent(p.payee) + '/' + encodeURIComponent(d.period), 'Statement');
      st.setAttribute('aria-label', 'Statement of ' + p.payee + ' for ' + d.period);
      const c = p.currency || d.currency; /* an account in its contracts' currency */
      return [p.payee, p.account, moneyCell(p.royalties, c), moneyCell(p.advances, c), moneyCell(p.costs, c), moneyCell(p.balance, c),
        moneyCell(p.reserve_held, c), moneyCell(p.payable, c), moneyCell(p.unrecouped, c), portal, wrapCell(st)];
    }));
    const t = d.totals, c = d.currency;
    $('payees-totals').replaceChildren(dl([['Period', d.period + (d.closed ? ' (closed)' : ' (open)')], ['Currency', c],
      ['Payee accounts', count(t.accounts)], ['Royalties', amount(t.royalties, c)], ['Payable', amount(t.payable, c)],
      ['Unrecouped', amount(t.unrecouped, c)], ['Reserves held', amount(t.reserve_held, c)]].concat(
      /* accounts in other currencies: their own totals, never added to these */
      (d.other_totals || []).flatMap((o) => [['Accounts in ' + o.currency, count(o.accounts)],
        ['Royalties in ' + o.currency, amount(o.royalties, o.currency)], ['Payable in ' + o.currency, amount(o.payable, o.currency)]]))), roundingNote());
    const end = d.offset + d.payees.length;
    const q = $('payees-q').value;
    $('payees-table').closest('.scroll').hidden = !d.payees.length;
    $('payees-none').textContent = d.payees.length ? '' : q ? 'No payee of ' + d.period + ' contains “' + q + '”.' : 'The run of ' + d.period + ' has no payee account.';
    $('payees-count').textContent = d.total ? (d.offset + 1).toLocaleString('en') + '–' + end.toLocaleString('en') + ' of ' + plural(d.total, 'payee') : '';
    $('payees-prev').hidden = $('payees-next').hidden = d.total <= payees.limit;
    $('payees-prev').disabled = d.offset === 0;
    $('payees-next').disabled = end >= d.total;
  }

  ft.register('payees', {
    title: 'Payees and balances',
    nav: { label: 'Payees', roles: 'admin staff', before: 'catalog' },
    async load(sec, args) {
      if (!sec.firstChild) buildPayees(sec);
      const d = await api('GET', '/api/periods');
      const sel = $('payees-period');
      sel.replaceChildren();
      for (const r of d.runs) sel.append(new Option(r.period + (r.closed ? ' (closed)' : ' (open)'), r.period));
      const want = args[0] || (d.runs[0] && d.runs[0].period) || '';
      if (want && !d.runs.some((r) => r.period === want)) sel.append(new Option(want, want));
      sel.value = want;
      if (payees.period !== want) payees.offset = 0;
      payees.period = want;
      $('payee-invite').hidden = true;
      await loadPayees();
    },
  });

  /* --------------------------------------------------- dashboard block */

  /* The dashboard view belongs to app.js; its periods block and the links
   * to the label's pages are added here and refreshed whenever it shows. */
  function dashboardBlock() {
    const view = $('view-dashboard');
    if (!view || $('dash-periods')) return;
    const links = el('p', null, 'quick');
    links.id = 'dash-links';
    const h = el('h2', 'Periods');
    const p = el('p');
    p.id = 'dash-periods-summary';
    const t = table('dash-periods', 'Periods run and closed', ['Period', 'Run at', 'State', 'Payees']);
    view.querySelector('h1').after(links);
    view.append(h, p, t.wrap);
    new MutationObserver(() => { if (!view.hidden) refreshDashboard().catch(() => {}); })
      .observe(view, { attributes: true, attributeFilter: ['hidden'] });
  }

  async function refreshDashboard() {
    const links = $('dash-links');
    links.replaceChildren();
    const targets = isAdmin() ? [['#upload', 'Upload a report'], ['#suspense', 'Suspense'], ['#periods', 'Run or close a period'], ['#payees', 'Payees and balances']]
      : [['#suspense', 'Suspense'], ['#periods', 'Periods'], ['#payees', 'Payees and balances']];
    targets.forEach(([href, text], i) => { if (i) links.append(' · '); links.append(link(href, text)); });
    const d = await api('GET', '/api/periods');
    const closed = new Set(d.closed_months);
    const open = d.usage_months.filter((m) => !closed.has(m));
    $('dash-periods-summary').textContent = (d.open ? 'Open run: ' + d.open + '. ' : 'No open run. ') +
      (d.closed_months.length ? plural(d.closed_months.length, 'month') + ' closed (last ' + monthName(d.closed_months[d.closed_months.length - 1]) + '). ' : 'No month closed yet. ') +
      (open.length ? 'Months with usage not closed: ' + open.map(monthName).join(', ') + '.' : '');
    fillRows($('dash-periods').tBodies[0], d.runs.slice(0, 12).map((r) => {
      const a = link('#payees/' + encodeURIComponent(r.period), 'Payees');
      a.setAttribute('aria-label', 'Payees of ' + r.period);
      return [r.period, whenCell(r.ran_at), r.closed ? 'closed' : 'open', wrapCell(a)];
    }));
    $('dash-periods').closest('.scroll').hidden = !d.runs.length;
  }

  /* ------------------------------------------------------- phone menu */

  /* On a phone (style.css) the header's links fold behind #nav-toggle; it
   * lives here because label staff asked for it, but it serves every role.
   * Escape closes the open menu and gives the focus back to the button;
   * following a link (a hash change) closes it. */
  function menuButton() {
    const b = $('nav-toggle'), nav = $('nav');
    if (!b || !nav) return;
    const set = (open) => { nav.classList.toggle('open', open); b.setAttribute('aria-expanded', String(open)); };
    b.addEventListener('click', () => set(!nav.classList.contains('open')));
    nav.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && nav.classList.contains('open')) { set(false); b.focus(); }
    });
    window.addEventListener('hashchange', () => set(false));
  }

  /* The users page and the dashboard's imports belong to app.js, which
   * fills their tables; on a phone they become cards too (label.css) once
   * each cell knows its heading, given here whenever app.js refills them. */
  function stackStaticTables() {
    for (const id of ['users-table', 'dash-imports']) {
      const t = $(id);
      if (!t || !t.tBodies[0]) continue;
      t.classList.add('stack');
      new MutationObserver(() => stackRows(t)).observe(t.tBodies[0], { childList: true });
    }
  }

  function start() { dashboardBlock(); menuButton(); stackStaticTables(); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
