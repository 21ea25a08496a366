/* Run a Check suite and turn its failures into the exit status. */
#ifndef VOUCH_CHECK_RUN_H
#define VOUCH_CHECK_RUN_H

#include <check.h>

static inline int
check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

#endif
