/*
 * A zone file read as its DNS server would read it, before the records are
 * linted: what the parser is lenient about and a server is not (a quoted
 * string left open, parentheses that do not balance) refuses the file,
 * and a TXT record written without quotes is named, since its words become
 * separate strings joined with nothing ("v=spf1" "include:x" "-all" is
 * "v=spf1include:x-all") and an unquoted ';' starts a comment.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lint_int.h"
#include "common/buf.h"
#include "common/util.h"

#define MAX_TOKENS 64		/* of one record kept for the checks */

struct tok {
	char text[256];		/* the start of the token, unescaped */
	int quoted;
};

struct rec {
	struct tok t[MAX_TOKENS];
	int n;			/* tokens kept (more are counted, not kept) */
	int line;		/* where the record starts */
	int owner_given;	/* the line starts with an owner */
	int comment_cut;	/* an unquoted ';' ended a TXT record's text */
	char owner[256];
};

struct scan {
	struct vouch_lint *l;
	const char *path;
	char owner[256];	/* the last owner, for lines without one */
	char origin[256];	/* $ORIGIN, without its final dot */
	struct rec r;
	int depth, depth_line, in_tok, started;
};

static void
tok_add(struct scan *s, char c)
{
	struct tok *t = &s->r.t[s->r.n];
	size_t k = strlen(t->text);

	if (k + 1 < sizeof(t->text)) {
		t->text[k] = c;
		t->text[k + 1] = '\0';
	}
}

static void
tok_start(struct scan *s, int quoted, int line)
{
	if (!s->started) {
		s->started = 1;
		s->r.line = line;
	}
	if (s->r.n < MAX_TOKENS - 1 && s->in_tok)
		s->r.n++;
	memset(&s->r.t[s->r.n], 0, sizeof(s->r.t[0]));
	s->r.t[s->r.n].quoted = quoted;
	s->in_tok = 1;
}

static void
tok_end(struct scan *s)
{
	if (s->in_tok && s->r.n < MAX_TOKENS - 1)
		s->r.n++;
	s->in_tok = 0;
}

static int
is_type(const char *w)
{
	return strcasecmp(w, "TXT") == 0 || strcasecmp(w, "SPF") == 0;
}

/* The record's text starts like an SPF, DKIM or DMARC record. */
static const char *
record_kind(const char *joined)
{
	if (strncasecmp(joined, "v=spf1", 6) == 0)
		return "SPF";
	if (strncasecmp(joined, "v=DKIM1", 7) == 0)
		return "DKIM";
	if (strncasecmp(joined, "v=DMARC1", 8) == 0)
		return "DMARC";
	return NULL;
}

/* The owner as a name: "@" is the origin, a relative name is under it. */
static void
owner_of(struct scan *s, const char *w)
{
	size_t n = strlen(w);

	if (strcmp(w, "@") == 0 && s->origin[0] != '\0')
		snprintf(s->owner, sizeof(s->owner), "%s", s->origin);
	else if (n > 0 && w[n - 1] == '.')
		snprintf(s->owner, sizeof(s->owner), "%.*s", (int)(n - 1), w);
	else if (s->origin[0] != '\0')
		snprintf(s->owner, sizeof(s->owner), "%.120s.%.120s", w,
		    s->origin);
	else
		snprintf(s->owner, sizeof(s->owner), "%s", w);
}

/* A complete record: a TXT record not quoted is said, with what a receiver
 * reads and how to write it. */
static void
record_done(struct scan *s)
{
	struct rec *r = &s->r;
	struct vbuf joined, spaced;
	const char *kind;
	int i, type = -1, unquoted = 0;

	if (r->n >= 2 && strcasecmp(r->t[0].text, "$ORIGIN") == 0) {
		snprintf(s->origin, sizeof(s->origin), "%s", r->t[1].text);
		if (s->origin[0] != '\0' &&
		    s->origin[strlen(s->origin) - 1] == '.')
			s->origin[strlen(s->origin) - 1] = '\0';
	}
	if (r->n == 0 || r->t[0].text[0] == '$')
		return;
	if (r->owner_given)
		owner_of(s, r->t[0].text);
	for (i = r->owner_given; i < r->n && i < 5; i++)
		if (!r->t[i].quoted && is_type(r->t[i].text)) {
			type = i;
			break;
		}
	if (type < 0 || type + 1 >= r->n)
		return;
	vbuf_init(&joined, 1u << 16);
	vbuf_init(&spaced, 1u << 16);
	for (i = type + 1; i < r->n; i++) {
		unquoted |= !r->t[i].quoted;
		vbuf_adds(&joined, r->t[i].text);
		if (i > type + 1)
			vbuf_addc(&spaced, ' ');
		vbuf_adds(&spaced, r->t[i].text);
	}
	kind = record_kind(vbuf_str(&joined));
	if (kind != NULL && unquoted && r->n - type - 1 > 1)
		lint_add(s->l, VOUCH_LINT_ERROR, "txt-unquoted", s->owner,
		    "RFC 1035 5.1", -1, "%s:%d: this %s record is split into "
		    "%d strings without spaces (it is not quoted): receivers "
		    "read \"%.120s\"; quote it: \"%.120s\"", s->path, r->line,
		    kind, r->n - type - 1, vbuf_str(&joined),
		    vbuf_str(&spaced));
	else if (kind != NULL && r->comment_cut && unquoted)
		lint_add(s->l, VOUCH_LINT_ERROR, "txt-unquoted", s->owner,
		    "RFC 1035 5.1", -1, "%s:%d: this %s record is not quoted, "
		    "and a ';' outside quotes starts a comment: the record "
		    "ends at \"%.120s\"; quote all of it", s->path, r->line,
		    kind, vbuf_str(&joined));
	vbuf_clear(&joined);
	vbuf_clear(&spaced);
}

static void
record_reset(struct scan *s)
{
	memset(&s->r, 0, sizeof(s->r));
	s->in_tok = 0;
	s->started = 0;
}

/* Is the record being read a TXT record (for a comment that cuts it)? */
static int
in_txt(const struct scan *s)
{
	int i;

	for (i = 0; i < s->r.n && i < 5; i++)
		if (!s->r.t[i].quoted && is_type(s->r.t[i].text))
			return 1;
	return 0;
}

static enum vouch_status
refuse(struct scan *s, int line, const char *what, struct vouch_error *err)
{
	return vouch__err(err, VOUCH_E_SYNTAX, "RFC 1035 5.1", -1, "%s:%d: "
	    "%s: a DNS server refuses this file (nsd-checkzone and named "
	    "stop here); fix it before linting", s->path, line, what);
}

/* One line (without its newline). */
static enum vouch_status
scan_line(struct scan *s, const char *p, int line, struct vouch_error *err)
{
	int quoted = 0;

	if (s->depth == 0) {
		record_reset(s);
		s->r.owner_given = *p != ' ' && *p != '\t' && *p != '\0' &&
		    *p != ';';
	}
	for (; *p != '\0' && *p != '\r'; p++) {
		if (quoted) {
			if (*p == '"') {
				quoted = 0;
				tok_end(s);
				continue;
			}
			if (*p == '\\' && p[1] != '\0')
				tok_add(s, *++p);
			else
				tok_add(s, *p);
			continue;
		}
		if (*p == ';') {
			if (s->in_tok || in_txt(s))
				s->r.comment_cut = in_txt(s);
			break;
		}
		if (*p == ' ' || *p == '\t') {
			tok_end(s);
		} else if (*p == '"') {
			tok_end(s);
			tok_start(s, 1, line);
			quoted = 1;
		} else if (*p == '(' || *p == ')') {
			tok_end(s);
			if (*p == '(' && s->depth++ == 0)
				s->depth_line = line;
			if (*p == ')' && --s->depth < 0)
				return refuse(s, line, "')' without '('", err);
		} else {
			if (!s->in_tok)
				tok_start(s, 0, line);
			if (*p == '\\' && p[1] != '\0')
				tok_add(s, *p++);
			tok_add(s, *p);
		}
	}
	if (quoted)
		return refuse(s, line, "a quoted string is not closed on its "
		    "line", err);
	tok_end(s);
	if (s->depth == 0)
		record_done(s);
	return VOUCH_OK;
}

enum vouch_status
lint_zone_text(struct vouch_lint *l, const char *path, struct vouch_error *err)
{
	struct scan *s = calloc(1, sizeof(*s));
	enum vouch_status st = VOUCH_OK;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;
	FILE *fp;

	if (s == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	if ((fp = fopen(path, "r")) == NULL) {
		free(s);
		return vouch__err(err, errno == ENOENT ? VOUCH_E_NOTFOUND :
		    VOUCH_E_IO, NULL, -1, "%s: %s", path, strerror(errno));
	}
	s->l = l;
	s->path = path;
	while (st == VOUCH_OK && (n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		st = scan_line(s, line, lineno, err);
	}
	if (st == VOUCH_OK && s->depth > 0)
		st = refuse(s, s->depth_line, "'(' never closed", err);
	free(line);
	fclose(fp);
	free(s);
	return st;
}
