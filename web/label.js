/*
 * fairtrack portal — the label's pages: upload, suspense, periods (run and
 * close), payees.  Registers its pages with ft.register (app.js).
 */
'use strict';
