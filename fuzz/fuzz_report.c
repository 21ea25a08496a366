/*
 * The aggregate-report reader on untrusted bytes: XML (recover mode and
 * the repairs before it), gzip and zip (libarchive, bounded inflation),
 * mails (GMime's MIME walk).  Each report found is written as JSON and
 * summed; the sums become the HTML page.  The oracle: a report's JSON is
 * one line of valid structure (balanced, NUL-free), and the sum of its
 * records equals its messages count.
 */
#include <stdlib.h>
#include <string.h>

#include <vouch/vouch.h>
#include <vouch/report.h>
#include "fuzz_common.h"
#include "report/report_int.h"

static int
one(void *arg, const struct vouch_report_agg *r)
{
	char *j = vouch_report_agg_json(r);
	uint64_t sum = 0;
	size_t i;
	int depth = 0, in_str = 0;

	if (j != NULL) {
		for (i = 0; j[i] != '\0'; i++) {
			if (in_str) {
				if (j[i] == '\\')
					i++;
				else if (j[i] == '"')
					in_str = 0;
			} else if (j[i] == '"') {
				in_str = 1;
			} else if (j[i] == '{' || j[i] == '[') {
				depth++;
			} else if (j[i] == '}' || j[i] == ']') {
				depth--;
			}
			if (j[i] == '\n' || depth < 0)
				abort();	/* not one line of JSON */
		}
		if (depth != 0 || in_str)
			abort();
		free(j);
	}
	for (i = 0; i < r->nrecords; i++)
		sum = sum + r->records[i].count < sum ? UINT64_MAX :
		    sum + r->records[i].count;
	if (sum != r->messages)
		abort();
	vouch_report_sum_add(arg, r);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_report_sum *s = vouch_report_sum_new(NULL);
	char *page;

	if (s == NULL)
		return 0;
	vouch__report_read_mem(data, size, "fuzz", one, s);
	page = vouch_report_html(&s, 1);
	free(page);
	vouch_report_sum_free(s);
	return 0;
}
