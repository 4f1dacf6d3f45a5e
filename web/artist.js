/*
 * fairtrack portal — the artist's pages: statements by period, a statement
 * with its figures, drill-down from any figure to the journal lines, usage
 * rows and import batches behind it, charts (Chart.js, the global `Chart`),
 * downloads (PDF, CSV, XLSX) and the contract terms in plain words.
 *
 * Registers two pages with ft.register (app.js):
 *   #statements                      the list (home page of an artist)
 *   #statement/PAYEE/PERIOD[/ACCOUNT] one statement; label staff open any payee's
 * Every figure is the decimal string the API sends (the ledger's, printed as
 * on the PDF); numbers are parsed only to draw charts.  Data goes into the
 * page with textContent only (ft.el), never as markup.
 */
'use strict';
(function () {
  const { $, el, api, fillRows, wrapCell, status } = window.ft;
  const charts = {};
  const enc = encodeURIComponent;
  /* app.js may start a page's load twice (a sign-in sets the hash and
   * routes); only the newest load may fill the section. */
  let seq = 0;

  /* ------------------------------------------------------------ helpers */

  function th(text) { const h = el('th', text); h.scope = 'col'; return h; }

  /* A table with a caption and column heads; returns its tbody. */
  function table(id, caption, heads, numeric) {
    const t = el('table');
    t.id = id;
    t.append(el('caption', caption));
    const tr = el('tr');
    heads.forEach((h, i) => { const c = th(h); if (numeric && numeric.includes(i)) c.className = 'num'; tr.append(c); });
    t.createTHead().append(tr);
    const body = t.createTBody();
    const wrap = el('div', null, 'scroll');
    wrap.append(t);
    return { wrap, body, table: t };
  }

  function numCell(text) { return el('td', text, 'num'); }

  function link(text, hash, id) {
    const a = el('a', text);
    a.href = hash;
    if (id) a.id = id;
    return a;
  }

  function button(text, label, onClick) {
    const b = el('button', text, 'link');
    b.type = 'button';
    if (label) b.setAttribute('aria-label', label);
    b.addEventListener('click', onClick);
    return b;
  }

  function statementHash(payee, period, account) {
    return '#statement/' + enc(payee) + '/' + enc(period) + (account ? '/' + enc(account) : '');
  }

  function apiBase(payee, period) {
    return '/api/statements/' + enc(payee) + '/' + enc(period);
  }

  /* Draw (or redraw) a chart into canvas#id.  Amounts are strings; parse
   * them only for the drawing (the tables beside it hold the exact text). */
  function drawChart(id, type, labels, values, label, currency) {
    if (charts[id]) { charts[id].destroy(); delete charts[id]; }
    const canvas = $(id);
    if (!canvas) return;
    if (typeof window.Chart !== 'function') {
      canvas.replaceWith(el('p', 'Charts are not available (the chart library did not load).', 'muted'));
      return;
    }
    const dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
    const fg = dark ? '#e6e8eb' : '#1b1f24';
    const grid = dark ? '#39414c' : '#d0d7de';
    const horizontal = type === 'bar' && labels.length > 6;
    charts[id] = new window.Chart(canvas, {
      type,
      data: { labels, datasets: [{ label: label + ' (' + currency + ')', data: values.map((v) => parseFloat(v)),
        backgroundColor: dark ? '#6cb0f5' : '#0b5cad', borderColor: dark ? '#6cb0f5' : '#0b5cad' }] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        indexAxis: horizontal ? 'y' : 'x',
        plugins: { legend: { labels: { color: fg } },
          tooltip: { callbacks: { label: (ctx) => values[ctx.dataIndex] + ' ' + currency } } },
        /* Every category named (ten and "All others" at most, by the API). */
        scales: { x: { ticks: { color: fg, autoSkip: horizontal }, grid: { color: grid } },
          y: { ticks: { color: fg, autoSkip: !horizontal }, grid: { color: grid } } },
      },
    });
    canvas.dataset.drawn = String(labels.length);
  }

  function chartBox(id, title, description) {
    const fig = el('figure', null, 'chart');
    const cap = el('figcaption', title);
    const box = el('div', null, 'chart-box');
    const canvas = el('canvas');
    canvas.id = id;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', description);
    box.append(canvas);
    fig.append(cap, box);
    return fig;
  }

  /* ------------------------------------------------------ statements list */

  const list = { offset: 0, limit: 50, payee: '' };

  async function loadList(sec) {
    const my = ++seq;
    const me = ft.state.me;
    const staff = me.role === 'admin' || me.role === 'staff';
    const params = new URLSearchParams({ offset: list.offset, limit: list.limit });
    if (list.payee) params.set('payee', list.payee);
    const d = staff || (me.payees && me.payees.length) ? await api('GET', '/api/statements?' + params) : null;
    if (my !== seq) return;
    sec.replaceChildren();
    sec.append(el('h1', 'Statements'));
    if (staff) {
      const form = el('form', null, 'inline');
      form.id = 'statements-filter';
      const lab = el('label', 'Payee');
      lab.htmlFor = 'statements-payee';
      const input = el('input');
      input.id = 'statements-payee';
      input.autocapitalize = 'none';
      input.spellcheck = false;
      input.value = list.payee;
      const go = el('button', 'Show');
      go.type = 'submit';
      form.append(lab, input, go);
      form.addEventListener('submit', (ev) => {
        ev.preventDefault(); list.payee = input.value.trim(); list.offset = 0; ft.route();
      });
      sec.append(form);
    } else if (!me.payees || !me.payees.length) {
      sec.append(el('p', 'No payee is linked to your account yet, so there are no statements to show. Ask your label to link you to your contracts.', 'empty'));
      return;
    }
    if (!d.statements.length) {
      sec.append(el('p', list.offset ? 'No more statements.' : 'No statements yet: they appear here once the label has run a period.', 'empty'));
    }

    /* Earnings over time: royalties per period, all accounts of the page. */
    const byPeriod = new Map();
    const currency = d.statements.length ? d.statements[0].currency : '';
    for (const s of d.statements.slice().reverse()) {
      if (!staff || list.payee) {
        const cents = byPeriod.get(s.period) || [];
        cents.push(s.royalties);
        byPeriod.set(s.period, cents);
      }
    }
    if (byPeriod.size) {
      sec.append(el('h2', 'Earnings over time'));
      sec.append(chartBox('chart-earnings', 'Royalties per period (' + currency + ')',
        'Bar chart of royalties per period; the figures are in the table below.'));
    }

    sec.append(el('h2', staff ? 'Statements of every payee' : 'Your statements'));
    const t = table('statements-table', 'Statements, newest period first',
      ['Period', 'Payee', 'Account', 'Royalties', 'Advances', 'Costs', 'Balance', 'Payable', 'Status', ''], [3, 4, 5, 6, 7]);
    fillRows(t.body, d.statements.map((s) => {
      const open = link('Open', statementHash(s.payee, s.period, s.account));
      open.setAttribute('aria-label', 'Open the statement of ' + s.payee + ' for ' + s.period + ', account ' + s.account);
      open.className = 'open-statement';
      return [s.period, s.payee, s.account, numCell(s.royalties + ' ' + s.currency), numCell(s.advances),
        numCell(s.costs), numCell(s.balance), numCell(s.payable + ' ' + s.currency), s.closed ? 'closed' : 'open', wrapCell(open)];
    }));
    sec.append(t.wrap);

    const pager = el('p', null, 'pager');
    const prev = el('button', 'Previous'); prev.type = 'button'; prev.id = 'statements-prev';
    const next = el('button', 'Next'); next.type = 'button'; next.id = 'statements-next';
    prev.disabled = list.offset === 0;
    next.disabled = list.offset + d.statements.length >= d.total;
    prev.addEventListener('click', () => { list.offset = Math.max(0, list.offset - list.limit); ft.route(); });
    next.addEventListener('click', () => { list.offset += list.limit; ft.route(); });
    pager.append(prev, ' ', next, ' ', el('span', d.total + ' statement' + (d.total === 1 ? '' : 's')));
    sec.append(pager);

    if (byPeriod.size) {
      /* Each period's royalties summed exactly in minor units (strings in,
       * integers of the smallest unit, string out). */
      const labels = [...byPeriod.keys()];
      const values = labels.map((p) => sumDecimals(byPeriod.get(p)));
      drawChart('chart-earnings', 'bar', labels, values, 'Royalties', currency);
    }
  }

  /* Exact sum of decimal strings with the same number of decimals ("12.30"). */
  function sumDecimals(values) {
    let digits = 0;
    for (const v of values) { const i = v.indexOf('.'); digits = Math.max(digits, i < 0 ? 0 : v.length - i - 1); }
    let total = 0n;
    for (const v of values) {
      const neg = v.startsWith('-');
      const [w, f = ''] = v.replace('-', '').split('.');
      const n = BigInt(w + f.padEnd(digits, '0'));
      total += neg ? -n : n;
    }
    const neg = total < 0n;
    let s = (neg ? -total : total).toString().padStart(digits + 1, '0');
    if (digits) s = s.slice(0, -digits) + '.' + s.slice(-digits);
    return (neg ? '-' : '') + s;
  }

  /* ------------------------------------------------------- one statement */

  const drill = { offset: 0, limit: 100, filter: {}, title: '' };

  async function loadStatement(sec, args) {
    const [payee, period, account] = args;
    const my = ++seq;
    if (!payee || !period) { sec.replaceChildren(el('h1', 'Statement'), el('p', 'No statement was named.')); return; }
    const base = apiBase(payee, period);
    const q = account ? '?account=' + enc(account) : '';
    let st;
    try {
      st = await api('GET', base + q);
      if (my !== seq) return;
      sec.replaceChildren();
    } catch (e) {
      if (my !== seq) return;
      sec.replaceChildren();
      if (e.status === 404) {
        sec.append(el('h1', 'Statement not found'),
          el('p', 'There is no statement ' + period + ' for ' + payee + ' that you can see.'), link('Back to the statements', '#statements'));
        return;
      }
      throw e;
    }
    const acctQ = '?account=' + enc(st.account);
    const money = (v) => v + ' ' + st.currency;
    const s = st.summary;

    const h1 = el('h1', 'Statement ' + st.period + ' — ' + st.payee_name);
    h1.id = 'statement-title';
    sec.append(link('← All statements', '#statements', 'statement-back'), h1);
    const meta = el('p', null, 'meta');
    meta.id = 'statement-meta';
    meta.textContent = 'Account ' + st.account + ' · ' + st.label + ' · statement ' + st.id + ' · issued ' + st.issued +
      ' · period ' + (st.closed ? 'closed' : 'open (figures may still change until the label closes it)');
    sec.append(meta);
    if (st.accounts && st.accounts.length > 1) {
      const nav = el('nav', null, 'accounts');
      nav.setAttribute('aria-label', 'Accounts of this payee in ' + st.period);
      nav.append(el('span', 'Accounts: '));
      for (const a of st.accounts) {
        const l = link(a, statementHash(st.payee, st.period, a));
        if (a === st.account) l.setAttribute('aria-current', 'page');
        nav.append(l, ' ');
      }
      sec.append(nav);
    }

    /* Downloads: plain links, the session cookie goes with them. */
    const dl = el('p', null, 'downloads');
    dl.id = 'statement-downloads';
    for (const [fmt, label] of [['pdf', 'Download PDF'], ['csv', 'Download CSV'], ['xlsx', 'Download XLSX']]) {
      const a = link(label, base + '/download/' + fmt + acctQ, 'download-' + fmt);
      a.setAttribute('download', '');
      a.className = 'button';
      dl.append(a, ' ');
    }
    sec.append(dl);

    /* The headline figures. */
    const cards = el('dl', null, 'cards');
    cards.id = 'statement-summary';
    const card = (label, value, id) => {
      const div = el('div'); const dd = el('dd', value); if (id) dd.id = id;
      div.append(el('dt', label), dd); cards.append(div);
    };
    card('Payable', money(s.payable), 'statement-payable');
    card('Royalties this period', money(s.royalties), 'statement-royalties');
    card('Balance', money(s.balance), 'statement-balance-figure');
    card('Still to recoup', money(s.to_recoup), 'statement-to-recoup');
    sec.append(cards);

    /* The balance block, each figure with a way down to its lines. */
    sec.append(el('h2', 'How the payable is reached'));
    const bal = table('statement-balance', 'Balance: opening, royalties, charges, reserve, payable', ['', 'Amount', ''], [1]);
    const showAll = (title, filter) => button('Show lines', 'Show the lines behind ' + title.toLowerCase(), () => openDrill(sec, base, st, title, filter));
    const rows = [
      ['Opening balance', s.opening, null],
      ['Royalties', s.royalties, showAll('Royalties', {})],
      ['  of which income not tied to one track', s.non_attributable, showAll('Income not tied to one track', { non_attributable: '1' })],
      ['Less advances', s.advances, null],
      ['Less recoupable costs', s.costs, null],
      ['Rounding (fractions of a unit on the lines)', s.rounding, null],
      ['Balance', s.balance, null],
      ['Reserve withheld this period', s.reserve_withheld, null],
      ['Reserve released', s.reserve_released, null],
      ['Reserve held', s.reserve_held, null],
      ['Payable', s.payable, null],
      ['Carried to the next period', s.carried, null],
    ];
    fillRows(bal.body, rows.map(([label, v, action]) => [label, numCell(money(v)), action ? wrapCell(action) : '']));
    sec.append(bal.wrap);
    if (st.non_attributable_note) sec.append(el('p', st.non_attributable_note, 'note'));
    if (s.to_recoup !== '0' && !/^0(\.0+)?$/.test(s.to_recoup)) {
      const p = el('p', 'Still to recoup: ' + money(s.to_recoup) + '. Advances and costs are recouped from your royalties; once they are, royalties become payable.', 'note');
      p.id = 'statement-recoup-note';
      sec.append(p);
    }

    /* Charts and their tables (the tables are the charts' text alternative). */
    sec.append(el('h2', 'Where the money came from'));
    const grid = el('div', null, 'chart-grid');
    grid.append(
      chartBox('chart-history', 'Earnings over time', 'Bar chart of royalties per period up to this one.'),
      chartBox('chart-stores', 'By store', 'Bar chart of royalties by store; the figures are in the table "By store".'),
      chartBox('chart-territories', 'By territory', 'Bar chart of royalties by territory; the figures are in the table "By territory".'),
      chartBox('chart-tracks', 'By track', 'Bar chart of royalties by track; the figures are in the table "By track".'));
    sec.append(grid);
    const groups = st.breakdowns;
    const dims = [['store', 'By store', 'Store', 'store'], ['territory', 'By territory', 'Territory', 'territory'],
      ['track', 'By track', 'Track', 'isrc'], ['release', 'By release', 'Release', null]];
    for (const [dim, title, head, key] of dims) {
      const rows = groups[dim] || [];
      if (!rows.length) continue;
      sec.append(el('h3', title));
      const t = table('breakdown-' + dim, title, [head, 'Lines', 'Units', 'Receipts', 'Royalty', ''], [1, 2, 3, 4]);
      fillRows(t.body, rows.map((r) => {
        const f = {};
        if (key) f[key] = r.key;
        const b = key ? button('Show lines', 'Show the lines of ' + r.label, () => openDrill(sec, base, st, title + ': ' + r.label, f)) : null;
        return [r.label, numCell(r.lines), numCell(r.units), numCell(money(r.receipts)), numCell(money(r.royalty)), b ? wrapCell(b) : ''];
      }));
      sec.append(t.wrap);
    }

    /* Every line, each royalty a way down to its rows. */
    sec.append(el('h2', 'Statement lines'));
    const lt = table('statement-lines', 'Every royalty line of this statement',
      ['Track', 'ISRC', 'Store', 'Territory', 'Model / use', 'Units', 'Receipts', 'Rate', 'Royalty'], [5, 6, 7, 8]);
    fillRows(lt.body, st.lines.map((l) => {
      const f = { isrc: l.isrc, store: l.store, territory: l.territory, model: l.commercial_model, use: l.use_type,
        non_attributable: l.non_attributable ? '1' : '0' };
      const title = (l.track || l.isrc) + ', ' + l.store + ', ' + l.territory + (l.non_attributable ? ' (income not tied to one track)' : '');
      const b = button(l.royalty, 'Royalty ' + l.royalty + ' ' + st.currency + ' for ' + title + ': show how it was computed',
        () => openDrill(sec, base, st, title, f));
      const td = wrapCell(b); td.className = 'num';
      return [(l.track || '—') + (l.non_attributable ? ' *' : ''), l.isrc, l.store, l.territory,
        l.commercial_model + ' / ' + l.use_type, numCell(l.units), numCell(l.receipts), numCell(l.rate), td];
    }));
    sec.append(lt.wrap);
    if (st.lines.some((l) => l.non_attributable)) sec.append(el('p', '* income not tied to one track, shared pro rata to this line.', 'note'));

    if (st.charges.length) {
      sec.append(el('h2', 'Advances and costs'));
      const ct = table('statement-charges', 'Advances and recoupable costs charged this period', ['Date', 'Kind', 'Description', 'Amount'], [3]);
      fillRows(ct.body, st.charges.map((c) => [c.date, c.kind, c.description, numCell(money(c.amount))]));
      sec.append(ct.wrap);
    }
    if (st.fx.length) {
      sec.append(el('h2', 'Exchange rates used'));
      const ft_ = table('statement-fx', 'Exchange rates used for the receipts', ['From', 'To', 'Rate', 'Source'], [2]);
      fillRows(ft_.body, st.fx.map((x) => [x.from, x.to, numCell(x.rate), x.source]));
      sec.append(ft_.wrap);
    }
    sec.append(el('h2', 'Your contract terms'));
    const terms = el('ul');
    terms.id = 'statement-terms';
    for (const t of st.terms) terms.append(el('li', t));
    if (!st.terms.length) terms.append(el('li', 'No contract terms are on file for this account.'));
    sec.append(terms);

    /* The drill-down panel, filled by openDrill. */
    const panel = el('section', null, 'drill');
    panel.id = 'drill';
    panel.hidden = true;
    panel.setAttribute('aria-labelledby', 'drill-title');
    sec.append(panel);

    drawChart('chart-history', 'bar', st.history.map((h) => h.period), st.history.map((h) => h.royalties), 'Royalties', st.currency);
    try {
      const c = await api('GET', base + '/charts' + acctQ);
      if (my !== seq) return;
      for (const [id, key] of [['chart-stores', 'stores'], ['chart-territories', 'territories'], ['chart-tracks', 'tracks']])
        drawChart(id, 'bar', c[key].map((r) => r.label), c[key].map((r) => r.royalty), 'Royalties', c.currency);
    } catch (e) { ft.showError('Charts: ' + e.message); }
  }

  async function openDrill(sec, base, st, title, filter) {
    drill.offset = 0;
    drill.filter = filter;
    drill.title = title;
    await fillDrill(sec, base, st);
    const h = $('drill-title');
    if (h) h.focus();
  }

  async function fillDrill(sec, base, st) {
    const panel = $('drill');
    const params = new URLSearchParams({ account: st.account, offset: drill.offset, limit: drill.limit });
    for (const [k, v] of Object.entries(drill.filter)) if (v !== undefined && v !== null && v !== '') params.set(k, v);
    status('Loading the lines…');
    const d = await api('GET', base + '/lines?' + params);
    status('');
    panel.replaceChildren();
    panel.hidden = false;
    const h = el('h2', 'Lines behind: ' + drill.title);
    h.id = 'drill-title';
    h.tabIndex = -1;
    panel.append(h);
    panel.append(el('p', d.total + ' journal line' + (d.total === 1 ? '' : 's') + ' credited this figure. Each shows the report row it came from, the exchange rate and fee, the contract rule and your share, as the run posted them (exact to 12 decimals).'));
    const t = table('drill-table', 'Journal lines behind ' + drill.title,
      ['Month', 'Track', 'Territory', 'Store', 'Model / use', 'Usages', 'Reported revenue', 'Your royalty', 'Batch'], [5, 6, 7]);
    fillRows(t.body, d.lines.map((l) => [l.month, l.track || l.isrc, l.territory, l.store,
      l.commercial_model + ' / ' + l.use_type, numCell(l.usages), numCell(l.revenue + ' ' + l.currency),
      numCell(l.royalty + ' ' + d.currency), l.batch_id ? '#' + l.batch_id : '']));
    /* Under each line, on its own full-width row, how it was computed. */
    [...t.body.rows].forEach((tr, i) => {
      const l = d.lines[i];
      const how = el('details');
      how.append(el('summary', l.non_attributable ? 'How it was computed (income shared to this line)' : 'How it was computed'),
        el('p', l.note, 'mono'));
      if (l.income) how.append(el('p', 'Income #' + l.income.id + ': ' + l.income.kind + ' "' + l.income.description + '", ' + l.income.amount + ' ' + l.income.currency + ' (' + l.income.file + ')'));
      const row = el('tr', null, 'how');
      const td = el('td');
      td.colSpan = 9;
      td.append(how);
      row.append(td);
      tr.after(row);
    });
    panel.append(t.wrap);
    const batches = Object.values(d.batches);
    if (batches.length) {
      panel.append(el('h3', 'Import batches'));
      const bt = table('drill-batches', 'The report files these lines came from',
        ['Batch', 'File', 'Partner', 'Format', 'Imported', 'Report lines', 'Rejected lines', 'Usage rows', 'In suspense'], [5, 6, 7, 8]);
      fillRows(bt.body, batches.map((b) => ['#' + b.id, b.file, b.partner_name || b.partner, b.format, b.imported_at,
        numCell(b.usage_lines), numCell(b.rejected_lines), numCell(b.rows), numCell(b.suspense_rows)]));
      panel.append(bt.wrap);
    }
    const pager = el('p', null, 'pager');
    const prev = el('button', 'Previous lines'); prev.type = 'button'; prev.id = 'drill-prev';
    const next = el('button', 'Next lines'); next.type = 'button'; next.id = 'drill-next';
    prev.disabled = drill.offset === 0;
    next.disabled = drill.offset + d.lines.length >= d.total;
    prev.addEventListener('click', async () => { drill.offset = Math.max(0, drill.offset - drill.limit); await fillDrill(sec, base, st); });
    next.addEventListener('click', async () => { drill.offset += drill.limit; await fillDrill(sec, base, st); });
    const close = el('button', 'Close', 'secondary'); close.type = 'button'; close.id = 'drill-close';
    close.addEventListener('click', () => { panel.hidden = true; });
    pager.append(prev, ' ', next, ' ', close);
    panel.append(pager);
  }

  ft.register('statements', {
    title: 'Statements',
    nav: { label: 'Statements', roles: 'artist admin staff', before: 'artists' },
    load: (sec) => loadList(sec),
  });
  ft.register('statement', {
    title: 'Statement',
    load: (sec, args) => loadStatement(sec, args),
  });
  ft.home.artist = 'statements';
})();
