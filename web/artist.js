/*
 * fairtrack portal — the artist's pages: statements, drill-down, charts,
 * downloads, contract terms.  Registers its pages with ft.register (app.js).
 */
'use strict';
