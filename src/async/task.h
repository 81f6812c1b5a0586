#pragma once
// Task<T>: a C++20 coroutine that runs on an async::Executor (executor.h).
//
//   async::Task<int> answer() { co_return 42; }
//   async::Task<void> greet()
//   {
//       const int n = co_await answer();        // runs answer() to its end first
//       co_await async::sleep(10ms);            // the executor runs others meanwhile
//       core::println("{}", n);
//   }
//   MUST(executor.spawn(greet(), "greeter"));
//
// A task is lazy: its body starts when it is awaited (by its parent) or
// spawned (then it is a root task, which the executor owns). Awaiting a
// child transfers control straight to it and back (symmetric transfer: no
// stack grows with a chain). The frame holds the coroutine's locals and comes
// from the kernel heap; if that fails, the Task is not valid(): spawning it
// returns an error, and awaiting it is a panic saying so.

#include <coroutine>
#include <cstddef>
#include <optional>
#include <utility>
#include "core/panic.h"

namespace async {

struct TaskRecord;

namespace detail {

struct PromiseBase {
    TaskRecord* record = nullptr;          // the root task this coroutine belongs to
    std::coroutine_handle<> continuation;  // who awaits it (null for a root)

    // The frame, from the kernel heap; null on failure, which makes the
    // call return get_return_object_on_allocation_failure().
    static void* operator new(size_t size) noexcept;
    static void operator delete(void* frame) noexcept;

    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
        bool await_ready() noexcept { return false; }
        template <typename Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept
        {
            return finish(self.promise());
        }
        void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { core::panic("an exception in a coroutine (the kernel has none)"); }

    // At the end of a body: the awaiting coroutine to resume, or, for a root
    // task, a note to its executor and nothing (executor.cpp).
    static std::coroutine_handle<> finish(PromiseBase& promise) noexcept;
};

[[noreturn]] void awaited_an_invalid_task();

template <typename Promise>
struct TaskAwaiter {
    std::coroutine_handle<Promise> child;

    bool await_ready() const noexcept { return false; }
    template <typename ParentPromise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<ParentPromise> parent) noexcept
    {
        child.promise().record = parent.promise().record;
        child.promise().continuation = parent;
        return child; // start (or go on with) the child; it comes back at its end
    }
};

} // namespace detail

template <typename T = void>
class [[nodiscard]] Task {
public:
    struct promise_type : detail::PromiseBase {
        std::optional<T> value;

        Task get_return_object() noexcept { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
        static Task get_return_object_on_allocation_failure() noexcept { return Task(); }
        template <typename U>
        void return_value(U&& result)
        {
            value.emplace(std::forward<U>(result));
        }
    };
    using Handle = std::coroutine_handle<promise_type>;

    Task() = default;
    Task(Task&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}
    Task& operator=(Task&& other) noexcept
    {
        if (this != &other) {
            if (m_handle)
                m_handle.destroy();
            m_handle = std::exchange(other.m_handle, nullptr);
        }
        return *this;
    }
    // Destroying a task that has not finished destroys its frame, and with
    // it the child tasks and awaitables it was suspended in (cancellation).
    ~Task()
    {
        if (m_handle)
            m_handle.destroy();
    }

    // False if the frame could not be allocated.
    bool valid() const { return static_cast<bool>(m_handle); }
    Handle release() { return std::exchange(m_handle, nullptr); }

    auto operator co_await() && noexcept
    {
        if (!m_handle)
            detail::awaited_an_invalid_task();
        struct Awaiter : detail::TaskAwaiter<promise_type> {
            T await_resume() { return std::move(*this->child.promise().value); }
        };
        return Awaiter{{m_handle}};
    }

private:
    explicit Task(Handle handle) : m_handle(handle) {}
    Handle m_handle;
};

template <>
class [[nodiscard]] Task<void> {
public:
    struct promise_type : detail::PromiseBase {
        Task get_return_object() noexcept { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
        static Task get_return_object_on_allocation_failure() noexcept { return Task(); }
        void return_void() noexcept {}
    };
    using Handle = std::coroutine_handle<promise_type>;

    Task() = default;
    Task(Task&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}
    Task& operator=(Task&& other) noexcept
    {
        if (this != &other) {
            if (m_handle)
                m_handle.destroy();
            m_handle = std::exchange(other.m_handle, nullptr);
        }
        return *this;
    }
    ~Task()
    {
        if (m_handle)
            m_handle.destroy();
    }

    bool valid() const { return static_cast<bool>(m_handle); }
    Handle release() { return std::exchange(m_handle, nullptr); }

    auto operator co_await() && noexcept
    {
        if (!m_handle)
            detail::awaited_an_invalid_task();
        struct Awaiter : detail::TaskAwaiter<promise_type> {
            void await_resume() noexcept {}
        };
        return Awaiter{{m_handle}};
    }

private:
    explicit Task(Handle handle) : m_handle(handle) {}
    Handle m_handle;
};

} // namespace async
