/*
 * Write N signed messages from D domains into a Maildir (new/), and the
 * key record to publish for every domain, for the batch benchmark.
 * usage: bench_gen MAILDIR N D > key-record.txt
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vouch/vouch.h>

int
main(int argc, char **argv)
{
	struct vouch_dkim_key *k;
	char path[4096], dom[64], msg[4096], *rec;
	int i, n, nd;

	if (argc != 4)
		return 64;
	n = atoi(argv[2]);
	nd = atoi(argv[3]);
	snprintf(path, sizeof(path), "%s/new", argv[1]);
	mkdir(argv[1], 0755);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/cur", argv[1]);
	mkdir(path, 0755);
	if (vouch_dkim_key_generate(VOUCH_DKIM_RSA, 2048, &k, NULL) != VOUCH_OK)
		return 70;
	rec = vouch_dkim_key_record(k, 0);
	printf("%s\n", rec);
	for (i = 0; i < n; i++) {
		struct vouch_dkim_sign_params p = { 0 };
		struct vouch_dkim_signer *s;
		char *h;
		size_t ml;
		FILE *fp;

		/* interleaved: consecutive messages come from different domains */
		snprintf(dom, sizeof(dom), "d%d.bench.test", i % nd);
		ml = (size_t)snprintf(msg, sizeof(msg), "From: user%d@%s\r\n"
		    "To: reader@example.net\r\nSubject: batch %d\r\n"
		    "Message-ID: <%d@%s>\r\n\r\n", i, dom, i, i, dom);
		while (ml < 3000)
			ml += (size_t)snprintf(msg + ml, sizeof(msg) - ml,
			    "Line of a batch message body for testing.\r\n");
		p.domain = dom;
		p.selector = "s1";
		p.key = k;
		p.header_canon = p.body_canon = VOUCH_DKIM_RELAXED;
		vouch_dkim_signer_new(&p, 1, &s, NULL);
		vouch_dkim_signer_feed(s, msg, ml);
		if (vouch_dkim_signer_finish(s, &h, NULL) != VOUCH_OK)
			return 70;
		snprintf(path, sizeof(path), "%s/new/%08d.bench", argv[1], i);
		if ((fp = fopen(path, "wb")) == NULL)
			return 73;
		fputs(h, fp);
		fwrite(msg, 1, ml, fp);
		fclose(fp);
		vouch_free(h);
		vouch_dkim_signer_free(s);
	}
	vouch_free(rec);
	vouch_dkim_key_free(k);
	return 0;
}
