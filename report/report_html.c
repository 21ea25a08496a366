/*
 * The domain owner's page: one self-contained HTML document (inline CSS
 * and SVG; its Content-Security-Policy forbids every fetch) with, per
 * policy domain, the daily volume by DMARC result, the sources that fail
 * with the cause and the fix, and the reporters.  Every string from a
 * report is escaped: reports are written by strangers.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_int.h"
#include "common/buf.h"

#define HTML_TOP_SOURCES 50
#define A(call) do { if ((call) != VOUCH_OK) b->cap = 0; } while (0)

static void
esc(struct vbuf *b, const char *s)
{
	for (; s != NULL && *s; s++)
		switch (*s) {
		case '<': A(vbuf_adds(b, "&lt;")); break;
		case '>': A(vbuf_adds(b, "&gt;")); break;
		case '&': A(vbuf_adds(b, "&amp;")); break;
		case '"': A(vbuf_adds(b, "&quot;")); break;
		case '\'': A(vbuf_adds(b, "&#39;")); break;
		default:
			A(vbuf_addc(b, (unsigned char)*s));
		}
}

static void
date(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, n, "%Y-%m-%d", &tm) ==
	    0)
		snprintf(buf, n, "?");
}

static double
pct(uint64_t part, uint64_t all)
{
	return all ? 100.0 * (double)part / (double)all : 0.0;
}

/* Stacked bars, one per day: pass below, fail above. */
static void
chart(struct vbuf *b, const struct vouch_report_day *d, size_t n)
{
	const double w = 860, h = 220, left = 60, top = 10, bottom = 30;
	double bw, max = 0;
	char d0[16], d1[16];
	size_t i;

	for (i = 0; i < n; i++)
		if ((double)(d[i].pass + d[i].fail) > max)
			max = (double)(d[i].pass + d[i].fail);
	if (n == 0 || max <= 0) {
		A(vbuf_adds(b, "<p class=\"none\">No messages in these "
		    "reports.</p>\n"));
		return;
	}
	bw = (w - left - 10) / (double)n;
	A(vbuf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
	    "role=\"img\" aria-label=\"messages per day by DMARC result\">\n",
	    w, h + top + bottom));
	A(vbuf_printf(b, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" "
	    "y2=\"%.0f\" class=\"axis\"/>\n", left, top + h, w - 10, top + h));
	A(vbuf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"lbl\" "
	    "text-anchor=\"end\">%.0f</text>\n", left - 6, top + 10, max));
	A(vbuf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"lbl\" "
	    "text-anchor=\"end\">0</text>\n", left - 6, top + h));
	for (i = 0; i < n; i++) {
		double hp = h * (double)d[i].pass / max,
		    hf = h * (double)d[i].fail / max,
		    x = left + (double)i * bw + bw * 0.1;
		char day[16];

		date(day, sizeof(day), d[i].day);
		A(vbuf_printf(b, "<g class=\"day\"><title>%s: %" PRIu64
		    " pass, %" PRIu64 " fail</title>", day, d[i].pass,
		    d[i].fail));
		A(vbuf_printf(b, "<rect class=\"pass\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\"/>", x, top + h - hp,
		    bw * 0.8, hp));
		A(vbuf_printf(b, "<rect class=\"fail\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\"/></g>\n", x,
		    top + h - hp - hf, bw * 0.8, hf));
	}
	date(d0, sizeof(d0), d[0].day);
	date(d1, sizeof(d1), d[n - 1].day);
	A(vbuf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"lbl\">%s"
	    "</text>\n<text x=\"%.0f\" y=\"%.0f\" class=\"lbl\" "
	    "text-anchor=\"end\">%s</text>\n</svg>\n", left, top + h + 20, d0,
	    w - 10, top + h + 20, d1));
}

static void
sources(struct vbuf *b, struct vouch_report_sum *s)
{
	const struct vouch_report_source *src;
	size_t n, i;

	src = vouch_report_sum_sources(s, &n);
	if (src == NULL || n == 0) {
		A(vbuf_adds(b, "<p class=\"none\">None: every message passed."
		    "</p>\n"));
	} else {
		A(vbuf_adds(b, "<table class=\"sources\"><thead><tr><th>source"
		    "</th><th>messages</th><th>fail</th><th></th><th>cause</th>"
		    "<th>what to do</th></tr></thead><tbody>\n"));
		for (i = 0; i < n && i < HTML_TOP_SOURCES; i++) {
			double f = pct(src[i].dmarc_fail, src[i].messages);

			A(vbuf_adds(b, "<tr><td class=\"ip\">"));
			esc(b, src[i].source_ip);
			A(vbuf_printf(b, "</td><td>%" PRIu64 "</td><td>%" PRIu64
			    "</td><td><svg class=\"bar\" viewBox=\"0 0 100 10\">"
			    "<rect class=\"pass\" width=\"100\" height=\"10\"/>"
			    "<rect class=\"fail\" width=\"%.1f\" height=\"10\"/>"
			    "</svg></td><td>", src[i].messages,
			    src[i].dmarc_fail, f));
			esc(b, src[i].cause);
			A(vbuf_adds(b, "</td><td>"));
			esc(b, src[i].fix != NULL ? src[i].fix :
			    "nothing: p=reject stops it");
			A(vbuf_adds(b, "</td></tr>\n"));
		}
		A(vbuf_adds(b, "</tbody></table>\n"));
		if (n > HTML_TOP_SOURCES)
			A(vbuf_printf(b, "<p class=\"none\">and %zu more "
			    "source(s).</p>\n", n - HTML_TOP_SOURCES));
	}
}

static void
domain(struct vbuf *b, struct vouch_report_sum *s)
{
	uint64_t msgs, pass, fail;
	size_t nrep, n, i;
	int64_t begin, end;
	const struct vouch_report_reporter *rep;
	const struct vouch_report_day *days;
	char d0[16], d1[16];

	vouch_report_sum_totals(s, &msgs, &pass, &fail, &nrep, &begin, &end);
	date(d0, sizeof(d0), begin);
	date(d1, sizeof(d1), end);
	A(vbuf_adds(b, "<section class=\"domain\">\n<h2>"));
	esc(b, vouch_report_sum_domain(s) != NULL ? vouch_report_sum_domain(s) :
	    "all domains");
	A(vbuf_printf(b, "</h2>\n<p class=\"totals\"><b>%" PRIu64 "</b> "
	    "messages from %s to %s, reported by %zu receiver(s): "
	    "<span class=\"ok\">%" PRIu64 " pass DMARC (%.1f%%)</span>, "
	    "<span class=\"bad\">%" PRIu64 " fail (%.1f%%)</span> &mdash; "
	    "what p=quarantine or p=reject would act on.</p>\n", msgs, d0, d1,
	    nrep, pass, pct(pass, msgs), fail, pct(fail, msgs)));
	A(vbuf_adds(b, "<h3>Messages per day</h3>\n"));
	days = vouch_report_sum_days(s, &n);
	chart(b, days, days != NULL ? n : 0);
	A(vbuf_adds(b, "<h3>Sources that fail DMARC</h3>\n"));
	sources(b, s);
	A(vbuf_adds(b, "<h3>Reporters</h3>\n<table class=\"reporters\"><thead>"
	    "<tr><th>receiver</th><th>reports</th><th>messages</th><th>pass"
	    "</th><th>fail</th></tr></thead><tbody>\n"));
	rep = vouch_report_sum_reporters(s, &n);
	for (i = 0; rep != NULL && i < n; i++) {
		A(vbuf_adds(b, "<tr><td>"));
		esc(b, rep[i].org_name);
		A(vbuf_printf(b, "</td><td>%" PRIu64 "</td><td>%" PRIu64
		    "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td></tr>\n",
		    rep[i].reports, rep[i].messages, rep[i].pass, rep[i].fail));
	}
	A(vbuf_adds(b, "</tbody></table>\n</section>\n"));
}

char *
vouch_report_html(struct vouch_report_sum *const *sums, size_t n)
{
	struct vbuf buf, *b = &buf;
	size_t i;

	vbuf_init(b, (size_t)1 << 30);
	A(vbuf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>DMARC aggregate reports</title>\n<style>\n"
	    "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;"
	    "max-width:960px;color:#222;padding:0 1em}\n"
	    "h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;"
	    "padding-bottom:.2em}h3{font-size:1.05em;margin-top:1.6em}\n"
	    ".ok{color:#1a7f37}.bad{color:#c62828}.none{color:#666}\n"
	    "svg.chart{width:100%;height:auto}svg .pass{fill:#2e9d4f}"
	    "svg .fail{fill:#d64545}svg .axis{stroke:#999}"
	    "svg .lbl{font-size:11px;fill:#555}\n"
	    "svg.bar{width:100px;height:10px}\n"
	    "table{border-collapse:collapse;width:100%;font-size:.92em}"
	    "th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid "
	    "#eee;vertical-align:top}td.ip{font-family:monospace}\n"
	    "</style>\n</head>\n<body>\n<h1>DMARC aggregate reports</h1>\n"));
	if (n == 0)
		A(vbuf_adds(b, "<p class=\"none\">No reports.</p>\n"));
	for (i = 0; i < n; i++)
		domain(b, sums[i]);
	A(vbuf_adds(b, "<footer class=\"none\"><p>Written by vouch report "
	    "read. A source fails DMARC when neither an aligned DKIM "
	    "signature nor aligned SPF passes.</p></footer>\n"
	    "</body>\n</html>\n"));
	return vbuf_done(b, b->cap == 0 ? VOUCH_E_NOMEM : VOUCH_OK);
}
