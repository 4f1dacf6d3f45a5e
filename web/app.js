/*
 * fairtrack portal — a small script over the JSON API (docs/API.md).
 * No framework.  Data is put in the page with textContent only (never
 * innerHTML), so a track title is always text, never markup.  Every
 * state-changing call sends the session's CSRF token in X-CSRF-Token.
 */
'use strict';

const state = { me: null, csrf: null, catalogOffset: 0, auditBefore: 0 };
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function showError(message) {
  const e = $('error');
  e.textContent = message || '';
  e.hidden = !message;
}

function status(message) { $('status').textContent = message || ''; }

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  if (method !== 'GET' && state.csrf) opts.headers['X-CSRF-Token'] = state.csrf;
  const res = await fetch(path, opts);
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const err = new Error((data && data.error && data.error.message) || res.statusText);
    err.status = res.status;
    /* the whole error object: some refusals carry more than words
     * (a run refused for months no run covers lists them) */
    err.detail = (data && data.error) || null;
    throw err;
  }
  return data;
}

function fillRows(tbody, rows) {
  tbody.replaceChildren();
  for (const cells of rows) {
    const tr = el('tr');
    for (const c of cells) {
      const td = c instanceof Node ? c : el('td', c);
      if (!(c instanceof Node) && /^-?[0-9][0-9.,]*$/.test(String(c))) td.className = 'num';
      tr.append(td instanceof HTMLTableCellElement ? td : wrapCell(td));
    }
    tbody.append(tr);
  }
}
function wrapCell(node) { const td = el('td'); td.append(node); return td; }

/*
 * money('16248.905986855762', 'EUR') -> '16,248.90': an exact amount from the
 * API (a decimal string with up to 12 decimals) as a reader expects it, in the
 * currency's minor units with thousands separators.  Rounded as statements
 * round (docs/STATEMENTS.md "Rounding", ft_statement_money): down, toward
 * minus infinity, so a page never shows more than a statement pays.  The
 * digits go through BigInt, never a float.  A string that is not a plain
 * decimal comes back unchanged; currencies not in the table have 2 minor
 * units, as ISO 4217 gives most of them.
 */
function money(amount, currency) {
  const m = /^(-?)([0-9]+)(?:\.([0-9]*))?$/.exec(String(amount ?? '').trim());
  if (!m) return String(amount ?? '');
  const minor = { BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0,
    UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3,
    OMR: 3, TND: 3, CLF: 4, UYW: 4 }[String(currency || '').toUpperCase()] ?? 2;
  const frac = m[3] || '';
  let units = BigInt(m[2] + frac.padEnd(minor, '0').slice(0, minor));
  if (m[1] && /[1-9]/.test(frac.slice(minor))) units += 1n;
  const digits = units.toString().padStart(minor + 1, '0');
  const whole = digits.slice(0, digits.length - minor).replace(/\B(?=([0-9]{3})+$)/g, ',');
  return (m[1] && units !== 0n ? '-' : '') + whole + (minor ? '.' + digits.slice(-minor) : '');
}

const views = ['login', 'invite', 'dashboard', 'catalog', 'artists', 'users', 'audit', 'account'];

/*
 * Pages in their own files (artist.js, label.js) register here instead of
 * editing this one: ft.register('statements', { title, nav: { label, roles,
 * before }, load: async (section, args) => … }).  A hash '#name/a/b' shows
 * the page with args ['a', 'b'] (each decoded); the section is created
 * empty, the page fills it.  nav is optional (detail pages have none).
 */
const pages = {};

function register(name, page) {
  if (views.includes(name) || pages[name]) throw new Error('page ' + name + ' registered twice');
  const sec = el('section');
  sec.id = 'view-' + name;
  sec.hidden = true;
  $('main').append(sec);
  pages[name] = { ...page, section: sec };
  if (page.nav) {
    const a = el('a', page.nav.label);
    a.href = '#' + name;
    a.id = 'nav-' + name;
    if (page.nav.roles) a.dataset.roles = page.nav.roles;
    const before = page.nav.before && $('nav-' + page.nav.before);
    if (before) $('nav').insertBefore(a, before); else $('nav').insertBefore(a, $('nav-account'));
  }
}

function show(view) {
  for (const v of views) $('view-' + v).hidden = v !== view;
  for (const [n, p] of Object.entries(pages)) p.section.hidden = n !== view;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === '#' + view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  showError('');
  const h = $('view-' + view).querySelector('h1') || (pages[view] && pages[view].title && { textContent: pages[view].title });
  if (h) document.title = h.textContent + ' — fairtrack';
}

function setSignedIn(me) {
  state.me = me ? me.user : null;
  state.csrf = me ? me.csrf : null;
  $('nav').hidden = !me;
  $('logout').hidden = !me;
  $('whoami').textContent = me ? me.user.display_name + ' (' + me.user.role + ')' : '';
  if (!me) return;
  for (const a of document.querySelectorAll('nav a[data-roles]'))
    a.hidden = !a.dataset.roles.split(' ').includes(me.user.role);
}

/* A page file may claim a role's home page: ft.home.artist = 'statements'. */
const home = { artist: 'artists', admin: 'dashboard', staff: 'dashboard' };
function homeFor(role) { return home[role] || 'account'; }

async function route() {
  const hash = location.hash.replace(/^#/, '');
  if (hash.startsWith('invite=')) { show('invite'); return; }
  if (!state.me) {
    try { setSignedIn(await api('GET', '/api/me')); }
    catch (e) { setSignedIn(null); show('login'); $('login-username').focus(); return; }
  }
  const [name, ...rest] = hash.split('/');
  const args = rest.map((a) => { try { return decodeURIComponent(a); } catch (e) { return a; } });
  const page = pages[name];
  const view = page ? name : views.includes(hash) && hash !== 'login' && hash !== 'invite' ? hash : homeFor(state.me.role);
  show(view);
  try {
    status('Loading…');
    if (page) await page.load(page.section, args); else await loaders[view]();
    status('');
  } catch (e) {
    status('');
    if (e.status === 401) { setSignedIn(null); show('login'); return; }
    showError(e.message);
  }
}

const loaders = {
  async dashboard() {
    const d = await api('GET', '/api/dashboard');
    const dl = $('dash-catalog');
    dl.replaceChildren();
    for (const [k, v] of Object.entries(d.catalog)) {
      const div = el('div'); div.append(el('dt', k), el('dd', v)); dl.append(div);
    }
    /* Figures a label manager reads: plurals, a file's base name (uploads
     * land in a temporary path: the full one in the title), dates in the
     * reader's time, money in the currency's minor units (ft.money). */
    const n = (k, one, many) => Number(k).toLocaleString('en') + ' ' + (k === 1 ? one : many);
    const im = d.imports;
    $('dash-imports-summary').textContent = im.active || im.withdrawn ? n(im.active, 'active batch', 'active batches') +
      ' (' + n(im.rows, 'row', 'rows') + ', ' + Number(im.suspense_rows).toLocaleString('en') + ' in suspense), ' +
      im.withdrawn + ' withdrawn.' : 'No report imported yet.';
    const titled = (text, title, cls) => { const td = el('td', text, cls); if (title && title !== text) td.title = title; return td; };
    fillRows($('dash-imports').tBodies[0], im.recent.map((b) => [b.id,
      titled(b.imported_at ? new Date(b.imported_at).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '', b.imported_at),
      b.partner, titled(String(b.file).split('/').pop(), b.file),
      b.first_month === b.last_month ? b.first_month || '' : (b.first_month || '') + ' to ' + (b.last_month || ''),
      Number(b.rows).toLocaleString('en'), Number(b.suspense_rows).toLocaleString('en'), b.withdrawn_at ? 'withdrawn' : 'active']));
    fillRows($('dash-suspense').tBodies[0], d.suspense.totals.map((t) => [t.currency,
      Number(t.entries).toLocaleString('en'), Number(t.usages).toLocaleString('en'),
      titled(money(t.revenue, t.currency), 'exact: ' + t.revenue + ' ' + t.currency, 'num')]));
  },
  async catalog() {
    const kind = $('catalog-kind').value;
    const q = $('catalog-q').value;
    const params = new URLSearchParams({ offset: state.catalogOffset, limit: 50 });
    if (q) params.set('q', q);
    const d = await api('GET', '/api/catalog/' + encodeURIComponent(kind) + '?' + params);
    const thead = $('catalog-table').tHead;
    thead.replaceChildren();
    const hr = el('tr');
    for (const c of d.columns) { const th = el('th', c); th.scope = 'col'; hr.append(th); }
    thead.append(hr);
    fillRows($('catalog-table').tBodies[0], d.rows.map((r) => d.columns.map((c) => r[c] ?? '')));
    const end = Math.min(d.offset + d.rows.length, d.total);
    $('catalog-count').textContent = d.total ? (d.offset + 1) + '–' + end + ' of ' + d.total : 'Nothing found.';
    $('catalog-prev').disabled = d.offset === 0;
    $('catalog-next').disabled = end >= d.total;
  },
  async artists() {
    const box = $('artists-list');
    box.replaceChildren();
    if (!state.me.artists.length) { box.append(el('p', 'No artist is linked to your account yet; ask your label.')); return; }
    for (const a of state.me.artists) {
      const d = await api('GET', '/api/artists/' + encodeURIComponent(a.id));
      const sec = el('section');
      sec.append(el('h2', d.artist.name));
      const table = el('table');
      table.append(el('caption', 'Tracks of ' + d.artist.name, 'sr-only'));
      const head = el('tr');
      for (const c of ['ISRC', 'Title', 'Release', 'Released']) { const th = el('th', c); th.scope = 'col'; head.append(th); }
      table.createTHead().append(head);
      const body = table.createTBody();
      fillRows(body, d.tracks.map((t) => [t.isrc, t.title, t.release_title || '', t.release_date || '']));
      const wrap = el('div', null, 'scroll'); wrap.append(table);
      sec.append(wrap);
      box.append(sec);
    }
  },
  async users() {
    const d = await api('GET', '/api/users');
    fillRows($('users-table').tBodies[0], d.users.map((u) => {
      const actions = el('td');
      const act = (label, what) => {
        const b = el('button', label, 'secondary');
        b.type = 'button';
        b.setAttribute('aria-label', label + ' ' + u.username);
        b.addEventListener('click', async () => {
          try {
            const r = await api('POST', '/api/users/' + encodeURIComponent(u.username) + '/' + what, {});
            if (r.invite) showInvite(r.invite.path);
            await loaders.users();
          } catch (e) { showError(e.message); }
        });
        actions.append(b, ' ');
      };
      if (u.username !== state.me.username) act(u.disabled ? 'Enable' : 'Disable', u.disabled ? 'enable' : 'disable');
      act('Reset password', 'reset');
      return [u.username, u.display_name, u.role,
        u.disabled ? 'disabled' : u.has_password ? 'active' : 'invited',
        u.artists.map((a) => a.id).join(', '), actions];
    }));
  },
  async audit() {
    const d = await api('GET', '/api/audit?limit=100' + (state.auditBefore ? '&before=' + state.auditBefore : ''));
    fillRows($('audit-table').tBodies[0], d.entries.map((e) => [e.at, e.actor, e.action, e.target, e.detail, e.ip]));
    $('audit-more').disabled = !d.next_before;
    state.auditNext = d.next_before;
  },
  async account() {
    $('account-info').textContent = 'Signed in as ' + state.me.username + ' (' + state.me.role + ').';
  },
};

function showInvite(path) {
  $('invite-link').textContent = location.origin + path;
  $('invite-result').hidden = false;
}

/* What the page files may use (they load after this one, see index.html). */
window.ft = { $, el, api, fillRows, wrapCell, showError, status, state, register, home, route, showInvite, money };

document.addEventListener('DOMContentLoaded', () => {
  window.addEventListener('hashchange', route);

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError('');
    try {
      const me = await api('POST', '/api/login', { username: $('login-username').value, password: $('login-password').value });
      $('login-password').value = '';
      setSignedIn(me);
      /* Changing the hash routes (hashchange); routing here as well
       * would load the page twice, interleaved. */
      const target = '#' + homeFor(me.user.role);
      if (location.hash !== target) location.hash = target; else route();
    } catch (e) { showError(e.message); $('login-password').focus(); }
  });

  $('invite-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const p1 = $('invite-password').value, p2 = $('invite-password2').value;
    if (p1 !== p2) { showError('The two passwords differ.'); return; }
    const token = location.hash.replace(/^#invite=/, '');
    try {
      const r = await api('POST', '/api/invite/accept', { token, password: p1 });
      history.replaceState(null, '', '/');
      show('login');
      $('login-username').value = r.username;
      status('Password set. Sign in with it now.');
      $('login-password').focus();
    } catch (e) { showError(e.message); }
  });

  $('logout').addEventListener('click', async () => {
    try { await api('POST', '/api/logout', {}); } catch (e) { /* signed out anyway */ }
    setSignedIn(null);
    location.hash = '';
    show('login');
  });

  $('catalog-form').addEventListener('submit', (ev) => { ev.preventDefault(); state.catalogOffset = 0; route(); });
  $('catalog-prev').addEventListener('click', () => { state.catalogOffset = Math.max(0, state.catalogOffset - 50); route(); });
  $('catalog-next').addEventListener('click', () => { state.catalogOffset += 50; route(); });
  $('audit-more').addEventListener('click', () => { state.auditBefore = state.auditNext || 0; route(); });

  $('invite-user-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const artists = $('new-artists').value.split(',').map((s) => s.trim()).filter(Boolean);
    const payees = $('new-payees').value.split(',').map((s) => s.trim()).filter(Boolean);
    try {
      const r = await api('POST', '/api/users', { username: $('new-username').value.trim(),
        display_name: $('new-name').value.trim(), role: $('new-role').value, artists, payees });
      showInvite(r.invite.path);
      ev.target.reset();
      await loaders.users();
    } catch (e) { showError(e.message); }
  });

  $('password-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const me = await api('POST', '/api/password', { current: $('pw-current').value, password: $('pw-new').value });
      setSignedIn(me);
      ev.target.reset();
      status('Password changed; your other sessions were signed out.');
    } catch (e) { showError(e.message); }
  });

  route();
});
