/* test_textbuf.c — text appended into a caller's buffer. */
#include "testutil.h"

#include "fairtrack/textbuf.h"

static void test_appends_amounts_and_percentages_exactly(void **state)
{
	char buf[64];
	struct ft_textbuf t;

	(void)state;
	ft_textbuf_init(&t, buf, sizeof(buf));
	ft_textbuf_add(&t, "base ");
	ft_textbuf_amount(&t, testutil_amount("12.5"), 2);
	ft_textbuf_add(&t, " at ");
	ft_textbuf_percent(&t, testutil_amount("0.225"));
	assert_string_equal(buf, "base 12.50 at 22.5%");
	assert_int_equal(t.len, strlen(buf));
}

/* What does not fit is cut, the buffer stays terminated, and len goes on
 * counting like snprintf so the caller knows. */
static void test_cuts_at_the_end_and_counts_what_did_not_fit(void **state)
{
	char buf[8];
	struct ft_textbuf t;

	(void)state;
	ft_textbuf_init(&t, buf, sizeof(buf));
	ft_textbuf_add(&t, "%s", "0123456789");
	ft_textbuf_add(&t, "%s", "abc");
	assert_string_equal(buf, "0123456");
	assert_int_equal(t.len, 13);
	ft_textbuf_init(&t, buf, 0); /* no room at all: nothing written */
	ft_textbuf_add(&t, "x");
	assert_int_equal(t.len, 1);
}

static void test_a_percentage_too_large_to_scale_says_so(void **state)
{
	char buf[16];
	struct ft_textbuf t;
	ft_amount huge = ((ft_amount)1 << 126);

	(void)state;
	ft_textbuf_init(&t, buf, sizeof(buf));
	ft_textbuf_percent(&t, huge);
	assert_string_equal(buf, "?%");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_appends_amounts_and_percentages_exactly),
	    cmocka_unit_test(test_cuts_at_the_end_and_counts_what_did_not_fit),
	    cmocka_unit_test(test_a_percentage_too_large_to_scale_says_so),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
