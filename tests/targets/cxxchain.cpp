// A C++ process with known call chains, for the demangler: the frames are a
// namespace function, a class method, a lambda and a template instance, each
// noinline so that every one is a frame of its own.
//
//   cx-hot:  app::hot_thread(void*) -> app::Worker::run()
//            -> app::Worker::run()::{lambda()#1}::operator()() const
//            -> void app::spin<int>(int)                  (spins for ever)
//   cx-wait: app::wait_thread(void*) -> app::Mailbox<long>::take()
//            -> std::condition_variable::wait(...)        (blocked for ever)
//
// usage: cxxchain
#include "target.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace app
{

volatile unsigned long spin_counter;

template <typename T>
[[gnu::noinline]] void
spin(T step)
{
	for (;;)
		spin_counter += static_cast<unsigned long>(step);
}

class Worker
{
      public:
	explicit Worker(int step) : step_(step)
	{
	}
	[[gnu::noinline]] void run();

      private:
	int step_;
};

void
Worker::run()
{
	auto go = [this]() __attribute__((noinline))
	{
		spin<int>(step_);
	};
	go();
}

template <typename T> class Mailbox
{
      public:
	[[gnu::noinline]] T take();

      private:
	std::mutex lock_;
	std::condition_variable ready_;
	bool full_ = false;
	T value_{};
};

template <typename T>
T
Mailbox<T>::take()
{
	std::unique_lock<std::mutex> hold(lock_);

	while (!full_) // nobody ever puts
		ready_.wait(hold);
	full_ = false;
	return value_;
}

// What main waits for before it says ready: the hot thread under way, the
// waiting thread's id (main then watches it reach its futex wait).
std::atomic<bool> hot_started;
std::atomic<long> wait_tid;

[[gnu::noinline]] void *
hot_thread(void *arg)
{
	Worker w(*static_cast<int *>(arg));

	hot_started = true;
	w.run();
	return nullptr;
}

[[gnu::noinline]] void *
wait_thread(void *arg)
{
	wait_tid = syscall(SYS_gettid);
	static_cast<Mailbox<long> *>(arg)->take();
	return nullptr;
}

// Whether thread tid of this process sleeps in futex() (syscall 202).
static bool
in_futex(long tid)
{
	char path[64], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/syscall", tid);
	if ((f = fopen(path, "r")) == nullptr)
		return false;
	if (fgets(buf, sizeof(buf), f) == nullptr)
		buf[0] = 0;
	fclose(f);
	return strncmp(buf, "202 ", 4) == 0;
}

} // namespace app

int
main(int argc, char **argv)
{
	static int step;
	static app::Mailbox<long> box;
	pthread_t waiter, hot;
	struct timespec pause_a_little = {0, 1000000};

	(void)argv;
	step = argc; // not a constant: no specialized clone of spin<int>
	target_init();
	pthread_setname_np(pthread_self(), "cx-main");
	if (pthread_create(&waiter, nullptr, app::wait_thread, &box) != 0 ||
	    pthread_create(&hot, nullptr, app::hot_thread, &step) != 0)
		return 1;
	// Named from here, and ready only once both are where the test looks
	// for them: a thread naming itself may not have run yet on a busy box.
	pthread_setname_np(waiter, "cx-wait");
	pthread_setname_np(hot, "cx-hot");
	while (!app::hot_started || app::wait_tid == 0 || !app::in_futex(app::wait_tid))
		nanosleep(&pause_a_little, nullptr);
	target_ready();
	for (;;)
		pause();
}
