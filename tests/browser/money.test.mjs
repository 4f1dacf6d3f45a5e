/*
 * money.test.mjs — the portal's money formatter (ft.money in web/app.js), a
 * pure function, tested in node without a browser: app.js is evaluated with a
 * stub document and window, then ft.money is asked for known figures and
 * checked against the statements' rule (docs/STATEMENTS.md "Rounding":
 * toward minus infinity, minor units of the currency, ',' every 3 digits).
 * Prints TAP-like "PASS name" / "FAIL name: why" lines; run by
 * tests/integration/test_portal_label.sh with the path to web/app.js.
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const src = readFileSync(process.argv[2], 'utf8');
const ctx = { window: {}, document: { addEventListener() {}, getElementById() { return null; } } };
vm.createContext(ctx);
vm.runInContext(src, ctx);
const money = ctx.window.ft && ctx.window.ft.money;
if (typeof money !== 'function') { console.log('FAIL ft.money exists: not exported'); process.exit(0); }
console.log('PASS ft.money exists');

function eq(name, got, want) {
	if (got === want) console.log('PASS ' + name);
	else console.log('FAIL ' + name + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want));
}

eq('twelve decimals become cents with separators', money('16248.905986855762', 'EUR'), '16,248.90');
eq('cents are cut, never rounded up', money('321.41930633083', 'EUR'), '321.41');
eq('a whole number gets its cents', money('7', 'EUR'), '7.00');
eq('one decimal is padded', money('1234.5', 'USD'), '1,234.50');
eq('zero', money('0', 'EUR'), '0.00');
eq('a negative balance rounds toward minus infinity', money('-12.341', 'EUR'), '-12.35');
eq('a negative whole number of cents stays exact', money('-12.340000000000', 'EUR'), '-12.34');
eq('a tiny negative amount is a cent owed', money('-0.000000000001', 'EUR'), '-0.01');
eq('negative zero has no sign', money('-0.000', 'EUR'), '0.00');
eq('a tiny positive amount is zero', money('0.009999999999', 'EUR'), '0.00');
eq('millions get two separators', money('1234567.891', 'EUR'), '1,234,567.89');
eq('a negative with separators', money('-1234567.891', 'GBP'), '-1,234,567.90');
eq('yen have no minor unit', money('123456.999', 'JPY'), '123,456');
eq('dinars have three', money('1.23456', 'BHD'), '1.234');
eq('currency code case does not matter', money('1.5', 'jpy'), '1');
eq('unknown currency has two decimals', money('1.999', 'XXX'), '1.99');
eq('no currency has two decimals', money('2.5'), '2.50');
eq('beyond a double is still exact', money('98765432109876543210.129999999999', 'EUR'), '98,765,432,109,876,543,210.12');
eq('a carry crosses the separators', money('-999999.999', 'EUR'), '-1,000,000.00');
eq('three digits get no separator', money('999.99', 'EUR'), '999.99');
eq('four digits get one', money('1000', 'EUR'), '1,000.00');
eq('not a decimal comes back unchanged', money('n/a', 'EUR'), 'n/a');
eq('an empty value stays empty', money(null, 'EUR'), '');
