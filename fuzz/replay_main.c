/*
 * Replays fuzz inputs through a target without libFuzzer, so every corpus
 * file (seeds and the reproducers of fixed bugs) runs in `make check`,
 * also under the sanitizer build.  usage: replay FILE|DIR...
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static int
run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (fp == NULL) {
		perror(path);
		return 1;
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		free(buf);
		return 1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, files = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		struct stat sb;
		struct dirent *de;
		DIR *d;

		if (stat(argv[i], &sb) != 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(sb.st_mode)) {
			bad |= run_file(argv[i]);
			files++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL)
			return 1;
		while ((de = readdir(d)) != NULL) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			bad |= run_file(path);
			files++;
		}
		closedir(d);
	}
	printf("%s: replayed %d inputs\n", argv[0], files);
	return bad;
}
