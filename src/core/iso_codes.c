/*
 * iso_codes.c — ISO 3166-1 country codes and ISO 4217 currency codes.
 *
 * Facts, not code: the tables below are the published code lists.
 *  - ISO 3166-1: the 249 officially assigned alpha-2 codes and their alpha-3
 *    twins, as shipped in Debian's iso-codes 4.15 (the list has not changed
 *    since South Sudan, SS, in 2011; the last change was a name).  Reserved
 *    codes (UK, EU, XK, ...) are not assigned and are not here.
 *  - ISO 4217 list one (current currencies and funds) with the minor unit
 *    digits, including the amendments up to the Caribbean guilder (XCG,
 *    2025) and Bulgaria's move to the euro (2026).  Codes whose minor unit is
 *    "N.A." (precious metals XAU XAG XPD XPT, XDR, XSU, XUA, bond units XBA-XBD,
 *    test codes XTS XXX) are left out on purpose: no royalty can be paid in
 *    them, and every code here must answer ft_currency_minor_units.
 *
 * When the standards change, edit the table and its test together
 * (tests/unit/test_ids.c checks the count and the known exceptions).
 */
#include "core/iso_codes.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */
/* Alphabetical, 2 letters each; a flat string keeps it compact (498 bytes). */
static const char alpha2[] =
	"ADAEAFAGAIALAMAOAQARASATAUAWAXAZ"
	"BABBBDBEBFBGBHBIBJBLBMBNBOBQBRBS"
	"BTBVBWBYBZCACCCDCFCGCHCICKCLCMCN"
	"COCRCUCVCWCXCYCZDEDJDKDMDODZECEE"
	"EGEHERESETFIFJFKFMFOFRGAGBGDGEGF"
	"GGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHM"
	"HNHRHTHUIDIEILIMINIOIQIRISITJEJM"
	"JOJPKEKGKHKIKMKNKPKRKWKYKZLALBLC"
	"LILKLRLSLTLULVLYMAMCMDMEMFMGMHMK"
	"MLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNA"
	"NCNENFNGNINLNONPNRNUNZOMPAPEPFPG"
	"PHPKPLPMPNPRPSPTPWPYQARERORSRURW"
	"SASBSCSDSESGSHSISJSKSLSMSNSOSRSS"
	"STSVSXSYSZTCTDTFTGTHTJTKTLTMTNTO"
	"TRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI"
	"VNVUWFWSYEYTZAZMZW";

/* Sorted by alpha-3: each entry is the alpha-3 code then its alpha-2 code. */
static const char alpha3[] =
	"ABWAWAFGAFAGOAOAIAAIALAAXALBALANDADAREAEARGARARMAM"
	"ASMASATAAQATFTFATGAGAUSAUAUTATAZEAZBDIBIBELBEBENBJ"
	"BESBQBFABFBGDBDBGRBGBHRBHBHSBSBIHBABLMBLBLRBYBLZBZ"
	"BMUBMBOLBOBRABRBRBBBBRNBNBTNBTBVTBVBWABWCAFCFCANCA"
	"CCKCCCHECHCHLCLCHNCNCIVCICMRCMCODCDCOGCGCOKCKCOLCO"
	"COMKMCPVCVCRICRCUBCUCUWCWCXRCXCYMKYCYPCYCZECZDEUDE"
	"DJIDJDMADMDNKDKDOMDODZADZECUECEGYEGERIERESHEHESPES"
	"ESTEEETHETFINFIFJIFJFLKFKFRAFRFROFOFSMFMGABGAGBRGB"
	"GEOGEGGYGGGHAGHGIBGIGINGNGLPGPGMBGMGNBGWGNQGQGRCGR"
	"GRDGDGRLGLGTMGTGUFGFGUMGUGUYGYHKGHKHMDHMHNDHNHRVHR"
	"HTIHTHUNHUIDNIDIMNIMINDINIOTIOIRLIEIRNIRIRQIQISLIS"
	"ISRILITAITJAMJMJEYJEJORJOJPNJPKAZKZKENKEKGZKGKHMKH"
	"KIRKIKNAKNKORKRKWTKWLAOLALBNLBLBRLRLBYLYLCALCLIELI"
	"LKALKLSOLSLTULTLUXLULVALVMACMOMAFMFMARMAMCOMCMDAMD"
	"MDGMGMDVMVMEXMXMHLMHMKDMKMLIMLMLTMTMMRMMMNEMEMNGMN"
	"MNPMPMOZMZMRTMRMSRMSMTQMQMUSMUMWIMWMYSMYMYTYTNAMNA"
	"NCLNCNERNENFKNFNGANGNICNINIUNUNLDNLNORNONPLNPNRUNR"
	"NZLNZOMNOMPAKPKPANPAPCNPNPERPEPHLPHPLWPWPNGPGPOLPL"
	"PRIPRPRKKPPRTPTPRYPYPSEPSPYFPFQATQAREUREROURORUSRU"
	"RWARWSAUSASDNSDSENSNSGPSGSGSGSSHNSHSJMSJSLBSBSLESL"
	"SLVSVSMRSMSOMSOSPMPMSRBRSSSDSSSTPSTSURSRSVKSKSVNSI"
	"SWESESWZSZSXMSXSYCSCSYRSYTCATCTCDTDTGOTGTHATHTJKTJ"
	"TKLTKTKMTMTLSTLTONTOTTOTTTUNTNTURTRTUVTVTWNTWTZATZ"
	"UGAUGUKRUAUMIUMURYUYUSAUSUZBUZVATVAVCTVCVENVEVGBVG"
	"VIRVIVNMVNVUTVUWLFWFWSMWSYEMYEZAFZAZMBZMZWEZW";

/* clang-format on */

_Static_assert(sizeof(alpha2) == FT_ISO3166_COUNT * 2 + 1, "ISO 3166-1 alpha-2 table size");
_Static_assert(sizeof(alpha3) == FT_ISO3166_COUNT * 5 + 1, "ISO 3166-1 alpha-3 table size");

const char *ft_iso3166_alpha2_at(size_t i)
{
	return i < FT_ISO3166_COUNT ? alpha2 + 2 * i : NULL;
}

/* Binary search over n fixed-size records of width bytes whose first key_len
 * bytes are the sorted key; returns the record or NULL. */
static const char *find_record(const char *table, size_t n, size_t width, const char *key,
			       size_t key_len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *rec = table + mid * width;
		int cmp = memcmp(key, rec, key_len);

		if (cmp == 0)
			return rec;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool ft_iso3166_alpha2_known(const char *code)
{
	return find_record(alpha2, FT_ISO3166_COUNT, 2, code, 2) != NULL;
}

const char *ft_iso3166_alpha2_of_alpha3(const char *code)
{
	const char *rec = find_record(alpha3, FT_ISO3166_COUNT, 5, code, 3);

	return rec ? rec + 3 : NULL;
}

struct currency {
	char code[4];
	signed char minor_units;
};

/* ISO 4217 list one, sorted by code.  Most currencies have 2 digits; the
 * exceptions are the point of the table. */
/* clang-format off */
static const struct currency currencies[] = {
	{"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"AOA", 2}, {"ARS", 2}, {"AUD", 2},
	{"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2}, {"BHD", 3}, {"BIF", 0},
	{"BMD", 2}, {"BND", 2}, {"BOB", 2}, {"BOV", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2},
	{"BWP", 2}, {"BYN", 2}, {"BZD", 2}, {"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2},
	{"CHW", 2}, {"CLF", 4}, {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2}, {"CRC", 2},
	{"CUP", 2}, {"CVE", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"DOP", 2}, {"DZD", 2},
	{"EGP", 2}, {"ERN", 2}, {"ETB", 2}, {"EUR", 2}, {"FJD", 2}, {"FKP", 2}, {"GBP", 2},
	{"GEL", 2}, {"GHS", 2}, {"GIP", 2}, {"GMD", 2}, {"GNF", 0}, {"GTQ", 2}, {"GYD", 2},
	{"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2},
	{"IQD", 3}, {"IRR", 2}, {"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0}, {"KES", 2},
	{"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3}, {"KYD", 2},
	{"KZT", 2}, {"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3},
	{"MAD", 2}, {"MDL", 2}, {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2}, {"MOP", 2},
	{"MRU", 2}, {"MUR", 2}, {"MVR", 2}, {"MWK", 2}, {"MXN", 2}, {"MXV", 2}, {"MYR", 2},
	{"MZN", 2}, {"NAD", 2}, {"NGN", 2}, {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2},
	{"OMR", 3}, {"PAB", 2}, {"PEN", 2}, {"PGK", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2},
	{"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2}, {"RUB", 2}, {"RWF", 0}, {"SAR", 2},
	{"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2}, {"SHP", 2}, {"SLE", 2},
	{"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2}, {"SVC", 2}, {"SYP", 2}, {"SZL", 2},
	{"THB", 2}, {"TJS", 2}, {"TMT", 2}, {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2},
	{"TWD", 2}, {"TZS", 2}, {"UAH", 2}, {"UGX", 0}, {"USD", 2}, {"USN", 2}, {"UYI", 0},
	{"UYU", 2}, {"UYW", 4}, {"UZS", 2}, {"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0},
	{"WST", 2}, {"XAF", 0}, {"XCD", 2}, {"XCG", 2}, {"XOF", 0}, {"XPF", 0}, {"YER", 2},
	{"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};

/* clang-format on */

#define N_CURRENCIES (sizeof(currencies) / sizeof(currencies[0]))

static int compare_currency(const void *key, const void *elem)
{
	return memcmp(key, ((const struct currency *)elem)->code, 3);
}

int ft_iso4217_minor_units(const char *code)
{
	const struct currency *c =
	    bsearch(code, currencies, N_CURRENCIES, sizeof(currencies[0]), compare_currency);

	return c ? c->minor_units : -1;
}

/* Withdrawn codes still found in old statements and hand-made files, sorted:
 * code, replacement, month withdrawn.  Only the hint uses this. */
static const struct {
	char code[4];
	char replacement[4];
	char since[8];
} withdrawn[] = {
    /* clang-format off */
	{"ANG", "XCG", "2025-03"}, {"ATS", "EUR", "1999-01"}, {"BEF", "EUR", "1999-01"},
	{"BGN", "EUR", "2026-01"}, {"BYR", "BYN", "2016-07"}, {"CUC", "CUP", "2021-01"},
	{"CYP", "EUR", "2008-01"}, {"DEM", "EUR", "1999-01"}, {"EEK", "EUR", "2011-01"},
	{"ESP", "EUR", "1999-01"}, {"FIM", "EUR", "1999-01"}, {"FRF", "EUR", "1999-01"},
	{"GRD", "EUR", "2001-01"}, {"HRK", "EUR", "2023-01"}, {"IEP", "EUR", "1999-01"},
	{"ITL", "EUR", "1999-01"}, {"LTL", "EUR", "2015-01"}, {"LUF", "EUR", "1999-01"},
	{"LVL", "EUR", "2014-01"}, {"MRO", "MRU", "2018-01"}, {"MTL", "EUR", "2008-01"},
	{"NLG", "EUR", "1999-01"}, {"PTE", "EUR", "1999-01"}, {"SIT", "EUR", "2007-01"},
	{"SKK", "EUR", "2009-01"}, {"SLL", "SLE", "2022-07"}, {"STD", "STN", "2018-01"},
	{"VEF", "VES", "2018-08"}, {"ZWL", "ZWG", "2024-06"},
    /* clang-format on */
};

const char *ft_iso4217_replacement(const char *code, const char **since)
{
	size_t i;

	for (i = 0; i < sizeof(withdrawn) / sizeof(withdrawn[0]); i++) {
		if (memcmp(code, withdrawn[i].code, 3) == 0) {
			if (since)
				*since = withdrawn[i].since;
			return withdrawn[i].replacement;
		}
	}
	return NULL;
}
