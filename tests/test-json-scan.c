/* test-json-scan.c: the JSON pull scanner the adapters read replies with. */

#include "config.h"

#include <math.h>
#include <string.h>

#include "tg-json-scan.h"
#include "tg-test-utils.h"

/* Reads @json as one value, whole; the error code, TG_JSON_SCAN_OK when valid. */
static TgJsonScanError
scan (const char *json,
      gsize       length)
{
  TgJsonScanner scanner;

  tg_json_scanner_init (&scanner, json, length);
  if (tg_json_scanner_read (&scanner, NULL))
    tg_json_scanner_finish (&scanner);
  return scanner.error;
}

static TgJsonScanError
scan_str (const char *json)
{
  return scan (json, strlen (json));
}

static void
test_valid (void)
{
  static const char * const valid[] = {
    "{}", "[]", "0", "-0", "12", "-12", "1.5", "-1.5e10", "1E+2", "1e-2", "0.0", "true", "false", "null",
    "\"\"", "\"a\"", " \t\r\n{ \"a\" : [ 1 , 2 , { } , [ ] , \"x\" , null ] } \n\t\r ",
    "{\"a\":{\"b\":{\"c\":[[[]]]}}}", "{\"\":1}", "{\"a\":1,\"a\":2}",
    "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\\ud83d\\ude00\\uDBFF\\uDFFF\"",
    "\"é€😀\xef\xbf\xbe\"",  /* a noncharacter is still valid UTF-8 */
    "\"\\u0000\"", "123456789012345678901234567890", "1e400",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      if (scan_str (valid[i]) != TG_JSON_SCAN_OK)
        g_error ("refused %s: %d", valid[i], scan_str (valid[i]));
    }
}

static void
test_invalid (void)
{
  static const struct {
    const char      *json;
    TgJsonScanError  error;
  } cases[] = {
    /* Escapes json-glib lets through or mangles. */
    { "\"\\a\"", TG_JSON_SCAN_ERROR_ESCAPE },
    { "\"\\x41\"", TG_JSON_SCAN_ERROR_ESCAPE },
    { "\"\\U0041\"", TG_JSON_SCAN_ERROR_ESCAPE },
    { "\"\\'\"", TG_JSON_SCAN_ERROR_ESCAPE },
    { "\"\\uZZZZ\"", TG_JSON_SCAN_ERROR_ESCAPE },
    { "\"\\u12\"", TG_JSON_SCAN_ERROR_ESCAPE },
    { "\"\\u12", TG_JSON_SCAN_ERROR_END },
    /* Lone surrogates. */
    { "\"\\ud800\"", TG_JSON_SCAN_ERROR_ESCAPE },
    { "\"\\udc00\"", TG_JSON_SCAN_ERROR_ESCAPE },
    { "\"\\ud800\\u0041\"", TG_JSON_SCAN_ERROR_ESCAPE },
    { "\"\\ud800\\ud800\"", TG_JSON_SCAN_ERROR_ESCAPE },
    { "\"\\ud800x\\udc00\"", TG_JSON_SCAN_ERROR_ESCAPE },
    /* Invalid UTF-8: a stray byte, overlong forms, a surrogate, past U+10FFFF, cut short. */
    { "\"\xff\"", TG_JSON_SCAN_ERROR_UTF8 },
    { "\"\x80\"", TG_JSON_SCAN_ERROR_UTF8 },
    { "\"\xc0\x80\"", TG_JSON_SCAN_ERROR_UTF8 },
    { "\"\xe0\x80\xaf\"", TG_JSON_SCAN_ERROR_UTF8 },
    { "\"\xed\xa0\x80\"", TG_JSON_SCAN_ERROR_UTF8 },
    { "\"\xf4\x90\x80\x80\"", TG_JSON_SCAN_ERROR_UTF8 },
    { "\"\xe2\x82\"", TG_JSON_SCAN_ERROR_UTF8 },
    { "\"\xe2\x82", TG_JSON_SCAN_ERROR_UTF8 },
    /* Raw control characters. */
    { "\"a\x01\"", TG_JSON_SCAN_ERROR_CONTROL },
    { "\"a\tb\"", TG_JSON_SCAN_ERROR_CONTROL },
    { "\"a\nb\"", TG_JSON_SCAN_ERROR_CONTROL },
    /* Numbers. */
    { "01", TG_JSON_SCAN_ERROR_NUMBER },
    { "-01", TG_JSON_SCAN_ERROR_NUMBER },
    { "-", TG_JSON_SCAN_ERROR_END },
    { "-a", TG_JSON_SCAN_ERROR_NUMBER },
    { "--1", TG_JSON_SCAN_ERROR_NUMBER },
    { "1.", TG_JSON_SCAN_ERROR_END },
    { "[1.]", TG_JSON_SCAN_ERROR_NUMBER },
    { ".5", TG_JSON_SCAN_ERROR_SYNTAX },
    { "+1", TG_JSON_SCAN_ERROR_SYNTAX },
    { "0x10", TG_JSON_SCAN_ERROR_TRAILING },
    { "[1e]", TG_JSON_SCAN_ERROR_NUMBER },
    { "[1e+]", TG_JSON_SCAN_ERROR_NUMBER },
    { "Infinity", TG_JSON_SCAN_ERROR_SYNTAX },
    { "NaN", TG_JSON_SCAN_ERROR_SYNTAX },
    { "[1.5.5]", TG_JSON_SCAN_ERROR_SYNTAX },
    /* Literals. */
    { "True", TG_JSON_SCAN_ERROR_SYNTAX },
    { "nul", TG_JSON_SCAN_ERROR_END },
    { "nulx", TG_JSON_SCAN_ERROR_SYNTAX },
    { "truex", TG_JSON_SCAN_ERROR_TRAILING },
    { "[truex]", TG_JSON_SCAN_ERROR_SYNTAX },
    /* Structure. */
    { "", TG_JSON_SCAN_ERROR_END },
    { " \n", TG_JSON_SCAN_ERROR_END },
    { "{", TG_JSON_SCAN_ERROR_END },
    { "{\"a\"", TG_JSON_SCAN_ERROR_END },
    { "{\"a\":", TG_JSON_SCAN_ERROR_END },
    { "{\"a\":1", TG_JSON_SCAN_ERROR_END },
    { "[1,2", TG_JSON_SCAN_ERROR_END },
    { "\"abc", TG_JSON_SCAN_ERROR_END },
    { "{\"a\":1,}", TG_JSON_SCAN_ERROR_SYNTAX },
    { "[1,]", TG_JSON_SCAN_ERROR_SYNTAX },
    { "[,1]", TG_JSON_SCAN_ERROR_SYNTAX },
    { "{,}", TG_JSON_SCAN_ERROR_SYNTAX },
    { "[1 2]", TG_JSON_SCAN_ERROR_SYNTAX },
    { "{\"a\" 1}", TG_JSON_SCAN_ERROR_SYNTAX },
    { "{\"a\":1 \"b\":2}", TG_JSON_SCAN_ERROR_SYNTAX },
    { "{'a':1}", TG_JSON_SCAN_ERROR_SYNTAX },
    { "{a:1}", TG_JSON_SCAN_ERROR_SYNTAX },
    { "{\"a\":1/*c*/}", TG_JSON_SCAN_ERROR_SYNTAX },
    { "[1}", TG_JSON_SCAN_ERROR_SYNTAX },
    { "{\"a\":[1,2}", TG_JSON_SCAN_ERROR_SYNTAX },
    { "{\"a\":1}}", TG_JSON_SCAN_ERROR_TRAILING },
    { "{\"a\":1} x", TG_JSON_SCAN_ERROR_TRAILING },
    { "{\"a\":1}{\"b\":2}", TG_JSON_SCAN_ERROR_TRAILING },
    { "{\"a\":1}//x", TG_JSON_SCAN_ERROR_TRAILING },
    /* Only space, tab, CR and LF are white space. */
    { "{\"a\":1}\f", TG_JSON_SCAN_ERROR_TRAILING },
    { "{\"a\":\v1}", TG_JSON_SCAN_ERROR_SYNTAX },
    { "\xc2\xa0{}", TG_JSON_SCAN_ERROR_SYNTAX },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TgJsonScanError error = scan_str (cases[i].json);

      if (error != cases[i].error)
        g_error ("case %u (%s): error %d, expected %d", i, cases[i].json, error, cases[i].error);
      g_assert_nonnull (tg_json_scan_error_describe (error));
    }

  /* A NUL byte is a control character inside a string, a syntax error outside. */
  g_assert_cmpint (scan ("\"a\0b\"", 5), ==, TG_JSON_SCAN_ERROR_CONTROL);
  g_assert_cmpint (scan ("[1,\0]", 5), ==, TG_JSON_SCAN_ERROR_SYNTAX);
  /* The length bounds the data, whatever follows it. */
  g_assert_cmpint (scan ("[1]x", 3), ==, TG_JSON_SCAN_OK);
  g_assert_cmpint (scan ("\"\\u0041\"", 6), ==, TG_JSON_SCAN_ERROR_END);
  g_assert_cmpint (scan ("true", 3), ==, TG_JSON_SCAN_ERROR_END);
}

static void
test_error_position (void)
{
  TgJsonScanner scanner;
  static const char json[] = "{\"a\":[1,2,\"\\q\"]}";

  tg_json_scanner_init (&scanner, json, strlen (json));
  g_assert_false (tg_json_scanner_read (&scanner, NULL));
  g_assert_cmpint (scanner.error, ==, TG_JSON_SCAN_ERROR_ESCAPE);
  g_assert_cmpuint (scanner.error_pos, ==, strchr (json, '\\') - json);
  /* The first error stays; nothing reads after it. */
  g_assert_false (tg_json_scanner_finish (&scanner));
  g_assert_false (tg_json_scanner_enter_object (&scanner));
  g_assert_cmpint (tg_json_scanner_peek (&scanner), ==, TG_JSON_NONE);
  g_assert_cmpint (scanner.error, ==, TG_JSON_SCAN_ERROR_ESCAPE);
}

static void
test_depth (void)
{
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(GString) deep = g_string_new (NULL);

  for (guint i = 0; i < TG_JSON_SCAN_MAX_DEPTH; i++)
    g_string_append (json, i % 2 ? "{\"a\":" : "[");
  g_string_append_c (json, '0');
  for (guint i = TG_JSON_SCAN_MAX_DEPTH; i > 0; i--)
    g_string_append (json, (i - 1) % 2 ? "}" : "]");
  g_assert_cmpint (scan (json->str, json->len), ==, TG_JSON_SCAN_OK);

  g_string_prepend (json, "[");
  g_string_append (json, "]");
  g_assert_cmpint (scan (json->str, json->len), ==, TG_JSON_SCAN_ERROR_DEPTH);

  /* A million open brackets: refused at the limit, without a million frames. */
  for (guint i = 0; i < 1000000; i++)
    g_string_append_c (deep, '[');
  g_assert_cmpint (scan (deep->str, deep->len), ==, TG_JSON_SCAN_ERROR_DEPTH);
}

static char *
decoded (const char *json)
{
  TgJsonScanner scanner;
  TgJsonValue value;

  tg_json_scanner_init (&scanner, json, strlen (json));
  g_assert_true (tg_json_scanner_read (&scanner, &value));
  g_assert_cmpint (value.type, ==, TG_JSON_STRING);
  return tg_json_value_dup_string (&value);
}

static void
test_strings (void)
{
  static const struct {
    const char *json;
    const char *text;
  } cases[] = {
    { "\"\"", "" },
    { "\"plain\"", "plain" },
    { "\"é€😀\"", "é€😀" },
    { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t" },
    { "\"a\\u0041\\u00e9\\u20ACb\"", "aAé€b" },
    { "\"\\ud83d\\ude00\"", "😀" },
    { "\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf" },
    { "\"x\\\\u0041\"", "x\\u0041" },
    /* The text ends at U+0000, as json-glib's C strings did. */
    { "\"ab\\u0000cd\"", "ab" },
    { "\"\\u0000\"", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = decoded (cases[i].json);
      TgJsonScanner scanner;
      TgJsonValue value;
      g_autoptr(GString) appended = g_string_new ("<");

      g_assert_cmpstr (text, ==, cases[i].text);

      tg_json_scanner_init (&scanner, cases[i].json, strlen (cases[i].json));
      g_assert_true (tg_json_scanner_read (&scanner, &value));
      g_assert_true (tg_json_value_equal (&value, cases[i].text));
      g_assert_false (tg_json_value_equal (&value, "zz"));
      tg_json_value_append (&value, appended);
      g_assert_cmpstr (appended->str + 1, ==, cases[i].text);
      g_assert_cmpuint (value.escaped, ==, strchr (cases[i].json, '\\') != NULL);
    }

  /* Equal compares the whole text, not a prefix, either way round. */
  {
    TgJsonScanner scanner;
    TgJsonValue value;

    tg_json_scanner_init (&scanner, "\"te\\u0078t\"", 11);
    g_assert_true (tg_json_scanner_read (&scanner, &value));
    g_assert_true (tg_json_value_equal (&value, "text"));
    g_assert_false (tg_json_value_equal (&value, "tex"));
    g_assert_false (tg_json_value_equal (&value, "texts"));
    g_assert_false (tg_json_value_equal (&value, ""));

    tg_json_scanner_init (&scanner, "\"text\"", 6);
    g_assert_true (tg_json_scanner_read (&scanner, &value));
    g_assert_false (tg_json_value_equal (&value, "tex"));
    g_assert_false (tg_json_value_equal (&value, "texts"));

    tg_json_scanner_init (&scanner, "12", 2);
    g_assert_true (tg_json_scanner_read (&scanner, &value));
    g_assert_false (tg_json_value_equal (&value, "12"));
    g_assert_null (tg_json_value_dup_string (&value));
  }
}

static void
test_numbers (void)
{
  static const struct {
    const char *json;
    gboolean    fits;
    gint64      value;
  } integers[] = {
    { "0", TRUE, 0 },
    { "-0", TRUE, 0 },
    { "42", TRUE, 42 },
    { "-42", TRUE, -42 },
    { "9223372036854775807", TRUE, G_MAXINT64 },
    { "-9223372036854775808", TRUE, G_MININT64 },
    { "9223372036854775808", FALSE, 0 },
    { "-9223372036854775809", FALSE, 0 },
    { "18446744073709551616", FALSE, 0 },
    { "18446744073709551617", FALSE, 0 },
    { "99999999999999999999999", FALSE, 0 },
    { "1.0", FALSE, 0 },
    { "1e2", FALSE, 0 },
  };
  static const struct {
    const char *json;
    double      value;
  } doubles[] = {
    { "0", 0 }, { "1.5", 1.5 }, { "-2.25e2", -225 }, { "1E-2", 0.01 }, { "12.0", 12 },
    { "1e400", HUGE_VAL }, { "-1e400", -HUGE_VAL },
    { "1.00000000000000000000000000000000000000000000000000000000000000000000001", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (integers); i++)
    {
      TgJsonScanner scanner;
      TgJsonValue value;
      gint64 n = 77;

      tg_json_scanner_init (&scanner, integers[i].json, strlen (integers[i].json));
      g_assert_true (tg_json_scanner_read (&scanner, &value));
      g_assert_cmpint (value.type, ==, TG_JSON_NUMBER);
      g_assert_cmpuint (value.length, ==, strlen (integers[i].json));
      if (tg_json_value_get_int64 (&value, &n) != integers[i].fits)
        g_error ("%s: fits is not %d", integers[i].json, integers[i].fits);
      if (integers[i].fits)
        g_assert_cmpint (n, ==, integers[i].value);
      else
        g_assert_cmpint (n, ==, 77);
    }

  for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      TgJsonScanner scanner;
      TgJsonValue value;
      double d = -1;

      tg_json_scanner_init (&scanner, doubles[i].json, strlen (doubles[i].json));
      g_assert_true (tg_json_scanner_read (&scanner, &value));
      g_assert_true (tg_json_value_get_double (&value, &d));
      g_assert_cmpfloat (d, ==, doubles[i].value);
    }
}

static void
test_iterate (void)
{
  static const char json[] = " { \"a\" : [ 1 , \"two\" , [ ] , { \"x\" : null } , true ] , \"b\" : false } ";
  static const TgJsonType element_types[] = {
    TG_JSON_NUMBER, TG_JSON_STRING, TG_JSON_ARRAY, TG_JSON_OBJECT, TG_JSON_TRUE,
  };
  TgJsonScanner scanner, inner;
  TgJsonValue key, value;
  guint n = 0;

  tg_json_scanner_init (&scanner, json, strlen (json));
  g_assert_cmpint (tg_json_scanner_peek (&scanner), ==, TG_JSON_OBJECT);
  g_assert_true (tg_json_scanner_enter_object (&scanner));

  g_assert_true (tg_json_scanner_next_member (&scanner, &key));
  g_assert_true (tg_json_value_equal (&key, "a"));
  g_assert_cmpint (tg_json_scanner_peek (&scanner), ==, TG_JSON_ARRAY);
  g_assert_true (tg_json_scanner_read (&scanner, &value));
  g_assert_cmpint (value.type, ==, TG_JSON_ARRAY);
  g_assert_cmpuint (value.depth, ==, 1);
  g_assert_cmpint (value.start[0], ==, '[');
  g_assert_cmpint (value.start[value.length - 1], ==, ']');

  /* The array again, element by element. */
  tg_json_scanner_init_at (&inner, &scanner, &value);
  g_assert_true (tg_json_scanner_enter_array (&inner));
  while (tg_json_scanner_next_element (&inner))
    {
      TgJsonValue element;

      g_assert_cmpuint (n, <, G_N_ELEMENTS (element_types));
      g_assert_true (tg_json_scanner_read (&inner, &element));
      g_assert_cmpint (element.type, ==, element_types[n]);
      g_assert_cmpuint (element.depth, ==, 2);
      n++;
    }
  g_assert_cmpint (inner.error, ==, TG_JSON_SCAN_OK);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (element_types));

  g_assert_true (tg_json_scanner_next_member (&scanner, &key));
  g_assert_true (tg_json_value_equal (&key, "b"));
  g_assert_true (tg_json_scanner_read (&scanner, &value));
  g_assert_cmpint (value.type, ==, TG_JSON_FALSE);
  g_assert_false (tg_json_scanner_next_member (&scanner, &key));
  g_assert_cmpint (scanner.error, ==, TG_JSON_SCAN_OK);
  g_assert_cmpuint (scanner.depth, ==, 0);
  g_assert_true (tg_json_scanner_finish (&scanner));
}

static void
test_lookup (void)
{
  /* json-glib keeps the last of repeated members; so does lookup. Keys
   * match by their decoded text. */
  static const char json[] =
    "{\"model\":\"a\",\"usage\":{\"n\":1},\"model\":\"b\",\"other\":[{\"model\":\"c\"}],"
    "\"\\u0063ontent\":\"x\",\"nul\\u0000l\":1}";
  static const char * const names[] = { "model", "usage", "content", "absent", "nul" };
  static const char * const usage_names[] = { "n" };
  TgJsonScanner scanner, inner;
  TgJsonValue values[G_N_ELEMENTS (names)], n;
  gint64 count = 0;

  tg_json_scanner_init (&scanner, json, strlen (json));
  g_assert_true (tg_json_scanner_lookup (&scanner, names, G_N_ELEMENTS (names), values));
  g_assert_true (tg_json_scanner_finish (&scanner));
  g_assert_true (tg_json_value_equal (&values[0], "b"));
  g_assert_cmpint (values[1].type, ==, TG_JSON_OBJECT);
  g_assert_true (tg_json_value_equal (&values[2], "x"));
  g_assert_cmpint (values[3].type, ==, TG_JSON_NONE);
  g_assert_cmpint (values[4].type, ==, TG_JSON_NUMBER);

  tg_json_scanner_init_at (&inner, &scanner, &values[1]);
  g_assert_true (tg_json_scanner_lookup (&inner, usage_names, 1, &n));
  g_assert_true (tg_json_value_get_int64 (&n, &count));
  g_assert_cmpint (count, ==, 1);

  /* Not an object, or not valid: FALSE. */
  tg_json_scanner_init (&scanner, "[1]", 3);
  g_assert_false (tg_json_scanner_lookup (&scanner, names, 1, values));
  g_assert_cmpint (values[0].type, ==, TG_JSON_NONE);
  tg_json_scanner_init (&scanner, "{\"model\":\"a\",}", 14);
  g_assert_false (tg_json_scanner_lookup (&scanner, names, 1, values));
  g_assert_cmpint (scanner.error, ==, TG_JSON_SCAN_ERROR_SYNTAX);
}

/* Capture */

enum { CAP_A, CAP_B, CAP_ARR, CAP_C, CAP_X, N_CAP };
static const TgJsonWanted cap_b_members[] = { TG_JSON_WANTED ("c", CAP_C) };
static const TgJsonWanted cap_element_members[] = { TG_JSON_WANTED ("x", CAP_X) };
static const TgJsonWanted cap_wanted[] = {
  TG_JSON_WANTED ("a", CAP_A),
  TG_JSON_WANTED_IN ("b", CAP_B, FALSE, cap_b_members),
  TG_JSON_WANTED_IN ("arr", CAP_ARR, TRUE, cap_element_members),
};

static void
assert_same_value (const TgJsonValue *a,
                   const TgJsonValue *b)
{
  g_assert_cmpint (a->type, ==, b->type);
  if (a->type == TG_JSON_NONE)
    return;
  g_assert_true (a->start == b->start);
  g_assert_cmpuint (a->length, ==, b->length);
  g_assert_cmpuint (a->depth, ==, b->depth);
  g_assert_cmpuint (a->escaped, ==, b->escaped);
  g_assert_cmpuint (a->integer, ==, b->integer);
}

/* Captures @json; when capture takes it, the full scanner must accept it
 * and look up the very same values, nested ones included. */
static gboolean
capture (const char *json)
{
  static const char * const root_names[] = { "a", "b", "arr" };
  static const char * const c_name[] = { "c" };
  static const char * const x_name[] = { "x" };
  TgJsonScanner scanner, full, inner;
  TgJsonValue values[N_CAP], root[3], nested;
  gsize length = strlen (json);

  tg_json_scanner_init (&scanner, json, length);
  if (!tg_json_scanner_capture (&scanner, cap_wanted, G_N_ELEMENTS (cap_wanted), values, N_CAP))
    return FALSE;

  if (scan (json, length) != TG_JSON_SCAN_OK)
    g_error ("capture took what the scanner refuses: %s", json);
  tg_json_scanner_init (&full, json, length);
  g_assert_true (tg_json_scanner_lookup (&full, root_names, 3, root));
  for (guint i = 0; i < 3; i++)
    assert_same_value (&values[i], &root[i]);

  nested.type = TG_JSON_NONE;
  if (root[CAP_B].type == TG_JSON_OBJECT)
    {
      tg_json_scanner_init_at (&inner, &full, &root[CAP_B]);
      g_assert_true (tg_json_scanner_lookup (&inner, c_name, 1, &nested));
    }
  assert_same_value (&values[CAP_C], &nested);

  nested.type = TG_JSON_NONE;
  if (root[CAP_ARR].type == TG_JSON_ARRAY)
    {
      tg_json_scanner_init_at (&inner, &full, &root[CAP_ARR]);
      g_assert_true (tg_json_scanner_enter_array (&inner));
      if (tg_json_scanner_next_element (&inner))
        g_assert_true (tg_json_scanner_lookup (&inner, x_name, 1, &nested));
    }
  assert_same_value (&values[CAP_X], &nested);
  return TRUE;
}

static void
test_capture (void)
{
  /* Scalars valid and not, each where capture reads it: a wanted member,
   * an unwanted one, a nested wanted one, inside an array. */
  static const char * const scalars[] = {
    "0", "-0", "12", "-12", "1.5", "-1.5e10", "1E+2", "1e-2", "0.0", "123456789012345678901234567890",
    "true", "false", "null", "\"\"", "\"a\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\ud83d\\ude00\"",
    "\"é€😀\"", "\"\\u0000\"",
    "01", "1.", ".5", "-", "1e", "+1", "0x1", "tru", "nul", "True", "\"\\a\"", "\"\\u12\"", "\"\\ud800\"",
    "\"\xff\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"a\x01\"", "\"abc", "'a'", "[1,]", "{\"k\":1,}", "[", "{",
    "{\"k\" 1}", "{1:2}", "[1 2]", "", " ",
  };
  static const char * const shapes[] = {
    "{\"a\":%s}", "{\"z\":%s}", "{\"b\":{\"c\":%s}}", "{\"arr\":[{\"x\":%s}]}", "{\"z\":[%s,%s]}",
    " \t{ \"a\" : %s , \"z\" : [ %s ] }\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (scalars); i++)
    for (guint j = 0; j < G_N_ELEMENTS (shapes); j++)
      {
        g_autoptr(GString) json = g_string_new (shapes[j]);

        g_string_replace (json, "%s", scalars[i], 0);
        capture (json->str);
      }

  /* Strings of every length up to past two vectors, with a byte that needs
   * a closer look at each place; then at the very end of the data. */
  for (gsize length = 0; length < 40; length++)
    for (gsize at = 0; at <= length; at++)
      {
        static const char * const specials[] = { "\\n", "\\u00e9", "\xc3\xa9", "\x01", "\xff", "\\q", "\"" };

        for (guint k = 0; k < G_N_ELEMENTS (specials); k++)
          {
            g_autoptr(GString) text = g_string_new (NULL);
            g_autofree char *json = NULL;
            g_autofree char *tail = NULL;

            for (gsize n = 0; n < length; n++)
              g_string_append_c (text, n == at ? '#' : 'a' + n % 26);
            if (at < length)
              g_string_replace (text, "#", specials[k], 1);
            json = g_strdup_printf ("{\"a\":\"%s\",\"z\":1}", text->str);
            capture (json);
            tail = g_strdup_printf ("{\"z\":1,\"%s\":0}", text->str);
            capture (tail);
          }
      }

  /* What it takes, with the values lookup gives. */
  g_assert_true (capture ("{}"));
  g_assert_true (capture ("{\"a\":1,\"b\":{\"c\":\"x\",\"d\":[1,{}]},\"arr\":[{\"x\":true,\"y\":2}],\"z\":{\"a\":9}}"));
  g_assert_true (capture ("{\"arr\":[]}"));
  g_assert_true (capture ("{\"arr\":[ ]}"));
  g_assert_true (capture ("{\"arr\":{\"x\":1}}"));   /* no element: x is not looked for */
  g_assert_true (capture ("{\"b\":[{\"c\":1}]}"));   /* b is no element table */
  g_assert_true (capture ("{\"z\":1,\"z\":2}"));     /* repeats of what is not wanted */
  g_assert_true (capture ("{\"z\":{\"a\":1,\"a\":2},\"a\":3}"));
  g_assert_true (capture ("{\"z\":{\"\\u0061\":1}}"));  /* escaped keys where nothing is wanted: fine */

  /* What it leaves to the full read. */
  g_assert_false (capture ("{\"a\":1,\"a\":2}"));
  g_assert_false (capture ("{\"b\":{\"c\":1,\"c\":2}}"));
  g_assert_false (capture ("{\"\\u0061\":1}"));
  g_assert_false (capture ("{\"\\u0061x\":1}"));
  g_assert_false (capture ("{\"arr\":[{\"x\":1},{\"x\":2}]}"));
  g_assert_false (capture ("{\"arr\":[1]}"));
  g_assert_false (capture ("[]"));
  g_assert_false (capture ("{} {}"));
  g_assert_false (capture ("{}x"));

  /* Depth: declined past the limit (the full read says why), taken at it. */
  {
    g_autoptr(GString) json = g_string_new ("{\"z\":");

    for (guint i = 1; i < TG_JSON_SCAN_MAX_DEPTH; i++)
      g_string_append_c (json, '[');
    for (guint i = 1; i < TG_JSON_SCAN_MAX_DEPTH; i++)
      g_string_append_c (json, ']');
    g_string_append_c (json, '}');
    g_assert_true (capture (json->str));
    g_string_insert (json, 5, "[");
    g_string_insert (json, json->len - 1, "]");
    g_assert_false (capture (json->str));
  }
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/json-scan/valid", test_valid);
  g_test_add_func ("/json-scan/invalid", test_invalid);
  g_test_add_func ("/json-scan/error-position", test_error_position);
  g_test_add_func ("/json-scan/depth", test_depth);
  g_test_add_func ("/json-scan/strings", test_strings);
  g_test_add_func ("/json-scan/numbers", test_numbers);
  g_test_add_func ("/json-scan/iterate", test_iterate);
  g_test_add_func ("/json-scan/lookup", test_lookup);
  g_test_add_func ("/json-scan/capture", test_capture);

  return g_test_run ();
}
