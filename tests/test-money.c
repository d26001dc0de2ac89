#include "tg-money.h"
#include "tg-test-utils.h"

static void
test_parse_valid (void)
{
  static const struct { const char *text; gint64 micros; } cases[] = {
    { "0", 0 },
    { "15", 15000000 },
    { "2.50", 2500000 },
    { "0.075", 75000 },
    { "0.000125", 125 },
    { "1000000", G_GINT64_CONSTANT (1000000000000) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 micros = -1;

      g_assert_true (tg_money_parse_micros (cases[i].text, &micros));
      g_assert_cmpint (micros, ==, cases[i].micros);
    }
}

static void
test_parse_invalid (void)
{
  static const char *bad[] = {
    "", ".5", "2.", "-1", "+1", "1e3", "2,50", " 2.50", "2.50 ", "0.0000001", "abc", "99999999999999999999",
  };
  gint64 micros = 42;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("input: “%s”", bad[i]);
      g_assert_false (tg_money_parse_micros (bad[i], &micros));
    }
  g_assert_false (tg_money_parse_micros (NULL, &micros));
  /* A refused input leaves the output alone. */
  g_assert_cmpint (micros, ==, 42);
}

static void
test_cost (void)
{
  /* 1M tokens at $2.50/M is $2.50. */
  g_assert_cmpint (tg_money_cost_micros (1000000, 2500000), ==, 2500000);
  /* 1234 tokens at $2.50/M = 3085 micro-dollars exactly. */
  g_assert_cmpint (tg_money_cost_micros (1234, 2500000), ==, 3085);
  /* 1 token at $0.15/M = 0.15 µ$, rounds to 0; 4 tokens = 0.6 rounds to 1. */
  g_assert_cmpint (tg_money_cost_micros (1, 150000), ==, 0);
  g_assert_cmpint (tg_money_cost_micros (4, 150000), ==, 1);
  /* Half rounds up. */
  g_assert_cmpint (tg_money_cost_micros (1, 500000), ==, 1);
  g_assert_cmpint (tg_money_cost_micros (0, 75000000), ==, 0);
  /* No overflow for a trillion tokens at $100/M. */
  g_assert_cmpint (tg_money_cost_micros (G_GINT64_CONSTANT (1000000000000), 100000000),
                   ==, G_GINT64_CONSTANT (100000000000000));
}

static void
test_format (void)
{
  static const struct { gint64 micros; const char *text; } cases[] = {
    { 0, "$0.00" },
    { 2500000, "$2.50" },
    { 15000000, "$15.00" },
    { 125, "$0.000125" },
    { 75000, "$0.075" },
    { 1234567, "$1.234567" },
    { -2500000, "-$2.50" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tg_money_format (cases[i].micros);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_format_cents (void)
{
  static const struct { gint64 micros; const char *text; } cases[] = {
    { 0, "$0.00" },
    { 12403456, "$12.40" },
    { 12405000, "$12.41" },           /* half a cent rounds up */
    { 12404999, "$12.40" },
    { 9995000, "$10.00" },
    { 10000, "$0.01" },
    { 9999, "$0.009999" },            /* under a cent: exact, never "$0.00" */
    { 1, "$0.000001" },
    { -12405000, "-$12.41" },
    { -125, "-$0.000125" },
    { G_MAXINT64, "$9223372036854.77" },
    { G_MININT64, "-$9223372036854.77" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tg_money_format_cents (cases[i].micros);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/money/parse/valid", test_parse_valid);
  g_test_add_func ("/money/parse/invalid", test_parse_invalid);
  g_test_add_func ("/money/cost", test_cost);
  g_test_add_func ("/money/format", test_format);
  g_test_add_func ("/money/format-cents", test_format_cents);

  return g_test_run ();
}
