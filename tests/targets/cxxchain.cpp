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

#include <condition_variable>
#include <mutex>
#include <pthread.h>

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

[[gnu::noinline]] void *
hot_thread(void *arg)
{
	Worker w(*static_cast<int *>(arg));

	pthread_setname_np(pthread_self(), "cx-hot");
	w.run();
	return nullptr;
}

[[gnu::noinline]] void *
wait_thread(void *arg)
{
	pthread_setname_np(pthread_self(), "cx-wait");
	static_cast<Mailbox<long> *>(arg)->take();
	return nullptr;
}

} // namespace app

int
main(int argc, char **argv)
{
	static int step;
	static app::Mailbox<long> box;
	pthread_t t;

	(void)argv;
	step = argc; // not a constant: no specialized clone of spin<int>
	target_init();
	pthread_setname_np(pthread_self(), "cx-main");
	if (pthread_create(&t, nullptr, app::wait_thread, &box) != 0 ||
	    pthread_create(&t, nullptr, app::hot_thread, &step) != 0)
		return 1;
	target_ready();
	for (;;)
		pause();
}
