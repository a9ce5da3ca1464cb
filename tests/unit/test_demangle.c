/* Symbol names as printed: C++ demangled, ELF versions cut, anything else
 * left alone. */
#include "check.h"
#include "demangle.h"

#include <stdlib.h>
#include <string.h>

/* demangle_symbol(raw), or raw itself when it reads as it is. */
static void
expect(const char *raw, const char *want)
{
	char *got = demangle_symbol(raw);

	CHECK_STR(got != NULL ? got : raw, want);
	free(got);
}

int
main(void)
{
	char *huge;

	expect("main", "main");
	expect("pthread_cond_wait@@GLIBC_2.3.2", "pthread_cond_wait");
	expect("__libc_start_main@GLIBC_2.2.5", "__libc_start_main");
	expect("_ZN3app6Worker3runEv", "app::Worker::run()");
	expect("_ZN3app4spinIiEEvT_", "void app::spin<int>(int)");
	expect("_ZZN3app6Worker3runEvENKUlvE_clEv",
	       "app::Worker::run()::{lambda()#1}::operator()() const");
	/* GCC's clones keep their suffix, as c++filt shows it. */
	expect("_ZN3app4spinIiEEvT_.constprop.0", "void app::spin<int>(int) [clone .constprop.0]");
	/* A versioned C++ symbol (libstdc++ exports them so). */
	expect("_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE@@GLIBCXX_3.4.11",
	       "std::condition_variable::wait(std::unique_lock<std::mutex>&)");
	/* Not C++, or malformed: as it is. */
	expect("_Z", "_Z");
	expect("_Zgarbage", "_Zgarbage");
	expect("_Zgarbage@V1", "_Zgarbage");
	expect("spin_forever.cold", "spin_forever.cold");
	expect("@", "@");
	expect("", "");
	CHECK(demangle_symbol("main") == NULL);

	/* Too long to be worth demangling: left mangled, never cut. */
	huge = malloc(20001);
	memcpy(huge, "_ZN3app", 7);
	memset(huge + 7, 'x', 20000 - 7);
	huge[20000] = '\0';
	expect(huge, huge);
	free(huge);
	return check_done("test_demangle");
}
